"""The one path every command takes: stamp, load once, decide, save together, once per id.

A command handler is a small function ``handler(command, work) -> primary id``: it loads
what it needs through the :class:`UnitOfWork` (each aggregate read once, however often
it is asked for), asks the pure rules (``workflow.decide``, ``domain.registry``) what to
record, and records it on the loaded aggregates. :class:`CommandRunner` does the rest,
the same for a case action, a roster change, an import batch or a clock firing:

* the command id is checked, and the command's moment stamped (given and not in the
  future, else the engine's clock); every event the command records carries it;
* everything the handler changed is saved in **one transaction**, with the command's row
  (id, kind, content fingerprint, the primary aggregate's versions) and the index row of
  every case it touched;
* a command id carried out before answers with what it recorded then
  (``duplicate=True``), whether the re-sent command would now be refused or would race
  its first delivery; the same id with **other content** is refused, naming its first
  use, as payment APIs treat a re-used idempotency key;
* a save that lost a race is a :class:`~gridcase.kernel.errors.Conflict` (reload and
  decide again), or a duplicate when the winner was this very command.

No command id is looked up before the work: the store's unique command ids make the
save itself fail for a re-sent command, and only a refusal or a failed save pays for the
look-up. A refused command writes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Protocol, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from gridcase.application.fingerprint import fingerprint
from gridcase.application.input_limits import check_command
from gridcase.application.results import CommandResult, RecordedStep
from gridcase.application.rulebook import RuleService
from gridcase.application.text_policy import TextPolicy, screen_free_text
from gridcase.calendar import to_cst
from gridcase.domain.case import Case
from gridcase.domain.published_rules import PublishedRules
from gridcase.domain.recorded import recorded_at
from gridcase.domain.roster_commands import RosterCommand
from gridcase.kernel.clock import Clock
from gridcase.kernel.errors import (
    Conflict,
    GridcaseError,
    InvalidInput,
    LateEntry,
    NotFound,
    RecordIntegrityError,
    StoreConnectionLost,
    StoreError,
)
from gridcase.kernel.pii import mask_pii
from gridcase.projections.roster import RosterProjection
from gridcase.storage.rows import CommandRow, case_row_of
from gridcase.storage.security import Outcome, SecurityEntry
from gridcase.storage.store import Store
from gridcase.workflow.compiler import CompiledRules

_log = logging.getLogger("gridcase.commands")
"""Each command carried out (INFO), refused (INFO) and each step it recorded (DEBUG)."""

__all__ = [
    "DEFAULT_LATE_ENTRY_MINUTES",
    "MAX_COMMAND_ID",
    "CommandRunner",
    "Handler",
    "UnitOfWork",
    "check_command_id",
]

A = TypeVar("A", bound=Aggregate)
C = TypeVar("C", contravariant=True)

MAX_COMMAND_ID = 200
PUBLISH_RACES = 2
"""Attempts a command makes when other engines keep publishing the same rules first."""
RECONNECTS = 3
"""Times a command is run again after its connection to the store broke off."""
DEFAULT_LATE_ENTRY_MINUTES = 10
"""A command dated further behind the clock than this is a late entry (issue default)."""


class Handler(Protocol[C]):
    """Decide one command on the aggregates it loads; return the id of the one it is about."""

    def __call__(self, command: C, work: UnitOfWork, /) -> UUID: ...


def check_command_id(command_id: object) -> str:
    if not isinstance(command_id, str) or not command_id.strip():
        raise InvalidInput("every command needs a command_id", field="command_id")
    if len(command_id) > MAX_COMMAND_ID:
        raise InvalidInput(
            f"a command_id is at most {MAX_COMMAND_ID} characters", field="command_id"
        )
    return command_id.strip()


class UnitOfWork:
    """What one command reads and changes: each aggregate loaded once, everything saved together."""

    def __init__(
        self,
        store: Store,
        rules: RuleService,
        moment: datetime,
        stamp: Callable[[datetime | None, str], datetime],
        roster_view: Callable[[], RosterProjection],
        recorded_at: datetime | None = None,
    ) -> None:
        self.moment = moment
        """The command's moment (when its step happened, as claimed): its events carry it."""
        self.recorded_at = recorded_at or moment
        """When the engine records it: its clock, never the caller's."""
        self.rules = rules
        self.consulted: CompiledRules | None = None
        """The rules the command was decided under (the first asked for), whose recording
        policy says whether it is a late entry."""
        self._store = store
        self._stamp = stamp
        self._roster_view = roster_view
        self._loaded: dict[UUID, Aggregate | None] = {}
        self._after: list[Callable[[], object]] = []

    # -- personal data -------------------------------------------------------------------

    def seal(self, jurisdiction: str, credit_code: str, field: str, record: str, value: str) -> str:
        """Personal data of an enterprise, sealed with its own key before it is recorded."""
        owner = self._store.sealer.owner(jurisdiction, credit_code)
        return self._store.sealer.seal(owner, field, record, value)

    def destroy_key(self, jurisdiction: str, credit_code: str) -> None:
        """Destroy an enterprise's key once the command that records why is saved."""
        owner = self._store.sealer.owner(jurisdiction, credit_code)
        self._after.append(lambda: self._store.keys.destroy(owner))

    def after_save(self) -> None:
        """What must follow the save, and only a successful one."""
        for step in self._after:
            step()

    # -- rules -----------------------------------------------------------------------------

    def in_force(self, jurisdiction: str, day: date) -> CompiledRules:
        """The jurisdiction's rules in force on ``day``, noted as the command's rules."""
        found = self.rules.in_force(jurisdiction, day)
        self.consulted = self.consulted or found
        return found

    def pinned(self, content_hash: str) -> CompiledRules:
        """The rules a case is pinned to, noted as the command's rules."""
        found = self.rules.pinned(content_hash, self.get)
        self.consulted = self.consulted or found
        return found

    def late_by(self) -> timedelta | None:
        """How much later than its rules tolerate this command is recorded, or None if on time."""
        tolerance = timedelta(
            minutes=self.consulted.rules.recording.late_entry_tolerance_minutes
            if self.consulted is not None
            else DEFAULT_LATE_ENTRY_MINUTES
        )
        lag = self.recorded_at - self.moment
        return lag if lag > tolerance else None

    def get(self, cls: type[A], aggregate_id: UUID) -> A | None:
        """The aggregate as stored (or as this command has changed it so far); None if absent."""
        if aggregate_id in self._loaded:
            found = self._loaded[aggregate_id]
        else:
            found = self._store.get(cls, aggregate_id)
            self._loaded[aggregate_id] = found
        if found is not None and not isinstance(found, cls):
            raise NotFound(f"{aggregate_id} is a {type(found).__name__}, not a {cls.__name__}")
        return found

    def prefetch(self, *ids: UUID) -> None:
        """Read these aggregates now, in one round trip, for the ``get`` calls to come.

        A handler that knows what it will read says so first: a case action reads the
        case and its actor, and on PostgreSQL each separate read is a round trip.
        """
        wanted = [i for i in dict.fromkeys(ids) if i not in self._loaded]
        if wanted:
            self._loaded.update(self._store.get_many(wanted))

    def peek(self, cls: type[A], aggregate_id: UUID) -> A | None:
        """What the store's cache last saw of an aggregate, for facts that never change."""
        return self._store.peek(cls, aggregate_id)

    def require(self, cls: type[A], aggregate_id: UUID, missing: str) -> A:
        """The aggregate, or :class:`NotFound` with ``missing`` as its message."""
        found = self.get(cls, aggregate_id)
        if found is None:
            raise NotFound(missing)
        return found

    def add(self, aggregate: A) -> A:
        """A new aggregate this command creates; refused if the id is already taken."""
        if self.get(type(aggregate), aggregate.id) is not None:
            raise InvalidInput(f"{type(aggregate).__name__} {aggregate.id} already exists")
        self._loaded[aggregate.id] = aggregate
        return aggregate

    def stamp(self, moment: datetime | None, field: str) -> datetime:
        """Another moment the command carries (a visit's time), checked as the command's own is."""
        return self._stamp(moment, field)

    def roster(self) -> RosterProjection:
        """The roster read model, caught up with the log (for questions across aggregates)."""
        return self._roster_view()

    def changed(self) -> list[Aggregate]:
        """Every aggregate with events to save, in the order the command first touched them."""
        return [a for a in self._loaded.values() if a is not None and a.pending_events]


