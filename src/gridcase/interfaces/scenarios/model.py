"""The scenario file format (``gridcase.scenario/1``), as pydantic models.

A scenario is a case history written in advance by the people who change a rule: who
does what, when, and what the case must look like after each step. It is YAML, read
with :func:`gridcase.kernel.yamldata.read_yaml` (so every problem names the file and line),
validated by these models and then against the rule file it runs on
(:mod:`gridcase.interfaces.scenarios.loader`). The JSON Schema exported from :class:`Scenario`
(``gridcase scenario schema``) lets an editor check a file while it is typed.

Moments are China time: ``2026-02-10T09:00+08:00``; a moment without an offset is China
time, a bare date is 00:00 of that day, and ``2026-02-27T24:00`` (the end of a day, as
the Civil Code counts it) is accepted and means 00:00 of the 28th.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    WithJsonSchema,
)

from gridcase.domain.actions import Action, Channel
from gridcase.domain.enterprise import ScopeEntry, ScopeExit
from gridcase.domain.organisation import OrganisationType
from gridcase.kernel.clock import CST

__all__ = [
    "SCENARIO_SCHEMA_ID",
    "STEP_TAGS",
    "ActStep",
    "AdvanceStep",
    "ClockExpect",
    "EnterpriseEntry",
    "Expect",
    "GridEntry",
    "GridMemberEntry",
    "LiaisonEntry",
    "OwnerExpect",
    "PersonEntry",
    "ProjectEntry",
    "Refusal",
    "ResponsibleEntry",
    "RosterSection",
    "Scenario",
    "ScenarioStep",
    "ScopeLeave",
    "SubmitStep",
    "parse_moment",
]

SCENARIO_SCHEMA_ID = "gridcase.scenario/1"

_END_OF_DAY = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ]24:00(?::00)?(.*)$")


def parse_moment(value: object) -> object:
    """Read a moment the way an official writes it; anything else is left for pydantic to refuse.

    A scenario is written by hand, so "24:00 of the due date" is allowed, and a moment
    without an offset is taken as China time (the only time a Chinese rule speaks of)
    rather than refused.
    """
    if isinstance(value, datetime):
        return value.replace(tzinfo=CST) if value.tzinfo is None else value.astimezone(CST)
    if isinstance(value, date):
        return datetime.combine(value, time(0, 0), tzinfo=CST)
    if not isinstance(value, str):
        return value
    text = value.strip()
    end = _END_OF_DAY.match(text)
    if end:
        try:
            next_day = date.fromisoformat(end[1]) + timedelta(days=1)
        except ValueError:
            raise ValueError(f"{value!r} is not a date and time") from None
        text = f"{next_day.isoformat()}T00:00{end[2]}"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{value!r} is not an ISO 8601 moment (write e.g. 2026-02-10T09:00+08:00)"
        ) from None
    return moment.replace(tzinfo=CST) if moment.tzinfo is None else moment.astimezone(CST)


Moment = Annotated[
    datetime,
    BeforeValidator(parse_moment),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$",
            "description": "ISO 8601 moment, China time unless an offset is given; "
            "a bare date is 00:00; 24:00 means the end of that day",
        }
    ),
]
"""A moment in China Standard Time."""

Day = Annotated[
    date,
    WithJsonSchema({"type": "string", "format": "date", "description": "YYYY-MM-DD"}),
]

Name = Annotated[str, Field(min_length=1, max_length=200)]
CaseName = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=64)]
"""How later steps refer to a case the scenario submitted (``c1``, ``rates-unsatisfied``)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# -- the roster ---------------------------------------------------------------------


class ResponsibleEntry(_Strict):
    """Who answers for an enterprise (officer, butler, commissioner), overall or in one grid."""

    person: Name
    grid: str | None = None


class ScopeLeave(_Strict):
    """The enterprise leaves the scope on a day (moved out, deregistered, delisted)."""

    on: Day
    basis: ScopeExit
    reason: Name


class LiaisonEntry(_Strict):
    """A liaison the enterprise names (Weifang's 企业联络员), acting as ``<credit code>/<id>``."""

    id: Name
    """The portal's id for the liaison (letters, digits, ``_ . -``)."""
    name: Name
    withdrawn: Name | None = None
    """The reason, if the liaison is withdrawn at once after being named (a former liaison)."""


