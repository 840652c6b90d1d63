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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any
from uuid import UUID, SafeUUID

import orjson
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
from sqlalchemy.sql.elements import ColumnElement

from gridcase.kernel.clock import CST
from gridcase.kernel.collector import collector_paused
from gridcase.projections.ledger import LazyList, LedgerRow, Step, Trail, UnitTurn

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


_UTC_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CST_EPOCH = datetime(1970, 1, 1, 8, tzinfo=CST)
_CST_STEADY_US = int(datetime(1992, 1, 1, tzinfo=CST).timestamp()) * 1_000_000
"""China has kept +08:00 all year since 1991: from then on a moment is the epoch in China
time plus its microseconds (wall-clock arithmetic is exact); before, it is converted."""


_ONE_US = timedelta(microseconds=1)
_KNOWN: dict[int, tuple[datetime, int]] = {}
"""Moments already turned into microseconds, by identity: a row's moments are the same
few event timestamps again and again (its last step, its trail, its turns), and a
rebuild writes each row several times. The entry keeps its datetime, so an id is never
mistaken for another object's; the memo is emptied when it grows past 65,536."""


def _micros(moment: datetime) -> int:
    key = id(moment)
    found = _KNOWN.get(key)
    if found is not None and found[0] is moment:
        return found[1]
    us = (moment - _UTC_EPOCH) // _ONE_US
    if len(_KNOWN) >= 65_536:
        _KNOWN.clear()
    _KNOWN[key] = (moment, us)
    return us


def _opt_micros(moment: datetime | None) -> int | None:
    return None if moment is None else _micros(moment)