class CommandRunner:
    """Runs any command through a handler, once per command id, atomically."""

    def __init__(
        self,
        store: Store,
        rules: RuleService,
        clock: Clock,
        future_tolerance: timedelta | None,
        roster_view: Callable[[], RosterProjection],
    ) -> None:
        self._store = store
        self._rules = rules
        self.clock = clock
        self.future_tolerance = future_tolerance
        self._roster_view = roster_view
        self.personal_data_in_text: TextPolicy = "refuse"
        """What to do with an ID-card number, phone or e-mail typed into free text."""

    def stamp(self, at: datetime | None, field: str = "at") -> datetime:
        """A command's moment: given (timezone-aware, not in the future) or the clock's now."""
        now = self.clock.now()
        if at is None:
            return to_cst(now)
        moment = to_cst(at, field=field)
        if self.future_tolerance is not None and moment > now + self.future_tolerance:
            raise InvalidInput(
                f"{field} {moment.isoformat()} is in the future "
                f"(the clock says {to_cst(now).isoformat()})",
                field=field,
            )
        return moment

    def run(
        self,
        handler: Handler[C],
        command: C,
        *,
        kind: str,
        command_id: str | None,
        at: datetime | None,
    ) -> CommandResult:
        """Carry out ``command`` once: its result, a duplicate's result, or a typed refusal.

        ``command_id`` None is gridcase's own work (a clock firing): nothing to repeat,
        and a lost race is a :class:`Conflict` for the caller to skip.
        """
        trace = _Trace(getattr(command, "jurisdiction", None))
        try:
            check_command(command)
            command = screen_free_text(command, self.personal_data_in_text)
            result = self._run(handler, command, kind, command_id, at, trace)
        except Conflict:
            _log.info("%s %s: conflict (another writer was first)", kind, command_id or "-")
            raise  # a lost race is not a refusal: the caller reloads and decides again
        except StoreError:
            raise  # a store fault is not a refusal of the command
        except GridcaseError as exc:
            _log.info("%s %s refused: %s: %s", kind, command_id or "-", type(exc).__name__, exc)
            self._log_refusal(command, kind, command_id, at, trace, exc)
            raise
        if result.duplicate:
            _log.info("%s %s: already carried out, nothing new", kind, command_id)
        elif command_id is not None:
            _log.info(
                "%s %s carried out on %s: %d step(s)",
                kind,
                command_id,
                result.aggregate_id,
                len(result.steps),
            )
        for rec in result.steps:
            _log.debug(
                "  %s v%d %s by %s → %s",
                result.aggregate_id,
                rec.version,
                rec.step.kind,
                rec.step.actor,
                rec.step.outcome.state,
            )
        return result

    def _run(
        self,
        handler: Handler[C],
        command: C,
        kind: str,
        command_id: str | None,
        at: datetime | None,
        trace: _Trace,
    ) -> CommandResult:
        cid = check_command_id(command_id) if command_id is not None else None
        digest = fingerprint(kind, command)
        moment = self.stamp(at)
        late_reason = _late_reason(command)
        published_races = lost = 0
        while True:
            try:
                with self._store.session():
                    return self._attempt(
                        handler, command, kind, cid, digest, moment, late_reason, trace
                    )
            except _PublishedMeanwhile:
                published_races += 1
                if published_races == PUBLISH_RACES:
                    raise Conflict(
                        "another engine kept publishing the same rules at once; try again"
                    ) from None
            except StoreConnectionLost:
                # The save may or may not have committed: the next attempt finds the
                # command id recorded (a duplicate) or carries the command out afresh.
                lost += 1
                if lost > RECONNECTS:
                    raise
                self._store.recover()
            except GridcaseError:
                earlier = self._earlier(cid, kind, digest) if cid is not None else None
                if earlier is not None:
                    return earlier
                raise

    def _attempt(
        self,
        handler: Handler[C],
        command: C,
        kind: str,
        command_id: str | None,
        digest: str,
        moment: datetime,
        late_reason: str | None,
        trace: _Trace,
    ) -> CommandResult:
        """One try, inside the command's write transaction: read, decide, authorise, save."""
        recorded = to_cst(self.clock.now())
        work = UnitOfWork(self._store, self._rules, moment, self.stamp, self._roster_view, recorded)
        trace.work = work
        with recorded_at(moment, recorded=work.recorded_at, late_reason=late_reason):
            primary_id = handler(command, work)
        _refuse_unexplained_lateness(work, late_reason, system=command_id is None)
        changed = work.changed()
        primary = work.get(Aggregate, primary_id)
        mine = list(primary.pending_events) if primary is not None else []
        # Each step was decided when its event was applied: take it from the case.
        steps = tuple(
            RecordedStep(
                e.originator_version,
                primary.step_of(e) if isinstance(primary, Case) else e.to_step(),
            )
            for e in mine
            if isinstance(e, Case.Event)
        )
        row = None
        if command_id is not None and changed:
            first = mine[0].originator_version if mine else (primary.version if primary else 0)
            last = mine[-1].originator_version if mine else first
            row = CommandRow(command_id, primary_id, first, last, kind, digest)
        cases = [case_row_of(a.state, a.version) for a in changed if isinstance(a, Case)]
        published = [a for a in changed if isinstance(a, PublishedRules) and a.version == 1]
        security = self._security_of(command, kind, command_id, work, primary_id, late_reason)
        if changed:
            try:
                self._store.save(changed, command=row, cases=cases, security=security)
            except Conflict:
                if published:
                    for p in published:
                        self._rules.forget_published(p.content_hash)
                    with self._store.committed():  # the lost race may have aborted ours
                        if self._all_published(published):
                            raise _PublishedMeanwhile() from None
                raise
        # Only once it is committed (at once, or when the batch holding it commits).
        for p in published:
            self._store.after_commit(partial(self._rules.published, p.content_hash))
        self._store.after_commit(work.after_save)
        return CommandResult(primary_id, steps)

    # -- the security log ---------------------------------------------------------------

    def _security_of(
        self,
        command: object,
        kind: str,
        command_id: str | None,
        work: UnitOfWork,
        primary_id: UUID,
        late_reason: str | None,
    ) -> list[SecurityEntry]:
        """The entries an accepted command adds to the security log, saved with its events."""
        outcomes: list[Outcome] = []
        if late_reason is not None and work.late_by() is not None:
            outcomes.append("late_entry")
        if isinstance(command, RosterCommand) or kind == "import_batch":
            outcomes.append("administered")
        jurisdiction = work.consulted.jurisdiction if work.consulted else None
        return [
            SecurityEntry(
                recorded_at=work.recorded_at,
                outcome=outcome,
                kind=kind,
                actor=_text_of(command, "actor"),
                role=_text_of(command, "role"),
                jurisdiction=jurisdiction or _text_of(command, "jurisdiction"),
                command_id=command_id,
                aggregate_id=str(primary_id),
                claimed_at=work.moment,
                message=mask_pii(late_reason or "")[:MAX_SECURITY_MESSAGE],
            )
            for outcome in outcomes
        ]

    def _log_refusal(
        self,
        command: object,
        kind: str,
        command_id: str | None,
        at: datetime | None,
        trace: _Trace,
        exc: GridcaseError,
    ) -> None:
        """Record a refusal in the security log; a log that cannot be written must not hide it."""
        work = trace.work
        consulted = work.consulted if work is not None else None
        try:
            self._store.record_security(
                SecurityEntry(
                    recorded_at=to_cst(self.clock.now()),
                    outcome="refused",
                    kind=kind,
                    actor=_text_of(command, "actor"),
                    role=_text_of(command, "role"),
                    jurisdiction=consulted.jurisdiction if consulted else trace.jurisdiction,
                    command_id=command_id if isinstance(command_id, str) else None,
                    aggregate_id=_text_of(command, "case_id"),
                    claimed_at=at if isinstance(at, datetime) and at.tzinfo else None,
                    error=type(exc).__name__,
                    rule=getattr(exc, "rule", None),
                    message=mask_pii(str(exc))[:MAX_SECURITY_MESSAGE],
                )
            )
        except Exception:
            return

    def _all_published(self, published: list[PublishedRules]) -> bool:
        """Whether the rules this command would publish were published by another writer."""
        return all(self._store.get(PublishedRules, p.id) is not None for p in published)

    def _earlier(self, command_id: str, kind: str, digest: str) -> CommandResult | None:
        """What the command did the first time it was carried out, if it was."""
        row = self._store.command(command_id)
        if row is None:
            return None
        if row.fingerprint is not None and row.fingerprint != digest:
            first = self._store.log.events_of(
                row.originator_id, gt=row.first_version - 1, lte=row.first_version
            )
            when = first[0].timestamp.isoformat() if first else "an earlier moment"
            raise InvalidInput(
                f"command id {command_id!r} was already used at {when} for {row.kind} on "
                f"{row.originator_id}, with other content; a new command needs a new id "
                f"(this one is {kind})",
                field="command_id",
            )
        recorded = self._store.log.events_of(
            row.originator_id, gt=row.first_version - 1, lte=row.last_version
        )
        if [e.originator_version for e in recorded] != list(
            range(row.first_version, row.last_version + 1)
        ):
            raise RecordIntegrityError(
                f"command {command_id!r} was carried out, but what it recorded on "
                f"{row.originator_id} (versions {row.first_version}-{row.last_version}) is "
                "gone from the store: the log was altered (run gridcase verify)"
            )
        steps = tuple(
            RecordedStep(e.originator_version, e.to_step())
            for e in recorded
            if isinstance(e, Case.Event)
        )
        return CommandResult(row.originator_id, steps, duplicate=True)


