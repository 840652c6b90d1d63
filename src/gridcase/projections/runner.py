"""The projection runner: read models kept in SQL tables, exactly once, resumable.

Built on eventsourcing's projection machinery: each read model is an
:class:`eventsourcing.projection.Projection` whose view is a
:class:`eventsourcing.persistence.TrackingRecorder` (:class:`SQLTrackingRecorder`, on
SQLAlchemy 2, in the store's own database by default or in another by URL). Each event
comes with its :class:`~eventsourcing.persistence.Tracking` (application name and
notification id), and the tracking position is written in the same transaction as the
rows the events changed. So:

* **exactly once**: a batch's rows and its position commit together or not at all; a
  runner killed mid-batch (even by SIGKILL) leaves the tables as of the last commit,
  and the next run starts after the position committed with them;
* **never twice, even with two runners**: the position moves by compare-and-set (the
  update names the position the batch started from), so a second runner that folded
  the same events finds the position moved, rolls back and carries on from there;
* **never assuming contiguous ids**: the log is read *after* the last id folded
  (PostgreSQL leaves gaps where a transaction rolled back; its recorder commits ids in
  order under a table lock, so no lower id appears later).

Why not eventsourcing's :class:`~eventsourcing.projection.ProjectionRunner` itself: it
follows the log through the application recorder's ``subscribe``, which the SQLite
recorder does not implement (it raises ``NotImplementedError``), and it commits one
tracking record per event, which is too slow to rebuild a year's log (the benchmark
measures a batch at a time). :class:`ProjectionRunner` here reads the log through
:class:`~gridcase.storage.log.EventLog` in pages on both databases and commits a batch
at a time; ``follow`` polls.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import Tracking, TrackingRecorder
from eventsourcing.projection import Projection
from sqlalchemy import (
    Connection,
    Engine,
    StaticPool,
    create_engine,
    delete,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError, OperationalError

from gridcase.domain.assignment import Stint
from gridcase.domain.case import Case
from gridcase.kernel.collector import collector_paused
from gridcase.projections.grid_days import (
    GRID_TOPICS,
    apply_grid_event,
    enterprise_id,
    grids_on,
)
from gridcase.projections.ledger import (
    CalendarOf,
    LedgerRow,
    apply_case_event,
    national_calendar_of,
)
from gridcase.projections.ledger_codec import KNOWN
from gridcase.projections.log import event_topics
from gridcase.projections.tables import (
    CASE_GRIDS,
    GRID_MEMBERSHIPS,
    LEDGER,
    LEDGER_VERSIONS,
    META,
    METADATA,
    SCHEMA_VERSION,
    TRACKING,
    UNIT_TURNS,
    Queue,
    grid_values,
    insert_many,
    ledger_values,
    read_ledger,
    read_ledger_as_of,
    read_queue,
    read_rows,
    unit_turn_values,
    upsert_many,
    version_values,
)
from gridcase.storage.log import EventLog
from gridcase.storage.url import StoreLocation

__all__ = [
    "APPLICATION_NAME",
    "DEFAULT_BATCH",
    "REGISTRY",
    "LedgerProjection",
    "ProjectionOf",
    "ProjectionRunner",
    "SQLTrackingRecorder",
    "TableProjection",
    "ledger_rebuilt_as_of",
    "read_model_engine",
]

APPLICATION_NAME = "gridcase"
"""The name the store's application records under (its tracking rows name it)."""

DEFAULT_BATCH = 5000
"""Events folded per transaction."""

MAX_RETRIES = 50
"""Batches in a row that may lose to another runner before catching up gives up."""


