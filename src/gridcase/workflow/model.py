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

from pydantic import Discriminator, Field, Tag

from gridcase.domain.actions import Action
from gridcase.domain.policy import RosterRules, Scope, VisitRules
from gridcase.domain.sourced import Slug, Sourced, Strict, Text
from gridcase.workflow.properties import Property

__all__ = [
    "SCHEMA_ID",
    "Category",
    "Clock",
    "Duration",
    "Effect",
    "Guards",
    "LadderLevel",
    "LadderMove",
    "MeetingSchedule",
    "RecordingRules",
    "Role",
    "RoleKind",
    "RoleScope",
    "RuleSet",
    "ScopeRule",
    "State",
    "Transition",
]

SCHEMA_ID = "gridcase.rules/1"


class Source(Strict):
    """The document a rule file encodes."""

    file: Annotated[str, Field(min_length=1)]
    """The document's file name in the seeds collection, e.g. ``003_d8627ed473e8692c.txt``."""
    title: Annotated[str, Field(min_length=1)]
    document_number: str | None = None
    """文号, e.g. 嘉马府发〔2023〕62号."""
    issued: date
    published: date | None = None


class Jurisdiction(Strict):
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


class RoleScope(StrEnum):
    """Which enterprises a person acting in a role may act for (the role's 范围).

    Every role of kind ``person`` must say it: the engine refuses a file that is silent
    rather than guess that anyone may act for any enterprise of the jurisdiction.
    """

    JURISDICTION = "jurisdiction"
    """Every enterprise of the jurisdiction (a district-wide leader, a hotline)."""
    GRID = "grid"
    """Only enterprises in a grid whose team the person is on, on the day of the step
    (Bijie: each township and each industry authority serves its own enterprises)."""
    RESPONSIBLE = "responsible"
    """Only enterprises the person is responsible for on the day of the step (Malu's
    butler: 一企一管家, 首问负责制)."""


class ScopeRule(Sourced):
    """A role's scope with the paragraph that sets it (``scope: {enterprises: grid, cite: …}``)."""

    enterprises: RoleScope


class Role(Sourced):
    name: Text
    kind: RoleKind
    scope: ScopeRule | None = None
    """Required for roles of kind ``person``; the other kinds are scoped by what they
    are (an enterprise acts for itself, a unit for the cases dispatched to it, an office
    for the jurisdiction)."""


class LadderLevel(Sourced):
    """One rung of the escalation ladder (officer → grid chief → leadership)."""

    level: Annotated[int, Field(ge=0)]
    role: Slug


# -- clocks -------------------------------------------------------------------------


class WorkingDays(Strict):
    working_days: Annotated[int, Field(ge=1, le=365)]


class CalendarDays(Strict):
    calendar_days: Annotated[int, Field(ge=1, le=366)]


class NextWorkingDayAt(Strict):
    """ "By 10:00 of the next working day" (Qingdao's daily triage)."""

    next_working_day_at: time


class FirstWorkingDayOfNextMonth(Strict):
    """ "On the first working day of every following month" (Malu's progress reports)."""

    first_working_day_of_next_month: Literal[True]


class DayOfMonth(Strict):
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


class MeetingSchedule(Strict):
    """When a body meets: every N weeks on a weekday, or monthly on its first working day.

    A meeting date that is not a working day moves to the next working day.
    """

    every_weeks: Annotated[int, Field(ge=1, le=8)] | None = None
    weekday: Weekday | None = None
    anchor: date | None = None
    """A date on which the series met; every ``every_weeks`` weeks from it."""
    monthly: Literal["first_working_day"] | None = None
    at: time = time(9, 0)


class Meeting(Strict):
    """Until the body's next meeting (Weifang's problem-solving group and executive meeting)."""

    meeting: MeetingSchedule


class WorkingDaysFromPayload(Strict):
    """A time limit set per case by the step that starts the clock (Bijie's 限时化解)."""

    working_days_from_payload: Slug
    """The payload field holding the number of working days."""


_DURATION_KINDS: dict[str, type[Strict]] = {
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


class RecordMiss(Sourced):
    """The miss is recorded (every expiry is); nothing else happens."""

    effect: Literal["record_miss"]


class EscalateEffect(Sourced):
    """The case goes one level up the ladder, by gridcase itself."""

    effect: Literal["escalate"]
    min_misses: Annotated[int, Field(ge=1)] = 1
    """Only from the N-th expiry of this clock on (Qingdao's "several times")."""


class PerformEffect(Sourced):
    """gridcase performs an action as ``system`` (e.g. auto-confirm after silence)."""

    effect: Literal["perform"]
    action: Action
    min_misses: Annotated[int, Field(ge=1)] = 1


class StartEffect(Sourced):
    """Other clocks start (e.g. monthly progress reports once the limit is missed)."""

    effect: Literal["start"]
    clocks: Annotated[list[Slug], Field(min_length=1)]


class RestartEffect(Sourced):
    """The clock starts again from its expiry, with the same duration."""

    effect: Literal["restart"]


Effect = Annotated[
    RecordMiss | EscalateEffect | PerformEffect | StartEffect | RestartEffect,
    Field(discriminator="effect"),
]


def _record_miss_only() -> list[Effect]:
    return [RecordMiss(effect="record_miss")]


class Clock(Sourced):
    name: Text
    duration: Duration
    on_expiry: list[Effect] = Field(default_factory=_record_miss_only)


class Category(Sourced):
    """A kind of matter, with its own time limits (Malu: consultation 5, coordination 15)."""

    name: Text
    clocks: dict[Slug, Duration | None] = Field(default_factory=dict)
    """Per-category durations of clocks; ``null`` means the clock does not run for this
    category (e.g. approval matters under a statutory limit outside the engine)."""


# -- states and transitions ----------------------------------------------------------


class State(Sourced):
    name: Text
    owner: Slug | None = None
    """The role that holds the case in this state, or ``ladder`` for whoever holds the
    current escalation level. Required unless the state is final."""
    final: bool = False


class Guards(Strict):
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


class Transition(Sourced):
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


# -- recording -----------------------------------------------------------------------


class RecordingRules(Sourced):
    """How far behind the engine's clock a step may be dated before it is a late entry.

    A command dated more than ``late_entry_tolerance_minutes`` before the moment the engine
    records it is refused unless it says why (``late_reason``); accepted, it is recorded
    as late with its reason, and every clock that ran out before it was recorded fires
    first, so a late entry never erases a miss (docs/auditing.md).
    """

    late_entry_tolerance_minutes: Annotated[int, Field(ge=0, le=7 * 24 * 60)] = 10


# -- the file -------------------------------------------------------------------------


class RuleSet(Strict):
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
    recording: RecordingRules = Field(default_factory=RecordingRules)
    """The late-entry policy; the default (10 minutes) applies where a file says nothing."""
    notes: list[str] = Field(default_factory=list)
    properties: dict[Slug, Property] = Field(default_factory=dict)
    """Promises the file makes about its cases, checked by ``gridcase rules prove``
    (:mod:`gridcase.workflow.properties`)."""
