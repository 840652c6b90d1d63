"""One store, as the application layer reads and writes it: aggregates in, aggregates out.

:class:`Store` wraps the eventsourcing application chosen by the URL (SQLite or
PostgreSQL) and gridcase's recorder, and offers the application layer exactly what a
unit of work needs: get an aggregate as stored, save a set of changed aggregates in
one transaction together with the command's row and the case-index rows, and look up
a command already carried out. A stale save becomes gridcase's own
:class:`~gridcase.kernel.errors.Conflict`, never eventsourcing's error.

Aggregates are read through eventsourcing's repository and its own cache
(``AGGREGATE_CACHE_MAXSIZE``): a cached aggregate is fast-forwarded by reading only the
events stored after it (by anyone, in any process) and handed out as a deep copy, so a
command that fails leaves the cache as the store has it. (A case's deep copy is cheap:
its state is immutable and shared; see ``Case.__deepcopy__``.)
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, TypeVar, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, LRUCache
from eventsourcing.domain import Aggregate, CanMutateAggregate
from eventsourcing.persistence import IntegrityError

from gridcase.kernel.errors import Conflict, NotFound, RecordIntegrityError
from gridcase.storage.application import GridcaseApplication
from gridcase.storage.chain import NO_CHAIN, ChainLink
from gridcase.storage.faults import guard, translated
from gridcase.storage.log import EventLog
from gridcase.storage.opening import SCHEMA_VERSION, check_schema_version, prepare
from gridcase.storage.recorder import GridcaseRecorder
from gridcase.storage.rows import CaseRow, CommandRow
from gridcase.storage.sealing import (
    Algorithm,
    KeyProvider,
    Sealer,
    StoreKeyProvider,
    master_key_from_env,
)
from gridcase.storage.security import SecurityEntry
from gridcase.storage.session import WriteSessions
from gridcase.storage.url import StoreLocation
from gridcase.storage.verify import Checkpoint, VerifyReport, verify_store

__all__ = ["DEFAULT_CACHE_SIZE", "Store"]

A = TypeVar("A", bound=Aggregate)

DEFAULT_CACHE_SIZE = 4096
"""Aggregates kept by the repository's cache (cases, people, enterprises …)."""


def _replay(aggregate: Any, events: Iterable[Any]) -> Any:
    """Fold stored events into an aggregate, as eventsourcing's ``project_aggregate`` does.

    That function asserts a runtime-checkable Protocol on every event, and the check
    cost a third of a case's replay (measured); the events the store hands back are
    always eventsourcing aggregate events, so the loop calls their ``mutate`` directly.
    """
    for e in events:
        aggregate = cast(CanMutateAggregate[UUID], e).mutate(aggregate)
    return aggregate


