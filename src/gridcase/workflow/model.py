"""The schema of a rule file: one jurisdiction's handling path, as data.

A rule file says which states a case passes through, who may take which action in
which state, which clocks each step starts and stops, and what happens when a clock
runs out. It is YAML, read with a safe loader (data only), validated by these pydantic
models and then by :mod:`gridcase.workflow.checks`, and compiled into a state machine
by :mod:`gridcase.workflow.compiler`. The JSON Schema exported from :class:`RuleSet`
lets editors validate a file while people type it (``gridcase rules schema``).

Everything that encodes a source carries ``cite`` (the paragraph it encodes) or
``assumption`` (what the rule assumes where the source is silent, and why).
"""

from __future__ import annotations

from datetime import date, time
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

from gridcase.domain.actions import Action
from gridcase.domain.organisation import OrganisationType

__all__ = [
    "SCHEMA_ID",
    "CadencePer",
    "Category",
    "Clock",
    "Duration",
    "Effect",
    "EnterpriseLiaisons",
    "GridKind",
    "GridMembership",
    "Guards",
    "LadderLevel",
    "LadderMove",
    "LedgerDue",
    "MeetingSchedule",
    "Quota",
    "Role",
    "RoleKind",
    "RosterRules",
    "RuleSet",
    "Scope",
    "State",
    "TeamPosition",
    "Text",
    "Transition",
    "VisitCadence",
    "VisitChannel",
    "VisitRules",
]

SCHEMA_ID = "gridcase.rules/1"

Slug = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
"""Identifiers of states, roles, clocks, categories and flags: lower_snake_case."""

