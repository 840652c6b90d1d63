"""The visit ledger and the grid ledger as tables: the runner's rows equal the fold's.

Whatever the roster's history (visits recorded late, enterprises moved between grids with
back-dated moves, enterprises leaving and re-entering the scope, cases opened from
visits), a runner kept live after every command, a rebuild from position 0 in small
batches and the in-memory fold (:class:`~gridcase.projections.visit_ledger.VisitLedger`)
give the same visit ledger for every month and every grid; the grid ledger's rows say
what the roster projection says of each enterprise.
"""

from __future__ import annotations

import contextlib
import tempfile
from datetime import date, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.builders import RosterBuilder
from tests.support import RULES, AdminEngine, credit_code, cst, rule_book

from gridcase import Engine, GridcaseError, ManualClock
from gridcase.domain.enterprise import ScopeEntry, ScopeExit
from gridcase.projections.roster import RosterProjection
from gridcase.projections.runner import ProjectionRunner, read_model_engine
from gridcase.projections.visit_ledger import VisitLedger
from gridcase.projections.visit_reads import GridLedgerRow, read_grid_ledger, read_visit_ledger
from gridcase.projections.visit_tables import VisitTables

B = "bijie"
BOOK = rule_book(RULES)
CODES = [credit_code(70 + i, division="520502") for i in range(3)]
GRIDS = {"town-1": "horizontal", "town-2": "horizontal", "industry-1": "vertical"}
MONTHS = ["2026-01", "2026-02", "2026-03"]
LATE = "补录纸质台账"


def _roster(engine: Engine) -> RosterBuilder:
    b = RosterBuilder(engine, B).person("li", "officer", name="李四").person("wang", "officer")
    for g, kind in GRIDS.items():
        b.grid(g, kind, name=f"网格 {g}").member(g, "li", "officer", date(2026, 1, 5))
    for code in CODES:
        b.enterprise(code, date(2026, 1, 5)).in_grid(code, "town-1", date(2026, 1, 5))
    return b


def _step(b: RosterBuilder, clock: ManualClock, n: int, step: tuple[Any, ...]) -> None:
    what, which, pick, back = step
    code = CODES[which]
    now = clock.now()
    day = now.date() - timedelta(days=back)
    engine = b.engine
    if what == "visit":
        b.visit(
            code,
            ("li", "wang")[pick % 2],
            now - timedelta(hours=back * 5),
            channel=("on_site", "phone", "questionnaire")[pick % 3],
            findings={("operations", "tax_status", "difficulties")[pick % 3]: f"情况 {n}"},
            visit_id=f"v{n}",
            late_reason=LATE,
        )
    elif what == "move":
        engine.roster.assign_grid(
            jurisdiction=B,
            credit_code=code,
            grid_id=sorted(GRIDS)[pick % len(GRIDS)],
            on=day,
            command_id=f"move/{n}",
        )
    elif what == "leave_grid":
        engine.roster.remove_from_grid(
            jurisdiction=B,
            credit_code=code,
            grid_id=sorted(GRIDS)[pick % len(GRIDS)],
            on=day,
            reason="调整",
            command_id=f"leave/{n}",
        )
    elif what == "scope":
        ent = engine.roster.enterprise(B, code)
        if ent.in_scope_now:
            engine.roster.leave_scope(
                jurisdiction=B,
                credit_code=code,
                on=day,
                basis=ScopeExit.DEREGISTERED,
                reason="注销",
                command_id=f"out/{n}",
            )
        else:
            engine.roster.enter_scope(
                jurisdiction=B,
                credit_code=code,
                on=day,
                basis=ScopeEntry.LISTED,
                reason="恢复",
                command_id=f"in/{n}",
            )
    elif what == "responsible":
        b.responsible(code, ("li", "wang")[pick % 2], grid="town-1", on=day)
    elif what == "case":
        engine.roster.raise_demand(
            jurisdiction=B,
            visit_id=f"v{pick}",
            category="problem",
            title="融资难",
            actor="li",
            role="officer",
            command_id=f"case/{n}",
        )


def _expected_grid_ledger(engine: Engine) -> list[tuple[Any, ...]]:
    """What the roster projection says of each enterprise: the grid ledger's facts."""
    view = RosterProjection()
    view.catch_up(engine.log)
    out = []
    for code, ent in sorted(view.enterprises(B).items()):
        visits = sorted(view.visits(B, code), key=lambda v: (v.at, v.visit_id))
        latest = {}
        for v in visits:
            latest.update({k: (val, v.day) for k, val in v.findings.items()})
        out.append(
            (
                code,
                ent.in_scope_now,
                sorted({s.holder for s in ent.open_grids()}),
                [s.holder for s in ent.open_responsibles()],
                len(visits),
                visits[-1].at if visits else None,
                latest,
            )
        )
    return out


def _facts(rows: list[GridLedgerRow]) -> list[tuple[Any, ...]]:
    return [
        (
            r.credit_code,
            r.in_scope,
            [g.grid for g in r.grids],
            [p for p, _ in r.responsible],
            r.visits,
            r.last_visit_at,
            {k: (f.value, f.day) for k, f in r.latest.items()},
        )
        for r in rows
    ]


STEPS = st.tuples(
    st.sampled_from(
        ["visit", "visit", "visit", "move", "leave_grid", "scope", "responsible", "case"]
    ),
    st.integers(0, len(CODES) - 1),
    st.integers(0, 11),
    st.integers(0, 6),
)


