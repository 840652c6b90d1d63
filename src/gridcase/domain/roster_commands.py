"""The commands that change the registry: people, enterprises, grids, projects, visits.

Like :class:`~gridcase.domain.commands.SubmitDemand` and
:class:`~gridcase.domain.commands.ActOnCase`, each is a frozen value that says what is
asked, by whom (``command_id`` makes re-sending it harmless) and when (``at``, the
moment it is recorded; the engine's clock when left out). The engine runs every one of
them through the same unit of work. ``kind`` names the command in the store's record of
carried-out commands, so a command id re-used for another command is refused naming it.

Dates and spans: memberships, responsibilities and scope changes are dated with the
day they take effect (``on``); a change dated before the change it would undo is
refused, so every history stays in date order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar

from gridcase.domain.enterprise import ScopeEntry, ScopeExit
from gridcase.domain.organisation import OrganisationType
from gridcase.domain.payloads import EvidenceRef
from gridcase.domain.policy import VisitChannel
from gridcase.domain.visit import VisitFindings, VisitPurpose

__all__ = [
    "AddGridMember",
    "AssignGrid",
    "AssignMapNumber",
    "AssignProject",
    "AssignResponsible",
    "BootstrapAdministrator",
    "ChangePerson",
    "DeactivatePerson",
    "EnterScope",
    "ErasePersonalData",
    "LeaveScope",
    "NameLiaison",
    "RecordContact",
    "RecordVisit",
    "RegisterEnterprise",
    "RegisterGrid",
    "RegisterPerson",
    "RegisterProject",
    "ReleaseProject",
    "ReleaseResponsible",
    "RemoveFromGrid",
    "RemoveGridMember",
    "RosterCommand",
    "SubmitVisitLedger",
    "WithdrawLiaison",
]


@dataclass(frozen=True, kw_only=True)
class RosterCommand:
    """What every registry command carries."""

    kind: ClassVar[str] = ""
    jurisdiction: str
    command_id: str
    actor: str | None = None
    """Who gives the command: an administrator of the jurisdiction (a visitor may record
    their own visit, an enterprise name its own liaisons and contact). None is refused."""
    at: datetime | None = None
    late_reason: str | None = None
    """Why the change is recorded later than ``at`` (see the rule file's ``recording``)."""


# -- administration ----------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class BootstrapAdministrator(RosterCommand):
    """Name a jurisdiction's first roster administrator, once (they are the actor).

    Accepted only while the jurisdiction has no administration; afterwards only an
    administrator adds one (``RegisterPerson`` or ``ChangePerson`` with the role
    ``administrator``).
    """

    kind: ClassVar[str] = "bootstrap_administrator"
    person_id: str
    name: str


# -- people ------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RegisterPerson(RosterCommand):
    """Add a person to a jurisdiction's roster, with the roles they may act in."""

    kind: ClassVar[str] = "register_person"
    person_id: str
    name: str
    roles: tuple[str, ...]
    units: tuple[str, ...] = ()
    rank: str | None = None


@dataclass(frozen=True, kw_only=True)
class ChangePerson(RosterCommand):
    """New roles, units or rank from now on (the whole new set, with a reason)."""

    kind: ClassVar[str] = "change_person"
    person_id: str
    roles: tuple[str, ...]
    units: tuple[str, ...]
    reason: str
    rank: str | None = None


@dataclass(frozen=True, kw_only=True)
class DeactivatePerson(RosterCommand):
    """Take a person off the roster from now on."""

    kind: ClassVar[str] = "deactivate_person"
    person_id: str
    reason: str


# -- enterprises ------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RegisterEnterprise(RosterCommand):
    """Add an enterprise to a jurisdiction's registry and its scope from a date."""

    kind: ClassVar[str] = "register_enterprise"
    credit_code: str
    name: str
    in_scope_from: date
    organisation_type: OrganisationType | str | None = None
    industry: str | None = None
    location: str | None = None
    tier: str | None = None
    basis: ScopeEntry = ScopeEntry.LISTED
    reason: str = "listed"


@dataclass(frozen=True, kw_only=True)
class EnterScope(RosterCommand):
    """A registered enterprise that had left the scope enters it again."""

    kind: ClassVar[str] = "enter_scope"
    credit_code: str
    on: date
    basis: ScopeEntry
    reason: str


@dataclass(frozen=True, kw_only=True)
class LeaveScope(RosterCommand):
    """The enterprise moved out, was deregistered or delisted."""

    kind: ClassVar[str] = "leave_scope"
    credit_code: str
    on: date
    basis: ScopeExit
    reason: str


@dataclass(frozen=True, kw_only=True)
class AssignMapNumber(RosterCommand):
    """Give the enterprise its number on the map (Yingkou)."""

    kind: ClassVar[str] = "assign_map_number"
    credit_code: str
    number: str


@dataclass(frozen=True, kw_only=True)
class NameLiaison(RosterCommand):
    """The enterprise names a liaison (企业联络员) who acts for it from now on."""

    kind: ClassVar[str] = "name_liaison"
    credit_code: str
    liaison_id: str
    name: str


@dataclass(frozen=True, kw_only=True)
class WithdrawLiaison(RosterCommand):
    """The enterprise's liaison no longer acts for it."""

    kind: ClassVar[str] = "withdraw_liaison"
    credit_code: str
    liaison_id: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class RecordContact(RosterCommand):
    """The enterprise's contact person: kept sealed with the enterprise's own key."""

    kind: ClassVar[str] = "record_contact"
    credit_code: str
    name: str
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True, kw_only=True)
class ErasePersonalData(RosterCommand):
    """Erase the enterprise's personal data (PIPL art. 47): its key is destroyed, the log kept."""

    kind: ClassVar[str] = "erase_personal_data"
    credit_code: str
    reason: str


