"""The read models in SQL: the problem ledger's table equals the fold, exactly once, resumable.

Rules checked here:

* the ledger table read back is the ledger the in-memory fold makes, row for row;
* rebuilding from zero gives the same tables as a runner kept live after every command
  (property-tested over random histories);
* a runner killed by SIGKILL in the middle of a batch leaves the tables as of its last
  commit, and a restarted runner ends with the same tables: nothing counted twice;
* two runners on the same tables count every event once;
* the runner never assumes notification ids are contiguous;
* the work queues are the open cases on a desk (holder, role, unit, jurisdiction,
  overdue, due by a day, waiting on the enterprise), read from the table.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.builders import RosterBuilder
from tests.support import REPO, RULES, AdminEngine, credit_code, cst, rule_book

from gridcase import Action, ActOnCase, Engine, GridcaseError, ManualClock, SubmitDemand
from gridcase.cli import main
from gridcase.domain.case import Case
from gridcase.projections.ledger import LedgerRow, ProblemLedger
from gridcase.projections.runner import ProjectionRunner, read_model_engine
from gridcase.projections.tables import Queue
from gridcase.projections.visit_tables import VisitTables
from gridcase.storage.log import EventLog

BOOK = rule_book(RULES)
ENTERPRISE = credit_code(31)
OTHER = credit_code(32)


def _malu(engine: Engine) -> None:
    malu = RosterBuilder(engine, "malu").enterprise(ENTERPRISE, date(2024, 1, 1), name="企业")
    malu.enterprise(OTHER, date(2024, 1, 1), name="另一企业")
    malu.person("c", "center").person("u", "unit", units=["planning"])
    malu.person("e", "unit", units=["economy"])


def _submit(engine: Engine, command_id: str, enterprise: str = ENTERPRISE) -> UUID:
    return engine.submit(
        SubmitDemand(
            jurisdiction="malu",
            enterprise=enterprise,
            category="consultation",
            title="人才公寓申请",
            actor=enterprise,
            role="enterprise",
            command_id=command_id,
        )
    ).case_id


def _history(engine: Engine, clock: ManualClock) -> dict[str, UUID]:
    """Three Malu cases: one late and resolved, one redispatched, one just submitted."""
    _malu(engine)
    late = _submit(engine, "s1")
    engine.act(ActOnCase(late, Action.DISPATCH, "c", "center", "1", payload={"unit": "planning"}))
    clock.set(cst(2026, 4, 2, 9))
    engine.act(ActOnCase(late, Action.ACCEPT, "u", "unit", "2"))
    moved = _submit(engine, "s2", OTHER)
    engine.act(ActOnCase(moved, Action.DISPATCH, "c", "center", "3", payload={"unit": "planning"}))
    clock.set(cst(2026, 4, 9, 9))
    engine.act(ActOnCase(moved, Action.REQUEST_RETURN, "u", "unit", "4r", reason="不属本单位职责"))
    engine.act(ActOnCase(moved, Action.REDISPATCH, "c", "center", "4", payload={"unit": "economy"}))
    clock.set(cst(2026, 4, 20, 9))
    engine.advance()
    engine.act(ActOnCase(late, Action.RESOLVE, "u", "unit", "5", payload={"result": "已办理"}))
    fresh = _submit(engine, "s3")
    return {"late": late, "moved": moved, "fresh": fresh}


def _fold(log: EventLog) -> list[LedgerRow]:
    return ProblemLedger.build(log).for_jurisdiction()


@pytest.fixture
def malu(store_url: str) -> Iterator[tuple[Engine, ManualClock, dict[str, UUID]]]:
    clock = ManualClock(cst(2026, 4, 1, 9))
    with AdminEngine(store_url, rules=BOOK, clock=clock) as engine:
        yield engine, clock, _history(engine, clock)


class TestTheLedgerTable:
    def test_the_table_is_the_fold(self, malu: tuple[Engine, ManualClock, Any]) -> None:
        """Read from its table, the ledger is exactly the ledger folded from the log."""
        engine, _, _ = malu
        assert engine.ledger() == _fold(engine.log)
        assert engine.ledger("malu") == _fold(engine.log)
        assert engine.ledger("bijie") == []

    def test_units_in_turn(self, malu: tuple[Engine, ManualClock, dict[str, UUID]]) -> None:
        """The redispatched case shows planning's turn closed with its working days, and
        economy's still running."""
        engine, _, cases = malu
        (row,) = [r for r in engine.ledger() if r.case_id == cases["moved"]]
        planning, economy = row.unit_turns
        assert (planning.unit, planning.until, planning.working_days) == (
            "planning",
            cst(2026, 4, 9, 9),
            3,  # dispatched Apr 2, redispatched Apr 9: Apr 3, 7 and 8 (4-6 is Qingming)
        )
        assert (economy.unit, economy.until, economy.working_days) == ("economy", None, None)

    def test_catching_up_reads_only_what_is_new(
        self, malu: tuple[Engine, ManualClock, dict[str, UUID]]
    ) -> None:
        engine, clock, cases = malu
        runner = engine.read_models()
        runner.catch_up()
        assert runner.catch_up() == 0
        clock.set(cst(2026, 4, 21, 9))
        engine.act(
            ActOnCase(
                cases["fresh"], Action.DISPATCH, "c", "center", "9", payload={"unit": "planning"}
            )
        )
        assert runner.catch_up() == 1
        assert runner.ledger() == _fold(engine.log)

    def test_a_rebuild_gives_the_same_tables(
        self, malu: tuple[Engine, ManualClock, dict[str, UUID]]
    ) -> None:
        engine, _, _ = malu
        live = engine.ledger()
        seen: list[tuple[int, int]] = []
        runner = engine.read_models()
        assert runner.rebuild(progress=lambda at, head: seen.append((at, head))) > 0
        assert runner.ledger() == live
        assert seen
        assert seen[-1][0] == runner.position()