class _PublishedMeanwhile(Exception):
    """A save lost its race only because another engine published the same rules first."""


def _late_reason(command: object) -> str | None:
    reason = getattr(command, "late_reason", None)
    if reason is None:
        return None
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidInput("a late_reason, when given, says why", field="late_reason")
    return reason.strip()


def _refuse_unexplained_lateness(
    work: UnitOfWork, late_reason: str | None, *, system: bool
) -> None:
    """A step dated further back than the rules tolerate needs its reason, or is refused.

    gridcase's own clock firings are never late: they are recorded at their deadline by
    design, whenever ``advance`` runs.
    """
    lag = None if system else work.late_by()
    if lag is None or late_reason is not None:
        return
    rules = work.consulted
    name = f"{rules.jurisdiction}@{rules.version} " if rules is not None else ""
    minutes = (
        rules.rules.recording.late_entry_tolerance_minutes
        if rules is not None
        else DEFAULT_LATE_ENTRY_MINUTES
    )
    recording = rules.rules.recording if rules is not None else None
    raise LateEntry(
        f"the step is dated {work.moment.isoformat()}, {_span(lag)} before it is recorded "
        f"({work.recorded_at.isoformat()}); a step recorded more than {minutes} minutes "
        "after it happened needs a late_reason saying why",
        rule=f"{name}recording.late_entry_tolerance_minutes",
        cite=(recording.cite or recording.assumption) if recording is not None else None,
    )


def _span(lag: timedelta) -> str:
    if lag >= timedelta(days=1):
        return f"{lag.days} day(s) {lag.seconds // 3600} hour(s)"
    if lag >= timedelta(hours=1):
        return f"{lag.seconds // 3600} hour(s) {lag.seconds % 3600 // 60} minute(s)"
    return f"{lag.seconds // 60} minute(s)"


MAX_SECURITY_MESSAGE = 2000


@dataclass
class _Trace:
    """What a failed command got as far as knowing, for its security-log entry."""

    jurisdiction: str | None
    work: UnitOfWork | None = None


def _text_of(command: object, name: str) -> str | None:
    value = getattr(command, name, None)
    return None if value is None else str(value)
