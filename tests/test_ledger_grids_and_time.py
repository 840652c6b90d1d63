"""The problem ledger by grid, as of a moment and as known at one; its tables' layout.

Rules checked here:

* a case counts to the grid(s) its enterprise was in on the day it was received, as the
  log said when the submission was recorded: a later move, even one dated back, does
  not move it; a case of an enterprise in two grids counts to both;
* ``engine.ledger(grid=...)``, ``performance(by="grid")`` and the ledger export read
  that column, and the tables, a rebuild and the fold agree on it;
* "as of" keeps the steps that happened (as claimed) by then, "as known at" the steps
  recorded by then: a back-dated late entry is in the first and not in the second;
* the row versions (``history``) answer "as of" as the fold does, late entries too;
* tables of an older layout are dropped and rebuilt when a runner opens them.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from uuid import UUID

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from tests.builders import RosterBuilder
from tests.support import RULES, AdminEngine, credit_code, cst, rule_book

from gridcase import Action, ActOnCase, Engine, ManualClock, SubmitDemand
from gridcase.cli import main
from gridcase.kernel.errors import InvalidInput
from gridcase.projections.ledger import ProblemLedger
from gridcase.projections.runner import ProjectionRunner, ledger_rebuilt_as_of, read_model_engine
from gridcase.workflow.loader import RuleBook

A = credit_code(41, prefix="91", division="520502")
C = credit_code(42, prefix="91", division="520502")


@pytest.fixture
def rules() -> RuleBook:
    """The bundled rules: Bijie's grids, vertical (industry) and horizontal (township)."""
    return rule_book(RULES)


@pytest.fixture
def jurisdiction() -> str:
    return "bijie"


@pytest.fixture
def clock_start() -> datetime:
    return cst(2026, 1, 2, 9)


def _problem(engine: Engine, code: str, command_id: str) -> UUID:
    return engine.submit(
        SubmitDemand(
            jurisdiction="bijie",
            enterprise=code,
            category="problem",
            title="用工困难",
            actor="li",
            role="officer",
            command_id=command_id,
        )
    ).case_id


@pytest.fixture
def bijie(engine: Engine, clock: ManualClock, roster: RosterBuilder) -> dict[str, UUID]:
    """A in the industry grid and township 1 from 5 January, moved to township 2 on
    16 March; C in township 2 from 5 January, put into the industry grid on 30 March
    from 1 March (recorded late). li is on every team."""
    b = roster.person("li", "officer", name="李四")
    b.grid("industry-1", "vertical").grid("town-1", "horizontal").grid("town-2", "horizontal")
    clock.set(cst(2026, 1, 5, 9))
    for grid in ("industry-1", "town-1", "town-2"):
        b.member(grid, "li", "officer", date(2026, 1, 5))
    b.enterprise(A, date(2026, 1, 5)).enterprise(C, date(2026, 1, 5))
    b.in_grid(A, "industry-1", date(2026, 1, 5)).in_grid(A, "town-1", date(2026, 1, 5))
    b.in_grid(C, "town-2", date(2026, 1, 5))
    clock.set(cst(2026, 3, 10, 9))
    early = _problem(engine, A, "s-early")
    c_case = _problem(engine, C, "s-c")
    clock.set(cst(2026, 3, 16, 9))
    b.in_grid(A, "town-2", date(2026, 3, 16))
    clock.set(cst(2026, 3, 20, 9))
    late = _problem(engine, A, "s-late")
    clock.set(cst(2026, 3, 30, 9))
    b.in_grid(C, "industry-1", date(2026, 3, 1))
    return {"early": early, "late": late, "c": c_case}