def insert_many(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows through the driver's ``executemany``, past SQLAlchemy's per-row
    parameter processing (measured: as costly as the insert itself; every value here is
    a plain str, int, bool or None, which both drivers take as they are)."""
    if not rows:
        return
    compiled = insert(table).compile(dialect=conn.dialect, column_keys=list(rows[0]))
    if compiled.positional:
        order = compiled.positiontup or ()
        conn.exec_driver_sql(compiled.string, [tuple(r[k] for k in order) for r in rows])
    else:
        conn.exec_driver_sql(compiled.string, list(rows))


def _at(us: int) -> datetime:
    """A stored moment back in China time, exactly."""
    if us >= _CST_STEADY_US:
        return _CST_EPOCH + timedelta(0, 0, us)
    return (_UTC_EPOCH + timedelta(microseconds=us)).astimezone(CST)


def _opt_at(us: int | None) -> datetime | None:
    return None if us is None else _at(us)


def _moment(text: str | None) -> datetime | None:
    """A moment stored as ISO 8601 (release 0.2's JSON rows) back in China time."""
    if not text:
        return None
    return datetime.fromisoformat(text).astimezone(CST)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _encode_trail(trail: Iterable[Step]) -> str:
    return orjson.dumps([(v, kind, _micros(at)) for v, kind, at in trail]).decode()


def _decode_trail(text: str, limit: int | None) -> list[Step]:
    steps = orjson.loads(text)
    if limit is not None:
        steps = steps[:limit]
    return [(v, kind, _at(us)) for v, kind, us in steps]


def _decode_turns(text: str, _limit: int | None) -> list[UnitTurn]:
    return [
        UnitTurn(unit, _at(since), None if until is None else _at(until), days)
        for unit, since, until, days in orjson.loads(text)
    ]


def _pack(row: LedgerRow) -> str:
    """Every field of the row but its trail, as one JSON array (:func:`_unpack` reads it)."""
    case = row.case_id.int
    return orjson.dumps(
        (
            case >> 64,
            case & 0xFFFF_FFFF_FFFF_FFFF,
            row.jurisdiction,
            row.enterprise,
            row.title,
            row.category,
            row.channel,
            _micros(row.submitted_at),
            row.state,
            row.final,
            row.owner_role,
            row.owner_party,
            row.unit,
            row.level,
            row.responsible_leader,
            row.measures,
            row.time_limit_working_days,
            row.result,
            row.progress,
            _opt_micros(row.progress_at),
            row.satisfaction,
            row.escalations,
            row.returns,
            _opt_micros(row.closed_at),
            _opt_micros(row.last_at),
            row.steps,
            _opt_micros(row.last_recorded_at),
            _opt_micros(row.resolved_at),
            row.resolved_by,
            row.resolved_unit,
            row.grids or None,
            {k: v.isoformat() for k, v in row.open_deadlines.items()} or None,
            row.misses or None,
            row.delay_reasons or None,
            row.scores or None,
            row.late_entries or None,
            # Kept as a text of its own inside: decoded only when the turns are read.
            orjson.dumps(
                [
                    (t.unit, _micros(t.since), _opt_micros(t.until), t.working_days)
                    for t in row.unit_turns
                ]
            ).decode()
            if row.unit_turns
            else None,
        )
    ).decode()


_UNKNOWN_SAFETY = SafeUUID.unknown
"""What ``UUID(text)`` sets (an enum member: read once, not per row)."""


def _unpack(
    packed: str, trail: str, moments: dict[int, datetime], truncated: bool = False
) -> LedgerRow:
    """The ledger row :func:`_pack` wrote, with its trail (``truncated``: only its first
    ``steps`` steps, as a row version has them).

    Built without ``__init__`` (every field is set here), and a moment met again in the
    same read is the same (immutable) datetime: a whole ledger is thousands of rows,
    and this is the read the tables exist to make fast.
    """
    (
        case_hi, case_lo, jurisdiction, enterprise, title, category, channel, submitted_us,
        state, final, owner_role, owner_party, unit, level, responsible_leader, measures,
        time_limit, result, progress, progress_us, satisfaction, escalations, returns,
        closed_us, last_us, steps, last_recorded_us, resolved_us, resolved_by, resolved_unit,
        grids, deadlines, misses, delay_reasons, scores, late_entries, turns,
    ) = orjson.loads(packed)  # fmt: skip
    get = moments.get

    def at(us: int) -> datetime:
        found = moments[us] = _at(us)
        return found

    case_id = object.__new__(UUID)
    object.__setattr__(case_id, "int", case_hi << 64 | case_lo)
    object.__setattr__(case_id, "is_safe", _UNKNOWN_SAFETY)
    row = object.__new__(LedgerRow)
    row.__dict__ = {
        "case_id": case_id,
        "jurisdiction": jurisdiction,
        "enterprise": enterprise,
        "title": title,
        "category": category,
        "channel": channel,
        "submitted_at": get(submitted_us) or at(submitted_us),
        "state": state,
        "final": final,
        "owner_role": owner_role,
        "owner_party": owner_party,
        "unit": unit,
        "level": level,
        "open_deadlines": {}
        if deadlines is None
        else {k: date.fromisoformat(v) for k, v in deadlines.items()},
        "misses": misses or {},
        "delay_reasons": delay_reasons or [],
        "responsible_leader": responsible_leader,
        "measures": measures,
        "time_limit_working_days": time_limit,
        "result": result,
        "progress": progress,
        "progress_at": None if progress_us is None else get(progress_us) or at(progress_us),
        "satisfaction": satisfaction,
        "escalations": escalations,
        "returns": returns,
        "closed_at": None if closed_us is None else get(closed_us) or at(closed_us),
        "last_at": None if last_us is None else get(last_us) or at(last_us),
        "steps": steps,
        "late_entries": [] if late_entries is None else [(v, why) for v, why in late_entries],
        "last_recorded_at": None
        if last_recorded_us is None
        else get(last_recorded_us) or at(last_recorded_us),
        "unit_turns": LazyList() if turns is None else LazyList.encoded(_decode_turns, turns),
        "resolved_at": None if resolved_us is None else get(resolved_us) or at(resolved_us),
        "resolved_by": resolved_by,
        "resolved_unit": resolved_unit,
        "scores": scores or {},
        "grids": () if grids is None else tuple(grids),
        "trail": Trail.encoded(_decode_trail, trail, steps if truncated else None),
    }
    return row


def ledger_values(row: LedgerRow) -> dict[str, Any]:
    """The ledger table's row for one case (its trail included)."""
    due = row.next_due
    return {
        "case_id": str(row.case_id),
        "jurisdiction": row.jurisdiction,
        "enterprise": row.enterprise,
        "category": row.category,
        "channel": row.channel,
        "submitted_us": _micros(row.submitted_at),
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
        "packed": _pack(row),
        "trail": _encode_trail(row.trail),
    }


def back_dated(row: LedgerRow) -> bool:
    """Whether a step of the case is dated before a step recorded earlier (a late entry).

    Such a case's row as of a moment is not one of its versions (the late step counts
    from its claimed moment, the steps recorded before it from theirs), so the as-of
    query leaves it to be folded from its events.
    """
    moments = [at for _, _, at in row.trail]
    return any(later < earlier for earlier, later in pairwise(moments))


def version_values(row: LedgerRow, version: int, valid_from: datetime) -> dict[str, Any]:
    """The row as it stands after step ``version``, valid from that step's moment."""
    return {
        "case_id": str(row.case_id),
        "version": version,
        "valid_from_us": _micros(valid_from),
        "jurisdiction": row.jurisdiction,
        "submitted_us": _micros(row.submitted_at),
        "packed": _pack(row),
    }


def row_to_json(row: LedgerRow) -> str:
    """The whole ledger row as JSON (orjson: moments with their offset, days as ISO dates)."""
    return orjson.dumps(row, default=_unknown).decode()


def _unknown(value: Any) -> Any:
    if isinstance(value, LazyList):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def row_from_json(text: str) -> LedgerRow:
    """The ledger row :func:`row_to_json` wrote, equal to the one the fold made."""
    d = orjson.loads(text)
    submitted = _moment(d["submitted_at"])
    assert submitted is not None
    d["case_id"] = UUID(d["case_id"])
    d["submitted_at"] = submitted
    d["open_deadlines"] = {k: date.fromisoformat(v) for k, v in d["open_deadlines"].items()}
    for name in ("closed_at", "last_at", "last_recorded_at", "resolved_at", "progress_at"):
        d[name] = _moment(d[name])
    d["late_entries"] = [(int(v), str(why)) for v, why in d["late_entries"]]
    d["unit_turns"] = [
        UnitTurn(
            unit=t["unit"],
            since=_moment(t["since"]) or submitted,
            until=_moment(t["until"]),
            working_days=t["working_days"],
        )
        for t in d["unit_turns"]
    ]
    d["grids"] = tuple(d.get("grids", ()))
    d["unit_turns"] = LazyList(d["unit_turns"])
    d["trail"] = Trail((int(v), str(kind), _moment(at) or submitted) for v, kind, at in d["trail"])
    return LedgerRow(**d)


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
            "until": _iso(t.until),
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


def _rows(conn: Connection, query: Select[Any], *, truncated: bool = False) -> list[LedgerRow]:
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
            return [_unpack(packed, trail, moments, True) for packed, trail in found]
        return [_unpack(packed, trail, moments) for packed, trail in found]


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
        query = query.where(LEDGER.c.submitted_us >= _micros(received_since))
    if received_before is not None:
        query = query.where(LEDGER.c.submitted_us < _micros(received_before))
    return _rows(conn, query)


def read_rows(conn: Connection, case_ids: Sequence[str]) -> list[LedgerRow]:
    """The stored rows of these cases (any order): what a batch of events will change."""
    return _rows(conn, _ledger_query(None).where(LEDGER.c.case_id.in_(case_ids)))


def read_ledger_as_of(
    conn: Connection, as_of: datetime, jurisdiction: str | None = None, *, grid: str | None = None
) -> tuple[list[LedgerRow], set[UUID]]:
    """The problem ledger as of ``as_of`` from the row versions, in one query: per case,
    the last version valid from ``as_of`` or earlier, with the first ``steps`` steps of
    its trail (oldest submission first); and the cases among them with a back-dated
    step (:func:`back_dated`), whose rows the caller folds from their events instead."""
    moment = _micros(as_of)
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