class EnterpriseEntry(_Strict):
    """An enterprise registered in the jurisdiction before the first step."""

    credit_code: Name
    """Its unified social credit code (checked: GB 32100-2015)."""
    name: Name
    in_scope_from: Day | None = None
    """The day it entered the scope; default: the day the scenario starts."""
    tier: str | None = None
    """A tier of the rule file's ``scope.tiers`` (Malu: ``district_key``, ``town_key``)."""
    basis: ScopeEntry = ScopeEntry.LISTED
    """Why it entered the scope (Qingdao: ``completion_and_production``, ``tenant_moved_in`` …)."""
    reason: Name = "listed"
    leaves_scope: ScopeLeave | None = None
    organisation_type: OrganisationType | None = None
    industry: str | None = None
    location: str | None = None
    grids: list[str] = Field(default_factory=list)
    """Grids of the ``grids`` section the enterprise is put into (from the day it is in scope)."""
    map_number: str | int | None = None
    """Its number on the map (Yingkou)."""
    responsible: list[Name | ResponsibleEntry] = Field(default_factory=list)
    """People made responsible for it: a person id, or ``{person, grid}``."""
    liaisons: list[LiaisonEntry] = Field(default_factory=list)
    """Liaisons it names at the start, in order (each withdrawn at once if ``withdrawn``)."""


class GridMemberEntry(_Strict):
    """A person in a grid's team, in a position of the rule file's ``roster.team``."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    person: Name
    position: Name
    from_: Day | None = Field(default=None, alias="from")
    """Default: the day the scenario starts."""


class GridEntry(_Strict):
    """A grid of one of the rule file's grid kinds, with its team."""

    id: Name
    kind: Name
    name: Name
    unit: str | None = None
    members: list[GridMemberEntry] = Field(default_factory=list)


class ProjectEntry(_Strict):
    """A major project (Weifang), with the people responsible for it."""

    id: Name
    name: Name
    location: str | None = None
    enterprise: str | None = None
    assigned: list[Name] = Field(default_factory=list)


class PersonEntry(_Strict):
    """A person registered with roles (and, for unit roles, the units they belong to)."""

    id: Name
    name: Name
    roles: Annotated[list[str], Field(min_length=1)]
    units: list[str] = Field(default_factory=list)
    rank: str | None = None


class RosterSection(_Strict):
    """Registered at the start, in this order: enterprises, people, grids and their teams,
    enterprises' grids, map numbers and responsible people, then projects."""

    enterprises: list[EnterpriseEntry] = Field(default_factory=list)
    people: list[PersonEntry] = Field(default_factory=list)
    grids: list[GridEntry] = Field(default_factory=list)
    projects: list[ProjectEntry] = Field(default_factory=list)


# -- expectations -------------------------------------------------------------------


class OwnerExpect(_Strict):
    """Who holds the case; ``party`` is checked only when it is written (``null`` included)."""

    role: str
    party: str | None = None


class ClockExpect(_Strict):
    """What an open clock must say; each field is checked only when it is written."""

    due: Day | None = None
    """The due date: the period ends at 24:00 of it."""
    deadline: Moment | None = None
    """The exact end of the period (``2026-02-27T24:00+08:00`` or ``2026-02-28T00:00+08:00``)."""
    provisional: bool | None = None
    """Whether the period reaches a year with no State Council holiday notice yet."""


class Refusal(_Strict):
    """The step must be refused with this error and record nothing."""

    error: Name
    """An error class of :mod:`gridcase.kernel.errors` (a subclass also matches: ``RefusedByRule``
    matches ``OutOfScope``)."""
    message: str | None = None
    """A piece of the error message."""
    cite: str | None = None
    """A piece of the citation a rule refusal carries (e.g. ``六(二)``)."""