class TestTheGridOnTheDayReceived:
    def test_each_case_keeps_the_grids_of_its_day(
        self, engine: Engine, bijie: dict[str, UUID]
    ) -> None:
        """A's case of 10 March is township 1's, its case of 20 March township 2's; C's
        case of 12 March stays out of the industry grid it was put into later (from the 1st)."""
        rows = {r.case_id: r for r in engine.ledger("bijie")}
        assert rows[bijie["early"]].grids == ("industry-1", "town-1")
        assert rows[bijie["late"]].grids == ("industry-1", "town-2")
        assert rows[bijie["c"]].grids == ("town-2",)

    def test_the_tables_a_rebuild_and_the_fold_agree(
        self, engine: Engine, bijie: dict[str, UUID]
    ) -> None:
        live = engine.ledger("bijie")
        fresh = ProjectionRunner(engine.log, read_model_engine(engine.location), batch=2)
        fresh.rebuild()
        assert (
            fresh.ledger("bijie")
            == live
            == ProblemLedger.build(engine.log).for_jurisdiction("bijie")
        )
        fresh.close()

    def test_the_ledger_of_a_grid(self, engine: Engine, bijie: dict[str, UUID]) -> None:
        assert [r.case_id for r in engine.ledger("bijie", grid="town-1")] == [bijie["early"]]
        assert {r.case_id for r in engine.ledger("bijie", grid="town-2")} == {
            bijie["late"],
            bijie["c"],
        }
        assert {r.case_id for r in engine.ledger("bijie", grid="industry-1")} == {
            bijie["early"],
            bijie["late"],
        }

    def test_performance_by_grid_counts_a_case_to_each_of_its_grids(
        self, engine: Engine, bijie: dict[str, UUID]
    ) -> None:
        figures = {p.key: p.cases for p in engine.performance("grid", "bijie")}
        assert figures == {"industry-1": 2, "town-1": 1, "town-2": 2}
        assert sum(figures.values()) > len(engine.ledger("bijie"))

    def test_the_export_and_the_report_carry_the_grid(
        self, engine: Engine, bijie: dict[str, UUID]
    ) -> None:
        if engine.location.kind == "postgres":
            pytest.skip("the files are the same on both stores")
        url = f"sqlite:///{engine.location.env['SQLITE_DBNAME']}"
        listed = CliRunner().invoke(main, ["cases", "list", "--url", url, "--format", "csv"])
        assert listed.exit_code == 0, listed.output
        grids = {r["case_id"]: r["grids"] for r in csv.DictReader(io.StringIO(listed.output))}
        assert grids[str(bijie["early"])] == "industry-1 | town-1"
        shown = CliRunner().invoke(
            main, ["cases", "list", "--url", url, "--format", "csv", "--grid", "town-1"]
        )
        assert [r["case_id"] for r in csv.DictReader(io.StringIO(shown.output))] == [
            str(bijie["early"])
        ]
        report = CliRunner().invoke(
            main, ["report", "performance", "--url", url, "--by", "grid", "--format", "csv"]
        )
        assert report.exit_code == 0, report.output
        header, *lines = csv.reader(io.StringIO(report.output))
        keys = [line[header.index(next(h for h in header if "who or when" in h))] for line in lines]
        assert keys == ["industry-1", "town-1", "town-2"]


# -- as of, as known at --------------------------------------------------------------------

YINGKOU = credit_code(9, prefix="91", division="210800")
SUBMITTED = cst(2026, 3, 2, 9)
CLAIMED = cst(2026, 3, 3, 10)
RECORDED = cst(2026, 3, 20, 15)


@pytest.fixture
def late_entry(store_url: str) -> tuple[Engine, UUID]:
    """A Yingkou matter submitted on 2 March, resolved on 20 March but dated 3 March
    (a late entry with its reason), after its handling clock ran out on the 10th."""
    clock = ManualClock(SUBMITTED)
    engine = AdminEngine(store_url, rules=RULES, clock=clock)
    y = RosterBuilder(engine, "yingkou").enterprise(YINGKOU, date(2024, 1, 1))
    y.person("wang", "officer").person("liu", "leader_in_charge")
    case_id = engine.submit(
        SubmitDemand(
            jurisdiction="yingkou",
            enterprise=YINGKOU,
            category="outside_committee",
            title="冷链仓储用地",
            actor="wang",
            role="officer",
            command_id="s",
        )
    ).case_id
    clock.set(RECORDED)
    engine.act(
        ActOnCase(
            case_id,
            Action.RESOLVE,
            "liu",
            "leader_in_charge",
            "r",
            at=CLAIMED,
            payload={"result": "已协调用地"},
            late_reason="纸质台账补录",
        )
    )
    return engine, case_id


