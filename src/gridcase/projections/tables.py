"""The read models' SQL tables (SQLAlchemy 2 Core), and the queries that read them.

Every table is named ``gridcase_rm_*`` and lives in the store's own database unless
another URL is given. The problem ledger keeps one row per case: the columns the
queries filter and sort on (jurisdiction, holder, unit, next deadline, overdue …) and
every other field of the :class:`~gridcase.projections.ledger.LedgerRow` as plain
columns too (moments as integer microseconds), so a row read back is exactly the row
the fold made and reading the whole ledger parses no JSON but a few small collections;
every step of the case (the trail) is kept encoded and decoded only when read. The unit
turns (working days used by each unit in turn) are a table of their own, so they can be
summed per unit in SQL.

The work queues are queries over the open rows of the ledger table; none reads the log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from operator import itemgetter
from typing import Any
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Index,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    Text,
    and_,
    func,
    insert,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ColumnElement

from gridcase.kernel.collector import collector_paused
from gridcase.projections.ledger import LedgerRow
from gridcase.projections.ledger_codec import (
    KNOWN,
    encode_trail,
    iso,
    micros,
    pack,
    row_from_json,
    row_to_json,
    unpack,
)

__all__ = [
    "CASE_GRIDS",
    "GRID_MEMBERSHIPS",
    "LEDGER",
    "LEDGER_VERSIONS",
    "META",
    "METADATA",
    "SCHEMA_VERSION",
    "TRACKING",
    "UNIT_TURNS",
    "Queue",
    "back_dated",
    "grid_values",
    "insert_many",
    "ledger_values",
    "read_ledger",
    "read_ledger_as_of",
    "read_queue",
    "read_rows",
    "row_from_json",
    "row_to_json",
    "unit_turn_values",
    "upsert_many",
    "version_values",
]

METADATA = MetaData()

SCHEMA_VERSION = 2
"""The read models' table layout. An older store's tables (release 0.2 had none of this
number) are dropped and rebuilt from the log when a runner opens them."""

META = Table(
    "gridcase_rm_meta",
    METADATA,
    Column("key", String(64), primary_key=True),
    Column("value", String(64), nullable=False),
)
"""The schema version of the read-model tables (key ``schema``)."""

TRACKING = Table(
    "gridcase_rm_tracking",
    METADATA,
    Column("projection", String(64), primary_key=True),
    Column("application_name", String(64), nullable=False),
    Column("notification_id", BigInteger, nullable=False),
)
"""How far each projection has folded the log: committed with its rows, in one transaction."""


def _query_columns() -> list[Column[Any]]:
    """The columns the queries filter, sort and sum on (the row itself is ``packed``)."""
    return [
        Column("jurisdiction", String(64), nullable=False),
        Column("enterprise", String(64), nullable=False),
        Column("category", String(64), nullable=False),
        Column("channel", String(64), nullable=False),
        Column("submitted_us", BigInteger, nullable=False),
        Column("state", String(64), nullable=False),
        Column("final", Boolean, nullable=False),
        Column("owner_role", String(64)),
        Column("owner_party", String(128)),
        Column("unit", String(128)),
        Column("level", Integer, nullable=False),
        Column("next_due", String(10)),
        Column("overdue", Boolean, nullable=False),
        Column("escalations", Integer, nullable=False),
        Column("returns", Integer, nullable=False),
        Column("satisfaction", String(32)),
        Column("resolved_by", String(128)),
        Column("resolved_unit", String(128)),
        Column("back_dated", Boolean, nullable=False),
        Column("packed", Text, nullable=False),
    ]


LEDGER = Table(
    "gridcase_rm_problem_ledger",
    METADATA,
    Column("case_id", String(36), primary_key=True),
    *_query_columns(),
    Column("trail", Text, nullable=False),
    # The ledger's order (oldest submission first), within a jurisdiction or overall.
    Index("ix_gridcase_rm_problem_ledger_jurisdiction", "jurisdiction", "submitted_us", "case_id"),
    Index("ix_gridcase_rm_problem_ledger_submitted_us", "submitted_us", "case_id"),
)
"""The problem ledger (问题台账): one row per case. The queries filter and sort on plain
columns; the row itself is read from ``packed``, one JSON array of its fields (moments as
microseconds since the epoch), and its trail from ``trail``, decoded only when read.
Measured: fetching some thirty columns a row costs more than one ``orjson.loads`` of the
same values, so the row is read from one column and the columns serve the queries."""

LEDGER_VERSIONS = Table(
    "gridcase_rm_problem_ledger_versions",
    METADATA,
    Column("case_id", String(36), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("valid_from_us", BigInteger, nullable=False),
    Column("jurisdiction", String(64), nullable=False),
    Column("submitted_us", BigInteger, nullable=False),
    Column("packed", Text, nullable=False),
    Index("ix_gridcase_rm_problem_ledger_versions_from", "valid_from_us"),
)
"""Every version of every ledger row (effective-dated): the row as it stood after each
step, valid from that step's moment until the next step's. A case's steps never go back
in time (a step is refused before the case's last), so the row as of T is the last
version valid from T or earlier; its trail is the live row's first ``steps`` steps."""

CASE_GRIDS = Table(
    "gridcase_rm_case_grids",
    METADATA,
    Column("case_id", String(36), primary_key=True),
    Column("grid", String(64), primary_key=True),
    Column("jurisdiction", String(64), nullable=False),
    Index("ix_gridcase_rm_case_grids_grid", "grid"),
)
"""Each case's grid(s) on the day received, for the queries that filter by grid."""

GRID_MEMBERSHIPS = Table(
    "gridcase_rm_grid_memberships",
    METADATA,
    Column("enterprise_key", String(36), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("grid", String(64), nullable=False),
    Column("kind", String(64)),
    Column("start", String(10), nullable=False),
    Column("end", String(10)),
)
"""The grid spans of each enterprise as folded so far (what places a new case in a grid)."""

UNIT_TURNS = Table(
    "gridcase_rm_unit_turns",
    METADATA,
    Column("case_id", String(36), primary_key=True),
    Column("turn", Integer, primary_key=True),
    Column("jurisdiction", String(64), nullable=False),
    Column("unit", String(128), nullable=False, index=True),
    Column("since", String(40), nullable=False),
    Column("until", String(40)),
    Column("working_days", Integer),
)
"""Which unit held each case in turn, and the working days it used."""


def upsert_many(conn: Connection, table: Table, rows: Sequence[dict[str, Any]], key: str) -> None:
    """Insert the rows, or update those whose ``key`` is there already, in place
    (``INSERT … ON CONFLICT DO UPDATE``, on SQLite and PostgreSQL alike): a row written
    again by a later batch keeps its place, and the indexes whose columns did not change
    are left alone (measured: cheaper than deleting the old row and inserting anew)."""
    if not rows:
        return
    statement: Any
    if conn.dialect.name == "postgresql":
        statement = postgresql.insert(table)
    else:
        statement = sqlite.insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=[key], set_={c: statement.excluded[c] for c in rows[0] if c != key}
    )
    _execute_many(conn, statement, rows)


def _execute_many(conn: Connection, statement: Any, rows: Sequence[dict[str, Any]]) -> None:
    compiled = statement.compile(dialect=conn.dialect, column_keys=list(rows[0]))
    if compiled.positional:
        values = itemgetter(*(compiled.positiontup or ()))
        conn.exec_driver_sql(compiled.string, [values(r) for r in rows])
    else:
        conn.exec_driver_sql(compiled.string, list(rows))


def insert_many(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows through the driver's ``executemany``, past SQLAlchemy's per-row
    parameter processing (measured: as costly as the insert itself; every value here is
    a plain str, int, bool or None, which both drivers take as they are)."""
    if rows:
        _execute_many(conn, insert(table), rows)


def ledger_values(row: LedgerRow) -> dict[str, Any]:
    """The ledger table's row for one case (its trail included)."""
    due = row.next_due
    return {
        "case_id": str(row.case_id),
        "jurisdiction": row.jurisdiction,
        "enterprise": row.enterprise,
        "category": row.category,
        "channel": row.channel,
        "submitted_us": micros(row.submitted_at),
        "state": row.state,
        "final": row.final,
        "owner_role": row.owner_role,
        "owner_party": row.owner_party,
        "unit": row.unit,
        "level": row.level,
        "next_due": due.isoformat() if due else None,
        "overdue": row.overdue,
        "escalations": row.escalations,
        "returns": row.returns,
        "satisfaction": row.satisfaction,
        "resolved_by": row.resolved_by,
        "resolved_unit": row.resolved_unit,
        "back_dated": back_dated(row),
        "packed": pack(row),
        "trail": encode_trail(row.trail),
    }


def back_dated(row: LedgerRow) -> bool:
    """Whether a step of the case is dated before a step recorded earlier (a late entry).

    Such a case's row as of a moment is not one of its versions (the late step counts
    from its claimed moment, the steps recorded before it from theirs), so the as-of
    query leaves it to be folded from its events.
    """
    return row.back_dated


def version_values(row: LedgerRow, version: int, valid_from: datetime) -> dict[str, Any]:
    """The row as it stands after step ``version``, valid from that step's moment."""
    return {
        "case_id": str(row.case_id),
        "version": version,
        "valid_from_us": micros(valid_from),
        "jurisdiction": row.jurisdiction,
        "submitted_us": micros(row.submitted_at),
        "packed": pack(row),
    }


def unit_turn_values(row: LedgerRow) -> list[dict[str, Any]]:
    """The unit-turn table's rows for one case, in turn order."""
    case_id = str(row.case_id)
    return [
        {
            "case_id": case_id,
            "turn": i,
            "jurisdiction": row.jurisdiction,
            "unit": t.unit,
            "since": t.since.isoformat(),
            "until": iso(t.until),
            "working_days": t.working_days,
        }
        for i, t in enumerate(row.unit_turns, start=1)
    ]


def grid_values(row: LedgerRow) -> list[dict[str, Any]]:
    """The case-grid table's rows for one case."""
    return [
        {"case_id": str(row.case_id), "grid": g, "jurisdiction": row.jurisdiction}
        for g in row.grids
    ]


def _ledger_query(grid: str | None) -> Select[Any]:
    query = select(LEDGER.c.packed, LEDGER.c.trail)
    if grid is not None:
        query = query.where(
            LEDGER.c.case_id.in_(select(CASE_GRIDS.c.case_id).where(CASE_GRIDS.c.grid == grid))
        )
    return query


def _rows(
    conn: Connection, query: Select[Any], *, truncated: bool = False, rewrite: bool = False
) -> list[LedgerRow]:
    """Rows of ``query`` (the selected columns, then the trail; ``truncated``: a version's
    trail is the first ``steps`` steps of the live row's).

    The cycle collector is paused while they are built: thousands of new objects, none
    in a cycle, would otherwise set it scanning them again and again (measured: two
    thirds of the read).
    """
    moments: dict[int, datetime] = {}
    with collector_paused():
        found = conn.execute(query).tuples().all()
        if truncated:
            return [unpack(packed, trail, moments, True) for packed, trail in found]
        if rewrite:
            if len(KNOWN) >= 65_536:
                KNOWN.clear()
            return [unpack(packed, trail, moments, False, KNOWN) for packed, trail in found]
        return [unpack(packed, trail, moments) for packed, trail in found]


def read_ledger(
    conn: Connection,
    jurisdiction: str | None = None,
    *,
    received_since: datetime | None = None,
    received_before: datetime | None = None,
    grid: str | None = None,
) -> list[LedgerRow]:
    """The problem ledger from its table, oldest submission first (of one jurisdiction;
    of the cases received from ``received_since`` up to, not including, ``received_before``;
    of the cases received while their enterprise was in ``grid``)."""
    query = _ledger_query(grid).order_by(LEDGER.c.submitted_us, LEDGER.c.case_id)
    if jurisdiction is not None:
        query = query.where(LEDGER.c.jurisdiction == jurisdiction)
    if received_since is not None:
        query = query.where(LEDGER.c.submitted_us >= micros(received_since))
    if received_before is not None:
        query = query.where(LEDGER.c.submitted_us < micros(received_before))
    return _rows(conn, query)


def read_rows(conn: Connection, case_ids: Sequence[str]) -> list[LedgerRow]:
    """The stored rows of these cases (any order): what a batch of events will change."""
    return _rows(conn, _ledger_query(None).where(LEDGER.c.case_id.in_(case_ids)), rewrite=True)


def read_ledger_as_of(
    conn: Connection, as_of: datetime, jurisdiction: str | None = None, *, grid: str | None = None
) -> tuple[list[LedgerRow], set[UUID]]:
    """The problem ledger as of ``as_of`` from the row versions, in one query: per case,
    the last version valid from ``as_of`` or earlier, with the first ``steps`` steps of
    its trail (oldest submission first); and the cases among them with a back-dated
    step (:func:`back_dated`), whose rows the caller folds from their events instead."""
    moment = micros(as_of)
    v = LEDGER_VERSIONS.alias("v")
    w = LEDGER_VERSIONS.alias("w")
    latest = (
        select(func.max(w.c.version))
        .where(w.c.case_id == v.c.case_id, w.c.valid_from_us <= moment)
        .scalar_subquery()
    )
    query = (
        select(v.c.packed, LEDGER.c.trail)
        .join_from(v, LEDGER, LEDGER.c.case_id == v.c.case_id)
        .where(v.c.valid_from_us <= moment, v.c.version == latest)
        .order_by(v.c.submitted_us, v.c.case_id)
    )
    if jurisdiction is not None:
        query = query.where(v.c.jurisdiction == jurisdiction)
    if grid is not None:
        query = query.where(
            v.c.case_id.in_(select(CASE_GRIDS.c.case_id).where(CASE_GRIDS.c.grid == grid))
        )
    rows = _rows(conn, query, truncated=True)
    ids = [str(r.case_id) for r in rows]
    late: set[UUID] = set()
    for i in range(0, len(ids), 500):
        late.update(
            UUID(c)
            for (c,) in conn.execute(
                select(LEDGER.c.case_id).where(
                    LEDGER.c.back_dated.is_(True), LEDGER.c.case_id.in_(ids[i : i + 500])
                )
            )
        )
    return rows, late


@dataclass(frozen=True)
class Queue:
    """What is on someone's desk: the open cases that match every field given.

    ``holder`` is the party holding the case (a person, a unit's liaison, the
    enterprise), ``role`` the role holding it, ``unit`` the unit it is dispatched to.
    ``due_by`` keeps the cases whose next deadline is on or before that day (the caller
    counts "within N working days" in the jurisdiction's calendar); ``overdue`` keeps
    those that missed a clock; ``waiting_on_enterprise`` those the enterprise holds.
    """

    jurisdiction: str | None = None
    holder: str | None = None
    role: str | None = None
    unit: str | None = None
    overdue: bool = False
    due_by: date | None = None
    waiting_on_enterprise: bool = False


ENTERPRISE_ROLE = "enterprise"


def _conditions(queue: Queue) -> Sequence[ColumnElement[bool]]:
    c = LEDGER.c
    found: list[ColumnElement[bool]] = [c.final.is_(False)]
    if queue.jurisdiction is not None:
        found.append(c.jurisdiction == queue.jurisdiction)
    if queue.holder is not None:
        found.append(c.owner_party == queue.holder)
    if queue.role is not None:
        found.append(c.owner_role == queue.role)
    if queue.unit is not None:
        found.append(c.unit == queue.unit)
    if queue.overdue:
        found.append(c.overdue.is_(True))
    if queue.due_by is not None:
        found.append(and_(c.next_due.is_not(None), c.next_due <= queue.due_by.isoformat()))
    if queue.waiting_on_enterprise:
        found.append(c.owner_role == ENTERPRISE_ROLE)
    return found


def read_queue(conn: Connection, queue: Queue) -> list[LedgerRow]:
    """The open cases of a work queue, the soonest deadline first (then oldest)."""
    query = (
        _ledger_query(None)
        .where(*_conditions(queue))
        .order_by(
            LEDGER.c.next_due.is_(None),  # no deadline last, on every database
            LEDGER.c.next_due,
            LEDGER.c.submitted_us,
            LEDGER.c.case_id,
        )
    )
    return _rows(conn, query)
