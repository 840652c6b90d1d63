"""The roster: enterprises in scope, the grids and people who serve them, and their visits.

This is the embedder's face of everything that is not a case: registering enterprises
(credit code checked, scope rules applied), people and their roles, grids and their
teams, who is responsible for which enterprise or project (quotas applied), and visits
(走访) with their evidence. Each method builds one command of
:mod:`gridcase.domain.roster_commands` and runs it through the engine's one command
path (:mod:`gridcase.application.unit_of_work`): denied by default, idempotent by
``command_id`` (re-sending it does nothing the second time), stamped with ``at`` (the
moment it is recorded; default the engine's clock), saved atomically. The rules
themselves are pure functions in :mod:`gridcase.domain.registry`.
Questions that cross aggregates (coverage) are answered by a projection of the log
(:mod:`gridcase.projections.roster`), caught up on demand.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from gridcase.application.actors import Getter, resolve_actor
from gridcase.application.coverage import coverage
from gridcase.application.results import CommandResult
from gridcase.application.rulebook import RuleService
from gridcase.application.visit_books import VisitBooks
from gridcase.domain.actions import Channel
from gridcase.domain.commands import Actor, SubmitDemand
from gridcase.domain.credit_code import parse_credit_code
from gridcase.domain.enterprise import Enterprise, ScopeEntry, ScopeExit
from gridcase.domain.grid import Grid, grid_key
from gridcase.domain.ids import enterprise_key, person_key
from gridcase.domain.organisation import OrganisationType
from gridcase.domain.payloads import EvidenceRef
from gridcase.domain.person import Person
from gridcase.domain.policy import VisitChannel
from gridcase.domain.roster_commands import (
    AddGridMember,
    AssignGrid,
    AssignMapNumber,
    AssignProject,
    AssignResponsible,
    BootstrapAdministrator,
    ChangePerson,
    DeactivatePerson,
    EnterScope,
    ErasePersonalData,
    LeaveScope,
    NameLiaison,
    RecordContact,
    RecordVisit,
    RegisterEnterprise,
    RegisterGrid,
    RegisterPerson,
    RegisterProject,
    ReleaseProject,
    ReleaseResponsible,
    RemoveFromGrid,
    RemoveGridMember,
    RosterCommand,
    SubmitVisitLedger,
    WithdrawLiaison,
)
from gridcase.domain.visit import Visit, VisitFindings, VisitPurpose, visit_key
from gridcase.kernel.errors import NotFound, RecordIntegrityError
from gridcase.projections.coverage import AnyCoverageReport, Month
from gridcase.projections.roster import RosterProjection
from gridcase.projections.visit_ledger import LedgerPeriod, VisitLedgerRow
from gridcase.projections.visit_reads import GridLedgerRow, TableRoster
from gridcase.storage.sealing import Sealer, Unreadable
from gridcase.workflow.compiler import CompiledRules

__all__ = ["PersonalData", "Roster"]


@dataclass(frozen=True)
class PersonalData:
    """An enterprise's personal data, opened: its contact and its liaisons' names."""

    credit_code: str
    contact: Mapping[str, str]
    """``name``, ``phone``, ``email`` where recorded; ``[erased]`` once erased."""
    liaisons: Mapping[str, str]
    """Liaison id → name."""
    erased: bool


class _Engine(Protocol):
    """What the roster needs of the engine: its one command path and a read of the store."""

    def execute(self, command: RosterCommand | SubmitDemand) -> CommandResult: ...

    def stamp(self, at: datetime | None, field: str = "at") -> datetime: ...


class Roster:
    """Registry commands and lookups, on an engine's store."""

    def __init__(
        self,
        engine: _Engine,
        rules: RuleService,
        get: Getter,
        view: Callable[[], RosterProjection],
        sealer: Sealer,
        books: VisitBooks,
        actor: str | None = None,
    ) -> None:
        self._engine = engine
        self._rules = rules
        self._get = get
        self._view = view
        self._sealer = sealer
        self.acting = actor
        """Who gives this facade's commands (an administrator); None: reads only."""
        self._books = books

    def acting_as(self, actor: str) -> Roster:
        """The same roster, giving its commands as ``actor`` (authorised on each command)."""
        return Roster(
            self._engine, self._rules, self._get, self._view, self._sealer, self._books, actor
        )

    def _run(self, command: type[RosterCommand], args: Mapping[str, Any]) -> CommandResult:
        """Build ``command`` from a facade method's arguments and carry it out.

        Sequences become tuples, so the command is a value (and its fingerprint stable);
        ``kind`` is the grid kind of :meth:`register_grid`, which the command names
        ``grid_kind`` (every command's ``kind`` says what command it is).
        """
        fields: dict[str, Any] = {
            ("grid_kind" if k == "kind" else k): (tuple(v) if isinstance(v, list | tuple) else v)
            for k, v in args.items()
            if k != "self"
        }
        fields.setdefault("actor", self.acting)
        return self._engine.execute(command(**fields))

    # -- lookups ---------------------------------------------------------------------

    def person(self, jurisdiction: str, person_id: str) -> Person:
        """A person of the roster, as stored now."""
        found = self._get(Person, person_key(jurisdiction, person_id))
        if not isinstance(found, Person):
            raise NotFound(f"{person_id!r} is not in the {jurisdiction} roster")
        return found

    def enterprise(self, jurisdiction: str, credit_code: str) -> Enterprise:
        """A registered enterprise, as stored now (scope history, grids, responsible people)."""
        code = parse_credit_code(credit_code)
        found = self._get(Enterprise, enterprise_key(jurisdiction, code.value))
        if not isinstance(found, Enterprise):
            raise NotFound(f"enterprise {code} is not registered in {jurisdiction}")
        return found

    def grid(self, jurisdiction: str, grid_id: str) -> Grid:
        found = self._get(Grid, grid_key(jurisdiction, grid_id))
        if not isinstance(found, Grid):
            raise NotFound(f"no grid {grid_id!r} in {jurisdiction}")
        return found

    def visit(self, jurisdiction: str, visit_id: str) -> Visit:
        found = self._get(Visit, visit_key(jurisdiction, visit_id))
        if not isinstance(found, Visit):
            raise NotFound(f"no visit {visit_id!r} in {jurisdiction}")
        return found

    def responsible_on(
        self,
        *,
        jurisdiction: str,
        credit_code: str,
        day: date,
        grid: str | None = None,
        any_grid: bool = True,
    ) -> list[str]:
        """Who was responsible for the enterprise on ``day`` (in ``grid``, or in any grid)."""
        ent = self.enterprise(jurisdiction, credit_code)
        return ent.responsible_on(day, grid, any_grid=any_grid and grid is None)

    def personal_data(self, jurisdiction: str, credit_code: str) -> PersonalData:
        """The enterprise's personal data opened with its key: ``[erased]`` once erased.

        Raises :class:`~gridcase.kernel.errors.RecordIntegrityError` for a sealed value
        that does not open: one moved from another record, or altered.
        """
        ent = self.enterprise(jurisdiction, credit_code)
        owner = self._sealer.owner(jurisdiction, ent.credit_code)
        try:
            contact = {
                k.removeprefix("contact."): self._sealer.open(owner, f"contact.{k}", "contact", v)
                for k, v in ent.contact.items()
            }
            liaisons = {
                x.liaison_id: self._sealer.open(owner, "liaison.name", x.liaison_id, x.name)
                for x in ent.liaisons
            }
        except Unreadable as exc:
            raise RecordIntegrityError(str(exc)) from exc
        return PersonalData(ent.credit_code, contact, liaisons, ent.erased)

    def actor(self, rules: CompiledRules, actor_id: str) -> Actor:
        """Who ``actor_id`` is in ``rules``' jurisdiction, as a command would find them."""
        return resolve_actor(self._get, rules, actor_id)

    def view(self) -> RosterProjection:
        """The roster projection, caught up with the log (shared; treat it as read-only)."""
        return self._view()

    # -- people ----------------------------------------------------------------------

    def bootstrap_administrator(
        self,
        *,
        jurisdiction: str,
        person_id: str,
        name: str,
        command_id: str,
        at: datetime | None = None,
    ) -> CommandResult:
        """Name ``jurisdiction``'s first roster administrator (once; they are the actor)."""
        return self._run(BootstrapAdministrator, {**locals(), "actor": person_id})

    def register_person(
        self,
        *,
        jurisdiction: str,
        person_id: str,
        name: str,
        roles: Sequence[str],
        command_id: str,
        units: Sequence[str] = (),
        rank: str | None = None,
        at: datetime | None = None,
        late_reason: str | None = None,
    ) -> CommandResult:
        """Add a person to a jurisdiction's roster, with the roles they may act in."""
        return self._run(RegisterPerson, locals())

    def change_person(
        self,
        *,
        jurisdiction: str,
        person_id: str,
        roles: Sequence[str],
        units: Sequence[str],
        reason: str,
        command_id: str,
        rank: str | None = None,
        at: datetime | None = None,
        late_reason: str | None = None,
    ) -> CommandResult:
        """Give a person new roles, units or rank from now on (see :func:`~gridcase.application.people.change_person`)."""
        return self._run(ChangePerson, locals())

    def deactivate_person(
        self,
        *,
        jurisdiction: str,
        person_id: str,
        reason: str,
        command_id: str,
        at: datetime | None = None,
        late_reason: str | None = None,
    ) -> CommandResult:
        """Take a person off the roster from now on; refused while they still carry enterprises or team places."""
        return self._run(DeactivatePerson, locals())

    # -- enterprises -----------------------------------------------------------------

    def register_enterprise(
        self,
        *,
        jurisdiction: str,
        credit_code: str,
        name: str,
        command_id: str,
        in_scope_from: date,
        organisation_type: OrganisationType | str | None = None,
        industry: str | None = None,
        location: str | None = None,
        tier: str | None = None,
        basis: ScopeEntry = ScopeEntry.LISTED,
        reason: str = "listed",
        at: datetime | None = None,
        late_reason: str | None = None,
    ) -> CommandResult:
        """Add an enterprise to a jurisdiction's registry and its scope from a date.

        ``basis`` says why it entered (Qingdao's completion filing and start of
        production, a tenant's move-in, an incubator's start; or the yearly list).
        """
        return self._run(RegisterEnterprise, locals())

    def enter_scope(
        self,
        *,
        jurisdiction: str,
        credit_code: str,
        on: date,
        basis: ScopeEntry,
        reason: str,
        command_id: str,
        at: datetime | None = None,
        late_reason: str | None = None,
    ) -> CommandResult:
        """A registered enterprise that had left the scope enters it again."""
        return self._run(EnterScope, locals())

    def leave_scope(
        self,
        *,
        jurisdiction: str,
        credit_code: str,
        on: date,
        basis: ScopeExit,
        reason: str,
        command_id: str,
        at: datetime | None = None,
        late_reason: str | None = None,
    ) -> CommandResult:
        """The enterprise is no longer served from ``on``; its responsible people are released that day."""
        return self._run(LeaveScope, locals())

    def assign_map_number(
        self,
        *,
        jurisdiction: str,
        credit_code: str,
        number: str,
        command_id: str,
        at: datetime | None = None,
        late_reason: str | None = None,
    ) -> CommandResult:
        """Give the enterprise its number on the map (Yingkou: one number per enterprise)."""
        return self._run(AssignMapNumber, locals())

    def name_liaison(
        self,
        *,
        jurisdiction: str,
        credit_code: str,
        liaison_id: str,
        name: str,
        command_id: str,
        at: datetime | None = None,
        late_reason: str | None = None,
    ) -> CommandResult:
        """The enterprise names a liaison (企业联络员) who acts for it as ``<credit code>/<liaison id>``."""
        return self._run(NameLiaison, locals())

    def withdraw_liaison(
        self,
        *,
        jurisdiction: str,
        credit_code: str,
        liaison_id: str,
        reason: str,
        command_id: str,
        at: datetime | None = None,
        late_reason: str | None = None,
    ) -> CommandResult:
        """The enterprise's liaison no longer acts for it."""
        return self._run(WithdrawLiaison, locals())

    def record_contact(
        self,
        *,
        jurisdiction: str,
        credit_code: str,
        name: str,
        command_id: str,
        phone: str | None = None,
        email: str | None = None,
        at: datetime | None = None,
        late_reason: str | None = None,
    ) -> CommandResult:
        """The enterprise's contact person, sealed with the enterprise's own key."""
        return self._run(RecordContact, locals())

    def erase_personal_data(
        self,
        *,
        jurisdiction: str,
        credit_code: str,
        reason: str,
        command_id: str,
        at: datetime | None = None,
        late_reason: str | None = None,
    ) -> CommandResult:
        """Erase the enterprise's personal data (PIPL art. 47): its key is destroyed."""
        return self._run(ErasePersonalData, locals())

    # -- grids ---------------------------------------------------------------------

    def register_grid(
        self,
        *,
        jurisdiction: str,
        grid_id: str,
        kind: str,
        name: str,
        command_id: str,
        unit: str | None = None,
        at: datetime | None = None,
        late_reason: str | None = None,
    ) -> CommandResult:
        """Add a grid of one of the jurisdiction's grid kinds."""
        return self._run(RegisterGrid, locals())

    def add_grid_member(
        self,
        *,
        jurisdiction: str,
        grid_id: str,
        person_id: str,
        position: str,
        on: date,
        command_id: str,
        at: datetime | None = None,
        late_reason: str | None = None,
    ) -> CommandResult:
        """Put a person into a grid's team (grid chief, deputy, officer) from ``on``."""
        return self._run(AddGridMember, locals())

    def remove_grid_member(
        self,
        *,
        jurisdiction: str,
        grid_id: str,
        person_id: str,
        on: date,
        reason: str,
        command_id: str,
        at: datetime | None = None,
        late_reason: str | None = None,
    ) -> CommandResult:
        """A person leaves a grid's team from ``on``."""
        return self._run(RemoveGridMember, locals())

    def assign_grid(
        self,
        *,
        jurisdiction: str,
        credit_code: str,
        grid_id: str,
        on: date,
        command_id: str,
        reason: str = "assigned",
        at: datetime | None = None,
        late_reason: str | None = None,
    ) -> CommandResult:
        """Put an enterprise into a grid from ``on``; it leaves its grid of the same kind."""
        return self._run(AssignGrid, locals())

    def remove_from_grid(
        self,
        *,
        jurisdiction: str,
        credit_code: str,
        grid_id: str,
        on: date,
        reason: str,
        command_id: str,
        at: datetime | None = None,
        late_reason: str | None = None,
    ) -> CommandResult:
        """Take an enterprise out of a grid from ``on`` (its responsibilities there end too)."""
        return self._run(RemoveFromGrid, locals())

    # -- responsibility ----------------------------------------------------------------

    def assign_responsible(
        self,
        *,
        jurisdiction: str,
        credit_code: str,
        person_id: str,
        on: date,
        command_id: str,
        grid: str | None = None,
        reason: str = "assigned",
        at: datetime | None = None,
        late_reason: str | None = None,
    ) -> CommandResult:
        """Make a person responsible for an enterprise from ``on`` (quotas and 一企一管家 applied)."""
        return self._run(AssignResponsible, locals())

    def release_responsible(
        self,
        *,
        jurisdiction: str,
        credit_code: str,
        person_id: str,
        on: date,
        reason: str,
        command_id: str,
        grid: str | None = None,
        at: datetime | None = None,
        late_reason: str | None = None,
    ) -> CommandResult:
        """A person stops being responsible for an enterprise from ``on``."""
        return self._run(ReleaseResponsible, locals())

    # -- projects ------------------------------------------------------------------

    def register_project(
        self,
        *,
        jurisdiction: str,
        project_id: str,
        name: str,
        command_id: str,
        location: str | None = None,
        enterprise: str | None = None,
        at: datetime | None = None,
        late_reason: str | None = None,
    ) -> CommandResult:
        """Add a major project (重大重点项目), served by commissioners like an enterprise."""
        return self._run(RegisterProject, locals())

    def assign_project(
        self,
        *,
        jurisdiction: str,
        project_id: str,
        person_id: str,
        on: date,
        command_id: str,
        reason: str = "assigned",
        at: datetime | None = None,
        late_reason: str | None = None,
    ) -> CommandResult:
        """Make a commissioner responsible for a project from ``on`` (the ``projects`` quota applies)."""
        return self._run(AssignProject, locals())

    def release_project(
        self,
        *,
        jurisdiction: str,
        project_id: str,
        person_id: str,
        on: date,
        reason: str,
        command_id: str,
        at: datetime | None = None,
        late_reason: str | None = None,
    ) -> CommandResult:
        """A commissioner stops serving a project from ``on``."""
        return self._run(ReleaseProject, locals())

    # -- visits --------------------------------------------------------------------

    def record_visit(
        self,
        *,
        jurisdiction: str,
        enterprise: str,
        visitor: str,
        visited_at: datetime,
        channel: VisitChannel | str,
        command_id: str,
        findings: VisitFindings | Mapping[str, Any] | None = None,
        evidence: Sequence[EvidenceRef | Mapping[str, Any]] = (),
        purpose: VisitPurpose | str = VisitPurpose.SERVICE,
        visit_id: str | None = None,
        at: datetime | None = None,
        late_reason: str | None = None,
    ) -> CommandResult:
        """Record a visit (走访) that took place at ``visited_at`` (see :func:`~gridcase.application.visits.record_visit`)."""
        return self._run(RecordVisit, locals())

    def raise_demand(
        self,
        *,
        jurisdiction: str,
        visit_id: str,
        category: str,
        title: str,
        actor: str,
        role: str,
        command_id: str,
        description: str | None = None,
        at: datetime | None = None,
        late_reason: str | None = None,
    ) -> CommandResult:
        """Open a case from a visit: the case records the visit, and the visit the case.

        The case is submitted as usual (``channel=visit``, ``visit_id`` set); the engine
        checks the visit (this enterprise's, not later than the demand) and records the
        link on the visit in the same save as the case.
        """
        visit = self.visit(jurisdiction, visit_id)
        return self._engine.execute(
            SubmitDemand(
                jurisdiction=jurisdiction,
                enterprise=visit.enterprise,
                category=category,
                title=title,
                actor=actor,
                role=role,
                command_id=command_id,
                at=at,
                late_reason=late_reason,
                description=description,
                channel=Channel.VISIT,
                visit_id=visit.visit_id,
            )
        )

    # -- coverage ------------------------------------------------------------------

    def coverage(
        self, jurisdiction: str, month: Month | str | tuple[int, int], grid: str | None = None
    ) -> AnyCoverageReport:
        """Which enterprises, or grids, (in ``grid``, or anywhere) were not visited as required.

        See :func:`gridcase.application.coverage.coverage`; read from the visit tables.
        """

        def read(first: date, last: date) -> TableRoster:
            return self._books.roster(jurisdiction, first, last)

        return coverage(self._rules, read, jurisdiction, month, grid)

    # -- ledgers (from the visit tables) ---------------------------------------------------

    def visit_ledger(
        self,
        jurisdiction: str,
        period: LedgerPeriod | Month | str | tuple[int, int],
        grid: str | None = None,
        *,
        as_of: datetime | None = None,
    ) -> list[VisitLedgerRow]:
        """The visit ledger (走访台账) of a month or span of days, of a grid or of all
        (docs/ledgers.md); ``as_of`` gives it as the records stood then (folded from the log)."""
        return self._books.visit_ledger(jurisdiction, period, grid, as_of=as_of)

    def grid_ledger(self, jurisdiction: str, grid: str | None = None) -> list[GridLedgerRow]:
        """The grid ledger (网格化管理台账, Yingkou 三(二)1): each enterprise's grids, map
        number, responsible people and what its visits last found."""
        return self._books.grid_ledger(jurisdiction, grid)

    def submit_visit_ledger(
        self,
        *,
        jurisdiction: str,
        grid: str,
        month: str,
        role: str,
        command_id: str,
        at: datetime | None = None,
        late_reason: str | None = None,
    ) -> CommandResult:
        """Send ``grid``'s visit ledger of ``month`` as the acting person, in ``role``, at
        ``at`` (see :func:`~gridcase.application.ledger_submissions.submit_visit_ledger`)."""
        return self._run(SubmitVisitLedger, locals())
