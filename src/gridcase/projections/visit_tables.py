"""The visit ledger, the grid ledger and the ledger submissions, kept in SQL tables.

The problem ledger's runner (:mod:`gridcase.projections.runner`) keeps these too, with a
tracking row of their own (``visit_ledger``), so the same guarantees hold: a batch's
rows and its position commit together, a killed runner resumes after the last commit,
``gridcase project --rebuild`` folds them again from position 0.

What each table holds:

* ``gridcase_rm_roster_versions``: every enterprise, grid, person, visit and ledger
  submission folded, with the version folded so far and its latest name. An aggregate a
  page of the log touches is replayed from its events up to that version, then the
  page's events are applied to it with ``event.mutate``, so the tables read every event
  as the commands' own aggregates do (never a second reading of what an event means).
* ``gridcase_rm_visit_ledger``: one row per visit, with the columns the export has
  (:class:`~gridcase.projections.visit_ledger.VisitLedgerRow`), and
  ``gridcase_rm_visit_grids``: the grids the enterprise was in on the visit's China
  date. A grid move dated in the past (a late entry) changes the grids of the visits
  it spans: every visit of an enterprise is re-placed when the enterprise changes.
* ``gridcase_rm_grid_ledger``: Yingkou's grid ledger (网格化管理台账, 三(二)1), one row
  per enterprise: its grids and responsible people now (the spans still open), its map
  number, whether it is in scope, and the latest production and operation, investment
  intent, tax status and difficulties a visit recorded, each with that visit's date.
* ``gridcase_rm_ledger_submissions``: each grid's monthly ledger as sent (Bijie 五(五)).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    delete,
    insert,
    select,
)

from gridcase.calendar import to_cst
from gridcase.domain.enterprise import Enterprise
from gridcase.domain.grid import Grid
from gridcase.domain.ids import enterprise_key
from gridcase.domain.ledger_submission import LedgerSubmission
from gridcase.domain.person import Person
from gridcase.domain.visit import Visit
from gridcase.projections.log import event_topics
from gridcase.projections.runner import ProjectionOf, SQLTrackingRecorder
from gridcase.storage.log import EventLog

__all__ = [
    "GRID_LEDGER",
    "LEDGER_SUBMISSIONS",
    "ROSTER_VERSIONS",
    "VISITS",
    "VISIT_GRIDS",
    "VISIT_METADATA",
    "VisitTables",
    "replay",
]

VISIT_METADATA = MetaData()
"""The visit tables' own metadata (the problem ledger's is :data:`tables.METADATA`)."""

ROSTER_VERSIONS = Table(
    "gridcase_rm_roster_versions",
    VISIT_METADATA,
    Column("aggregate_id", String(36), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("jurisdiction", String(64), nullable=False, index=True),
    Column("ref", String(200), nullable=False),
    Column("version", Integer, nullable=False),
    Column("name", Text),
    Column("grid_kind", String(64)),
)
"""Each roster aggregate folded, the version it was folded to, and its latest name."""

VISITS = Table(
    "gridcase_rm_visit_ledger",
    VISIT_METADATA,
    Column("visit_key", String(36), primary_key=True),
    Column("jurisdiction", String(64), nullable=False, index=True),
    Column("visit_id", String(200), nullable=False),
    Column("enterprise", String(64), nullable=False, index=True),
    Column("day", String(10), nullable=False, index=True),
    Column("at", String(40), nullable=False),
    Column("at_us", BigInteger, nullable=False),
    Column("visitor", String(200), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("purpose", String(32), nullable=False),
    Column("operations", Text),
    Column("investment_intent", Text),
    Column("tax_status", Text),
    Column("difficulties", Text),
    Column("note", Text),
    Column("evidence", Integer, nullable=False),
    Column("cases", Text, nullable=False),
    Column("recorded_at", String(40), nullable=False),
)
"""The visit ledger (走访台账): one row per visit."""

VISIT_GRIDS = Table(
    "gridcase_rm_visit_grids",
    VISIT_METADATA,
    Column("visit_key", String(36), primary_key=True),
    Column("grid", String(200), primary_key=True),
    Column("jurisdiction", String(64), nullable=False),
    Column("day", String(10), nullable=False, index=True),
)
"""The grids each visited enterprise was in on the day of the visit."""

GRID_LEDGER = Table(
    "gridcase_rm_grid_ledger",
    VISIT_METADATA,
    Column("enterprise_key", String(36), primary_key=True),
    Column("jurisdiction", String(64), nullable=False, index=True),
    Column("credit_code", String(64), nullable=False),
    Column("in_scope", Boolean, nullable=False),
    Column("visits", Integer, nullable=False),
    Column("last_visit_at", String(40)),
    Column("data", Text, nullable=False),
)
"""The grid ledger (网格化管理台账): one row per enterprise, the rest of it as JSON."""

LEDGER_SUBMISSIONS = Table(
    "gridcase_rm_ledger_submissions",
    VISIT_METADATA,
    Column("submission_key", String(36), primary_key=True),
    Column("jurisdiction", String(64), nullable=False, index=True),
    Column("grid", String(200), nullable=False),
    Column("month", String(7), nullable=False),
    Column("submitted_by", String(200), nullable=False),
    Column("role", String(64), nullable=False),
    Column("submitted_at", String(40), nullable=False),
    Column("visits", Integer, nullable=False),
    Column("version", Integer, nullable=False),
)
"""Each grid's monthly visit ledger as sent (Bijie 五(五))."""