@settings(max_examples=12, deadline=None)
@given(
    steps=st.lists(st.tuples(STEPS, st.integers(1, 60)), max_size=18),
    batch=st.integers(1, 9),
)
def test_rebuild_equals_the_live_runner_and_the_fold(
    steps: list[tuple[tuple[Any, ...], int]], batch: int
) -> None:
    """Whatever the roster's history: live tables, rebuilt tables and the fold agree."""
    with tempfile.TemporaryDirectory() as folder:
        clock = ManualClock(cst(2026, 1, 6, 9))
        with AdminEngine(f"sqlite:///{folder}/g.db", rules=BOOK, clock=clock) as engine:
            b = _roster(engine)
            live = ProjectionRunner(
                engine.log,
                read_model_engine(engine.location),
                batch=batch,
                projection=VisitTables.on(engine.log),
            )
            for n, (step, hours) in enumerate(steps):
                clock.advance(timedelta(hours=hours))
                with contextlib.suppress(GridcaseError):
                    _step(b, clock, n, step)
                live.catch_up()
            live.catch_up()
            fresh = ProjectionRunner(
                engine.log,
                read_model_engine(engine.location, f"sqlite:///{folder}/fresh.db"),
                batch=batch,
                projection=VisitTables.on(engine.log),
            )
            fresh.rebuild()
            fold = VisitLedger.build(engine.log)
            with live.engine.connect() as kept, fresh.engine.connect() as rebuilt:
                for month in MONTHS:
                    for grid in (None, *GRIDS):
                        expected = fold.for_period(B, month, grid)
                        assert read_visit_ledger(kept, B, month, grid) == expected
                        assert read_visit_ledger(rebuilt, B, month, grid) == expected
                facts = _facts(read_grid_ledger(kept, B))
                assert facts == _facts(read_grid_ledger(rebuilt, B))
                assert facts == _expected_grid_ledger(engine)
            live.close()
            fresh.close()


def test_the_engine_keeps_the_tables_up_to_date_before_each_read() -> None:
    """Each read catches the tables up first: a visit recorded a moment ago is in the ledger,
    with its enterprise's grid, map number and findings in the grid ledger."""
    with tempfile.TemporaryDirectory() as folder:
        clock = ManualClock(cst(2026, 3, 2, 9))
        with AdminEngine(f"sqlite:///{folder}/g.db", rules=BOOK, clock=clock) as engine:
            b = _roster(engine)
            assert engine.visit_ledger(B, "2026-03") == []
            b.visit(CODES[0], "li", cst(2026, 3, 2, 8), findings={"tax_status": "按期申报"})
            (row,) = engine.visit_ledger(B, "2026-03", "town-1")
            assert (row.visitor, row.visitor_name, row.tax_status) == ("li", "李四", "按期申报")
            rows = engine.grid_ledger(B, "town-1")
            assert sorted(r.credit_code for r in rows) == sorted(CODES)
            (first,) = [r for r in rows if r.credit_code == CODES[0]]
            assert [g.name for g in first.grids] == ["网格 town-1"]
            assert first.latest["tax_status"].value == "按期申报"
            assert first.latest["tax_status"].day == date(2026, 3, 2)
            assert first.last_visit_at == datetime(2026, 3, 2, 8, tzinfo=first.last_visit_at.tzinfo)
            assert engine.grid_ledger(B, "industry-1") == []


def test_a_runner_stopped_after_a_batch_resumes_where_it_committed() -> None:
    """A runner stopped after its first batches (as if killed) leaves the tables as of its
    committed position; a new runner carries on from there, folds every event once and
    ends with the fold's ledger."""
    with tempfile.TemporaryDirectory() as folder:
        clock = ManualClock(cst(2026, 3, 2, 9))
        with AdminEngine(f"sqlite:///{folder}/g.db", rules=BOOK, clock=clock) as engine:
            b = _roster(engine)
            for n in range(6):
                clock.advance(timedelta(hours=3))
                b.visit(CODES[n % 3], "li", clock.now(), visit_id=f"v{n}")
            total = sum(1 for _ in engine.log.read(topics=VisitTables.topics))

            def runner() -> ProjectionRunner:
                return ProjectionRunner(
                    engine.log,
                    read_model_engine(engine.location, f"sqlite:///{folder}/t.db"),
                    batch=4,
                    projection=VisitTables.on(engine.log),
                )

            first = runner()
            done = first.catch_up(limit=8)
            assert 0 < done < total
            with first.engine.connect() as conn:
                assert read_visit_ledger(conn, B, "2026-03") == []
            first.close()
            second = runner()
            assert second.position() > 0
            assert done + second.catch_up() == total
            with second.engine.connect() as conn:
                rows = read_visit_ledger(conn, B, "2026-03")
            assert rows == VisitLedger.build(engine.log).for_period(B, "2026-03")
            assert [r.visit_id for r in rows] == [f"v{n}" for n in range(6)]
            second.close()


def test_the_grid_ledger_on_the_command_line(tmp_path: Any) -> None:
    """``gridcase visits grid-ledger --format json`` lists each enterprise of the grid with
    what its visits last found."""
    from click.testing import CliRunner

    from gridcase.cli import main

    url = f"sqlite:///{tmp_path}/g.db"
    clock = ManualClock(cst(2026, 3, 2, 9))
    with AdminEngine(url, rules=BOOK, clock=clock) as engine:
        b = _roster(engine)
        b.visit(CODES[1], "li", cst(2026, 3, 2, 8), findings={"difficulties": "融资难"})
    done = CliRunner().invoke(
        main,
        ["visits", "grid-ledger", "--url", url, "-j", B, "--grid", "town-1", "--format", "json"],
    )
    assert done.exit_code == 0, done.output
    import json

    rows = {r["enterprise"]: r for r in json.loads(done.output)}
    assert set(rows) == set(CODES)
    assert rows[CODES[1]]["difficulties"] == "融资难 (2026-03-02)"
    assert rows[CODES[1]]["visits"] == 1
    assert rows[CODES[0]]["visits"] == 0
