"""The roster as tables: people, grids, enterprises and visits, filtered as officials ask.

Each function reads the roster projection (``engine.roster.view()``) and answers a
:class:`~gridcase.interfaces.export.Table`, which the command line prints in any output
format. A day (``on``) says whose membership, responsibility or scope counts: the roster
is kept over time, so "the enterprises of grid 3" is always "on some day".

An enterprise's personal data (its liaisons' names, its contact person) is sealed and is
never shown here: ``gridcase enterprises contact`` reads it, and logs that it did.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from gridcase.calendar import to_cst
from gridcase.domain.enterprise import Enterprise
from gridcase.domain.grid import Grid
from gridcase.domain.person import Person
from gridcase.domain.visit import Visit
from gridcase.interfaces.export import Cell, Column, Table
from gridcase.projections.roster import RosterProjection

__all__ = [
    "SCOPES",
    "enterprise_record",
    "enterprises_table",
    "grid_record",
    "grids_table",
    "people_table",
    "person_record",
    "visit_record",
    "visits_table",
]

SCOPES = ("in", "out", "all")
"""Which enterprises ``enterprises list --scope`` shows on its day."""


def _joined(values: Iterable[str]) -> str:
    return ", ".join(values) or "-"


def people_table(
    view: RosterProjection,
    jurisdiction: str,
    on: date,
    *,
    role: str | None = None,
    unit: str | None = None,
    grid: str | None = None,
    inactive: bool = False,
) -> Table:
    """The people of ``jurisdiction`` (active ones unless ``inactive``), with what they
    answer for on ``on``; ``grid`` keeps those in that grid's team on that day."""
    team = None
    if grid is not None:
        g = view.grids(jurisdiction).get(grid)
        team = {s.holder for s in g.members_on(on)} if g is not None else set()
    rows = []
    for p in sorted(view.people(jurisdiction).values(), key=lambda p: p.person_id):
        if not (p.active or inactive):
            continue
        if role is not None and role not in p.roles:
            continue
        if unit is not None and unit not in p.units:
            continue
        if team is not None and p.person_id not in team:
            continue
        rows.append(_person_cells(view, p, on))
    return Table(_PEOPLE, tuple(rows))


_PEOPLE = (
    Column("person", "人员", "person"),
    Column("name", "姓名", "name"),
    Column("roles", "角色", "roles"),
    Column("units", "单位", "units"),
    Column("rank", "职级", "rank"),
    Column("grids", "网格", "grids"),
    Column("enterprises", "包联企业", "enterprises"),
    Column("active", "在岗", "active"),
)


def _person_cells(view: RosterProjection, p: Person, on: date) -> dict[str, Cell]:
    grids = [g.grid_id for g in view.grids(p.jurisdiction).values() if _in_team(g, p, on)]
    held = [s.holder for s in p.assignments if s.kind == "enterprise" and s.covers(on)]
    return {
        "person": p.person_id,
        "name": p.name,
        "roles": _joined(p.roles),
        "units": _joined(p.units),
        "rank": p.rank,
        "grids": _joined(grids),
        "enterprises": len(held),
        "active": p.active,
    }


def _in_team(grid: Grid, person: Person, on: date) -> bool:
    return any(s.holder == person.person_id for s in grid.members_on(on))


def person_record(view: RosterProjection, p: Person, on: date) -> dict[str, object]:
    """One person in full: what the table shows, and every responsibility they held."""
    return {
        **_person_cells(view, p, on),
        "roles": list(p.roles),
        "units": list(p.units),
        "responsible_for": [
            {
                "kind": s.kind,
                "holder": s.holder,
                "grid": s.grid,
                "from": s.start.isoformat(),
                "until": s.end.isoformat() if s.end else None,
            }
            for s in p.assignments
        ],
    }


_GRIDS = (
    Column("grid", "网格", "grid"),
    Column("name", "名称", "name"),
    Column("kind", "类型", "kind"),
    Column("unit", "单位", "unit"),
    Column("team", "网格团队", "team"),
    Column("enterprises", "企业数", "enterprises"),
)


def grids_table(
    view: RosterProjection,
    jurisdiction: str,
    on: date,
    *,
    unit: str | None = None,
    kind: str | None = None,
) -> Table:
    """The grids of ``jurisdiction``, their teams and how many enterprises were in each on ``on``."""
    rows = []
    for g in sorted(view.grids(jurisdiction).values(), key=lambda g: g.grid_id):
        if unit is not None and g.unit != unit:
            continue
        if kind is not None and g.kind != kind:
            continue
        rows.append(_grid_cells(view, g, on))
    return Table(_GRIDS, tuple(rows))


def _grid_cells(view: RosterProjection, g: Grid, on: date) -> dict[str, Cell]:
    members = view.enterprises(g.jurisdiction).values()
    count = sum(1 for e in members if any(s.holder == g.grid_id for s in e.grids_on(on)))
    return {
        "grid": g.grid_id,
        "name": g.name,
        "kind": g.kind,
        "unit": g.unit,
        "team": _joined(f"{s.holder} ({s.kind})" for s in g.members_on(on)),
        "enterprises": count,
    }