class TestWorkQueues:
    def test_the_desks(self, malu: tuple[Engine, ManualClock, dict[str, UUID]]) -> None:
        """Open cases only, by holder, role, unit and jurisdiction; overdue; due by a day."""
        engine, _, cases = malu
        ids = lambda rows: {r.case_id for r in rows}  # noqa: E731
        everything = engine.ledger()
        open_ids = {r.case_id for r in everything if not r.final}
        assert ids(engine.queue(Queue())) == open_ids
        assert ids(engine.queue(Queue(jurisdiction="bijie"))) == set()
        assert ids(engine.queue(Queue(unit="economy"))) == {cases["moved"]}
        for row in everything:
            if row.final:
                continue
            assert row.case_id in ids(engine.queue(Queue(role=row.owner_role)))
            assert row.case_id in ids(engine.queue(Queue(holder=row.owner_party)))
        overdue = {r.case_id for r in everything if r.overdue and not r.final}
        assert ids(engine.queue(Queue(overdue=True))) == overdue
        day = date(2026, 4, 22)
        due = {r.case_id for r in everything if not r.final and r.next_due and r.next_due <= day}
        assert ids(engine.queue(Queue(due_by=day))) == due
        waiting = {r.case_id for r in everything if not r.final and r.owner_role == "enterprise"}
        assert ids(engine.queue(Queue(waiting_on_enterprise=True))) == waiting

    def test_soonest_deadline_first(self, malu: tuple[Engine, ManualClock, Any]) -> None:
        engine, _, _ = malu
        dues = [r.next_due for r in engine.queue(Queue())]
        known = [d for d in dues if d is not None]
        assert known == sorted(known)
        assert dues[: len(known)] == known, "cases with no deadline come last"


