"""The read models' SQL tables (SQLAlchemy 2 Core), and the queries that read them.

Every table is named ``gridcase_rm_*`` and lives in the store's own database unless
another URL is given. The problem ledger keeps one row per case: the columns the
queries filter and sort on (jurisdiction, holder, unit, next deadline, overdue …) and
the whole :class:`~gridcase.projections.ledger.LedgerRow` as JSON, so a row read back is
exactly the row the fold made. The unit turns (working days used by each unit in turn)
are a table of their own, so they can be summed per unit in SQL.

The work queues are queries over the open rows of the ledger table; none reads the log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import orjson
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    select,
)
from sqlalchemy.sql.elements import ColumnElement

from gridcase.kernel.clock import CST
from gridcase.projections.ledger import LedgerRow, UnitTurn

__all__ = [
    "LEDGER",
    "METADATA",
    "TRACKING",
    "UNIT_TURNS",
    "Queue",
    "ledger_values",
    "read_ledger",
    "read_queue",
    "row_from_json",
    "row_to_json",
    "unit_turn_values",
]

METADATA = MetaData()

TRACKING = Table(
    "gridcase_rm_tracking",
    METADATA,
    Column("projection", String(64), primary_key=True),
    Column("application_name", String(64), nullable=False),
    Column("notification_id", BigInteger, nullable=False),
)
"""How far each projection has folded the log: committed with its rows, in one transaction."""

LEDGER = Table(
    "gridcase_rm_problem_ledger",
    METADATA,
    Column("case_id", String(36), primary_key=True),
    Column("jurisdiction", String(64), nullable=False, index=True),
    Column("enterprise", String(64), nullable=False),
    Column("category", String(64), nullable=False),
    Column("channel", String(64), nullable=False),
    Column("submitted_us", BigInteger, nullable=False, index=True),
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
    Column("data", Text, nullable=False),
)
"""The problem ledger (问题台账): one row per case."""

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


def _micros(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


_EIGHT_HOURS = timedelta(hours=8)


def _moment(text: str | None) -> datetime | None:
    """A stored moment back in China time (every moment gridcase records is +08:00, and
    China has kept +08:00 all year since 1991, so the zone is put on, not converted to)."""
    if not text:
        return None
    found = datetime.fromisoformat(text)
    if found.year > 1991 and found.utcoffset() == _EIGHT_HOURS:
        return found.replace(tzinfo=CST)
    return found.astimezone(CST)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def row_to_json(row: LedgerRow) -> str:
    """The whole ledger row as JSON (orjson: moments with their offset, days as ISO dates)."""
    return orjson.dumps(row).decode()


def row_from_json(text: str) -> LedgerRow:
    """The ledger row :func:`row_to_json` wrote, equal to the one the fold made."""
    d = orjson.loads(text)
    submitted = _moment(d["submitted_at"])
    assert submitted is not None
    d["case_id"] = UUID(d["case_id"])
    d["submitted_at"] = submitted
    d["open_deadlines"] = {k: date.fromisoformat(v) for k, v in d["open_deadlines"].items()}
    for name in ("closed_at", "last_at", "last_recorded_at", "resolved_at"):
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
    d["trail"] = [(int(v), str(kind), _moment(at) or submitted) for v, kind, at in d["trail"]]
    return LedgerRow(**d)


def ledger_values(row: LedgerRow) -> dict[str, Any]:
    """The ledger table's row for one case."""
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
        "data": row_to_json(row),
    }


def unit_turn_values(row: LedgerRow) -> list[dict[str, Any]]:
    """The unit-turn table's rows for one case, in turn order."""
    return [
        {
            "case_id": str(row.case_id),
            "turn": i,
            "jurisdiction": row.jurisdiction,
            "unit": t.unit,
            "since": t.since.isoformat(),
            "until": _iso(t.until),
            "working_days": t.working_days,
        }
        for i, t in enumerate(row.unit_turns, start=1)
    ]


def read_ledger(
    conn: Connection,
    jurisdiction: str | None = None,
    *,
    received_since: datetime | None = None,
    received_before: datetime | None = None,
) -> list[LedgerRow]:
    """The problem ledger from its table, oldest submission first (of one jurisdiction;
    of the cases received from ``received_since`` up to, not including, ``received_before``)."""
    query = select(LEDGER.c.data).order_by(LEDGER.c.submitted_us, LEDGER.c.case_id)
    if jurisdiction is not None:
        query = query.where(LEDGER.c.jurisdiction == jurisdiction)
    if received_since is not None:
        query = query.where(LEDGER.c.submitted_us >= _micros(received_since))
    if received_before is not None:
        query = query.where(LEDGER.c.submitted_us < _micros(received_before))
    return [row_from_json(text) for (text,) in conn.execute(query)]


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
        select(LEDGER.c.data)
        .where(*_conditions(queue))
        .order_by(
            LEDGER.c.next_due.is_(None),  # no deadline last, on every database
            LEDGER.c.next_due,
            LEDGER.c.submitted_us,
            LEDGER.c.case_id,
        )
    )
    return [row_from_json(text) for (text,) in conn.execute(query)]
