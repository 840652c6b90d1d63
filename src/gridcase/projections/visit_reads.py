"""Queries over the visit tables (:mod:`gridcase.projections.visit_tables`); none folds the log.

* :func:`read_visit_ledger`: a month's (or a span of days') visit ledger, of a grid or
  of the whole jurisdiction, equal row for row to what
  :class:`~gridcase.projections.visit_ledger.VisitLedger` folds from the log.
* :func:`read_grid_ledger`: Yingkou's grid ledger (网格化管理台账), one row per enterprise.
* :func:`read_submissions`: the monthly ledgers sent.
* :func:`roster_of`: the enterprises and grids of a jurisdiction, replayed to the versions
  the tables were folded to, and the visits of a span of days from the visit table:
  what coverage and the coverage findings ask, without folding the roster from 0.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.domain import Aggregate
from sqlalchemy import Connection, select

from gridcase.calendar import to_cst
from gridcase.domain.enterprise import Enterprise
from gridcase.domain.grid import Grid
from gridcase.kernel.errors import NotFound
from gridcase.projections.coverage import Month
from gridcase.projections.visit_ledger import LedgerGrid, LedgerPeriod, VisitLedgerRow
from gridcase.projections.visit_tables import (
    GRID_LEDGER,
    LEDGER_SUBMISSIONS,
    ROSTER_VERSIONS,
    VISIT_GRIDS,
    VISITS,
)
from gridcase.storage.log import EventLog

__all__ = [
    "GridLedgerRow",
    "LatestFinding",
    "Proof",
    "Replayed",
    "SubmissionRow",
    "TableRoster",
    "VisitFact",
    "read_grid_ledger",
    "read_submissions",
    "read_visit_ledger",
    "roster_of",
]


def _cst(text: str) -> datetime:
    return to_cst(datetime.fromisoformat(text))


def _names(conn: Connection, jurisdiction: str) -> dict[tuple[str, str], tuple[str, str]]:
    """(kind, ref) → (name, grid kind) of the jurisdiction's enterprises, grids and people."""
    c = ROSTER_VERSIONS.c
    query = select(c.kind, c.ref, c.name, c.grid_kind).where(
        c.jurisdiction == jurisdiction, c.kind.in_(("enterprise", "grid", "person"))
    )
    return {(k, r): (n or "", g or "") for k, r, n, g in conn.execute(query)}


def read_visit_ledger(
    conn: Connection,
    jurisdiction: str,
    period: LedgerPeriod | Month | str | tuple[int, int],
    grid: str | None = None,
) -> list[VisitLedgerRow]:
    """The rows of ``jurisdiction``'s ledger for ``period`` (in ``grid``, if given), in the
    order of the visits' moments (then ids), as the fold gives them.

    Raises:
        NotFound: ``grid`` is not a grid of the jurisdiction.
    """
    days = LedgerPeriod.of(period)
    names = _names(conn, jurisdiction)
    if grid is not None and ("grid", grid) not in names:
        raise NotFound(f"no grid {grid!r} in {jurisdiction}")
    v = VISITS.c
    query = select(VISITS).where(
        v.jurisdiction == jurisdiction,
        v.day >= days.first.isoformat(),
        v.day <= days.last.isoformat(),
    )
    if grid is not None:
        inside = select(VISIT_GRIDS.c.visit_key).where(
            VISIT_GRIDS.c.jurisdiction == jurisdiction, VISIT_GRIDS.c.grid == grid
        )
        query = query.where(v.visit_key.in_(inside))
    found = [dict(r._mapping) for r in conn.execute(query)]
    grids: dict[str, list[str]] = defaultdict(list)
    keys = [r["visit_key"] for r in found]
    for i in range(0, len(keys), 500):
        for key, g in conn.execute(
            select(VISIT_GRIDS.c.visit_key, VISIT_GRIDS.c.grid).where(
                VISIT_GRIDS.c.visit_key.in_(keys[i : i + 500])
            )
        ):
            grids[key].append(g)
    rows = [_row(r, sorted(grids[r["visit_key"]]), names) for r in found]
    return sorted(rows, key=lambda r: (r.at, r.visit_id))


def _row(
    r: dict[str, Any], grids: list[str], names: dict[tuple[str, str], tuple[str, str]]
) -> VisitLedgerRow:
    def grid_of(g: str) -> LedgerGrid:
        known = names.get(("grid", g))
        return LedgerGrid(g, known[0], known[1]) if known is not None else LedgerGrid(g, g, "")

    return VisitLedgerRow(
        visit_id=r["visit_id"],
        at=_cst(r["at"]),
        grids=tuple(grid_of(g) for g in grids),
        enterprise=r["enterprise"],
        enterprise_name=names.get(("enterprise", r["enterprise"]), ("", ""))[0],
        visitor=r["visitor"],
        visitor_name=names.get(("person", r["visitor"]), ("", ""))[0],
        channel=r["channel"],
        purpose=r["purpose"],
        operations=r["operations"],
        investment_intent=r["investment_intent"],
        tax_status=r["tax_status"],
        difficulties=r["difficulties"],
        note=r["note"],
        evidence=r["evidence"],
        cases=tuple(UUID(c) for c in orjson.loads(r["cases"])),
        recorded_at=_cst(r["recorded_at"]),
    )