class _GappyLog(EventLog):
    """The same log with every id multiplied by ten, as if nine of ten had rolled back."""

    def __init__(self, log: EventLog) -> None:
        self._log = log

    def read(
        self, *, after: int = 0, topics: Sequence[str] = (), page: int = 500
    ) -> Iterator[tuple[int, Any]]:
        for position, event in self._log.read(after=after // 10, topics=topics, page=page):
            yield position * 10, event

    def head(self) -> int:
        return self._log.head() * 10


def test_ids_with_gaps(tmp_path: Path) -> None:
    """Positions 10, 20, 30 …: every event is folded once, whatever the batch size."""
    clock = ManualClock(cst(2026, 4, 1, 9))
    with AdminEngine(f"sqlite:///{tmp_path / 'g.db'}", rules=BOOK, clock=clock) as engine:
        _history(engine, clock)
        expected = _fold(engine.log)
        runner = ProjectionRunner(
            _GappyLog(engine.log), read_model_engine(engine.location), batch=3
        )
        runner.catch_up()
        assert runner.ledger() == expected
        assert runner.position() % 10 == 0
        runner.close()


def test_two_runners_count_each_event_once(store_url: str) -> None:
    """Two runners racing on the same tables end where one alone would."""
    clock = ManualClock(cst(2026, 4, 1, 9))
    with AdminEngine(store_url, rules=BOOK, clock=clock) as engine:
        _history(engine, clock)
        expected = _fold(engine.log)
        runners = [
            ProjectionRunner(engine.log, read_model_engine(engine.location), batch=2)
            for _ in range(2)
        ]
        failures: list[BaseException] = []

        def run(runner: ProjectionRunner) -> None:
            try:
                runner.catch_up()
            except BaseException as exc:
                failures.append(exc)

        threads = [threading.Thread(target=run, args=(r,)) for r in runners]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert failures == []
        for r in runners:
            assert r.ledger() == expected
            r.close()


# -- killed mid-batch ------------------------------------------------------------------

_CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from gridcase import Engine
    from gridcase.projections import runner as rn

    url, flag = sys.argv[1], Path(sys.argv[2])
    batches = 0
    original = rn.LedgerProjection.write

    def write(self, conn):
        global batches
        original(self, conn)
        batches += 1
        if batches == 2:  # rows of the second batch written, its position not yet
            flag.write_text("mid-batch")
            time.sleep(600)

    rn.LedgerProjection.write = write
    with Engine(url, rules=sys.argv[3]) as engine:
        r = rn.ProjectionRunner(engine.log, rn.read_model_engine(engine.location), batch=3)
        r.catch_up()
    """
)


def test_sigkill_mid_batch_and_restart(store_url: str, tmp_path: Path) -> None:
    """SIGKILL after a batch's rows are written but before it commits: the restarted
    runner ends with the fold's tables; escalations, returns and steps counted once."""
    clock = ManualClock(cst(2026, 4, 1, 9))
    with AdminEngine(store_url, rules=BOOK, clock=clock) as engine:
        _history(engine, clock)
        expected = _fold(engine.log)
    flag = tmp_path / "flag"
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, store_url, str(flag), str(RULES)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO / "src")},
    )
    try:
        deadline = time.monotonic() + 60
        while not flag.exists():
            assert child.poll() is None, "the runner ended before it was killed"
            assert time.monotonic() < deadline, "the runner never reached its second batch"
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    finally:
        if child.poll() is None:
            child.kill()
    with AdminEngine(store_url, rules=BOOK, clock=clock) as engine:
        runner = engine.read_models()
        assert runner.position() > 0, "the first batch was committed"
        assert runner.ledger() != expected, "the kill left the tables part-way"
        runner.catch_up()
        assert runner.ledger() == expected
        assert sum(r.steps for r in runner.ledger()) == sum(
            1 for _ in engine.log.read(topics=ProblemLedger.topics)
        )


# -- random histories ------------------------------------------------------------------