def read_model_engine(location: StoreLocation, url: str | None = None) -> Engine:
    """The SQLAlchemy engine of the read models: the store's own database, or ``url``.

    A SQLite store's tables go into the same file (in WAL mode, beside the events); a
    PostgreSQL store's into the same schema (``?schema=``).
    """
    if url is not None:
        return create_engine(url)
    env = location.env
    if location.kind == "sqlite":
        name = env["SQLITE_DBNAME"]
        if name.startswith("file:"):
            engine = create_engine(
                f"sqlite+pysqlite:///{name}&uri=true", connect_args={"timeout": 30}
            )
        else:
            engine = create_engine(f"sqlite+pysqlite:///{name}", connect_args={"timeout": 30})
        return engine
    from sqlalchemy.engine import URL

    sa_url = URL.create(
        "postgresql+psycopg",
        username=env["POSTGRES_USER"],
        password=env.get("POSTGRES_PASSWORD") or None,
        host=env["POSTGRES_HOST"],
        port=int(env["POSTGRES_PORT"]),
        database=env["POSTGRES_DBNAME"],
    )
    schema = env.get("POSTGRES_SCHEMA")
    connect_args = {"options": f"-csearch_path={schema}"} if schema else {}
    return create_engine(sa_url, connect_args=connect_args, pool_size=2, max_overflow=2)


class _Overtaken(Exception):
    """Another runner committed this projection's position first."""


class SQLTrackingRecorder(TrackingRecorder):
    """eventsourcing's tracking recorder on SQLAlchemy: one position per projection.

    ``insert_tracking`` notes the tracking of the event just processed; the position is
    written by :meth:`commit`, in the transaction that writes the batch's rows.
    """

    def __init__(self, engine: Engine, projection: str) -> None:
        self.engine = engine
        self.projection = projection
        self._pending: Tracking | None = None

    def insert_tracking(self, tracking: Tracking) -> None:
        if self._pending is not None and tracking.notification_id <= self._pending.notification_id:
            msg = f"tracking went back from {self._pending.notification_id} to {tracking.notification_id}"
            raise ValueError(msg)
        self._pending = tracking

    def max_tracking_id(self, application_name: str) -> int | None:
        with self.engine.connect() as conn:
            return self._position(conn, application_name)

    def _position(self, conn: Connection, application_name: str) -> int | None:
        found = conn.execute(
            select(TRACKING.c.notification_id).where(
                TRACKING.c.projection == self.projection,
                TRACKING.c.application_name == application_name,
            )
        ).scalar()
        return int(found) if found is not None else None

    @property
    def pending(self) -> Tracking | None:
        return self._pending

    def discard(self) -> None:
        self._pending = None

    def commit(self, conn: Connection, started_from: int | None) -> None:
        """Move the position from ``started_from`` to the pending tracking, or refuse."""
        pending = self._pending
        if pending is None:
            return
        if started_from is None:
            try:
                conn.execute(
                    insert(TRACKING).values(
                        projection=self.projection,
                        application_name=pending.application_name,
                        notification_id=pending.notification_id,
                    )
                )
            except IntegrityError as exc:  # the whole batch rolls back with it
                raise _Overtaken from exc
        else:
            moved = conn.execute(
                update(TRACKING)
                .where(
                    TRACKING.c.projection == self.projection,
                    TRACKING.c.application_name == pending.application_name,
                    TRACKING.c.notification_id == started_from,
                )
                .values(notification_id=pending.notification_id)
            )
            if moved.rowcount != 1:
                raise _Overtaken
        self._pending = None