class Store:
    """gridcase's events on one database, opened from a parsed URL."""

    def __init__(
        self,
        location: StoreLocation,
        *,
        cache_size: int = DEFAULT_CACHE_SIZE,
        keys: KeyProvider | None = None,
        seal_algorithm: Algorithm = "aes-256-gcm",
        create: bool = True,
    ) -> None:
        opening = prepare(location, create=create)
        env = {**location.env, **opening.env}
        if cache_size > 0:
            env["AGGREGATE_CACHE_MAXSIZE"] = str(cache_size)
        self.location = location
        self.read_only = opening.read_only
        """Whether the store was opened to read only (its file or medium is not writable)."""
        with translated(location):
            self._app = GridcaseApplication(env=env)
            datastore = self._app.recorder.datastore  # type: ignore[attr-defined]
            guard(datastore, location)
            self._sessions = WriteSessions(datastore, postgres=location.kind == "postgres")
            self._sessions.on_rollback(self._forget)
            self._open(location, keys, seal_algorithm)

    def _open(
        self, location: StoreLocation, keys: KeyProvider | None, seal_algorithm: Algorithm
    ) -> None:
        recorder = self._app.recorder
        if not isinstance(recorder, GridcaseRecorder):  # pragma: no cover - configuration error
            raise TypeError(f"unexpected recorder {type(recorder).__name__}")
        self._recorder: GridcaseRecorder = recorder
        self.log = EventLog(self._app)
        """The log, to read only (projections, audits)."""
        meta = recorder.meta()
        check_schema_version(location, meta.get("schema_version"))
        unchained = "chain_algorithm" not in meta
        self.keys: KeyProvider = keys or StoreKeyProvider(
            recorder.load_key, recorder.save_key, recorder.delete_key, master_key_from_env()
        )
        self.sealer = Sealer(self.keys, seal_algorithm)
        """Seals personal data with its enterprise's key (see :mod:`gridcase.storage.sealing`)."""
        if self.read_only:
            self.chain = meta.get("chain_algorithm", NO_CHAIN)
            return
        # Opening an existing store writes nothing (it opens while another writer holds it).
        self.chain = meta.get("chain_algorithm") or recorder.set_meta_default(
            "chain_algorithm", location.chain
        )
        """The hash chain this store keeps (it is chosen when the store is created)."""
        if "schema_version" not in meta:
            recorder.set_meta_default("schema_version", SCHEMA_VERSION)
        if unchained and self.chain != NO_CHAIN:
            # A store made before the chain existed (release 0.1) is sealed once, when a
            # chaining release first opens it; events that appear unlinked later are not.
            recorder.seal_unlinked()

    def close(self) -> None:
        self._app.close()

    # -- transactions ------------------------------------------------------------------------

    @contextlib.contextmanager
    def session(self) -> Iterator[None]:
        """One write transaction for a command's reads and its save (a savepoint in a batch).

        What is read inside is read on the transaction's connection, after the write lock
        (SQLite) or in the transaction (PostgreSQL); nothing is committed unless the block
        ends normally. A read-only store has nothing to hold.
        """
        if self.read_only:
            yield
            return
        with translated(self.location), self._sessions.session():
            yield

    @contextlib.contextmanager
    def batch(self, limit: int) -> Iterator[None]:
        """One transaction for many commands, committed every ``limit`` of them and at the end.

        Each command inside is a savepoint: one refused or conflicting is undone alone and the
        batch goes on. A fault at a commit loses the commands since the last commit (nothing
        of them is written) and the caches that had taken them in are forgotten.
        """
        if self.read_only:
            yield
            return
        with translated(self.location), self._sessions.batch(limit):
            yield

    def committed(self) -> contextlib.AbstractContextManager[None]:
        """Read what others have committed, past a held transaction a lost race aborted."""
        return self._sessions.outside()

    def after_commit(self, step: Callable[[], object]) -> None:
        """Run ``step`` once what is saved so far is committed (at once outside a session)."""
        self._sessions.after_commit(step)

    def on_rollback(self, listener: Callable[[], object]) -> None:
        """Call ``listener`` when something saved is rolled back (a view that took it in)."""
        self._sessions.on_rollback(listener)

    def _forget(self) -> None:
        """Saved aggregates were rolled back: the cache may hold what was never committed."""
        repository = self._app.repository
        if isinstance(repository.cache, LRUCache):
            # A fresh cache: eventsourcing's LRUCache.clear() resets its recency list only,
            # and leaves every entry in place.
            repository.cache = LRUCache(maxsize=repository.cache.maxsize)

    def recover(self) -> None:
        """After a lost connection: drop every pooled connection that broke with it.

        A server restart or ``pg_terminate_backend`` breaks all the idle connections of
        the pool at once; checking them here (psycopg_pool's ``check``) keeps the next
        attempt from drawing another dead one. SQLite has nothing to recover.
        """
        pool = getattr(getattr(self._recorder, "datastore", None), "pool", None)
        check = getattr(pool, "check", None)
        if callable(check):
            with contextlib.suppress(Exception):
                check()

    # -- aggregates ----------------------------------------------------------------------

    def get(self, cls: type[A], aggregate_id: UUID, *, audited: bool = False) -> A | None:
        """The aggregate as stored now, the caller's own to record on; None if nothing is stored.

        ``audited`` also tells an aggregate whose events were all deleted from one that
        never was (one more read; the audit reads use it, the command path does not).
        """
        try:
            agg: Aggregate = self._app.repository.get(aggregate_id, projector_func=_replay)
        except AggregateNotFoundError:
            if audited and self.chain != NO_CHAIN and self._recorder.links_of(aggregate_id):
                raise RecordIntegrityError(
                    f"{cls.__name__} {aggregate_id} was recorded, but its events are gone "
                    "from the store: the log was altered (run gridcase verify)"
                ) from None
            return None
        except Exception:
            self.checked_events(aggregate_id)  # names the gap if there is one
            raise
        if not isinstance(agg, cls):
            raise NotFound(f"{aggregate_id} is a {type(agg).__name__}, not a {cls.__name__}")
        return agg

    def peek(self, cls: type[A], aggregate_id: UUID) -> A | None:
        """The cached aggregate as last seen, possibly behind the store: for what never changes.

        A case's jurisdiction or an enterprise's credit code, say, to know which other
        aggregates a command will read; never for deciding (use :meth:`get_many`).
        """
        cache = self._app.repository.cache
        try:
            found = cache.get(aggregate_id) if cache is not None else None
        except KeyError:
            return None
        return found if isinstance(found, cls) else None

    def get_many(self, ids: Sequence[UUID]) -> dict[UUID, Aggregate | None]:
        """Several aggregates as stored now, in one read, each the caller's own to record on.

        A cached aggregate is brought up to date with the events stored after it; one not
        cached is rebuilt from all of its events; an id with no events is None.
        """
        cache = self._app.repository.cache
        known: dict[UUID, Aggregate] = {}
        if cache is not None:
            for oid in ids:
                with contextlib.suppress(KeyError):
                    known[oid] = cast(Aggregate, cache.get(oid))
        stored = self._recorder.select_events_after(
            [(oid, known[oid].version if oid in known else 0) for oid in dict.fromkeys(ids)]
        )
        newer: dict[UUID, list[Any]] = {}
        for raw in stored:
            event = self._app.mapper.to_domain_event(raw)
            newer.setdefault(event.originator_id, []).append(event)
        found: dict[UUID, Aggregate | None] = {}
        for oid in dict.fromkeys(ids):
            base = copy.deepcopy(known[oid]) if oid in known else None
            agg = _replay(base, newer.get(oid, ())) if newer.get(oid) else base
            if agg is not None and newer.get(oid) and cache is not None:
                cache.put(oid, copy.deepcopy(agg))
            found[oid] = agg
        return found

    def save(
        self,
        aggregates: Sequence[Aggregate],
        *,
        command: CommandRow | None,
        cases: Sequence[CaseRow] = (),
        security: Sequence[SecurityEntry] = (),
    ) -> None:
        """Save every pending event of ``aggregates`` with the command and case rows, atomically.

        Raises :class:`Conflict` when another writer got there first: an aggregate's
        version was taken, or the command id was recorded meanwhile. Nothing is written then.
        """
        firsts = [
            (type(a).__name__, a.id, a.pending_events[0].originator_version)
            for a in aggregates
            if a.pending_events
        ]
        try:
            with self._sessions.atomic():
                self._app.save(
                    *aggregates,
                    gridcase_commands=[command] if command is not None else [],
                    gridcase_cases=list(cases),
                    gridcase_security=list(security),
                )
        except IntegrityError as exc:
            raise self._conflict(firsts, command) from exc
        self._sessions.saved()
        self._keep(aggregates)

    def _conflict(
        self, firsts: Sequence[tuple[str, UUID, int]], command: CommandRow | None
    ) -> Conflict:
        """The Conflict of a lost race, naming what another writer really recorded first."""
        with translated(self.location), self._sessions.outside():
            taken = {
                e.originator_id
                for e in self._recorder.select_events_after([(oid, v - 1) for _, oid, v in firsts])
            }
            done = command is not None and self._recorder.lookup_command(command.command_id)
        collided = [f"{name} {oid}" for name, oid, _ in firsts if oid in taken]
        if done and command is not None:
            collided.append(f"command {command.command_id}")
        what = ", ".join(collided) or ", ".join(f"{name} {oid}" for name, oid, _ in firsts)
        return Conflict(
            f"another writer recorded {what} first; nothing of this command was written: "
            "reload and try again",
            collided=tuple(collided),
        )

    def _keep(self, aggregates: Sequence[Aggregate]) -> None:
        """Cache what was just saved, so the next command need not rebuild it.

        Safe because what a command recorded on is exactly what a replay rebuilds (its
        state is applied by the same events, and moments decode back in China time);
        the next read still fast-forwards past anything stored after it, by anyone.
        """
        cache = self._app.repository.cache
        if cache is not None:
            for agg in aggregates:
                cache.put(agg.id, agg)

    # -- integrity -------------------------------------------------------------------------

    def verify(
        self,
        *,
        since: Checkpoint | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> VerifyReport:
        """Every link and every aggregate's versions (after ``since``), with what is wrong where."""
        total = self.log.head()
        return verify_store(self._recorder, since=since, total=total, progress=progress)

    def checkpoint(self, verified: VerifyReport, taken_at: datetime) -> Checkpoint:
        """The head a clean verification reached, to keep elsewhere and verify against later.

        Only a verified log is checkpointed: a checkpoint vouches for everything before it.
        """
        if not verified.ok:
            raise RecordIntegrityError(
                f"the store did not verify ({verified.first}); no checkpoint is written"
            )
        return Checkpoint(
            verified.head_position,
            verified.head_hash,
            self.chain,
            taken_at,
            self.location.display,
        )

    def links_of(self, originator_id: UUID) -> list[ChainLink]:
        return self._recorder.links_of(originator_id)

    def check_complete(self, aggregate: Aggregate) -> None:
        """Refuse an aggregate read shorter than its links say it was recorded."""
        if self.chain == NO_CHAIN:
            return
        links = self._recorder.links_of(aggregate.id)
        if links and links[-1].originator_version > aggregate.version:
            raise RecordIntegrityError(
                f"the history of {aggregate.id} is broken: it was recorded up to version "
                f"{links[-1].originator_version}, the store holds {aggregate.version} "
                "(run gridcase verify)"
            )

    def checked_events(self, originator_id: UUID) -> list[Any]:
        """One aggregate's events, refused as :class:`RecordIntegrityError` if any are missing.

        Its versions must run 1, 2, … without a gap, and reach as far as its links do:
        a deleted first, middle or last event is named, never read as a shorter history
        or as no history at all.
        """
        events = self.log.events_of(originator_id)
        versions = [e.originator_version for e in events]
        expected = list(range(1, len(events) + 1))
        linked = (
            [k.originator_version for k in self._recorder.links_of(originator_id)]
            if self.chain != NO_CHAIN
            else []
        )
        if versions != expected or (linked and linked[-1] > len(events)):
            missing = sorted(set(range(1, max([*versions, *linked, 0]) + 1)) - set(versions))
            raise RecordIntegrityError(
                f"the history of {originator_id} is broken: version(s) "
                f"{', '.join(map(str, missing)) or '?'} are missing from the store "
                "(run gridcase verify)"
            )
        return events

    # -- the security log ---------------------------------------------------------------

    def record_security(self, entry: SecurityEntry) -> None:
        """Log a refusal (nothing else of the command is written)."""
        self._recorder.insert_security(entry)

    def security_log(self, *, after: int = 0, limit: int = 1000) -> list[SecurityEntry]:
        return self._recorder.select_security(after=after, limit=limit)

    # -- commands and the case index ---------------------------------------------------------

    def command(self, command_id: str) -> CommandRow | None:
        """The record of a command already carried out, if it was."""
        return self._recorder.lookup_command(command_id)

    def due_cases(self, until: int, limit: int) -> list[UUID]:
        return self._recorder.due_cases(until, limit)

    def select_cases(self, jurisdiction: str | None = None) -> list[CaseRow]:
        return self._recorder.select_cases(jurisdiction)

    def replace_case_rows(self, rows: Sequence[CaseRow]) -> None:
        self._recorder.replace_case_rows(rows)