# -- the grid ledger -------------------------------------------------------------------


@dataclass(frozen=True)
class LatestFinding:
    """The latest value a visit recorded for one of the grid ledger's columns."""

    value: str
    day: date
    visit_id: str


@dataclass(frozen=True)
class GridLedgerRow:
    """One enterprise as Yingkou's grid ledger (网格化管理台账, 三(二)1) shows it."""

    jurisdiction: str
    credit_code: str
    name: str
    map_number: str | None
    in_scope: bool
    grids: tuple[LedgerGrid, ...]
    """The grids it is in now (memberships still open)."""
    responsible: tuple[tuple[str, str], ...]
    """(person id, name) of the people responsible for it now."""
    visits: int
    last_visit_at: datetime | None
    last_visitor: str | None
    latest: dict[str, LatestFinding] = field(default_factory=dict)
    """``operations``, ``investment_intent``, ``tax_status``, ``difficulties``, ``note``:
    the latest each visit recorded (by the visits' moments)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "jurisdiction": self.jurisdiction,
            "credit_code": self.credit_code,
            "name": self.name,
            "map_number": self.map_number,
            "in_scope": self.in_scope,
            "grids": [{"grid": g.grid, "name": g.name, "kind": g.kind} for g in self.grids],
            "responsible": [{"person": p, "name": n} for p, n in self.responsible],
            "visits": self.visits,
            "last_visit_at": self.last_visit_at.isoformat() if self.last_visit_at else None,
            "last_visitor": self.last_visitor,
            "latest": {
                k: {"value": f.value, "date": f.day.isoformat(), "visit_id": f.visit_id}
                for k, f in self.latest.items()
            },
        }


def read_grid_ledger(
    conn: Connection, jurisdiction: str, grid: str | None = None
) -> list[GridLedgerRow]:
    """Every registered enterprise of ``jurisdiction`` (in ``grid`` now, if given), by credit code.

    Raises:
        NotFound: ``grid`` is not a grid of the jurisdiction.
    """
    names = _names(conn, jurisdiction)
    if grid is not None and ("grid", grid) not in names:
        raise NotFound(f"no grid {grid!r} in {jurisdiction}")
    query = (
        select(GRID_LEDGER)
        .where(GRID_LEDGER.c.jurisdiction == jurisdiction)
        .order_by(GRID_LEDGER.c.credit_code)
    )
    rows: list[GridLedgerRow] = []
    for r in conn.execute(query):
        data = orjson.loads(r.data)
        held = [g["grid"] for g in data["grids"]]
        if grid is not None and grid not in held:
            continue
        rows.append(
            GridLedgerRow(
                jurisdiction=r.jurisdiction,
                credit_code=r.credit_code,
                name=data["name"],
                map_number=data["map_number"],
                in_scope=bool(r.in_scope),
                grids=tuple(
                    LedgerGrid(g, *names.get(("grid", g), (g, ""))) for g in sorted(set(held))
                ),
                responsible=tuple(
                    (p["person"], names.get(("person", p["person"]), ("", ""))[0])
                    for p in data["responsible"]
                ),
                visits=r.visits,
                last_visit_at=_cst(r.last_visit_at) if r.last_visit_at else None,
                last_visitor=data["last_visitor"],
                latest={
                    k: LatestFinding(f["value"], date.fromisoformat(f["day"]), f["visit_id"])
                    for k, f in data["latest"].items()
                },
            )
        )
    return rows


# -- ledger submissions ----------------------------------------------------------------


@dataclass(frozen=True)
class SubmissionRow:
    """One grid's monthly ledger as sent."""

    jurisdiction: str
    grid: str
    month: Month
    submitted_by: str
    role: str
    submitted_at: datetime
    visits: int
    version: int


def read_submissions(conn: Connection, jurisdiction: str | None = None) -> list[SubmissionRow]:
    """The ledgers sent (of one jurisdiction), by month, then grid."""
    s = LEDGER_SUBMISSIONS.c
    query = select(LEDGER_SUBMISSIONS).order_by(s.jurisdiction, s.month, s.grid)
    if jurisdiction is not None:
        query = query.where(s.jurisdiction == jurisdiction)
    return [
        SubmissionRow(
            jurisdiction=r.jurisdiction,
            grid=r.grid,
            month=Month.parse(r.month),
            submitted_by=r.submitted_by,
            role=r.role,
            submitted_at=_cst(r.submitted_at),
            visits=r.visits,
            version=r.version,
        )
        for r in conn.execute(query)
    ]