ACTORS: dict[str, tuple[str, str]] = {
    "center": ("c", "center"),
    "planning": ("u", "unit"),
    "economy": ("e", "unit"),
    "enterprise": (ENTERPRISE, "enterprise"),
}
PAYLOADS: dict[Action, list[dict[str, Any]]] = {
    Action.DISPATCH: [{"unit": "planning"}, {"unit": "economy"}],
    Action.REDISPATCH: [{"unit": "planning"}, {"unit": "economy"}],
    Action.RESOLVE: [{"result": "已办结"}],
    Action.RATE: [{"satisfaction": "satisfied"}, {"satisfaction": "unsatisfied"}],
}


@settings(max_examples=15)
@given(
    steps=st.lists(
        st.tuples(
            st.integers(0, 2),
            st.sampled_from([a for a in Action if a is not Action.SUBMIT]),
            st.sampled_from(sorted(ACTORS)),
            st.integers(0, 1),
            st.integers(0, 96),
        ),
        max_size=25,
    ),
    batch=st.integers(1, 7),
)
def test_rebuild_equals_the_live_runner(steps: list[tuple[Any, ...]], batch: int) -> None:
    """Whatever the commands: a runner kept live after every command, a rebuild from
    zero and the in-memory fold give the same ledger; and the live runner's row
    versions give the fold's ledger as of every moment a step happened at (and between)."""
    with tempfile.TemporaryDirectory() as folder:
        clock = ManualClock(cst(2026, 3, 30, 9))
        with AdminEngine(f"sqlite:///{folder}/g.db", rules=BOOK, clock=clock) as engine:
            _malu(engine)
            cases = [_submit(engine, f"s{i}") for i in range(3)]
            live = ProjectionRunner(
                engine.log, read_model_engine(engine.location), batch=batch, history=True
            )
            for n, (which, action, who, pick, hours) in enumerate(steps):
                clock.advance(timedelta(hours=hours))
                options = PAYLOADS.get(action, [{}])
                actor, role = ACTORS[who]
                with contextlib.suppress(GridcaseError):
                    engine.act(
                        ActOnCase(
                            cases[which],
                            action,
                            actor,
                            role,
                            command_id=f"c{n}",
                            reason="理由",
                            payload=options[pick % len(options)],
                        )
                    )
                if n % 3 == 0:
                    engine.advance()
                live.catch_up()
            live.catch_up()
            fresh = ProjectionRunner(engine.log, read_model_engine(engine.location), batch=batch)
            kept = live.ledger()
            fresh.rebuild()
            assert fresh.ledger() == kept == _fold(engine.log)
            assert {r.case_id for r in kept} == set(cases)
            assert all(
                isinstance(e, Case.Event) or type(e).__name__ in {"GridJoined", "GridLeft"}
                for _, e in engine.log.read(topics=fresh.projection.topics)
            )
            moments = sorted({at for r in kept for _, _, at in r.trail})
            for moment in [*moments, *(m + timedelta(minutes=1) for m in moments)]:
                rows, late = live.ledger_as_of(moment)
                assert not late  # nothing here is entered late
                assert rows == ProblemLedger.build(engine.log, as_of=moment).for_jurisdiction()
            live.close()
            fresh.close()