class LedgerProjection(Projection[SQLTrackingRecorder]):
    """The problem ledger (问题台账), its unit turns, each case's grids and (``history``)
    every version of every row, kept in SQL tables.

    It folds the case events and the grid moves (which grid a new case is counted to);
    rows stay in memory for the batch only, and only the cases the batch changed are
    written again.
    """

    name = "problem_ledger"
    topics = (*event_topics(Case), *GRID_TOPICS)

    def __init__(
        self,
        view: SQLTrackingRecorder,
        calendar_of: CalendarOf | None = None,
        *,
        history: bool = False,
        as_of: datetime | None = None,
    ) -> None:
        super().__init__(view)
        self.calendar_of: CalendarOf = calendar_of or national_calendar_of
        self.history = history
        self.as_of = as_of
        """Fold only the case steps that happened by then (a ledger rebuilt as of a moment)."""
        self._rows: dict[UUID, LedgerRow] = {}
        self._dirty: set[UUID] = set()
        self._stored: set[UUID] = set()
        """Cases whose row is in the table already (updated in place on write, their
        unit turns written anew)."""
        self._versions: list[dict[str, Any]] = []
        self._memberships: dict[UUID, list[Stint]] = {}
        self._moved: set[UUID] = set()
        """Enterprises whose grid spans the batch changed."""

    def _grids_on(self, jurisdiction: str, credit_code: str, day: date) -> tuple[str, ...]:
        return grids_on(self._memberships, jurisdiction, credit_code, day)

    def preload(self, conn: Connection, page: Sequence[tuple[int, Any]]) -> None:
        """Read the stored rows (and grid spans) a page of events will change, in few queries."""
        cases: set[UUID] = set()
        enterprises: set[UUID] = set()
        event_class, submitted = Case.Event, Case.Submitted
        for _, e in page:
            if not isinstance(e, event_class):
                enterprises.add(e.originator_id)  # a grid move
                continue
            cases.add(e.originator_id)
            if isinstance(e, submitted):
                enterprises.add(enterprise_id(e.jurisdiction, e.enterprise))
        wanted = sorted(str(c) for c in cases - self._rows.keys())
        for i in range(0, len(wanted), 500):
            for row in read_rows(conn, wanted[i : i + 500]):
                self._rows[row.case_id] = row
                self._stored.add(row.case_id)
        keys = sorted(str(k) for k in enterprises - self._memberships.keys())
        for i in range(0, len(keys), 500):
            found = conn.execute(
                select(GRID_MEMBERSHIPS)
                .where(GRID_MEMBERSHIPS.c.enterprise_key.in_(keys[i : i + 500]))
                .order_by(GRID_MEMBERSHIPS.c.enterprise_key, GRID_MEMBERSHIPS.c.seq)
            )
            for m in found:
                self._memberships.setdefault(UUID(m.enterprise_key), []).append(
                    Stint(
                        m.grid,
                        date.fromisoformat(m.start),
                        date.fromisoformat(m.end) if m.end else None,
                        kind=m.kind,
                    )
                )

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        """Fold one event into the batch (written by :meth:`write`) and track it."""
        if isinstance(domain_event, Case.Event):
            if self.as_of is not None and domain_event.timestamp > self.as_of:
                self.view.insert_tracking(tracking)
                return
            changed = apply_case_event(self._rows, domain_event, self.calendar_of, self._grids_on)
            if changed is not None:
                self._dirty.add(changed.case_id)
                if self.history:
                    self._versions.append(
                        version_values(
                            changed, domain_event.originator_version, domain_event.timestamp
                        )
                    )
        else:
            moved = apply_grid_event(self._memberships, domain_event)
            if moved is not None:
                self._moved.add(moved)
        self.view.insert_tracking(tracking)

    def write(self, conn: Connection) -> None:
        """Write what the batch changed (in the caller's transaction) and forget it."""
        if self._dirty:
            ids = sorted(str(c) for c in self._dirty & self._stored)
            for i in range(0, len(ids), 500):
                conn.execute(delete(UNIT_TURNS).where(UNIT_TURNS.c.case_id.in_(ids[i : i + 500])))
            # UUIDs sort as their text does (fixed-width hex): no text made for the order.
            rows = [self._rows[c] for c in sorted(self._dirty)]
            upsert_many(conn, LEDGER, [ledger_values(r) for r in rows], "case_id")
            turns = [t for r in rows for t in unit_turn_values(r)]
            if turns:
                insert_many(conn, UNIT_TURNS, turns)
            # A case's grids are fixed at its submission: only new rows have any to write.
            grids = [g for r in rows if r.case_id not in self._stored for g in grid_values(r)]
            if grids:
                insert_many(conn, CASE_GRIDS, grids)
        if self._versions:
            insert_many(conn, LEDGER_VERSIONS, self._versions)
        if self._moved:
            keys = sorted(str(k) for k in self._moved)
            for i in range(0, len(keys), 500):
                conn.execute(
                    delete(GRID_MEMBERSHIPS).where(
                        GRID_MEMBERSHIPS.c.enterprise_key.in_(keys[i : i + 500])
                    )
                )
            conn.execute(
                insert(GRID_MEMBERSHIPS),
                [
                    {
                        "enterprise_key": key,
                        "seq": n,
                        "grid": s.holder,
                        "kind": s.kind,
                        "start": s.start.isoformat(),
                        "end": s.end.isoformat() if s.end else None,
                    }
                    for key in keys
                    for n, s in enumerate(self._memberships[UUID(key)], start=1)
                ],
            )
        self.forget()

    def forget(self) -> None:
        """Drop the batch's rows from memory (after a commit, or a rollback)."""
        self._rows.clear()
        self._dirty.clear()
        self._stored.clear()
        self._versions.clear()
        self._memberships.clear()
        self._moved.clear()
        KNOWN.clear()  # the batch's moments: memory stays a batch's worth

    @staticmethod
    def clear(conn: Connection) -> None:
        for table in (UNIT_TURNS, CASE_GRIDS, LEDGER_VERSIONS, GRID_MEMBERSHIPS, LEDGER):
            conn.execute(delete(table))