class Expect(_Strict):
    """What must hold after a step; only what is written is checked.

    ``flags``, ``clocks`` and ``misses`` are exact: a flag set, a clock open or a clock
    missed that is not listed is a difference (``clocks: {}`` means no clock runs).
    ``owner: null`` and ``unit: null`` say there is none.
    """

    state: str | None = None
    final: bool | None = None
    owner: OwnerExpect | None = None
    level: Annotated[int, Field(ge=0)] | None = None
    unit: str | None = None
    flags: list[str] | None = None
    clocks: dict[str, ClockExpect | None] | None = None
    """The exact set of open clocks; a clock written with no fields only has to be open."""
    misses: dict[str, Annotated[int, Field(ge=0)]] | None = None
    """How often each clock has run out on this case; clocks not listed never did."""
    events: list[str] | None = None
    """The kinds recorded for the case by this step, in order (``clock_expired`` for a
    clock that ran out, then what it caused, then the action itself)."""
    expired: list[str] | None = None
    """The clocks that ran out during this step, in order (extension of the draft)."""
    refused: Refusal | None = None


# -- steps --------------------------------------------------------------------------


class _StepBase(_Strict):
    note: str | None = None
    """What the step shows, printed with it (extension of the draft)."""
    workaround: str | None = None
    """Marks a step that departs from the hand count to work around a known defect of the
    engine or rule file: say which, and what the hand count gives (printed with the step)."""
    expect: Expect = Field(default_factory=Expect)


class SubmitStep(_StepBase):
    """A demand is registered; ``submit`` names the case for later steps."""

    submit: CaseName
    at: Moment | None = None
    """The moment of the step; default: where the scenario clock stands."""
    by: Name
    role: Name
    enterprise: Name | None = None
    """The enterprise's credit code; default: ``by`` (an enterprise submitting for itself)."""
    category: Name
    title: Name
    description: str | None = None
    channel: Channel = Channel.PLATFORM


class ActStep(_StepBase):
    """One action of the vocabulary on a case."""

    act: Action
    case: CaseName | None = None
    """Which case; default: the only case the scenario has submitted so far."""
    at: Moment | None = None
    by: Name
    role: Name
    reason: str | None = None
    payload: dict[str, Any] = Field(default_factory=dict)


class AdvanceStep(_StepBase):
    """Time passes: every clock that ran out by then fires (``Engine.advance``)."""

    advance: Moment
    case: CaseName | None = None
    """Which case the expectations look at; default: the only case submitted so far."""


_STEP_KINDS: dict[str, type[_StepBase]] = {
    "submit": SubmitStep,
    "act": ActStep,
    "advance": AdvanceStep,
}

STEP_TAGS: frozenset[str] = frozenset(f"{kind} step" for kind in _STEP_KINDS)
"""The union tags pydantic puts into error locations; never a key of the file, so they can
be told apart from the keys (``submit``) and dropped when an error is located."""


def _step_kind(value: Any) -> str | None:
    """Pick a step's kind by its key, so errors speak of that kind only."""
    if isinstance(value, dict):
        kinds = [k for k in _STEP_KINDS if k in value]
        return f"{kinds[0]} step" if len(kinds) == 1 else None
    for key, cls in _STEP_KINDS.items():
        if isinstance(value, cls):
            return f"{key} step"
    return None


ScenarioStep = Annotated[
    Annotated[SubmitStep, Tag("submit step")]
    | Annotated[ActStep, Tag("act step")]
    | Annotated[AdvanceStep, Tag("advance step")],
    Discriminator(
        _step_kind,
        custom_error_type="step_kind",
        custom_error_message="a step needs exactly one of: submit, act, advance",
    ),
]


class Scenario(_Strict):
    """One scenario file: a roster, a start moment and the steps with their expectations."""

    scenario: Literal["gridcase.scenario/1"]
    name: Name
    description: Annotated[str, Field(min_length=1)]
    """What the scenario shows, which paragraphs it exercises, and how its dates were counted."""
    rules: Name
    """A jurisdiction id (its rule files are in the rules folder), or the path of a rule
    file relative to the scenario file."""
    version: str | None = None
    """The rule version every case of the scenario must be handled under."""
    start: Moment
    roster: RosterSection = Field(default_factory=RosterSection)
    steps: Annotated[list[ScenarioStep], Field(min_length=1)]