class TestTheCommands:
    def test_project_rebuild_then_list_reads_the_table(
        self, malu: tuple[Engine, ManualClock, Any]
    ) -> None:
        """``gridcase project --rebuild`` folds the log; ``cases list`` shows the same rows."""
        engine, _, _ = malu
        url = engine.location.display if engine.location.kind == "postgres" else None
        url = url or f"sqlite:///{engine.location.env['SQLITE_DBNAME']}"
        expected = _fold(engine.log)
        done = CliRunner().invoke(main, ["project", "--rebuild", "--json", "--url", url])
        assert done.exit_code == 0, done.output
        data = json.loads(done.output)
        assert data["folded_by"]["problem_ledger"] == sum(
            1 for _ in engine.log.read(topics=ProblemLedger.topics)
        )
        assert data["folded_by"]["visit_ledger"] == sum(
            1 for _ in engine.log.read(topics=VisitTables.topics)
        )
        again = CliRunner().invoke(main, ["project", "--url", url])
        assert "folded 0 event(s)" in again.output
        listed = CliRunner().invoke(main, ["cases", "list", "--url", url, "--format", "json"])
        assert [r["case_id"] for r in json.loads(listed.output)] == [
            str(r.case_id) for r in expected
        ]

    def test_the_ledger_workbook(
        self, malu: tuple[Engine, ManualClock, Any], tmp_path: Path
    ) -> None:
        """The XLSX ledger opens with openpyxl, headed in Chinese and English, a row a case."""
        from openpyxl import load_workbook

        engine, _, cases = malu
        if engine.location.kind == "postgres":
            pytest.skip("the workbook is the same on both stores")
        rows = engine.ledger()
        path = tmp_path / "ledger.xlsx"
        url = f"sqlite:///{engine.location.env['SQLITE_DBNAME']}"
        done = CliRunner().invoke(
            main, ["cases", "list", "--url", url, "--format", "xlsx", "--output", str(path)]
        )
        assert done.exit_code == 0, done.output
        sheet = load_workbook(path).active
        values = list(sheet.iter_rows(values_only=True))
        assert values[0][0] == "案件编号 (case id)"
        assert values[0][-2:] == (
            "各单位用时(工作日) (working days by unit in turn)",
            "所属网格 (grid(s) when received)",
        )
        assert [v[0] for v in values[1:]] == [str(r.case_id) for r in rows]
        moved = next(v for v in values[1:] if v[0] == str(cases["moved"]))
        assert moved[-2] == "planning 3 | economy …"

    def test_queue_overdue(self, malu: tuple[Engine, ManualClock, Any]) -> None:
        engine, _, _ = malu
        if engine.location.kind == "postgres":
            pytest.skip("the queries are tested on both stores above")
        url = f"sqlite:///{engine.location.env['SQLITE_DBNAME']}"
        done = CliRunner().invoke(main, ["cases", "queue", "--url", url, "--overdue", "--json"])
        assert done.exit_code == 0, done.output
        expected = {str(r.case_id) for r in engine.ledger() if r.overdue and not r.final}
        assert {r["case_id"] for r in json.loads(done.output)} == expected


def test_follow_in_a_separate_process(tmp_path: Path) -> None:
    """``gridcase project --follow`` folds what the portal records, and stops on SIGTERM."""
    url = f"sqlite:///{tmp_path / 'g.db'}"
    clock = ManualClock(cst(2026, 4, 1, 9))
    with AdminEngine(url, rules=BOOK, clock=clock) as engine:
        cases = _history(engine, clock)
        follower = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from gridcase.cli import main; main()",
                "project",
                "--follow",
                "--interval",
                "0.1",
                "--url",
                url,
                "--rules",
                str(RULES),
            ],
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO / "src")},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            runner = engine.read_models()
            clock.set(cst(2026, 4, 21, 9))
            engine.act(
                ActOnCase(
                    cases["fresh"],
                    Action.DISPATCH,
                    "c",
                    "center",
                    "f",
                    payload={"unit": "planning"},
                )
            )
            head = max(p for p, _ in engine.log.read(topics=ProblemLedger.topics))
            deadline = time.monotonic() + 60
            while runner.position() < head:
                assert follower.poll() is None, follower.stderr.read() if follower.stderr else ""
                assert time.monotonic() < deadline, "the follower never caught up"
                time.sleep(0.1)
            assert runner.ledger() == _fold(engine.log), "the follower's tables are the fold"
        finally:
            follower.send_signal(signal.SIGTERM)
            out, err = follower.communicate(timeout=30)
        assert follower.returncode == 0, err
        assert "the ledger is at position" in out


def test_a_store_in_memory_keeps_its_tables_beside_it() -> None:
    """``sqlite:///:memory:``: the tables go into the same private in-memory database."""
    clock = ManualClock(cst(2026, 4, 1, 9))
    with AdminEngine("sqlite:///:memory:", rules=BOOK, clock=clock) as engine:
        _history(engine, clock)
        assert engine.ledger() == _fold(engine.log)