class TableProjection(Protocol):
    """What the runner needs of a read model kept in tables (one tracking row each).

    ``preload`` reads what a page of events will change, ``process_event`` folds one,
    ``write`` writes the batch in the runner's transaction (which also moves the
    position), ``forget`` drops the batch after a commit or a rollback, ``clear``
    empties the tables for a rebuild.
    """

    name: str
    topics: tuple[str, ...]

    @property
    def view(self) -> SQLTrackingRecorder: ...

    def preload(self, conn: Connection, page: Sequence[tuple[int, Any]]) -> None: ...
    def process_event(self, domain_event: Any, tracking: Tracking) -> None: ...
    def write(self, conn: Connection) -> None: ...
    def forget(self) -> None: ...
    def clear(self, conn: Connection) -> None: ...


ProjectionFactory = Callable[[SQLTrackingRecorder, CalendarOf | None], TableProjection]
"""Makes a table projection on its tracking view (``cls(view, calendar_of)``)."""

ProjectionOf = Callable[[Engine], TableProjection]
"""Makes a read model that needs more than its view (the visit tables read the log too)
on a database, for a runner of its own (``ProjectionRunner(..., projection=...)``)."""

REGISTRY: list[tuple[str, ProjectionFactory]] = [
    (LedgerProjection.name, LedgerProjection),
]
"""Every read model the runner keeps, by its tracking name, in the order it folds them.
A new read model adds one line here (its tables in :data:`tables.METADATA`)."""


Progress = Callable[[int, int], None]
"""Called after each batch with (position reached, head of the log)."""


def ensure_schema(engine: Engine) -> bool:
    """Create the read models' tables; drop and recreate them if their layout is older
    than :data:`SCHEMA_VERSION` (the next catch-up rebuilds them from the log).

    Returns whether the tables were (re)created empty. Openers meet: a runner process
    started beside a portal, two runners of one engine. On PostgreSQL they take turns
    (a transaction-level advisory lock per schema), so none drops or creates tables
    another is creating; elsewhere one that finds the tables made meanwhile (the schema
    row already there) looks again.
    """
    for _ in range(3):
        try:
            return _ensure_schema(engine)
        except IntegrityError:
            continue  # another opener wrote the schema row first: look again
    return _ensure_schema(engine)


def _ensure_schema(engine: Engine) -> bool:
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(
                text(
                    "SELECT pg_advisory_xact_lock(hashtext('gridcase.read_models:' || current_schema()))"
                )
            )
        names = set(inspect(conn).get_table_names())
        found = None
        if META.name in names:
            found = conn.execute(select(META.c.value).where(META.c.key == "schema")).scalar()
        if found == str(SCHEMA_VERSION):
            METADATA.create_all(conn)
            return False
        for table in reversed(METADATA.sorted_tables):
            if table.name in names:
                table.drop(conn)
        METADATA.create_all(conn)
        conn.execute(insert(META).values(key="schema", value=str(SCHEMA_VERSION)))
        return True


