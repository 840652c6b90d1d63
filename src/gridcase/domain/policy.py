"""The registry and visit policy of a rule file: scope, grids, teams, quotas, visits.

These sections of a rule file say which enterprises a jurisdiction serves, how its
grids and teams are shaped, how many enterprises one person may answer for, and what a
visit must be to be recorded and counted. The pure checks that apply them live in
:mod:`gridcase.domain.registry`; the rule file composes them in
:class:`gridcase.workflow.model.RuleSet`.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field

from gridcase.domain.organisation import OrganisationType
from gridcase.domain.sourced import Slug, Sourced, Text

__all__ = [
    "CadencePer",
    "EnterpriseLiaisons",
    "GridKind",
    "GridMembership",
    "LedgerDue",
    "LedgerSubmissionRule",
    "Quota",
    "RosterRules",
    "Scope",
    "TeamPosition",
    "VisitCadence",
    "VisitChannel",
    "VisitRules",
]


class Scope(Sourced):
    """Which enterprises the jurisdiction serves.

    Whether one enterprise is in scope on a day is a fact of the registry (it entered
    the scope on a date, for a reason, and may leave it); the rule file says which
    enterprises may never be served at all, and which tiers the list is divided into.
    """

    exclude_organisation_types: list[OrganisationType] = Field(default_factory=list)
    """Kinds of organisation the jurisdiction does not serve (Bijie: 不包括个体工商户、农村专业
    合作社 → ``[individual_business, farmers_cooperative]``). Registering or importing one
    is refused as out of scope, naming this rule."""
    only_organisation_types: list[OrganisationType] = Field(default_factory=list)
    """The only kinds of organisation the jurisdiction serves, when it names them (Bijie:
    辖区内所有存续的企业 → ``[enterprise]``: public institutions, social organisations and
    any organisation whose credit code names no known category are refused too). Empty:
    every kind not excluded."""
    tiers: dict[Slug, Text] = Field(default_factory=dict)
    """Named tiers of enterprises (Malu's district-level and town-level key enterprises;
    Weifang's target categories). When given, an enterprise's tier must be one of them."""


class Quota(Sourced):
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


class GridKind(Sourced):
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


class TeamPosition(Sourced):
    """A position in every grid's team (网格长, 副网格长, 网格员)."""

    name: Text
    role: Slug
    """The role a person must hold to take the position."""
    min: Annotated[int, Field(ge=0)] = 0
    """Reported when a grid has fewer (Qingdao: 2-3 officers → ``min: 2``); never
    enforced on a single step, since a team is built one person at a time."""
    max: Annotated[int, Field(ge=1)] | None = None
    """Enforced: one more is refused (Qingdao: one chief, ``max: 1``; officers ``max: 3``)."""


class EnterpriseLiaisons(Sourced):
    """People an enterprise names to speak for it (Weifang: 每个被联系企业确定1-2名联络员).

    A liaison acts in the rule file's roles of kind ``enterprise``, for that enterprise
    only, until withdrawn. Without this section no enterprise can name one.
    """

    max: Annotated[int, Field(ge=1, le=20)]
    """Enforced: naming one more active liaison is refused (Weifang: 1-2 → ``2``). The
    lower bound of such a range is a target for the enterprise, not a cap."""


class RosterRules(Sourced):
    """The shape of the jurisdiction's grids and team."""

    grid_kinds: dict[Slug, GridKind] = Field(default_factory=dict)
    """Kinds of grid; how many an enterprise sits in is ``grid_membership``."""
    grid_membership: GridMembership = GridMembership.ONE_PER_KIND
    required_grid_kinds: list[Slug] = Field(default_factory=list)
    """Kinds of grid every enterprise in scope must sit in (Bijie 横向到边、纵向到底: one
    vertical and one horizontal). An enterprise is registered before it is placed, so a
    missing grid is never refused; the registry (``missing_grid_kinds``) and coverage
    (``lacking_grid_kinds``) report it."""
    team: dict[Slug, TeamPosition] = Field(default_factory=dict)
    """Positions in a grid's team, e.g. ``chief`` (1), ``deputy_chief``, ``officer``
    (2-3). When empty, a grid's members may take any position their roles allow."""
    responsible_role: Slug
    """The role answerable for an enterprise (officer, butler, commissioner): only a
    person holding it can be made responsible for an enterprise or a project."""
    one_responsible_per_enterprise: bool = False
    """一企一管家 (Malu): assigning a responsible person replaces the previous one (per
    grid, where the enterprise is served per grid)."""
    shared_ranks: list[Slug] = Field(default_factory=list)
    """Ranks whose holders may serve one enterprise together ("多对一"; Weifang: only
    section-level cadres of the economic departments). When given, a person of any other
    rank serves one-to-one: nobody else may be responsible for that enterprise at once
    (in the same grid), and an assignment that would break this is refused."""
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


class VisitCadence(Sourced):
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


class LedgerDue(Sourced):
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


class LedgerSubmissionRule(Sourced):
    """Who sends a grid's monthly visit ledger (Bijie 五(五): 各乡镇（街道）、行业主管部门要明确专人（联络员）).

    A submission (``SubmitVisitLedger``) is accepted from an active person holding one
    of ``roles`` who, on the day it is sent, may act for the grid: a role scoped to
    grids must be on the grid's team that day, a role acting jurisdiction-wide may send
    any grid's ledger.
    """

    roles: Annotated[list[Slug], Field(min_length=1)]
    """The roles that may send a grid's ledger (each a role of the file)."""


class VisitRules(Sourced):
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
    ledger_submission: LedgerSubmissionRule | None = None
    """Who sends each grid's ledger (with ``ledger_due``: a ledger not sent by then is a
    finding); none: gridcase records no submission for the jurisdiction."""