class TestAsOfAndAsKnownAt:
    def test_a_back_dated_step_is_in_as_of_but_not_as_known_at(
        self, late_entry: tuple[Engine, UUID]
    ) -> None:
        engine, _ = late_entry
        (then,) = engine.ledger("yingkou", as_of=cst(2026, 3, 5))
        assert (then.state, then.result, then.misses) == ("fed_back", "已协调用地", {})
        (known,) = engine.ledger("yingkou", as_known_at=cst(2026, 3, 5))
        assert (known.state, known.result, known.steps) == ("with_leader", None, 1)
        (now,) = engine.ledger("yingkou", as_known_at=RECORDED)
        assert now == engine.ledger("yingkou")[0]
        assert now.late_entries
        assert now.misses == {"handling": 1}
        engine.close()

    def test_the_row_versions_answer_as_the_fold_does(
        self, late_entry: tuple[Engine, UUID]
    ) -> None:
        """With the versions kept, every moment gives the fold's row, the case with the
        back-dated step included (it is folded from its events)."""
        engine, _ = late_entry
        runner = engine.read_models(history=True)
        assert runner.keeps_history
        for moment in (
            SUBMITTED,
            cst(2026, 3, 3, 9),
            CLAIMED,
            cst(2026, 3, 5),
            cst(2026, 3, 10, 12),
            RECORDED,
        ):
            folded = ProblemLedger.build(engine.log, as_of=moment).for_jurisdiction("yingkou")
            assert engine.ledger("yingkou", as_of=moment) == folded, moment
            assert ledger_rebuilt_as_of(engine.log, moment, "yingkou") == folded, moment
        assert engine.ledger("yingkou", as_of=cst(2026, 3, 1)) == []
        engine.close()

    def test_not_both_at_once(self, late_entry: tuple[Engine, UUID]) -> None:
        engine, _ = late_entry
        with pytest.raises(InvalidInput, match="not both"):
            engine.ledger(as_of=RECORDED, as_known_at=RECORDED)
        engine.close()

    def test_cases_list_as_known_at(self, late_entry: tuple[Engine, UUID]) -> None:
        engine, case_id = late_entry
        if engine.location.kind == "postgres":
            engine.close()
            pytest.skip("the command is the same on both stores")
        url = f"sqlite:///{engine.location.env['SQLITE_DBNAME']}"
        engine.close()
        for flag, state in (("--as-of", "fed_back"), ("--as-known-at", "with_leader")):
            done = CliRunner().invoke(
                main, ["cases", "list", "--url", url, "--format", "csv", flag, "2026-03-05T00:00"]
            )
            assert done.exit_code == 0, done.output
            (row,) = csv.DictReader(io.StringIO(done.output))
            assert (row["case_id"], row["state"]) == (str(case_id), state)


def test_tables_of_an_older_layout_are_rebuilt_on_open(tmp_path: object) -> None:
    """Release 0.2's ledger table (the row as JSON in ``data``, no schema version) is
    dropped and refolded by the next runner."""
    clock = ManualClock(cst(2026, 4, 1, 9))
    with AdminEngine(f"sqlite:///{tmp_path}/old.db", rules=RULES, clock=clock) as engine:
        RosterBuilder(engine, "malu").enterprise(YINGKOU, date(2024, 1, 1))
        engine.submit(
            SubmitDemand(
                jurisdiction="malu",
                enterprise=YINGKOU,
                category="consultation",
                title="人才公寓申请",
                actor=YINGKOU,
                role="enterprise",
                command_id="s",
            )
        )
        tables = read_model_engine(engine.location)
        with tables.begin() as conn:
            conn.execute(
                text(
                    "CREATE TABLE gridcase_rm_problem_ledger (case_id TEXT PRIMARY KEY, data TEXT)"
                )
            )
            conn.execute(
                text(
                    "CREATE TABLE gridcase_rm_tracking (projection TEXT PRIMARY KEY, "
                    "application_name TEXT, notification_id INTEGER)"
                )
            )
            conn.execute(
                text("INSERT INTO gridcase_rm_tracking VALUES ('problem_ledger', 'gridcase', 99)")
            )
        tables.dispose()
        assert engine.ledger() == ProblemLedger.build(engine.log).for_jurisdiction()
        assert len(engine.ledger()) == 1