def grid_record(view: RosterProjection, g: Grid, on: date) -> dict[str, object]:
    """One grid in full: the table's row, its whole team over time and its enterprises on ``on``."""
    return {
        **_grid_cells(view, g, on),
        "members": [
            {
                "person": s.holder,
                "position": s.kind,
                "from": s.start.isoformat(),
                "until": s.end.isoformat() if s.end else None,
            }
            for s in g.team
        ],
        "enterprise_codes": sorted(
            e.credit_code
            for e in view.enterprises(g.jurisdiction).values()
            if any(s.holder == g.grid_id for s in e.grids_on(on))
        ),
    }


_ENTERPRISES = (
    Column("credit_code", "统一社会信用代码", "credit code", width=22),
    Column("name", "企业名称", "name", width=30),
    Column("tier", "层级", "tier"),
    Column("industry", "行业", "industry"),
    Column("in_scope", "在册", "in scope"),
    Column("grids", "网格", "grids"),
    Column("responsible", "包联人", "responsible"),
    Column("map_number", "地图编号", "map number"),
)


def enterprises_table(
    view: RosterProjection,
    jurisdiction: str,
    on: date,
    *,
    grid: str | None = None,
    responsible: str | None = None,
    scope: str = "in",
) -> Table:
    """The enterprises of ``jurisdiction`` on ``on``: in scope (``scope="in"``), out of it
    or all; in ``grid``; answered for by ``responsible``."""
    if scope not in SCOPES:
        raise ValueError(f"scope is one of {', '.join(SCOPES)}")
    rows = []
    for e in sorted(view.enterprises(jurisdiction).values(), key=lambda e: e.credit_code):
        inside = e.in_scope_on(on)
        if (scope == "in" and not inside) or (scope == "out" and inside):
            continue
        if grid is not None and not any(s.holder == grid for s in e.grids_on(on)):
            continue
        if responsible is not None and responsible not in e.responsible_on(on, any_grid=True):
            continue
        rows.append(_enterprise_cells(e, on))
    return Table(_ENTERPRISES, tuple(rows))


def _enterprise_cells(e: Enterprise, on: date) -> dict[str, Cell]:
    return {
        "credit_code": e.credit_code,
        "name": e.name,
        "tier": e.tier,
        "industry": e.industry,
        "in_scope": e.in_scope_on(on),
        "grids": _joined(s.holder for s in e.grids_on(on)),
        "responsible": _joined(e.responsible_on(on, any_grid=True)),
        "map_number": e.map_number,
    }


def enterprise_record(view: RosterProjection, e: Enterprise, on: date) -> dict[str, object]:
    """One enterprise in full, personal data left out: scope history, grids, responsibles, visits."""

    def stints(items: Iterable[object]) -> list[dict[str, object]]:
        out = []
        for s in items:
            out.append(
                {
                    k: (v.isoformat() if isinstance(v, date) else v)
                    for k, v in vars(s).items()
                    if not k.startswith("_")
                }
            )
        return out

    return {
        **_enterprise_cells(e, on),
        "organisation_type": e.organisation_type,
        "location": e.location,
        "scope_history": stints(e.scope_history),
        "grid_history": stints(e.grids),
        "responsible_history": stints(e.responsibles),
        "liaisons": [{"liaison_id": li.liaison_id, "active": li.active} for li in e.liaisons],
        "personal_data_erased": e.erased,
        "visits": [v.visit_id for v in view.visits(e.jurisdiction, e.credit_code)],
    }


_VISITS = (
    Column("visit", "走访编号", "visit"),
    Column("at", "走访时间", "at"),
    Column("enterprise", "企业", "enterprise", width=22),
    Column("visitor", "走访人", "visitor"),
    Column("channel", "方式", "channel"),
    Column("purpose", "目的", "purpose"),
    Column("evidence", "佐证", "evidence"),
    Column("cases", "诉求", "cases"),
)


def visits_table(
    view: RosterProjection,
    jurisdiction: str,
    *,
    first: date | None = None,
    last: date | None = None,
    enterprise: str | None = None,
    visitor: str | None = None,
    grid: str | None = None,
) -> Table:
    """The visits of ``jurisdiction`` from ``first`` to ``last`` (China dates, inclusive),
    oldest first; ``grid`` keeps the visits to enterprises in it on the day of the visit."""
    found: list[Visit] = []
    for e in view.enterprises(jurisdiction).values():
        if enterprise is not None and e.credit_code != enterprise:
            continue
        for v in view.visits(jurisdiction, e.credit_code):
            day = v.day
            if (first is not None and day < first) or (last is not None and day > last):
                continue
            if visitor is not None and v.visitor != visitor:
                continue
            if grid is not None and not any(s.holder == grid for s in e.grids_on(day)):
                continue
            found.append(v)
    found.sort(key=lambda v: (v.at, v.visit_id))
    return Table(_VISITS, tuple(_visit_cells(v) for v in found))


def _visit_cells(v: Visit) -> dict[str, Cell]:
    return {
        "visit": v.visit_id,
        "at": to_cst(v.at).replace(tzinfo=None),
        "enterprise": v.enterprise,
        "visitor": v.visitor,
        "channel": v.channel,
        "purpose": v.purpose,
        "evidence": len(v.evidence),
        "cases": len(v.cases),
    }


def visit_record(v: Visit) -> dict[str, object]:
    """One visit in full: the table's row, its findings, evidence references and cases."""
    return {
        **_visit_cells(v),
        "at": to_cst(v.at).isoformat(),
        "findings": dict(v.findings),
        "evidence_refs": list(v.evidence),
        "case_ids": [str(c) for c in v.cases],
    }
