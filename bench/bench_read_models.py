"""The read models' tables against today's fold, as the log grows, in one run.

Prints figures, asserts nothing. A store is filled through the engine with Malu cases
(most run submit → dispatch → accept → resolve → confirm, one in ten is returned and
redispatched on the way, one in fifty stays open), in four equal steps up to
``--events``. After each step it prints:

* the problem ledger query (``Engine.ledger``: every row of the jurisdiction) read from
  the table vs built by the fold from position 0 as ``cases list`` did before, and the
  work queue of open cases (what grows with the work on the desks, not with the log);
* a full rebuild of the tables (events/s) vs merely reading and decoding the same
  events through the recorder (events/s), and their ratio; and the same rebuild
  keeping every row version (``history``: what answers "as of" in one query);
* the ledger as of a moment halfway through the log, three ways: the fold in memory
  up to it (what ``engine.ledger(as_of=…)`` does without versions), a rebuild into a
  temporary table up to it, and one query of the row versions;
* the runner's peak Python memory during the rebuild (tracemalloc) and the fold's.

Last measured: see docs/read-models.md (2-core machine shared with other work).

    .venv/bin/python bench/bench_read_models.py [--events 60000] [--url sqlite:///path]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import create_engine

from gridcase import Action, ActOnCase, Engine, ManualClock, SubmitDemand
from gridcase.kernel.clock import CST
from gridcase.projections.ledger import ProblemLedger
from gridcase.projections.runner import (
    ProjectionRunner,
    ledger_rebuilt_as_of,
    read_model_engine,
)
from gridcase.projections.tables import Queue
from malu_setup import code

RULES = Path(__file__).resolve().parents[1] / "rules"
T = TypeVar("T")


def setup(engine: Engine, enterprises: int) -> None:
    engine.register_person(
        jurisdiction="malu", person_id="c", name="c", roles=["center"], command_id="p1"
    )
    for unit in ("planning", "economy"):
        engine.register_person(
            jurisdiction="malu",
            person_id=unit,
            name=unit,
            roles=["unit"],
            units=[unit],
            command_id=f"p-{unit}",
        )
    for i in range(enterprises):
        engine.register_enterprise(
            jurisdiction="malu",
            credit_code=code(i),
            name=f"企业{i}",
            command_id=f"e{i}",
            in_scope_from=date(2024, 1, 1),
        )


def one_case(engine: Engine, clock: ManualClock, i: int, enterprises: int) -> None:
    ent = code(i % enterprises)
    case_id = engine.submit(
        SubmitDemand(
            jurisdiction="malu",
            enterprise=ent,
            category="consultation",
            title="诉求",
            actor=ent,
            role="enterprise",
            command_id=f"s{i}",
        )
    ).case_id
    act = lambda a, who, role, n, **kw: engine.act(  # noqa: E731
        ActOnCase(case_id, a, who, role, f"{n}{i}", **kw)
    )
    act(Action.DISPATCH, "c", "center", "d", payload={"unit": "planning"})
    unit = "planning"
    if i % 10 == 3:
        act(Action.REQUEST_RETURN, "planning", "unit", "q", reason="不属本单位")
        act(Action.REDISPATCH, "c", "center", "x", payload={"unit": "economy"})
        unit = "economy"
    if i % 50 == 7:
        return
    act(Action.ACCEPT, unit, "unit", "a")
    act(Action.RESOLVE, unit, "unit", "r", payload={"result": "已办结"})
    act(Action.CONFIRM_COMPLETION, ent, "enterprise", "k")
    act(Action.RATE, ent, "enterprise", "v", payload={"satisfaction": "satisfied"})
    act(Action.SIGN_OFF, "c", "center", "o")
    clock.advance(timedelta(minutes=48))  # about 11k cases a year


def best(fn: Callable[[], T], repeat: int) -> tuple[float, T]:
    times: list[float] = []
    result: Any = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def peak(fn: Callable[[], object]) -> float:
    """Peak Python memory (MiB) while ``fn`` runs."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def measure(engine: Engine, repeat: int, folder: str) -> None:
    log = engine.log
    head = log.head()
    topics = ProblemLedger.topics
    runner = engine.read_models()
    runner.catch_up()
    t_table, rows = best(lambda: engine.ledger("malu"), repeat)
    t_fold, folded = best(lambda: ProblemLedger.build(log).for_jurisdiction("malu"), 1)
    assert rows == folded, "the table and the fold disagree"
    t_queue, open_rows = best(lambda: runner.queue(Queue(jurisdiction="malu")), repeat)
    t_fold_queue, _ = best(
        lambda: [r for r in ProblemLedger.build(log).for_jurisdiction("malu") if not r.final], 1
    )
    last = max(r.submitted_at for r in rows)
    month = datetime(last.year, last.month, 1, tzinfo=CST)
    t_month, month_rows = best(lambda: engine.ledger("malu", received_since=month), repeat)
    t_fold_month, _ = best(
        lambda: [
            r for r in ProblemLedger.build(log).for_jurisdiction("malu") if r.submitted_at >= month
        ],
        1,
    )
    t_read, events = best(lambda: sum(1 for _ in log.read(topics=topics)), 2)
    fresh = ProjectionRunner(log, read_model_engine(engine.location))
    t_rebuild, _ = best(fresh.rebuild, 2)  # as many tries as read+decode gets
    mem_runner = peak(fresh.rebuild)
    fresh.close()
    versions = create_engine(f"sqlite:///{folder}/versions.db")
    kept = ProjectionRunner(log, versions, history=True)
    t_history, _ = best(kept.rebuild, 2)
    mem_fold = peak(lambda: ProblemLedger.build(log))
    first, last_at = rows[0].submitted_at, max(r.last_at or r.submitted_at for r in rows)
    halfway = first + (last_at - first) / 2
    t_asof_fold, asof_rows = best(
        lambda: ProblemLedger.build(log, as_of=halfway).for_jurisdiction("malu"), 1
    )
    t_asof_temp, temp_rows = best(lambda: ledger_rebuilt_as_of(log, halfway, "malu"), 1)
    t_asof_versions, (version_rows, late) = best(lambda: kept.ledger_as_of(halfway, "malu"), repeat)
    kept.close()
    assert asof_rows == temp_rows == version_rows, "the three as-of ways disagree"
    assert not late, "no step of the benchmark is entered late"
    print(f"log {head:>7} events, {events} case events, {len(rows)} cases, {len(open_rows)} open")
    print(
        f"  ledger query: table {t_table * 1000:8.1f} ms, fold {t_fold * 1000:8.1f} ms, "
        f"ratio {t_fold / t_table:6.1f}x"
    )
    print(
        f"  latest month's ledger ({len(month_rows)} cases): table {t_month * 1000:8.1f} ms, "
        f"fold {t_fold_month * 1000:8.1f} ms, ratio {t_fold_month / t_month:6.1f}x"
    )
    print(
        f"  open-case queue: table {t_queue * 1000:8.1f} ms, fold {t_fold_queue * 1000:8.1f} ms, "
        f"ratio {t_fold_queue / t_queue:6.1f}x"
    )
    print(
        f"  rebuild {events / t_rebuild:8.0f} events/s, read+decode {events / t_read:8.0f} "
        f"events/s, ratio {t_read / t_rebuild:5.2f}"
    )
    print(
        f"  rebuild keeping row versions {events / t_history:8.0f} events/s, "
        f"ratio to read+decode {t_read / t_history:5.2f}"
    )
    print(
        f"  ledger as of {halfway:%Y-%m-%d %H:%M} ({len(asof_rows)} cases): "
        f"fold {t_asof_fold * 1000:8.1f} ms, temporary table {t_asof_temp * 1000:8.1f} ms, "
        f"row versions {t_asof_versions * 1000:8.1f} ms, "
        f"ratio fold / versions {t_asof_fold / t_asof_versions:6.1f}x"
    )
    print(f"  peak memory: runner rebuild {mem_runner:6.1f} MiB, fold {mem_fold:6.1f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=60_000, help="events in the final store")
    parser.add_argument("--steps", type=int, default=4, help="measurements as the log grows")
    parser.add_argument("--repeat", type=int, default=3, help="table queries; the best is kept")
    parser.add_argument("--url", default=None, help="store URL (default: a temporary SQLite)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.url or f"sqlite:///{folder}/bench.db"
        clock = ManualClock(datetime(2025, 3, 3, 9, tzinfo=CST))
        with Engine(url, rules=RULES, clock=clock, roster_actor="admin") as engine:
            engine.bootstrap_administrator(
                jurisdiction="malu", person_id="admin", name="admin", command_id="bench/admin"
            )
            enterprises = max(10, args.events // 60)
            setup(engine, enterprises)
            i = 0
            for step in range(1, args.steps + 1):
                target = args.events * step // args.steps
                t0 = time.perf_counter()
                while engine.log.head() < target:
                    one_case(engine, clock, i, enterprises)
                    i += 1
                print(f"(filled to {engine.log.head()} events in {time.perf_counter() - t0:.0f} s)")
                measure(engine, args.repeat, folder)


if __name__ == "__main__":
    main()