Citation = Annotated[str, Field(min_length=1, max_length=2000)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class _Sourced(_Strict):
    cite: Citation | None = None
    """The paragraph of the source document this encodes, e.g. ``六(二)``."""
    assumption: Citation | None = None
    """Where the source is silent: what is assumed, and why."""


class Text(_Strict):
    """A name in Chinese and English."""

    zh: Annotated[str, Field(min_length=1)]
    en: Annotated[str, Field(min_length=1)]


class Source(_Strict):
    """The document a rule file encodes."""

    file: Annotated[str, Field(min_length=1)]
    """The document's file name in the seeds collection, e.g. ``003_d8627ed473e8692c.txt``."""
    title: Annotated[str, Field(min_length=1)]
    document_number: str | None = None
    """文号, e.g. 嘉马府发〔2023〕62号."""
    issued: date
    published: date | None = None


class Jurisdiction(_Strict):
    id: Slug
    name: Text
    source: Source


class RoleKind(StrEnum):
    """Who stands behind a role, which decides who may act for it."""

    ENTERPRISE = "enterprise"
    """The case's own enterprise (or its registered liaison) acts."""
    UNIT = "unit"
    """A member of the case's responsible unit acts (a liaison, a department)."""
    OFFICE = "office"
    """A single body (the service platform, the industry development center)."""
    PERSON = "person"
    """A named person (officer, grid chief, leader): the owner, where one is set."""


class Role(_Sourced):
    name: Text
    kind: RoleKind


class LadderLevel(_Sourced):
    """One rung of the escalation ladder (officer → grid chief → leadership)."""

    level: Annotated[int, Field(ge=0)]
    role: Slug


# -- clocks -------------------------------------------------------------------------


class WorkingDays(_Strict):
    working_days: Annotated[int, Field(ge=1, le=365)]


class CalendarDays(_Strict):
    calendar_days: Annotated[int, Field(ge=1, le=366)]


class NextWorkingDayAt(_Strict):
    """ "By 10:00 of the next working day" (Qingdao's daily triage)."""

    next_working_day_at: time


class FirstWorkingDayOfNextMonth(_Strict):
    """ "On the first working day of every following month" (Malu's progress reports)."""

    first_working_day_of_next_month: Literal[True]


class DayOfMonth(_Strict):
    """A fixed day of the next month (Bijie's ledger "before the 27th")."""

    day_of_month: Annotated[int, Field(ge=1, le=31)]
    roll: Literal["none", "forward", "backward"] = "none"


class Weekday(StrEnum):
    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"

    @property
    def number(self) -> int:
        return list(Weekday).index(self)


class MeetingSchedule(_Strict):
    """When a body meets: every N weeks on a weekday, or monthly on its first working day.

    A meeting date that is not a working day moves to the next working day.
    """

    every_weeks: Annotated[int, Field(ge=1, le=8)] | None = None
    weekday: Weekday | None = None
    anchor: date | None = None
    """A date on which the series met; every ``every_weeks`` weeks from it."""
    monthly: Literal["first_working_day"] | None = None
    at: time = time(9, 0)


class Meeting(_Strict):
    """Until the body's next meeting (Weifang's problem-solving group and executive meeting)."""

    meeting: MeetingSchedule


class WorkingDaysFromPayload(_Strict):
    """A time limit set per case by the step that starts the clock (Bijie's 限时化解)."""

    working_days_from_payload: Slug
    """The payload field holding the number of working days."""


_DURATION_KINDS: dict[str, type[_Strict]] = {
    "working_days": WorkingDays,
    "calendar_days": CalendarDays,
    "next_working_day_at": NextWorkingDayAt,
    "first_working_day_of_next_month": FirstWorkingDayOfNextMonth,
    "day_of_month": DayOfMonth,
    "meeting": Meeting,
    "working_days_from_payload": WorkingDaysFromPayload,
}


def _duration_kind(value: Any) -> str | None:
    """Pick the kind of a duration by its key, so errors speak of that kind only.

    The tags are the class names, never a data key: pydantic puts the tag into an
    error's location, and a tag equal to a key would point at the wrong line.
    """
    if isinstance(value, dict):
        kinds = [k for k in _DURATION_KINDS if k in value]
        return _DURATION_KINDS[kinds[0]].__name__ if len(kinds) == 1 else None
    for cls in _DURATION_KINDS.values():
        if isinstance(value, cls):
            return cls.__name__
    return None


Duration = Annotated[
    Annotated[WorkingDays, Tag("WorkingDays")]
    | Annotated[CalendarDays, Tag("CalendarDays")]
    | Annotated[NextWorkingDayAt, Tag("NextWorkingDayAt")]
    | Annotated[FirstWorkingDayOfNextMonth, Tag("FirstWorkingDayOfNextMonth")]
    | Annotated[DayOfMonth, Tag("DayOfMonth")]
    | Annotated[Meeting, Tag("Meeting")]
    | Annotated[WorkingDaysFromPayload, Tag("WorkingDaysFromPayload")],
    Discriminator(
        _duration_kind,
        custom_error_type="duration_kind",
        custom_error_message="a duration needs exactly one of: " + ", ".join(_DURATION_KINDS),
    ),
]


class RecordMiss(_Sourced):
    """The miss is recorded (every expiry is); nothing else happens."""

    effect: Literal["record_miss"]


class EscalateEffect(_Sourced):
    """The case goes one level up the ladder, by gridcase itself."""

    effect: Literal["escalate"]
    min_misses: Annotated[int, Field(ge=1)] = 1
    """Only from the N-th expiry of this clock on (Qingdao's "several times")."""


class PerformEffect(_Sourced):
    """gridcase performs an action as ``system`` (e.g. auto-confirm after silence)."""

    effect: Literal["perform"]
    action: Action
    min_misses: Annotated[int, Field(ge=1)] = 1


class StartEffect(_Sourced):
    """Other clocks start (e.g. monthly progress reports once the limit is missed)."""

    effect: Literal["start"]
    clocks: Annotated[list[Slug], Field(min_length=1)]


class RestartEffect(_Sourced):
    """The clock starts again from its expiry, with the same duration."""

    effect: Literal["restart"]


Effect = Annotated[
    RecordMiss | EscalateEffect | PerformEffect | StartEffect | RestartEffect,
    Field(discriminator="effect"),
]


def _record_miss_only() -> list[Effect]:
    return [RecordMiss(effect="record_miss")]


class Clock(_Sourced):
    name: Text
    duration: Duration
    on_expiry: list[Effect] = Field(default_factory=_record_miss_only)


class Category(_Sourced):
    """A kind of matter, with its own time limits (Malu: consultation 5, coordination 15)."""

    name: Text
    clocks: dict[Slug, Duration | None] = Field(default_factory=dict)
    """Per-category durations of clocks; ``null`` means the clock does not run for this
    category (e.g. approval matters under a statutory limit outside the engine)."""


# -- states and transitions ----------------------------------------------------------


class State(_Sourced):
    name: Text
    owner: Slug | None = None
    """The role that holds the case in this state, or ``ladder`` for whoever holds the
    current escalation level. Required unless the state is final."""
    final: bool = False


class Guards(_Strict):
    """Conditions a step must meet, from a closed vocabulary (no expressions, no code)."""

    reason: bool = False
    """A non-empty reason must be given (a return, a rejection)."""
    payload: list[Slug] = Field(default_factory=list)
    """Payload fields that must be present (e.g. ``unit`` for a dispatch)."""
    payload_true: list[Slug] = Field(default_factory=list)
    """Boolean payload fields that must be true (e.g. ``sealed`` for a written reply)."""
    flags_any: list[Slug] = Field(default_factory=list)
    """At least one of these flags must be set (a sign-off needs ``rated`` or
    ``internal_sign_off_approved``)."""
    flags_all: list[Slug] = Field(default_factory=list)
    flags_none: list[Slug] = Field(default_factory=list)
    new_unit: bool = False
    """The payload's unit must differ from the case's current unit (a redispatch)."""


class LadderMove(StrEnum):
    KEEP = "keep"
    UP = "up"
    RESET = "reset"


class Transition(_Sourced):
    action: Action
    from_: list[Slug] = Field(default_factory=list, alias="from")
    """States the action is allowed in; empty only for ``submit``."""
    to: Slug | None = None
    """The state after the action; omitted means the case stays where it is."""
    by: Annotated[list[Slug], Field(min_length=1)]
    """Roles that may take the action (``system`` for gridcase itself)."""
    guards: Guards = Field(default_factory=Guards)
    when: dict[Slug, Annotated[list[str | int | bool], Field(min_length=1)]] = Field(
        default_factory=dict
    )
    """Payload values this transition is for, when one action leads to different states
    by what it says (a rating of ``unsatisfied`` leads to a written reply). Several
    transitions for one action and state must differ in ``when``; the first that
    matches is taken, and one without ``when`` may come last as the default."""
    start: list[Slug] = Field(default_factory=list)
    stop: list[Slug] = Field(default_factory=list)
    restart: list[Slug] = Field(default_factory=list)
    """Clocks stopped and started afresh (started even if they were not running)."""
    renew: list[Slug] = Field(default_factory=list)
    """Clocks started afresh only if they are running (a progress report renews the
    monthly reporting obligation, but does not create one)."""
    set: list[Slug] = Field(default_factory=list)
    clear: list[Slug] = Field(default_factory=list)
    ladder: LadderMove | None = None
    """How the escalation level moves; ``escalate`` always moves up."""


# -- enterprises, rosters and visits (used by the registry and coverage) --------------


class Scope(_Sourced):
    """Which enterprises the jurisdiction serves.

    Whether one enterprise is in scope on a day is a fact of the registry (it entered
    the scope on a date, for a reason, and may leave it); the rule file says which
    enterprises may never be served at all, and which tiers the list is divided into.
    """

    exclude_organisation_types: list[OrganisationType] = Field(default_factory=list)
    """Kinds of organisation the jurisdiction does not serve (Bijie: 不包括个体工商户、农村专业
    合作社 → ``[individual_business, farmers_cooperative]``). Registering or importing one
    is refused as out of scope, naming this rule."""
    tiers: dict[Slug, Text] = Field(default_factory=dict)
    """Named tiers of enterprises (Malu's district-level and town-level key enterprises;
    Weifang's target categories). When given, an enterprise's tier must be one of them."""


class Quota(_Sourced):
    """How many enterprises and projects one person of a rank may serve at once.

    Counted over the person's open assignments as responsible person; an assignment
    that would exceed any of the three caps is refused, naming the quota.
    """

    name: Text
    enterprises: Annotated[int, Field(ge=0)] | None = None
    """At most this many enterprises (厅级干部: 4); ``null``: no separate cap."""
    projects: Annotated[int, Field(ge=0)] | None = None
    """At most this many projects (厅级干部: 3); ``null``: no separate cap."""
    combined: Annotated[int, Field(ge=0)] | None = None
    """A cap on enterprises and projects together (section-level: 1-2 either → ``2``)."""


class GridKind(_Sourced):
    """A kind of grid: Bijie's vertical (industry authority) and horizontal (township)
    grids, Qingdao's incubator and location grids, Yingkou's department grids."""

    name: Text


class GridMembership(StrEnum):
    """How many grids one enterprise sits in."""

    ONE_PER_KIND = "one_per_kind"
    """One grid of every kind at once (Bijie: one vertical and one horizontal grid).
    Joining a grid leaves the enterprise's previous grid of the same kind."""
    ONE_GRID = "one_grid"
    """One grid in all, of whichever kind (Qingdao: an incubator grid *or* a location
    grid). Joining a grid leaves the enterprise's previous grid."""


class TeamPosition(_Sourced):
    """A position in every grid's team (网格长, 副网格长, 网格员)."""

    name: Text
    role: Slug
    """The role a person must hold to take the position."""
    min: Annotated[int, Field(ge=0)] = 0
    """Reported when a grid has fewer (Qingdao: 2-3 officers → ``min: 2``); never
    enforced on a single step, since a team is built one person at a time."""
    max: Annotated[int, Field(ge=1)] | None = None
    """Enforced: one more is refused (Qingdao: one chief, ``max: 1``; officers ``max: 3``)."""


class EnterpriseLiaisons(_Sourced):
    """People an enterprise names to speak for it (Weifang: 每个被联系企业确定1-2名联络员).

    A liaison acts in the rule file's roles of kind ``enterprise``, for that enterprise
    only, until withdrawn. Without this section no enterprise can name one.
    """

    max: Annotated[int, Field(ge=1, le=20)]
    """Enforced: naming one more active liaison is refused (Weifang: 1-2 → ``2``). The
    lower bound of such a range is a target for the enterprise, not a cap."""


class RosterRules(_Sourced):
    """The shape of the jurisdiction's grids and team."""

    grid_kinds: dict[Slug, GridKind] = Field(default_factory=dict)
    """Kinds of grid; how many an enterprise sits in is ``grid_membership``."""
    grid_membership: GridMembership = GridMembership.ONE_PER_KIND
    team: dict[Slug, TeamPosition] = Field(default_factory=dict)
    """Positions in a grid's team, e.g. ``chief`` (1), ``deputy_chief``, ``officer``
    (2-3). When empty, a grid's members may take any position their roles allow."""
    responsible_role: Slug
    """The role answerable for an enterprise (officer, butler, commissioner): only a
    person holding it can be made responsible for an enterprise or a project."""
    one_responsible_per_enterprise: bool = False
    """一企一管家 (Malu): assigning a responsible person replaces the previous one (per
    grid, where the enterprise is served per grid)."""
    quotas: dict[Slug, Quota] = Field(default_factory=dict)
    """Per rank (Weifang's commissioners: ``department_level``, ``city_department_head``
    …); a person's ``rank`` in the roster selects the quota."""
    one_per_unit: list[Slug] = Field(default_factory=list)
    """Roles of which each unit has at most one active holder at a time (Qingdao: 各部门
    … 应相对固定1名联络员, 做到一门受理、专人负责 → ``[department]``). A second person
    registered in such a role for the same unit is refused until the first hands over
    (changes role or unit, or leaves the roster)."""
    require_map_number: bool = False
    """Every enterprise carries a number on the jurisdiction's map, one number per
    enterprise (Yingkou: 将所有企业落于地图并为之编号, 实现号码和企业一一对应). Numbers are unique
    within the jurisdiction whether or not this is set; when set, an import row
    without one is refused."""
    enterprise_liaisons: EnterpriseLiaisons | None = None
    """Whether, and how many, liaisons (企业联络员) an enterprise may name to act for it."""


class VisitChannel(StrEnum):
    """How a visit (走访) reached the enterprise."""

    ON_SITE = "on_site"
    """实地走访 / 现场办公."""
    PHONE = "phone"
    """电话回访."""
    WECHAT = "wechat"
    """微信."""
    QUESTIONNAIRE = "questionnaire"
    """问卷调查."""


def _all_channels() -> list[VisitChannel]:
    return list(VisitChannel)


class CadencePer(StrEnum):
    """Who the cadence asks a visit of, in each unit."""

    ENTERPRISE = "enterprise"
    """Every enterprise in scope (Yingkou, Bijie: 对辖区内所有企业全覆盖走访; Weifang)."""
    GRID = "grid"
    """Every grid: a visit by its team to any one of its enterprises (Qingdao's weekly
    rhythm, 周周有走访, is the grids' rhythm, not a weekly call on every enterprise)."""


class VisitCadence(_Sourced):
    """How often visits are owed, by whom, from when, and which visits count.

    Exactly one of ``every_weeks`` and ``every_months``. Coverage for a month asks, for
    every unit of the cadence in that month (the month itself, or each ISO week whose
    Thursday falls in it), whether a counting visit fell in the window of ``every_*``
    units ending with that unit: to each enterprise, or to any enterprise of each grid
    (``per``). A window that begins before ``from`` owes nothing (docs/roster.md).
    """

    every_weeks: Annotated[int, Field(ge=1, le=52)] | None = None
    """Qingdao: 周周有走访 → ``1``."""
    every_months: Annotated[int, Field(ge=1, le=12)] | None = None
    """Yingkou, Bijie: monthly → ``1``; Weifang: on site at least every two months → ``2``."""
    per: CadencePer = CadencePer.ENTERPRISE
    """``enterprise`` (default): every enterprise in scope is owed a visit in every window.
    ``grid``: every grid with an enterprise in scope is owed one visit, by its team, to
    any of its enterprises (Qingdao)."""
    from_: date | None = Field(default=None, alias="from")
    """The day the duty starts (Bijie: 从8月起 → ``2021-08-01``). Windows that begin before
    it owe nothing, so the first window owed is the first whole one from that day (a
    duty of every two months from August is first owed at the end of September).
    Without it, every window is owed."""
    counting_channels: list[VisitChannel] = Field(default_factory=_all_channels)
    """Only visits by these channels count towards the cadence (Weifang: ``[on_site]``;
    the phone and WeChat contacts in between are recorded but do not count)."""


class LedgerDue(_Sourced):
    """When a month's visit ledger (走访台账) is due at the office it is reported to.

    Bijie 五(五): 于每月27日前将贵人服务走访服务企业台账（附件3）报区优化营商环境工作领导小组办公室
    → ``{day_of_month: 27, before: true}``. The ledger itself is a view of the recorded
    visits (``gridcase visits ledger``); this only says by when it is to be sent.
    """

    day_of_month: Annotated[int, Field(ge=1, le=31)]
    """The day named by the source; a month without it (the 31st in April) uses its last day."""
    before: bool = False
    """``true``: due *before* that day begins (27日前: by 24:00 on the 26th). ``false``:
    due by 24:00 of that day."""
    month: Literal["same", "next"] = "same"
    """The month the day falls in, counted from the ledger's month: the ledger of March
    is due in March (``same``) or in April (``next``)."""
    roll: Literal["none", "forward", "backward"] = "none"
    """Where the source speaks of working days: a last day that is not a working day
    moves to the next (``forward``) or previous (``backward``) working day of the
    jurisdiction's calendar. ``none``: a calendar day, whatever day of the week."""


class VisitRules(_Sourced):
    """What a visit must be and carry to be recorded."""

    cadence: VisitCadence
    channels: list[VisitChannel] = Field(default_factory=_all_channels)
    """The channels a visit may be recorded by; another is refused."""
    forbid_inspection: bool = False
    """严禁将上门服务变味为检查工作 (Bijie): a visit recorded with purpose ``inspection`` is refused."""
    require_evidence: bool = False
    """走访服务过程要有记录、图片等相关印证资料 (Bijie): a visit without evidence is refused."""
    ledger_due: LedgerDue | None = None
    """When each month's visit ledger is due (Bijie: before the 27th); none: no rhythm."""


# -- the file -------------------------------------------------------------------------


class RuleSet(_Strict):
    """One version of one jurisdiction's rules."""

    schema_: Literal["gridcase.rules/1"] = Field(alias="schema")
    jurisdiction: Jurisdiction
    version: Annotated[str, Field(min_length=1, max_length=64)]
    effective: date
    """The day from which cases submitted are handled under this version."""
    calendar: str = "national"
    """``national`` or a local calendar file under ``rules/calendars/``."""
    roles: dict[Slug, Role]
    ladder: list[LadderLevel] = Field(default_factory=list)
    categories: Annotated[dict[Slug, Category], Field(min_length=1)]
    clocks: dict[Slug, Clock] = Field(default_factory=dict)
    states: Annotated[dict[Slug, State], Field(min_length=1)]
    transitions: Annotated[list[Transition], Field(min_length=1)]
    scope: Scope | None = None
    roster: RosterRules | None = None
    visits: VisitRules | None = None
    notes: list[str] = Field(default_factory=list)