# -- what coverage reads ---------------------------------------------------------------


@dataclass(frozen=True)
class Proof:
    """One recorded event a finding rests on: which record, its version, what, when."""

    record: str
    """``enterprise <credit code>``, ``grid <id>``, ``visit <id>``, ``ledger <grid> <month>``,
    or the rule a deadline comes from (``bijie@2021.1 visits.ledger_due``)."""
    version: int | None
    """The event's version in its record; None for a rule's deadline."""
    kind: str
    at: datetime

    def __str__(self) -> str:
        if self.version is None:
            return f"{self.record}: {self.kind}"
        return f"{self.record} v{self.version} {self.kind} {self.at:%Y-%m-%d %H:%M}"


@dataclass(frozen=True)
class VisitFact:
    """What coverage needs of a visit: whose, when, how and by whom."""

    visit_id: str
    enterprise: str
    at: datetime
    channel: str
    visitor: str

    @property
    def day(self) -> date:
        return self.at.date()


@dataclass
class TableRoster:
    """A jurisdiction's enterprises and grids (replayed) and its visits of a span of days."""

    jurisdiction: str
    enterprise_list: dict[str, Enterprise]
    grid_list: dict[str, Grid]
    visit_facts: dict[str, list[VisitFact]]
    trails: dict[str, list[Proof]] = field(default_factory=dict)
    """Each enterprise's and grid's events (``enterprise CODE``, ``grid ID``), for findings."""

    def enterprises(self, jurisdiction: str) -> dict[str, Enterprise]:
        return self.enterprise_list if jurisdiction == self.jurisdiction else {}

    def grids(self, jurisdiction: str) -> dict[str, Grid]:
        return self.grid_list if jurisdiction == self.jurisdiction else {}

    def visits(self, jurisdiction: str, credit_code: str) -> list[VisitFact]:
        if jurisdiction != self.jurisdiction:
            return []
        return self.visit_facts.get(credit_code, [])


Replayed = tuple[int, Aggregate, list[Proof]]
"""An aggregate replayed to a version, with its events as proof."""


def roster_of(
    conn: Connection,
    log: EventLog,
    jurisdiction: str,
    first: date,
    last: date,
    *,
    replayed: MutableMapping[UUID, Replayed] | None = None,
) -> TableRoster:
    """The enterprises and grids of ``jurisdiction`` as the tables have folded them, and
    the visits whose China date lies in ``first``..``last``.

    ``replayed`` keeps the aggregates replayed by earlier calls (an engine's, in one
    process): one still at the version the tables have folded is not read again. The
    aggregates handed out are shared: read them, never record on them.
    """
    c = ROSTER_VERSIONS.c
    versions: dict[UUID, int] = {
        UUID(oid): int(version)
        for oid, version in conn.execute(
            select(c.aggregate_id, c.version).where(
                c.jurisdiction == jurisdiction, c.kind.in_(("enterprise", "grid"))
            )
        )
    }
    kept = replayed if replayed is not None else {}
    stale = {oid: v for oid, v in versions.items() if oid not in kept or kept[oid][0] != v}
    for oid, events in log.events_of_many(stale).items():
        agg: Any = None
        for e in events:
            agg = e.mutate(agg)
        if isinstance(agg, Enterprise | Grid):
            record = (
                f"enterprise {agg.credit_code}"
                if isinstance(agg, Enterprise)
                else f"grid {agg.grid_id}"
            )
            trail = [
                Proof(record, e.originator_version, type(e).__name__, to_cst(e.timestamp))
                for e in events
            ]
            kept[oid] = (stale[oid], agg, trail)
    enterprises: dict[str, Enterprise] = {}
    grids: dict[str, Grid] = {}
    trails: dict[str, list[Proof]] = {}
    for oid in versions:
        if oid not in kept:
            continue
        _, agg, trail = kept[oid]
        if isinstance(agg, Enterprise):
            enterprises[agg.credit_code] = agg
            trails[f"enterprise {agg.credit_code}"] = trail
        elif isinstance(agg, Grid):
            grids[agg.grid_id] = agg
            trails[f"grid {agg.grid_id}"] = trail
    v = VISITS.c
    facts: dict[str, list[VisitFact]] = defaultdict(list)
    query = (
        select(v.visit_id, v.enterprise, v.at, v.channel, v.visitor)
        .where(
            v.jurisdiction == jurisdiction, v.day >= first.isoformat(), v.day <= last.isoformat()
        )
        .order_by(v.at_us, v.visit_id)
    )
    for visit_id, code, at, channel, visitor in conn.execute(query):
        facts[code].append(VisitFact(visit_id, code, _cst(at), channel, visitor))
    return TableRoster(jurisdiction, enterprises, grids, dict(facts), trails)
