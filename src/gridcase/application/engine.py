"""The engine an embedding portal opens: load, decide, save.

``Engine`` is the application layer. For each command it stamps the moment (from the
command, else from its clock), recognises a re-sent command id, loads the case, fires
the clocks that ran out before that moment, asks the pure decision functions what to
record, and saves the events together with the command id and the case-index row in
one transaction. A refusal raises a typed error and writes nothing; a concurrent
writer who got there first makes this one fail with :class:`~gridcase.kernel.errors.Conflict`.
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from threading import Lock
from typing import Any, TypeVar, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate, CanMutateAggregate
from eventsourcing.persistence import IntegrityError

from gridcase.application.results import CommandResult, RecordedStep
from gridcase.application.roster import Roster
from gridcase.calendar import WorkingCalendar, load_calendar, national_calendar, to_cst
from gridcase.domain.case import Case
from gridcase.domain.case_state import CaseState, evolve
from gridcase.domain.commands import ActOnCase, SubmitDemand
from gridcase.domain.credit_code import parse_credit_code
from gridcase.domain.enterprise import Enterprise, split_liaison_actor
from gridcase.domain.ids import case_id_for, enterprise_key, person_key, rules_key
from gridcase.domain.published_rules import PublishedRules
from gridcase.domain.recorded import recorded_at
from gridcase.domain.visit import Visit, visit_key
from gridcase.kernel.clock import Clock, SystemClock
from gridcase.kernel.errors import (
    Conflict,
    GridcaseError,
    InvalidInput,
    NotFound,
    OutOfScope,
    Problem,
    RuleFileError,
)
from gridcase.kernel.resources import rules_root
from gridcase.projections.log import event_topics, read_log
from gridcase.storage.application import GridcaseApplication
from gridcase.storage.recorder import GridcaseRecorder
from gridcase.storage.rows import CaseRow, CommandLookup, CommandRow
from gridcase.storage.url import StoreLocation, parse_url
from gridcase.workflow.compiler import CompiledRules
from gridcase.workflow.decide import decide_action, decide_expiries, decide_submission
from gridcase.workflow.loader import RuleBook, parse_rules

__all__ = [
    "AdvanceFailure",
    "AdvanceReport",
    "CommandResult",
    "Engine",
    "RecordedStep",
    "open_engine",
]

A = TypeVar("A", bound=Aggregate)

DEFAULT_FUTURE_TOLERANCE = timedelta(minutes=5)
DEFAULT_CACHE_SIZE = 4096


def _replay(aggregate: Any, events: Iterable[Any]) -> Any:
    """Fold stored events into an aggregate, as eventsourcing's ``project_aggregate`` does.

    That function asserts a runtime-checkable Protocol on every event, and the check
    cost a third of a case's replay (measured); the events the store hands back are
    always eventsourcing aggregate events, so the loop calls their ``mutate`` directly.
    """
    for e in events:
        aggregate = cast(CanMutateAggregate[UUID], e).mutate(aggregate)
    return aggregate


def _detached(case: Case) -> Case:
    """A copy of a case to record on, leaving the original untouched.

    Sharing the state is safe: ``CaseState`` is immutable and applying an event
    replaces it. Only the list of pending events is the copy's own (eventsourcing's
    snapshots rebuild an aggregate the same way).
    """
    clone = copy.copy(case)
    vars(clone)["_pending_events"] = []
    return clone


@dataclass(frozen=True)
class _ReadAtStart:
    """The latest stored versions of the aggregates a command reads, taken in the same
    read as its command-id check, so each later read of them needs no round trip."""

    engine: Engine
    ids: frozenset[UUID]
    versions: Mapping[UUID, int]


_READ_AT_START: ContextVar[_ReadAtStart | None] = ContextVar("gridcase_read_at_start", default=None)


class _RecentAggregates:
    """The aggregates this engine read last, as stored, each checked against the store before use.

    Not a source of truth: another engine or process may write the same store at any
    time, so an entry is only a starting point that saves replaying events the store
    already agreed to (see :meth:`Engine.read` and ``Engine._load_case``).
    """

    def __init__(self, size: int) -> None:
        self.enabled = size > 0
        self._size = size
        self._items: OrderedDict[UUID, Aggregate] = OrderedDict()
        self._lock = Lock()

    def get(self, aggregate_id: UUID) -> Aggregate | None:
        with self._lock:
            found = self._items.get(aggregate_id)
            if found is not None:
                self._items.move_to_end(aggregate_id)
            return found

    def put(self, aggregate: Aggregate) -> None:
        if not self.enabled:
            return
        with self._lock:
            known = self._items.get(aggregate.id)
            if known is not None and known.version > aggregate.version:
                return  # a slower reader must not put an older version back
            self._items[aggregate.id] = aggregate
            self._items.move_to_end(aggregate.id)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


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


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def _case_row(state: CaseState, version: int) -> CaseRow:
    nxt = state.next_deadline()
    return CaseRow(
        case_id=state.case_id,
        jurisdiction=state.jurisdiction,
        enterprise=state.enterprise,
        category=state.category,
        state=state.state,
        final=state.final,
        level=state.level,
        owner_role=state.owner.role if state.owner else None,
        owner_party=state.owner.party if state.owner else None,
        unit=state.unit,
        next_deadline=_epoch(nxt.deadline.deadline) if nxt else None,
        submitted_at=_epoch(state.submitted_at),
        last_at=_epoch(state.last_at),
        version=version,
    )


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
        cache_size: how many recently read cases and actors to keep, so that a
            command replays only the events recorded since (0 turns it off). Each
            use still asks the store for newer events first, so other writers are seen.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        rules: RuleBook | str | Path | None = None,
        clock: Clock | None = None,
        future_tolerance: timedelta | None = DEFAULT_FUTURE_TOLERANCE,
        cache_size: int = DEFAULT_CACHE_SIZE,
    ) -> None:
        self.location: StoreLocation = parse_url(url)
        if isinstance(rules, RuleBook):
            self.rules = rules
            self._rules_folder = rules.folder or rules_root()
        else:
            self._rules_folder = Path(rules) if rules is not None else rules_root()
            self.rules = RuleBook.from_folder(self._rules_folder)
        self.clock: Clock = clock or SystemClock()
        self.future_tolerance = future_tolerance
        self._app = GridcaseApplication(env=dict(self.location.env))
        recorder = self._app.recorder
        if not isinstance(recorder, GridcaseRecorder):  # pragma: no cover - configuration error
            raise TypeError(f"unexpected recorder {type(recorder).__name__}")
        self._recorder: GridcaseRecorder = recorder
        self._published: set[str] = set()
        self._stored_rules: dict[str, CompiledRules] = {}
        self._calendars: dict[str, WorkingCalendar] = {}
        self._recent = _RecentAggregates(cache_size)
        for compiled in self.rules:
            self.calendar_for(compiled)
        self._roster = Roster(self)

    # -- plumbing --------------------------------------------------------------------

    def close(self) -> None:
        self._app.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def application(self) -> GridcaseApplication:
        """The underlying eventsourcing application (for projections and audits)."""
        return self._app

    def stamp(self, at: datetime | None, *, field: str = "at") -> datetime:
        """The moment of a command: given (timezone-aware, not in the future) or the clock's now."""
        now = self.clock.now()
        if at is None:
            return to_cst(now)
        moment = to_cst(at, field=field)
        if self.future_tolerance is not None and moment > now + self.future_tolerance:
            raise InvalidInput(
                f"{field} {moment.isoformat()} is in the future (the clock says {to_cst(now).isoformat()})",
                field=field,
            )
        return moment

    def calendar_for(self, rules: CompiledRules) -> WorkingCalendar:
        """The working-day calendar a rule set counts in (national, or a local file)."""
        name = rules.rules.calendar
        cal = self._calendars.get(name)
        if cal is None:
            if name == "national":
                cal = national_calendar()
            else:
                path = self._rules_folder / "calendars" / name
                if not path.exists():
                    raise RuleFileError(
                        [Problem(rules.source_name, None, "calendar", f"no calendar file {path}")]
                    )
                cal = load_calendar(path)
            self._calendars[name] = cal
        return cal

    def get(self, cls: type[A], aggregate_id: UUID) -> A | None:
        try:
            agg: Aggregate = self._app.repository.get(aggregate_id, projector_func=_replay)
        except AggregateNotFoundError:
            return None
        if not isinstance(agg, cls):
            raise NotFound(f"{aggregate_id} is a {type(agg).__name__}, not a {cls.__name__}")
        return agg

    def read(self, cls: type[A], aggregate_id: UUID) -> A | None:
        """An aggregate as last stored, to look at only: never record on what this returns.

        The answer may be an instance shared with earlier and later readers, used
        again only while the store's latest version of it is still the one it was
        built from (one indexed look-up instead of a replay). Use :meth:`get` for an
        aggregate a command will change.
        """
        known = self._recent.get(aggregate_id)
        at_start = self._read_at_start(aggregate_id)
        if at_start is not None:
            if at_start[0] is None:
                return None  # nothing stored under this id when the command began
            if isinstance(known, cls) and known.version == at_start[0]:
                return known
        elif isinstance(known, cls) and self._latest_version(aggregate_id) == known.version:
            return known
        agg = self.get(cls, aggregate_id)
        if agg is not None:
            self._recent.put(agg)
        return agg

    def _latest_version(self, aggregate_id: UUID) -> int | None:
        latest = self._app.recorder.select_events(aggregate_id, desc=True, limit=1)
        return latest[0].originator_version if latest else None

    def _read_at_start(self, aggregate_id: UUID) -> tuple[int | None] | None:
        """The aggregate's latest version as read at the command's start, if it was."""
        read = _READ_AT_START.get()
        if read is None or read.engine is not self or aggregate_id not in read.ids:
            return None
        return (read.versions.get(aggregate_id),)

    @contextmanager
    def _reading(self, command_id: str, ids: Iterable[UUID]) -> Iterator[CommandLookup]:
        """Check the command id and the versions of ``ids`` in one read, for this command."""
        wanted = (
            frozenset(i for i in ids if isinstance(i, UUID))
            if self._recent.enabled
            else frozenset()
        )
        seen = self._recorder.lookup_command_and_versions(command_id, sorted(wanted))
        token = _READ_AT_START.set(_ReadAtStart(self, wanted, seen.versions))
        try:
            yield seen
        finally:
            _READ_AT_START.reset(token)

    def _remember(self, before: Case | None, saved: Sequence[Any]) -> None:
        """Keep a case just saved as a later load would rebuild it from the store.

        The saved events go through the same encoding and decoding as a load (which,
        for one, turns the command's time zone into the stored UTC offset), so the
        kept case equals a replay. ``before`` is the case as loaded, not recorded on.
        """
        if not self._recent.enabled:
            return
        mapper = self._app.mapper
        case: Any = before
        for e in saved:
            case = _replay(case, [mapper.to_domain_event(mapper.to_stored_event(e))])
        if isinstance(case, Case):
            self._recent.put(case)

    def save(
        self,
        aggregates: Sequence[Aggregate],
        *,
        primary: Aggregate,
        command_id: str | None,
        case_rows: Iterable[CaseRow] = (),
    ) -> list[RecordedStep]:
        pending = [e for agg in aggregates for e in agg.pending_events]
        mine = [e for e in pending if e.originator_id == primary.id]
        steps = [
            RecordedStep(e.originator_version, e.to_step())
            for e in mine
            if isinstance(e, Case.Event)
        ]
        commands = []
        if command_id is not None and mine:
            commands.append(
                CommandRow(
                    command_id, primary.id, mine[0].originator_version, mine[-1].originator_version
                )
            )
        try:
            self._app.save(*aggregates, gridcase_commands=commands, gridcase_cases=list(case_rows))
        except IntegrityError as exc:
            raise Conflict(
                f"{type(primary).__name__} {primary.id} was changed by another writer; reload and try again"
            ) from exc
        return steps

    def carried_out(self, command_id: str) -> bool:
        """Whether the store has carried out the command with this id."""
        return self._recorder.lookup_command(command_id) is not None

    def _duplicate(
        self, command_id: str, expected: UUID | None, row: CommandRow | None
    ) -> CommandResult | None:
        if row is None:
            return None
        if expected is not None and row.originator_id != expected:
            raise InvalidInput(
                f"command id {command_id!r} was already used for {row.originator_id}, not {expected}",
                field="command_id",
            )
        steps: list[RecordedStep] = []
        for e in self._app.events.get(
            row.originator_id, gt=row.first_version - 1, lte=row.last_version
        ):
            if isinstance(e, Case.Event):
                steps.append(RecordedStep(e.originator_version, e.to_step()))
        return CommandResult(row.originator_id, tuple(steps), duplicate=True)

    def check_command_id(self, command_id: str) -> str:
        if not isinstance(command_id, str) or not command_id.strip():
            raise InvalidInput("every command needs a command_id", field="command_id")
        if len(command_id) > 200:
            raise InvalidInput("a command_id is at most 200 characters", field="command_id")
        return command_id.strip()

    def run_once(
        self,
        command_id: str,
        expected: UUID | None,
        body: Callable[[], CommandResult],
        *,
        at: datetime,
        seen: CommandLookup | None = None,
    ) -> CommandResult:
        """Carry out ``body`` once per command id, turning a lost race into a duplicate or a conflict.

        Every event ``body`` records carries ``at``, the command's moment. ``seen`` is
        the command-id check already made in the command's first read, if it was.
        """
        row = seen.command if seen is not None else self._recorder.lookup_command(command_id)
        dup = self._duplicate(command_id, expected, row)
        if dup is not None:
            return dup
        try:
            with recorded_at(at):
                result: CommandResult = body()
        except Conflict:
            dup = self._duplicate(command_id, expected, self._recorder.lookup_command(command_id))
            if dup is not None:
                return dup
            raise
        return result

    # -- rules -----------------------------------------------------------------------

    def known_jurisdiction(self, jurisdiction: str) -> None:
        """Refuse a jurisdiction no rule file defines."""
        if jurisdiction not in self.rules.jurisdictions:
            known = ", ".join(self.rules.jurisdictions)
            raise NotFound(f"unknown jurisdiction {jurisdiction!r} (known: {known})")

    def pinned_rules(self, content_hash: str) -> CompiledRules:
        """The exact rules a case was submitted under, from the book or from the store."""
        compiled = self.rules.by_hash(content_hash) or self._stored_rules.get(content_hash)
        if compiled is not None:
            return compiled
        record = self.get(PublishedRules, rules_key(content_hash))
        if record is None:
            raise NotFound(f"the rules {content_hash[:12]}… are neither loaded nor stored")
        # Kept apart from the rule book: the stored text is authoritative for the cases
        # pinned to it, even when today's files define the same version differently.
        compiled = parse_rules(record.text, name=f"{record.source_name} (stored)")
        self._stored_rules[content_hash] = compiled
        return compiled

    def _publish(self, rules: CompiledRules) -> list[Aggregate]:
        if rules.content_hash in self._published:
            return []
        if self.get(PublishedRules, rules_key(rules.content_hash)) is not None:
            self._published.add(rules.content_hash)
            return []
        return [
            PublishedRules(
                content_hash=rules.content_hash,
                jurisdiction=rules.jurisdiction,
                version=rules.version,
                effective=rules.rules.effective,
                source_name=Path(rules.source_name).name,
                text=rules.source_text,
            )
        ]

    # -- the roster ------------------------------------------------------------------

    @property
    def roster(self) -> Roster:
        """Enterprises, people, grids and visits of every jurisdiction (see :mod:`gridcase.application.roster`)."""
        return self._roster

    def register_person(self, **kwargs: Any) -> CommandResult:
        """Shortcut for :meth:`Roster.register_person`."""
        return self._roster.register_person(**kwargs)

    def register_enterprise(self, **kwargs: Any) -> CommandResult:
        """Shortcut for :meth:`Roster.register_enterprise`."""
        return self._roster.register_enterprise(**kwargs)

    # -- cases -----------------------------------------------------------------------

    def submit(self, command: SubmitDemand) -> CommandResult:
        """Register a demand; the case is pinned to the rules in force on its date."""
        command_id = self.check_command_id(command.command_id)
        case_id = command.case_id or case_id_for(command_id)
        moment = self.stamp(command.at)
        self.known_jurisdiction(command.jurisdiction)
        rules = self.rules.in_force(command.jurisdiction, moment.date())
        code = parse_credit_code(command.enterprise).value
        reads = [enterprise_key(command.jurisdiction, code), case_id]
        actor_keys = self._actor_keys(rules.jurisdiction, command.actor)
        with self._reading(command_id, [*reads, *actor_keys]) as seen:
            return self._submit(command, command_id, case_id, moment, rules, code, seen)

    def _submit(
        self,
        command: SubmitDemand,
        command_id: str,
        case_id: UUID,
        moment: datetime,
        rules: CompiledRules,
        code: str,
        seen: CommandLookup,
    ) -> CommandResult:
        ent = self.read(Enterprise, enterprise_key(command.jurisdiction, code))
        if ent is None:
            raise NotFound(f"enterprise {code} is not registered in {command.jurisdiction}")
        if not ent.in_scope_on(moment.date()):
            raise OutOfScope(
                f"enterprise {code} is not in {command.jurisdiction}'s scope on {moment.date().isoformat()}",
                rule=f"{command.jurisdiction} registry: scope of {code}",
            )
        scope = rules.rules.scope
        if scope is not None and ent.organisation_type in scope.exclude_organisation_types:
            raise OutOfScope(
                f"{code} is a {ent.organisation_type}, which {command.jurisdiction} excludes from its scope",
                rule=f"{rules.jurisdiction}@{rules.version} scope.exclude_organisation_types",
                cite=scope.cite or scope.assumption,
            )
        actor = self._roster.actor(rules, command.actor)
        visit = (
            None
            if command.visit_id is None
            else self._visit_for(command.jurisdiction, command.visit_id, code, moment)
        )
        normalised = SubmitDemand(**{**command.__dict__, "enterprise": code})
        answerable = ent.responsible_on(moment.date(), any_grid=True)
        step = decide_submission(
            rules,
            self.calendar_for(rules),
            normalised,
            actor,
            at=moment,
            responsible=answerable[0] if len(answerable) == 1 else None,
        )

        def body() -> CommandResult:
            stored = self._read_at_start(case_id) != (None,)
            if stored and self.get(Case, case_id) is not None:
                raise InvalidInput(f"case {case_id} already exists", field="case_id")
            case = Case.open(case_id, step)
            extra: list[Aggregate] = list(self._publish(rules))
            if visit is not None:
                # The visit records the case in the same save: linked both ways, or not at
                # all. A visit changed meanwhile makes the save a Conflict, like the case.
                visit.open_case(case_id=case_id)
                extra.append(visit)
            recorded = list(case.pending_events)
            steps = self.save(
                [*extra, case],
                primary=case,
                command_id=command_id,
                case_rows=[_case_row(case.state, case.version)],
            )
            self._published.add(rules.content_hash)
            self._remember(None, recorded)
            return CommandResult(case.id, tuple(steps))

        return self.run_once(command_id, case_id, body, at=moment, seen=seen)

    def _visit_for(self, jurisdiction: str, visit_id: str, code: str, moment: datetime) -> Visit:
        """The visit a demand says it was raised in, refused unless it is that enterprise's and already happened."""
        visit = self.get(Visit, visit_key(jurisdiction, visit_id))
        if visit is None:
            raise NotFound(f"no visit {visit_id!r} in {jurisdiction}")
        if visit.enterprise != code:
            raise InvalidInput(
                f"visit {visit_id} was to {visit.enterprise}, not to {code}",
                field="visit_id",
            )
        if visit.at > moment:
            raise InvalidInput(
                f"visit {visit_id} took place at {visit.at.isoformat()}, after the demand "
                f"({moment.isoformat()}): a demand cannot come from a visit yet to happen",
                field="visit_id",
            )
        return visit

    @staticmethod
    def _actor_keys(jurisdiction: str, actor_id: object) -> list[UUID]:
        """The aggregates :meth:`Roster.actor` reads for this actor, to check in advance."""
        if not isinstance(actor_id, str):
            return []
        liaison = split_liaison_actor(actor_id)
        if liaison is not None:  # an enterprise's liaison is read from the enterprise
            return [enterprise_key(jurisdiction, liaison[0])]
        code = actor_id.strip().upper()
        return [person_key(jurisdiction, actor_id), enterprise_key(jurisdiction, code)]

    def _load_case(self, case_id: UUID) -> Case:
        """A case as stored now, the caller's own to record on.

        A case this engine read before is brought up to date with only the events
        stored after it (by anyone), not replayed from its submission.
        """
        known = self._recent.get(case_id)
        if isinstance(known, Case):
            case = _detached(known)
            if self._read_at_start(case_id) == (case.version,):
                return case
            newer = list(self._app.events.get(case_id, gt=case.version))
            if newer:
                _replay(case, newer)
                self._recent.put(_detached(case))
            return case
        loaded = self.get(Case, case_id)
        if loaded is None:
            raise NotFound(f"no case {case_id}")
        self._recent.put(_detached(loaded))
        return loaded

    def act(self, command: ActOnCase) -> CommandResult:
        """Take one action on a case (after firing the clocks that ran out before it)."""
        command_id = self.check_command_id(command.command_id)
        moment = self.stamp(command.at)

        def body() -> CommandResult:
            case = self._load_case(command.case_id)
            before = _detached(case)
            rules = self.pinned_rules(case.state.submission.rules_hash)
            calendar = self.calendar_for(rules)
            actor = self._roster.actor(rules, command.actor)
            state = case.state
            fired = decide_expiries(rules, calendar, state, moment)
            for s in fired:
                state = evolve(state, s)
            step = decide_action(rules, calendar, state, command, actor, at=moment)
            for s in (*fired, step):
                case.record(s)
            recorded = list(case.pending_events)
            steps = self.save(
                [case],
                primary=case,
                command_id=command_id,
                case_rows=[_case_row(case.state, case.version)],
            )
            self._remember(before, recorded)
            return CommandResult(case.id, tuple(steps))

        with self._reading(command_id, self._act_reads(command)) as seen:
            return self.run_once(command_id, command.case_id, body, at=moment, seen=seen)

    def _act_reads(self, command: ActOnCase) -> list[UUID]:
        """The case and actor an action reads, when this engine knows the case's rules."""
        known = self._recent.get(command.case_id) if isinstance(command.case_id, UUID) else None
        if not isinstance(known, Case):
            return []
        return [known.id, *self._actor_keys(known.state.jurisdiction, command.actor)]

    def advance(self, now: datetime | None = None, *, batch: int = 500) -> AdvanceReport:
        """Fire every clock that ran out at or before ``now``, case by case, in time order.

        Idempotent: a second call with the same ``now`` finds nothing left to fire.
        A case whose clocks cannot be decided (a typed :class:`GridcaseError`) is
        reported in ``failed`` and skipped; the other cases still fire.
        """
        moment = self.stamp(now, field="now")
        fired: list[CommandResult] = []
        failed: list[AdvanceFailure] = []
        seen: set[UUID] = set()
        while True:
            due = [c for c in self._recorder.due_cases(_epoch(moment), batch) if c not in seen]
            if not due:
                return AdvanceReport(moment, tuple(fired), tuple(failed))
            for case_id in due:
                seen.add(case_id)
                try:
                    result = self._fire(case_id, moment)
                except GridcaseError as exc:
                    # Typed refusals only: a storage failure still stops the run.
                    failed.append(AdvanceFailure(case_id, exc))
                    continue
                if result is not None:
                    fired.append(result)

    def _fire(self, case_id: UUID, moment: datetime) -> CommandResult | None:
        case = self._load_case(case_id)
        before = _detached(case)
        rules = self.pinned_rules(case.state.submission.rules_hash)
        steps = decide_expiries(rules, self.calendar_for(rules), case.state, moment)
        if not steps:
            return None
        for s in steps:
            case.record(s)
        saved = list(case.pending_events)
        try:
            recorded = self.save(
                [case],
                primary=case,
                command_id=None,
                case_rows=[_case_row(case.state, case.version)],
            )
        except Conflict:
            return None  # another writer moved the case on; its own command fired the clocks
        self._remember(before, saved)
        return CommandResult(case.id, tuple(recorded))

    # -- queries ---------------------------------------------------------------------

    def case(self, case_id: UUID, *, as_of: datetime | None = None) -> CaseState:
        """A case as its events say it is, now or as of a past moment."""
        if as_of is None:
            return self._load_case(case_id).state
        limit = to_cst(as_of, field="as_of")
        state: CaseState | None = None
        for e in self._app.events.get(case_id):
            if not isinstance(e, Case.Event) or e.timestamp > limit:
                break
            state = evolve(state, e.to_step(), case_id=case_id)
        if state is None:
            raise NotFound(f"case {case_id} did not exist at {limit.isoformat()}")
        return state

    def history(self, case_id: UUID) -> list[RecordedStep]:
        """Every step of a case, in order, as recorded."""
        steps = [
            RecordedStep(e.originator_version, e.to_step())
            for e in self._app.events.get(case_id)
            if isinstance(e, Case.Event)
        ]
        if not steps:
            raise NotFound(f"no case {case_id}")
        return steps

    def cases(self, jurisdiction: str | None = None) -> list[CaseRow]:
        """The case index (one row per case), oldest submission first."""
        return self._recorder.select_cases(jurisdiction)

    def rebuild_case_index(self) -> int:
        """Rebuild the case index from the case events alone; returns the number of cases."""
        states: dict[UUID, tuple[CaseState, int]] = {}
        for _, event in read_log(self._app, topics=event_topics(Case)):
            assert isinstance(event, Case.Event)
            previous = states.get(event.originator_id)
            state = evolve(
                previous[0] if previous else None, event.to_step(), case_id=event.originator_id
            )
            states[event.originator_id] = (state, event.originator_version)
        rows = [_case_row(state, version) for state, version in states.values()]
        self._recorder.replace_case_rows(rows)
        return len(rows)

    def rules_of(self, case_id: UUID) -> CompiledRules:
        return self.pinned_rules(self._load_case(case_id).state.submission.rules_hash)


def open_engine(
    url: str | None = None,
    *,
    rules: RuleBook | str | Path | None = None,
    clock: Clock | None = None,
    future_tolerance: timedelta | None = DEFAULT_FUTURE_TOLERANCE,
    cache_size: int = DEFAULT_CACHE_SIZE,
) -> Engine:
    """Open gridcase on ``url`` (default ``GRIDCASE_URL``, else ``sqlite:///gridcase.db``)."""
    return Engine(
        url, rules=rules, clock=clock, future_tolerance=future_tolerance, cache_size=cache_size
    )