class ProjectionRunner:
    """Keeps the read models' tables up to date with a store's log.

    In-process: call :meth:`catch_up` before reading (the engine does). As a separate
    process: ``gridcase project --follow``. Several may run at once on the same
    database (one per projection, or even the same one twice): the position's
    compare-and-set keeps every event counted once. The read models are those of
    :data:`REGISTRY` (or ``projections``), each with its own position.
    """

    def __init__(
        self,
        log: EventLog,
        engine: Engine,
        *,
        calendar_of: CalendarOf | None = None,
        batch: int = DEFAULT_BATCH,
        projections: Sequence[tuple[str, ProjectionFactory]] | None = None,
        history: bool | None = None,
        projection: ProjectionOf | None = None,
    ) -> None:
        if batch < 1:
            raise ValueError("a batch holds at least one event")
        self.log = log
        self.engine = engine
        self.batch = batch
        ensure_schema(engine)
        self.projections: list[TableProjection] = (
            [projection(engine)]
            if projection is not None
            else [
                factory(SQLTrackingRecorder(engine, name), calendar_of)
                for name, factory in (REGISTRY if projections is None else projections)
            ]
        )
        ledger = [p for p in self.projections if isinstance(p, LedgerProjection)]
        self.projection: LedgerProjection = (
            ledger[0] if ledger else LedgerProjection(SQLTrackingRecorder(engine, "_"))
        )
        self.view = ledger[0].view if ledger else self.projections[0].view
        """The tracking view whose position :meth:`position` gives (the ledger's, if kept)."""
        if ledger:
            self.projection.history = self._keep_history(history)

    def _keep_history(self, asked: bool | None) -> bool:
        """Whether the ledger keeps its row versions: as stored with the tables unless
        ``asked`` says otherwise, in which case the ledger's tables are emptied (the next
        catch-up refolds them, with or without versions from the first event on)."""
        with self.engine.begin() as conn:
            stored = conn.execute(select(META.c.value).where(META.c.key == "history")).scalar()
            if asked is None or (stored == "1") == asked:
                return stored == "1"
            LedgerProjection.clear(conn)
            conn.execute(delete(TRACKING).where(TRACKING.c.projection == self.view.projection))
            conn.execute(delete(META).where(META.c.key == "history"))
            conn.execute(insert(META).values(key="history", value="1" if asked else "0"))
            return asked

    def close(self) -> None:
        self.engine.dispose()

    def position(self) -> int:
        """The last notification id the ledger has folded (0: none)."""
        return self.view.max_tracking_id(APPLICATION_NAME) or 0

    def catch_up(self, *, progress: Progress | None = None, limit: int | None = None) -> int:
        """Fold every event recorded after each projection's position; returns how many
        events were folded (summed over the projections).

        ``limit`` stops after about that many events (whole batches); tests use it.
        """
        done = 0
        head = self.log.head()
        for projection in self.projections:
            done += self._catch_up(
                projection, head, progress, None if limit is None else limit - done
            )
            if limit is not None and done >= limit:
                break
        return done

    def _catch_up(
        self, projection: TableProjection, head: int, progress: Progress | None, limit: int | None
    ) -> int:
        done = 0
        retries = 0
        while True:
            try:
                folded = self._one_batch(projection)
            except (_Overtaken, OperationalError, IntegrityError):
                # Another runner moved the position (or held the lock): nothing of this
                # batch was written; start again from the position committed now.
                projection.forget()
                projection.view.discard()
                retries += 1
                if retries > MAX_RETRIES:
                    raise
                time.sleep(0.01 * retries)
                continue
            retries = 0
            if folded == 0:
                return done
            done += folded
            if progress is not None:
                reached = projection.view.max_tracking_id(APPLICATION_NAME) or 0
                progress(reached, max(head, reached))
            if limit is not None and done >= limit:
                return done

    def _one_batch(self, projection: TableProjection) -> int:
        """Read a batch of events after the committed position, then write its rows and
        move the position in one transaction (refused if another runner moved it first).

        The events are read before the transaction begins, so the write lock is held only
        while the rows are written.
        """
        view = projection.view
        started = view.max_tracking_id(APPLICATION_NAME)
        with collector_paused():
            page: list[tuple[int, Any]] = []
            for item in self.log.read(
                after=started or 0, topics=projection.topics, page=min(self.batch, 1000)
            ):
                page.append(item)
                if len(page) >= self.batch:
                    break
            if not page:
                return 0
            with self.engine.begin() as conn:
                projection.preload(conn, page)
                for position, domain_event in page:
                    projection.process_event(domain_event, Tracking(APPLICATION_NAME, position))
                # The position first: a second runner that folded the same events waits on
                # its row (PostgreSQL) or the write lock (SQLite), then finds it moved.
                view.commit(conn, started)
                projection.write(conn)
            # Freed before the collector is back on, so it does not scan them once more.
            folded = len(page)
            page.clear()
        return folded

    def rebuild(self, *, progress: Progress | None = None) -> int:
        """Empty the tables and fold the whole log again from position 0."""
        with self.engine.begin() as conn:
            for projection in self.projections:
                projection.clear(conn)
                conn.execute(
                    delete(TRACKING).where(TRACKING.c.projection == projection.view.projection)
                )
        return self.catch_up(progress=progress)

    def follow(self, stop: threading.Event, *, interval: float = 1.0) -> int:
        """Catch up, then poll every ``interval`` seconds until ``stop`` is set."""
        done = 0
        while not stop.is_set():
            done += self.catch_up()
            stop.wait(interval)
        return done

    # -- queries: the tables only -------------------------------------------------------

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    def ledger(
        self,
        jurisdiction: str | None = None,
        *,
        received_since: datetime | None = None,
        received_before: datetime | None = None,
        grid: str | None = None,
    ) -> list[LedgerRow]:
        """The problem ledger as its table holds it (call :meth:`catch_up` first)."""
        with self._reading() as conn:
            return read_ledger(
                conn,
                jurisdiction,
                received_since=received_since,
                received_before=received_before,
                grid=grid,
            )

    @property
    def keeps_history(self) -> bool:
        """Whether the ledger keeps every version of its rows (``as of`` in one query)."""
        return self.projection.history

    def ledger_as_of(
        self, as_of: datetime, jurisdiction: str | None = None, *, grid: str | None = None
    ) -> tuple[list[LedgerRow], set[UUID]]:
        """The problem ledger as of a moment, from the row versions (one query; the
        runner must keep them: ``history=True``), and the cases with a back-dated step
        (to be folded from their events: :func:`tables.read_ledger_as_of`)."""
        if not self.projection.history:
            raise ValueError("this runner keeps no row versions (history=False)")
        with self._reading() as conn:
            return read_ledger_as_of(conn, as_of, jurisdiction, grid=grid)

    def queue(self, queue: Queue) -> list[LedgerRow]:
        """A work queue's open cases, as the ledger table holds them."""
        with self._reading() as conn:
            return read_queue(conn, queue)