_KINDS: dict[type[Aggregate], str] = {
    Enterprise: "enterprise",
    Grid: "grid",
    Person: "person",
    Visit: "visit",
    LedgerSubmission: "submission",
}

_FINDINGS = ("operations", "investment_intent", "tax_status", "difficulties", "note")


def _micros(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


def replay(log: EventLog, up_to: Mapping[UUID, int]) -> dict[UUID, Aggregate]:
    """The aggregates at the versions given, replayed from their events."""
    found: dict[UUID, Aggregate] = {}
    for oid, events in log.events_of_many(up_to).items():
        agg: Any = None
        for e in events:
            agg = e.mutate(agg)
        if agg is not None:
            found[oid] = agg
    return found


def _ref(agg: Aggregate) -> str:
    if isinstance(agg, Enterprise):
        return agg.credit_code
    if isinstance(agg, Grid):
        return agg.grid_id
    if isinstance(agg, Person):
        return agg.person_id
    if isinstance(agg, Visit):
        return agg.visit_id
    assert isinstance(agg, LedgerSubmission)
    return f"{agg.grid}/{agg.month}"


def _version_row(agg: Aggregate) -> dict[str, Any]:
    jurisdiction: str = getattr(agg, "jurisdiction")  # noqa: B009 - every roster aggregate has one
    return {
        "aggregate_id": str(agg.id),
        "kind": _KINDS[type(agg)],
        "jurisdiction": jurisdiction,
        "ref": _ref(agg),
        "version": agg.version,
        "name": getattr(agg, "name", None),
        "grid_kind": agg.kind if isinstance(agg, Grid) else None,
    }


def _visit_row(visit: Visit) -> dict[str, Any]:
    at = to_cst(visit.at)
    findings = visit.findings
    return {
        "visit_key": str(visit.id),
        "jurisdiction": visit.jurisdiction,
        "visit_id": visit.visit_id,
        "enterprise": visit.enterprise,
        "day": at.date().isoformat(),
        "at": at.isoformat(),
        "at_us": _micros(at),
        "visitor": visit.visitor,
        "channel": visit.channel,
        "purpose": visit.purpose,
        **{name: findings.get(name) for name in _FINDINGS},
        "evidence": len(visit.evidence),
        "cases": orjson.dumps([str(c) for c in visit.cases]).decode(),
        "recorded_at": to_cst(visit.created_on).isoformat(),
    }


def _grid_ledger_row(ent: Enterprise, visits: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The enterprise's grid-ledger row: what it is now, and what its visits last found."""
    ordered = sorted(visits, key=lambda v: (v["at_us"], v["visit_id"]))
    latest: dict[str, dict[str, str]] = {}
    for v in ordered:
        for name in _FINDINGS:
            if v[name] is not None:
                latest[name] = {"value": v[name], "day": v["day"], "visit_id": v["visit_id"]}
    last = ordered[-1] if ordered else None
    data = {
        "name": ent.name,
        "map_number": ent.map_number,
        "grids": [{"grid": s.holder, "since": s.start.isoformat()} for s in ent.open_grids()],
        "responsible": [
            {"person": s.holder, "grid": s.grid, "since": s.start.isoformat()}
            for s in ent.open_responsibles()
        ],
        "last_visitor": last["visitor"] if last else None,
        "latest": latest,
    }
    return {
        "enterprise_key": str(ent.id),
        "jurisdiction": ent.jurisdiction,
        "credit_code": ent.credit_code,
        "in_scope": ent.in_scope_now,
        "visits": len(ordered),
        "last_visit_at": last["at"] if last else None,
        "data": orjson.dumps(data).decode(),
    }


class VisitTables(Projection[SQLTrackingRecorder]):
    """The visit ledger, grid ledger and ledger submissions, kept in tables by the runner."""

    name = "visit_ledger"
    topics = event_topics(Enterprise, Grid, Person, Visit, LedgerSubmission)

    def __init__(self, view: SQLTrackingRecorder, log: EventLog) -> None:
        super().__init__(view)
        VISIT_METADATA.create_all(view.engine)
        self._log = log
        self._aggs: dict[UUID, Aggregate] = {}
        self._dirty: set[UUID] = set()

    @classmethod
    def on(cls, log: EventLog) -> ProjectionOf:
        """What :class:`~gridcase.projections.runner.ProjectionRunner` takes as ``projection``."""

        def make(engine: Engine) -> VisitTables:
            return cls(SQLTrackingRecorder(engine, cls.name), log)

        return make

    def preload(self, conn: Connection, page: Sequence[tuple[int, Any]]) -> None:
        """Replay the aggregates a page of events touches, as of the position committed."""
        ids = {event.originator_id for _, event in page}
        self._aggs.update(self._as_folded(conn, ids - self._aggs.keys()))

    def _as_folded(self, conn: Connection, ids: Iterable[UUID]) -> dict[UUID, Aggregate]:
        wanted = sorted(str(i) for i in ids)
        versions: dict[UUID, int] = {}
        for i in range(0, len(wanted), 500):
            for oid, version in conn.execute(
                select(ROSTER_VERSIONS.c.aggregate_id, ROSTER_VERSIONS.c.version).where(
                    ROSTER_VERSIONS.c.aggregate_id.in_(wanted[i : i + 500])
                )
            ):
                versions[UUID(oid)] = int(version)
        return replay(self._log, versions)

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        """Apply one event to its aggregate (written by :meth:`write`) and track it."""
        oid = domain_event.originator_id
        agg = domain_event.mutate(self._aggs.get(oid))
        if agg is not None:
            self._aggs[oid] = agg
            self._dirty.add(oid)
        self.view.insert_tracking(tracking)

    def write(self, conn: Connection) -> None:
        """Write every row the batch changed (in the caller's transaction), then forget it."""
        changed = [self._aggs[i] for i in sorted(self._dirty, key=str)]
        if changed:
            self._write(conn, changed)
        self.forget()

    def _write(self, conn: Connection, changed: list[Aggregate]) -> None:
        ids = [str(a.id) for a in changed]
        self._replace(conn, ROSTER_VERSIONS, ROSTER_VERSIONS.c.aggregate_id, ids)
        conn.execute(insert(ROSTER_VERSIONS), [_version_row(a) for a in changed])
        visits = [a for a in changed if isinstance(a, Visit)]
        if visits:
            keys = [str(v.id) for v in visits]
            self._replace(conn, VISITS, VISITS.c.visit_key, keys)
            conn.execute(insert(VISITS), [_visit_row(v) for v in visits])
        submissions = [a for a in changed if isinstance(a, LedgerSubmission)]
        if submissions:
            keys = [str(s.id) for s in submissions]
            self._replace(conn, LEDGER_SUBMISSIONS, LEDGER_SUBMISSIONS.c.submission_key, keys)
            conn.execute(
                insert(LEDGER_SUBMISSIONS),
                [
                    {
                        "submission_key": str(s.id),
                        "jurisdiction": s.jurisdiction,
                        "grid": s.grid,
                        "month": s.month,
                        "submitted_by": s.submitted_by,
                        "role": s.role,
                        "submitted_at": to_cst(s.submitted_at).isoformat(),
                        "visits": s.visits,
                        "version": s.version,
                    }
                    for s in submissions
                ],
            )
        # Every enterprise whose facts or visits changed: its visits are placed in the
        # grids it was in on their days again, and its grid-ledger row is written again.
        enterprises = {a.id: a for a in changed if isinstance(a, Enterprise)}
        wanted = {enterprise_key(v.jurisdiction, v.enterprise) for v in visits} - set(enterprises)
        for oid, agg in self._as_folded(conn, wanted).items():
            assert isinstance(agg, Enterprise)
            enterprises[oid] = agg
        self._place(conn, list(enterprises.values()))

    def _place(self, conn: Connection, enterprises: list[Enterprise]) -> None:
        by_code = {(e.jurisdiction, e.credit_code): e for e in enterprises}
        rows: dict[tuple[str, str], list[dict[str, Any]]] = {k: [] for k in by_code}
        codes = sorted({code for _, code in by_code})
        for i in range(0, len(codes), 500):
            for row in conn.execute(
                select(VISITS).where(VISITS.c.enterprise.in_(codes[i : i + 500]))
            ):
                key = (row.jurisdiction, row.enterprise)
                if key in rows:
                    rows[key].append(dict(row._mapping))
        visit_keys = [v["visit_key"] for vs in rows.values() for v in vs]
        self._replace(conn, VISIT_GRIDS, VISIT_GRIDS.c.visit_key, visit_keys)
        placed: list[dict[str, Any]] = []
        for key, ent in by_code.items():
            for v in rows[key]:
                day = datetime.fromisoformat(v["at"]).date()
                for grid in sorted({s.holder for s in ent.grids_on(day)}):
                    placed.append(
                        {
                            "visit_key": v["visit_key"],
                            "grid": grid,
                            "jurisdiction": ent.jurisdiction,
                            "day": v["day"],
                        }
                    )
        if placed:
            conn.execute(insert(VISIT_GRIDS), placed)
        keys = [str(e.id) for e in enterprises]
        self._replace(conn, GRID_LEDGER, GRID_LEDGER.c.enterprise_key, keys)
        if enterprises:
            conn.execute(
                insert(GRID_LEDGER),
                [_grid_ledger_row(ent, rows[key]) for key, ent in by_code.items()],
            )

    @staticmethod
    def _replace(conn: Connection, table: Table, column: Any, keys: list[str]) -> None:
        for i in range(0, len(keys), 500):
            conn.execute(delete(table).where(column.in_(keys[i : i + 500])))

    def forget(self) -> None:
        """Drop the batch's aggregates from memory (after a commit, or a rollback)."""
        self._aggs.clear()
        self._dirty.clear()

    def clear(self, conn: Connection) -> None:
        for table in reversed(VISIT_METADATA.sorted_tables):
            conn.execute(delete(table))
