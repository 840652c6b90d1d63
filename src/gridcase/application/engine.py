"""The engine an embedding portal opens: commands in, results and read models out.

``Engine`` is the application layer's facade. Every command, whether a case action, a
roster change or an import batch, goes through one path
(:class:`~gridcase.application.unit_of_work.CommandRunner`): stamp the moment, load each
aggregate once, decide (pure functions), save everything in one transaction with the
command's id and the case-index rows, answer a re-sent id with its first result. A
refusal raises a typed error and writes nothing; a concurrent writer who got there
first makes this one fail with :class:`~gridcase.kernel.errors.Conflict`.

The engine exposes no way to save events past the rules: the store is private, and the
log is offered read-only (:attr:`Engine.log`) for projections and audits.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar
from uuid import UUID

from gridcase.application import (
    cases,
    enterprises,
    grids,
    importer,
    ledger_submissions,
    people,
    projects,
    visits,
)
from gridcase.application.administration import administered, bootstrap_administrator
from gridcase.application.case_summary import CaseSummary
from gridcase.application.live_roster import LiveRoster
from gridcase.application.results import CommandResult, RecordedStep
from gridcase.application.roster import Roster
from gridcase.application.rulebook import RuleService
from gridcase.application.text_policy import TextPolicy
from gridcase.application.unit_of_work import CommandRunner, Handler, check_command_id
from gridcase.application.visit_books import VisitBooks
from gridcase.calendar import WorkingCalendar, to_cst
from gridcase.domain import roster_commands as rc
from gridcase.domain.case import Case
from gridcase.domain.case_state import CaseState, evolve
from gridcase.domain.commands import ActOnCase, SubmitDemand
from gridcase.kernel.clock import Clock, SystemClock
from gridcase.kernel.errors import Conflict, GridcaseError, InvalidInput, NotFound
from gridcase.kernel.resources import rules_root
from gridcase.projections.ledger import LedgerRow
from gridcase.projections.past_ledger import past_ledger
from gridcase.projections.performance import (
    Dimension,
    Finding,
    PerformanceRow,
    findings,
    performance,
)
from gridcase.projections.runner import ProjectionRunner, read_model_engine
from gridcase.projections.tables import Queue
from gridcase.projections.visit_findings import VisitFinding
from gridcase.storage.log import EventLog, event_topics
from gridcase.storage.rows import case_row_of
from gridcase.storage.sealing import Algorithm, KeyProvider
from gridcase.storage.security import SecurityEntry
from gridcase.storage.store import DEFAULT_CACHE_SIZE, Store
from gridcase.storage.url import StoreLocation, parse_url
from gridcase.storage.verify import Checkpoint, VerifyReport
from gridcase.workflow.compiler import CompiledRules
from gridcase.workflow.loader import RuleBook

__all__ = [
    "AdvanceFailure",
    "AdvanceReport",
    "CaseSummary",
    "CommandResult",
    "Engine",
    "RecordedStep",
    "open_engine",
]

DEFAULT_FUTURE_TOLERANCE = timedelta(minutes=5)

DEFAULT_BATCH_COMMANDS = 500
"""Commands per transaction in :meth:`Engine.batch`: a commit's wait shared by 500, and a
transaction small enough to stay quick (a single save of ~100k events was seen to hang)."""
_clocks = logging.getLogger("gridcase.clocks")
"""Each clock fired by :meth:`Engine.advance` (INFO), and each case it could not fire (WARNING)."""
MIN_PREFIX = 4
"""The fewest hex digits of a case id accepted as its prefix."""

_HANDLERS: Mapping[type[Any], Handler[Any]] = {
    SubmitDemand: cases.submit,
    ActOnCase: cases.act,
    rc.BootstrapAdministrator: bootstrap_administrator,
    rc.RegisterPerson: administered(people.register_person),
    rc.ChangePerson: administered(people.change_person),
    rc.DeactivatePerson: administered(people.deactivate_person),
    rc.RegisterEnterprise: administered(enterprises.register_enterprise),
    rc.EnterScope: administered(enterprises.enter_scope),
    rc.LeaveScope: administered(enterprises.leave_scope),
    rc.AssignMapNumber: administered(enterprises.assign_map_number),
    rc.NameLiaison: administered(enterprises.name_liaison),
    rc.WithdrawLiaison: administered(enterprises.withdraw_liaison),
    rc.RecordContact: administered(enterprises.record_contact),
    rc.ErasePersonalData: administered(enterprises.erase_personal_data),
    rc.AssignResponsible: administered(enterprises.assign_responsible),
    rc.ReleaseResponsible: administered(enterprises.release_responsible),
    rc.RegisterGrid: administered(grids.register_grid),
    rc.AddGridMember: administered(grids.add_grid_member),
    rc.RemoveGridMember: administered(grids.remove_grid_member),
    rc.AssignGrid: administered(grids.assign_grid),
    rc.RemoveFromGrid: administered(grids.remove_from_grid),
    rc.RegisterProject: administered(projects.register_project),
    rc.AssignProject: administered(projects.assign_project),
    rc.ReleaseProject: administered(projects.release_project),
    rc.RecordVisit: administered(visits.record_visit),
    rc.SubmitVisitLedger: administered(ledger_submissions.submit_visit_ledger),
    importer.ImportBatch: administered(importer.import_batch),
}
"""The handler of every command an embedder can send."""


def _kind(command: object) -> str:
    if isinstance(command, ActOnCase):
        action = getattr(command.action, "value", command.action)
        return f"act:{action}"
    if isinstance(command, SubmitDemand):
        return "submit"
    return str(getattr(command, "kind", type(command).__name__))


@dataclass(frozen=True)
class AdvanceFailure:
    """A case whose run-out clocks could not be decided, and why.

    ``advance`` keeps going past such a case: one case broken by a rule edit or bad
    data must not stop the clocks of every other case in the store. The case stays
    due, so the next ``advance`` tries it again and reports it again until it is mended.
    """

    case_id: UUID
    error: GridcaseError


@dataclass(frozen=True)
class AdvanceReport:
    """What ``advance(now)`` fired, case by case, and which cases it could not fire."""

    now: datetime
    fired: tuple[CommandResult, ...]
    failed: tuple[AdvanceFailure, ...] = ()

    @property
    def steps(self) -> int:
        return sum(len(r.steps) for r in self.fired)


P = ParamSpec("P")
R = TypeVar("R")


def _roster_shortcut(
    method: Callable[Concatenate[Roster, P], R],
) -> Callable[Concatenate[Engine, P], R]:
    """``engine.X(...)`` for ``engine.roster.X(...)``, with the roster method's own typed
    keyword signature and docstring (so the two can never disagree)."""

    @functools.wraps(method)
    def shortcut(self: Engine, /, *args: P.args, **kwargs: P.kwargs) -> R:
        return method(self.roster, *args, **kwargs)

    shortcut.__doc__ = f"Shortcut for :meth:`Roster.{method.__name__}`: {method.__doc__}"
    return shortcut


class Engine:
    """gridcase opened on one store, with one book of rules and one clock.

    Args:
        url: ``sqlite:///FILE`` or ``postgresql://…``; default ``GRIDCASE_URL`` from
            the environment, else ``sqlite:///gridcase.db`` in the working folder.
        rules: a :class:`RuleBook`, or a folder of rule files; default the bundled
            ``rules/`` (or ``GRIDCASE_RULES``).
        clock: stamps commands that carry no moment and bounds how far in the future
            a command may be dated; default the system clock.
        future_tolerance: how far after the clock's now a command may be dated
            (``None`` turns the check off).
        cache_size: how many aggregates the store's repository cache keeps (0 turns it
            off). A cached aggregate is brought up to date by reading only the events
            stored after it, so other writers are always seen.
        keys: where each enterprise's sealing key for its personal data is kept (a
            :class:`~gridcase.storage.sealing.KeyProvider`); default the store's own key
            table, wrapped with ``GRIDCASE_MASTER_KEY`` when it is set.
        seal_algorithm: ``aes-256-gcm`` (default) or ``sm4-gcm`` for new sealed values.
        personal_data_in_text: ``refuse`` (default), ``mask`` or ``allow`` an ID-card
            number, phone or e-mail typed into a free-text field
            (:mod:`gridcase.application.text_policy`).
        roster_actor: who gives the commands of :attr:`roster` (a command-line session,
            a batch job acting for one administrator); each is still authorised against
            the roster. Default None: :attr:`roster` only reads, and commands go through
            :meth:`roster_as`.
        create: whether a missing store is created (default). With ``create=False`` a
            missing file, an empty or foreign file, or a missing PostgreSQL schema is
            refused as :class:`~gridcase.kernel.errors.StoreUnavailable` or
            :class:`~gridcase.kernel.errors.StoreCorrupt` and nothing is created; read
            tools open stores so. A store whose file cannot be written opens read-only.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        rules: RuleBook | str | Path | None = None,
        clock: Clock | None = None,
        future_tolerance: timedelta | None = DEFAULT_FUTURE_TOLERANCE,
        cache_size: int = DEFAULT_CACHE_SIZE,
        keys: KeyProvider | None = None,
        seal_algorithm: Algorithm = "aes-256-gcm",
        personal_data_in_text: TextPolicy = "refuse",
        roster_actor: str | None = None,
        create: bool = True,
    ) -> None:
        self.location: StoreLocation = parse_url(url)
        # The store first: a missing or broken store is refused before the rules are read.
        self._store = Store(
            self.location,
            cache_size=cache_size,
            keys=keys,
            seal_algorithm=seal_algorithm,
            create=create,
        )
        try:
            if isinstance(rules, RuleBook):
                book, folder = rules, rules.folder or rules_root()
            else:
                folder = Path(rules) if rules is not None else rules_root()
                book = RuleBook.from_folder(folder)
        except BaseException:
            self._store.close()
            raise
        self.rules: RuleBook = book
        self._rules = RuleService(book, folder)
        self._live_roster = LiveRoster(self._store.log)
        self._store.on_rollback(self._live_roster.forget)
        self._runner = CommandRunner(
            self._store,
            self._rules,
            clock or SystemClock(),
            future_tolerance,
            self._live_roster,
        )
        self._runner.personal_data_in_text = personal_data_in_text
        self._read_models: ProjectionRunner | None = None
        self.visit_books = VisitBooks(self._store.log, self.location, self._rules, self.clock.now)
        self._roster = Roster(
            self,
            self._rules,
            self._store.get,
            self._live_roster,
            self._store.sealer,
            self.visit_books,
            roster_actor,
        )

    # -- lifecycle ---------------------------------------------------------------------

    def close(self) -> None:
        if self._read_models is not None:
            self._read_models.close()
        self.visit_books.close()
        self._store.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def clock(self) -> Clock:
        return self._runner.clock

    @property
    def future_tolerance(self) -> timedelta | None:
        return self._runner.future_tolerance

    @property
    def read_only(self) -> bool:
        """Whether the store was opened to read only (its file or medium cannot be written)."""
        return self._store.read_only

    @property
    def log(self) -> EventLog:
        """The store's ordered log, to read only (ledgers, audits, rebuilding projections)."""
        return self._store.log

    @property
    def roster(self) -> Roster:
        """Enterprises, people, grids and visits of every jurisdiction (see :mod:`gridcase.application.roster`)."""
        return self._roster

    # -- commands ------------------------------------------------------------------------

    @contextmanager
    def batch(self, limit: int = DEFAULT_BATCH_COMMANDS) -> Iterator[None]:
        """Run many commands in one transaction per ``limit`` of them (imports, simulations).

        On a disk every commit waits for the disk; a batch commits once per ``limit``
        commands instead of once per command. Inside, each command is carried out, refused
        or conflicts exactly as alone (it is a savepoint of its own, and what it reads
        includes what the batch's earlier commands saved); the batch commits every
        ``limit`` commands and when the block ends. If the block raises, or a commit
        fails, the commands since the last commit are not written: carry them out again
        (the same command ids make that safe). Keep read-model queries outside a batch,
        and other threads' commands wait for it on SQLite as for any writer.
        """
        with self._store.batch(limit):
            yield

    def execute(self, command: object) -> CommandResult:
        """Carry out any command (a case command, or one of :mod:`gridcase.domain.roster_commands`)."""
        handler = _HANDLERS.get(type(command))
        if handler is None:
            raise InvalidInput(
                f"{type(command).__name__} is not a gridcase command", field="command"
            )
        return self._runner.run(
            handler,
            command,
            kind=_kind(command),
            command_id=getattr(command, "command_id", None),
            at=getattr(command, "at", None),
        )

    def submit(self, command: SubmitDemand) -> CommandResult:
        """Register a demand; the case is pinned to the rules in force on its date."""
        if not isinstance(command, SubmitDemand):
            raise InvalidInput("submit takes a SubmitDemand", field="command")
        return self.execute(command)

    def act(self, command: ActOnCase) -> CommandResult:
        """Take one action on a case (after firing the clocks that ran out before it)."""
        if not isinstance(command, ActOnCase):
            raise InvalidInput("act takes an ActOnCase", field="command")
        return self.execute(command)

    def roster_as(self, actor: str) -> Roster:
        """The roster, giving its commands as ``actor`` (an administrator, authorised on each)."""
        return self._roster.acting_as(actor)

    def bootstrap_administrator(
        self, *, jurisdiction: str, person_id: str, name: str, command_id: str
    ) -> CommandResult:
        """Name ``jurisdiction``'s first roster administrator, once (a recorded command)."""
        return self._roster.bootstrap_administrator(
            jurisdiction=jurisdiction, person_id=person_id, name=name, command_id=command_id
        )

    register_person = _roster_shortcut(Roster.register_person)
    register_enterprise = _roster_shortcut(Roster.register_enterprise)
    visit_ledger = _roster_shortcut(Roster.visit_ledger)
    grid_ledger = _roster_shortcut(Roster.grid_ledger)

    def stamp(self, at: datetime | None, field: str = "at") -> datetime:
        """The moment a command would be recorded at (``at`` checked, or the clock's now)."""
        return self._runner.stamp(at, field)

    def advance(self, now: datetime | None = None, *, batch: int = 500) -> AdvanceReport:
        """Fire every clock that ran out at or before ``now``, case by case, in time order.

        Idempotent: a second call with the same ``now`` finds nothing left to fire.
        A case whose clocks cannot be decided (a typed :class:`GridcaseError`) is
        reported in ``failed`` and skipped; the other cases still fire.
        """
        moment = self._runner.stamp(now, "now")
        fired: list[CommandResult] = []
        failed: list[AdvanceFailure] = []
        seen: set[UUID] = set()
        until = int(moment.timestamp())
        while True:
            due = [c for c in self._store.due_cases(until, batch) if c not in seen]
            if not due:
                _clocks.info(
                    "advance to %s: %d step(s) fired on %d case(s), %d not fired",
                    moment.isoformat(),
                    sum(len(r.steps) for r in fired),
                    len(fired),
                    len(failed),
                )
                return AdvanceReport(moment, tuple(fired), tuple(failed))
            for case_id in due:
                seen.add(case_id)
                try:
                    result = self._runner.run(
                        cases.fire_clocks,
                        cases.FireClocks(case_id, moment),
                        kind="advance",
                        command_id=None,
                        at=moment,
                    )
                except Conflict:
                    continue  # another writer moved the case on; its own command fired the clocks
                except GridcaseError as exc:
                    # Typed refusals only: a storage failure still stops the run.
                    _clocks.warning("case %s: clocks not fired: %s", case_id, exc)
                    failed.append(AdvanceFailure(case_id, exc))
                    continue
                if result.steps:
                    for rec in result.steps:
                        _clocks.info(
                            "case %s: %s %s → %s",
                            case_id,
                            rec.step.kind,
                            rec.step.clock or "",
                            rec.step.outcome.state,
                        )
                    fired.append(result)

    # -- integrity -----------------------------------------------------------------------

    def verify(
        self,
        *,
        since: Checkpoint | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> VerifyReport:
        """Check every link of the store's hash chain and every aggregate's versions.

        With ``since`` (a checkpoint kept elsewhere), also prove the log only grew after it.
        See :mod:`gridcase.storage.verify`.
        """
        return self._store.verify(since=since, progress=progress)

    def checkpoint(self, verified: VerifyReport) -> Checkpoint:
        """The head a clean verification reached, stamped by the engine's clock, to keep elsewhere."""
        return self._store.checkpoint(verified, to_cst(self._runner.clock.now()))

    def security_log(self, *, after: int = 0, limit: int = 1000) -> list[SecurityEntry]:
        """Refusals, late entries and administrator actions, oldest first (after position ``after``).

        Personal data in messages is masked; people appear by their roster ids.
        """
        return self._store.security_log(after=after, limit=limit)

    def carried_out(self, command_id: str) -> bool:
        """Whether the store has carried out the command with this id."""
        return self._store.command(check_command_id(command_id)) is not None

    # -- rules ---------------------------------------------------------------------------

    def known_jurisdiction(self, jurisdiction: str) -> None:
        """Refuse a jurisdiction no rule file defines."""
        self._rules.known(jurisdiction)

    def calendar_for(self, rules: CompiledRules) -> WorkingCalendar:
        """The working-day calendar a rule set counts in (national, or a local file)."""
        return self._rules.calendar_for(rules)

    def pinned_rules(self, content_hash: str) -> CompiledRules:
        """The exact rules a case was submitted under, from the book or from the store."""
        return self._rules.pinned(content_hash, self._store.get)

    def rules_of(self, case_id: UUID | str) -> CompiledRules:
        """The rules a case was submitted under (``case_id`` as in :meth:`case_id`)."""
        return self.pinned_rules(self._case(case_id).state.submission.rules_hash)

    # -- queries -------------------------------------------------------------------------

    def case_id(self, ref: UUID | str) -> UUID:
        """The case ``ref`` names: a UUID, its text, or a unique prefix of its hex digits.

        A prefix (at least 4 hex digits, dashes ignored, as ``cases list`` shows them) must
        name exactly one case; none raises :class:`NotFound`, more than one
        :class:`InvalidInput` naming how many.
        """
        if isinstance(ref, UUID):
            return ref
        if not isinstance(ref, str):
            raise InvalidInput(f"{ref!r} is not a case id", field="case_id")
        text = ref.strip().lower()
        try:
            return UUID(text)
        except ValueError:
            pass
        digits = text.replace("-", "")
        if len(digits) < MIN_PREFIX or any(c not in "0123456789abcdef" for c in digits):
            raise InvalidInput(
                f"{ref!r} is not a case id (a UUID, or at least {MIN_PREFIX} of its hex digits)",
                field="case_id",
            )
        found = [r.case_id for r in self.cases() if r.case_id.hex.startswith(digits)]
        if not found:
            raise NotFound(f"no case {ref}")
        if len(found) > 1:
            raise InvalidInput(
                f"{ref!r} is the start of {len(found)} case ids: give more of it", field="case_id"
            )
        return found[0]

    def _case(self, case_id: UUID | str) -> Case:
        cid = self.case_id(case_id)
        found = self._store.get(Case, cid, audited=True)
        if found is None:
            raise NotFound(f"no case {cid}")
        return found

    def case(
        self,
        case_id: UUID | str,
        *,
        as_of: datetime | None = None,
        known_at: datetime | None = None,
    ) -> CaseState:
        """A case as its events say it is: now, as it happened by ``as_of``, or as known at ``known_at``.

        ``as_of`` folds the steps whose moment (as claimed) is at or before it, so a step
        entered late counts from when it is said to have happened. ``known_at`` folds the
        steps that had been *recorded* by then: what anyone looking at the store at that
        moment could have seen. The two differ exactly where steps were entered late
        (docs/auditing.md).
        """
        if as_of is not None and known_at is not None:
            raise InvalidInput("ask for a case as of a moment, or as known at one, not both")
        case_id = self.case_id(case_id)
        if as_of is None and known_at is None:
            case = self._case(case_id)
            self._store.check_complete(case)
            return case.state
        asked = as_of if as_of is not None else known_at
        assert asked is not None
        limit = to_cst(asked, field="as_of" if as_of is not None else "known_at")
        state: CaseState | None = None
        for e in self._store.checked_events(case_id):
            if not isinstance(e, Case.Event):
                continue
            when = e.timestamp if as_of is not None else (e.recorded_at or e.timestamp)
            if when > limit:
                if known_at is not None:
                    break  # recorded in order: nothing later was known either
                continue
            state = evolve(state, e.to_step(), case_id=case_id)
        if state is None:
            raise NotFound(f"case {case_id} did not exist at {limit.isoformat()}")
        return state

    def history(self, case_id: UUID | str) -> list[RecordedStep]:
        """Every step of a case, in order, as recorded (``case_id`` as in :meth:`case_id`)."""
        case_id = self.case_id(case_id)
        steps = [
            RecordedStep(e.originator_version, e.to_step())
            for e in self._store.checked_events(case_id)
            if isinstance(e, Case.Event)
        ]
        if not steps:
            raise NotFound(f"no case {case_id}")
        return steps

    def cases(self, jurisdiction: str | None = None) -> list[CaseSummary]:
        """The case index (one row per case), oldest submission first; times are China time."""
        return [CaseSummary.of(row) for row in self._store.select_cases(jurisdiction)]

    # -- read models (SQL tables kept by the projection runner) ----------------------------

    def read_models(
        self, url: str | None = None, *, history: bool | None = None
    ) -> ProjectionRunner:
        """The projection runner keeping the ledger tables (the store's database, or ``url``).

        One per engine; ``url`` and ``history`` count only on the first call. ``history``
        keeps (or stops keeping) every version of every ledger row, for ``as_of`` in one
        query; left out, the tables keep doing what they did.
        """
        if self._read_models is None:
            self._read_models = ProjectionRunner(
                self._store.log, read_model_engine(self.location, url), history=history
            )
        return self._read_models

    def ledger(
        self,
        jurisdiction: str | None = None,
        *,
        as_of: datetime | None = None,
        received_since: datetime | None = None,
        received_before: datetime | None = None,
        grid: str | None = None,
        as_known_at: datetime | None = None,
    ) -> list[LedgerRow]:
        """The problem ledger (问题台账), oldest submission first, read from its tables.

        The runner first folds what was recorded since it last ran (nothing, when a
        separate ``gridcase project --follow`` keeps it up). ``as_of``: as the ledger
        stood then (the steps that happened by then, as claimed); ``as_known_at``: as it
        could be seen then (the steps recorded by then); see
        :func:`~gridcase.projections.past_ledger.past_ledger`. ``received_since`` /
        ``received_before`` keep the cases received in that span (a month's ledger);
        ``grid`` those received while their enterprise was in that grid.
        """
        runner = self.read_models()
        if as_of is not None or as_known_at is not None:
            rows = past_ledger(
                runner,
                self._store.log,
                jurisdiction,
                as_of=as_of,
                as_known_at=as_known_at,
                grid=grid,
            )
            return [
                r
                for r in rows
                if (received_since is None or r.submitted_at >= received_since)
                and (received_before is None or r.submitted_at < received_before)
            ]
        runner.catch_up()
        return runner.ledger(
            jurisdiction,
            received_since=received_since,
            received_before=received_before,
            grid=grid,
        )

    def performance(
        self, by: Dimension, jurisdiction: str | None = None, *, grid: str | None = None
    ) -> list[PerformanceRow]:
        """Performance figures per unit, officer, month, jurisdiction or grid, from the
        ledger table (of the cases received in ``grid``, if given)."""
        return performance(self.ledger(jurisdiction, grid=grid), by)

    def findings(self, jurisdiction: str | None = None) -> list[Finding | VisitFinding]:
        """Compliance findings with what proves them: each case's (from the ledger table),
        then the roster's, judged at the clock's now (from the visit tables)."""
        found: list[Finding | VisitFinding] = list(findings(self.ledger(jurisdiction)))
        return found + self.visit_books.findings(jurisdiction)

    def queue(self, queue: Queue) -> list[LedgerRow]:
        """A work queue: the open cases on someone's desk, read from the ledger table."""
        runner = self.read_models()
        runner.catch_up()
        return runner.queue(queue)

    def rebuild_case_index(self) -> int:
        """Rebuild the case index from the case events alone; returns the number of cases."""
        states: dict[UUID, tuple[CaseState, int]] = {}
        for _, event in self._store.log.read(topics=event_topics(Case)):
            assert isinstance(event, Case.Event)
            previous = states.get(event.originator_id)
            state = evolve(
                previous[0] if previous else None, event.to_step(), case_id=event.originator_id
            )
            states[event.originator_id] = (state, event.originator_version)
        rows = [case_row_of(state, version) for state, version in states.values()]
        self._store.replace_case_rows(rows)
        return len(rows)


def open_engine(
    url: str | None = None,
    *,
    rules: RuleBook | str | Path | None = None,
    clock: Clock | None = None,
    future_tolerance: timedelta | None = DEFAULT_FUTURE_TOLERANCE,
    cache_size: int = DEFAULT_CACHE_SIZE,
    keys: KeyProvider | None = None,
    seal_algorithm: Algorithm = "aes-256-gcm",
    roster_actor: str | None = None,
    create: bool = True,
) -> Engine:
    """Open gridcase on ``url`` (default ``GRIDCASE_URL``, else ``sqlite:///gridcase.db``)."""
    return Engine(
        url,
        rules=rules,
        clock=clock,
        future_tolerance=future_tolerance,
        cache_size=cache_size,
        keys=keys,
        seal_algorithm=seal_algorithm,
        roster_actor=roster_actor,
        create=create,
    )