def wait_for(runner: ProjectionRunner, position: int, *, timeout: float = 10.0) -> None:
    """Block until the ledger has folded up to ``position`` (another process runs it)."""
    deadline = time.monotonic() + timeout
    while runner.position() < position:
        if time.monotonic() > deadline:
            raise TimeoutError(f"the ledger did not reach {position} in {timeout} s")
        time.sleep(0.05)


def ledger_rebuilt_as_of(
    log: EventLog,
    as_of: datetime,
    jurisdiction: str | None = None,
    *,
    calendar_of: CalendarOf | None = None,
) -> list[LedgerRow]:
    """The problem ledger as of a moment, rebuilt into a temporary table (an in-memory
    SQLite database) and read back: the other way to answer "as of", measured against
    the row versions by ``bench/bench_read_models.py``."""

    def as_of_ledger(view: SQLTrackingRecorder, cal: CalendarOf | None) -> TableProjection:
        return LedgerProjection(view, cal, history=False, as_of=as_of)

    engine = create_engine("sqlite://", poolclass=StaticPool)
    runner = ProjectionRunner(
        log, engine, calendar_of=calendar_of, projections=[(LedgerProjection.name, as_of_ledger)]
    )
    try:
        runner.catch_up()
        return runner.ledger(jurisdiction)
    finally:
        runner.close()