# -- grids and responsibility -------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RegisterGrid(RosterCommand):
    """Add a grid of one of the jurisdiction's grid kinds."""

    kind: ClassVar[str] = "register_grid"
    grid_id: str
    grid_kind: str
    name: str
    unit: str | None = None


@dataclass(frozen=True, kw_only=True)
class AddGridMember(RosterCommand):
    """Put a person into a grid's team (grid chief, deputy, officer) from ``on``."""

    kind: ClassVar[str] = "add_grid_member"
    grid_id: str
    person_id: str
    position: str
    on: date


@dataclass(frozen=True, kw_only=True)
class RemoveGridMember(RosterCommand):
    """A person leaves a grid's team from ``on``."""

    kind: ClassVar[str] = "remove_grid_member"
    grid_id: str
    person_id: str
    on: date
    reason: str


@dataclass(frozen=True, kw_only=True)
class AssignGrid(RosterCommand):
    """Put an enterprise into a grid from ``on``; it leaves its grid of the same kind."""

    kind: ClassVar[str] = "assign_grid"
    credit_code: str
    grid_id: str
    on: date
    reason: str = "assigned"


@dataclass(frozen=True, kw_only=True)
class RemoveFromGrid(RosterCommand):
    """Take an enterprise out of a grid from ``on``."""

    kind: ClassVar[str] = "remove_from_grid"
    credit_code: str
    grid_id: str
    on: date
    reason: str


@dataclass(frozen=True, kw_only=True)
class AssignResponsible(RosterCommand):
    """Make a person responsible for an enterprise from ``on`` (in one of its grids, or overall)."""

    kind: ClassVar[str] = "assign_responsible"
    credit_code: str
    person_id: str
    on: date
    grid: str | None = None
    reason: str = "assigned"


@dataclass(frozen=True, kw_only=True)
class ReleaseResponsible(RosterCommand):
    """A person stops being responsible for an enterprise from ``on``."""

    kind: ClassVar[str] = "release_responsible"
    credit_code: str
    person_id: str
    on: date
    reason: str
    grid: str | None = None


# -- projects -----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RegisterProject(RosterCommand):
    """Add a major project (重大重点项目), served by commissioners like an enterprise."""

    kind: ClassVar[str] = "register_project"
    project_id: str
    name: str
    location: str | None = None
    enterprise: str | None = None


@dataclass(frozen=True, kw_only=True)
class AssignProject(RosterCommand):
    """Make a commissioner responsible for a project from ``on``."""

    kind: ClassVar[str] = "assign_project"
    project_id: str
    person_id: str
    on: date
    reason: str = "assigned"


@dataclass(frozen=True, kw_only=True)
class ReleaseProject(RosterCommand):
    """A commissioner stops serving a project from ``on``."""

    kind: ClassVar[str] = "release_project"
    project_id: str
    person_id: str
    on: date
    reason: str


# -- visits -------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RecordVisit(RosterCommand):
    """Record a visit (走访) that took place at ``visited_at``."""

    kind: ClassVar[str] = "record_visit"
    enterprise: str
    visitor: str
    visited_at: datetime
    channel: VisitChannel | str
    findings: VisitFindings | Mapping[str, Any] | None = None
    evidence: tuple[EvidenceRef | Mapping[str, Any], ...] = field(default_factory=tuple)
    purpose: VisitPurpose | str = VisitPurpose.SERVICE
    visit_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class SubmitVisitLedger(RosterCommand):
    """Send ``grid``'s visit ledger of ``month`` (``YYYY-MM``) to the office it is reported to.

    The actor is the person sending it, acting as ``role`` (one of the roles the rule
    file's ``visits.ledger_submission.roles`` names); ``at`` is when it was sent, and
    what the due day (``visits.ledger_due``) is judged against.
    """

    kind: ClassVar[str] = "submit_visit_ledger"
    grid: str
    month: str
    role: str
