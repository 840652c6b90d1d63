"""One case's replay and ``as_of``: median and p99, for a 50-event case (goal: p99 ≤ 2 ms).

A Malu coordination case of 50 events (submit, dispatch, accept, 46 progress reports,
resolve) is written once; then, interleaved repetition by repetition:

- replay: ``engine.case(id)`` on an engine without a repository cache (load, decode,
  check, fold every event);
- as_of: ``engine.case(id, as_of=…)`` half-way through the case's history;
- bare: an eventsourcing ``Application``'s ``repository.get`` of a 50-event aggregate,
  cache off, in the same run (the floor gridcase's decoding sits on).

Prints a table and one JSON line; asserts nothing.

    .venv/bin/python bench/bench_replay.py [--repeat 300] [--url sqlite:///path]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from gridcase import Action, ActOnCase, Engine, ManualClock, RuleBook, SubmitDemand
from gridcase.domain.credit_code import check_character
from gridcase.kernel.clock import CST
from malu_setup import register_malu

RULES = Path(__file__).resolve().parents[1] / "rules"
EVENTS = 50


class Plain(Aggregate):
    @event("Created")
    def __init__(self) -> None:
        self.n = 0

    @event("Noted")
    def note(self, text: str) -> None:
        self.n += 1


def write_case(url: str, book: RuleBook) -> tuple[Any, datetime]:
    clock = ManualClock(datetime(2026, 3, 2, 9, tzinfo=CST))
    first17 = "91310114MA1G8K3P0"
    ent = first17 + check_character(first17)
    with Engine(url, rules=book, clock=clock, roster_actor="admin") as engine:
        register_malu(engine, [ent])
        case_id = engine.submit(
            SubmitDemand(
                jurisdiction="malu",
                enterprise=ent,
                category="coordination",
                title="t",
                actor=ent,
                role="enterprise",
                command_id="s",
            )
        ).case_id
        steps = [
            (Action.DISPATCH, "c", "center", {"unit": "planning"}),
            (Action.ACCEPT, "u", "unit", {}),
            *[
                (Action.REPORT_PROGRESS, "u", "unit", {"progress": f"第{k}次进展"})
                for k in range(EVENTS - 4)
            ],
            (Action.RESOLVE, "u", "unit", {"result": "ok"}),
        ]
        middle = clock.now()
        for k, (action, actor, role, payload) in enumerate(steps):
            clock.advance(timedelta(minutes=20))
            engine.act(ActOnCase(case_id, action, actor, role, f"a{k}", payload=payload))
            if k == len(steps) // 2:
                middle = clock.now()
        assert engine.case(case_id).steps == EVENTS, engine.case(case_id).steps
    return case_id, middle


def timed(call: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    call()
    return (time.perf_counter() - t0) * 1000


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=300)
    parser.add_argument("--url", default=None)
    args = parser.parse_args()
    book = RuleBook.from_folder(RULES)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'replay.db'}"
        case_id, middle = write_case(url, book)
        app: Application[Any] = Application(
            env={
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(Path(tmp) / "bare.db"),
            }
        )
        agg = Plain()
        for k in range(EVENTS - 1):
            agg.note(text=f"第{k}次进展")
        app.save(agg)
        times: dict[str, list[float]] = {"replay": [], "as_of": [], "bare": []}
        with Engine(url, rules=book, cache_size=0) as engine:
            engine.case(case_id)  # warm the rules and the connection
            for _ in range(args.repeat):
                times["replay"].append(timed(lambda: engine.case(case_id)))
                times["as_of"].append(timed(lambda: engine.case(case_id, as_of=middle)))
                times["bare"].append(timed(lambda: app.repository.get(agg.id)))
        app.close()
    print(f"one {EVENTS}-event case, {args.repeat} repetitions, interleaved (milliseconds)")
    print(f"{'read':8} {'median':>8} {'p99':>8}")
    out: dict[str, Any] = {"bench": "replay", "events": EVENTS, "repeat": args.repeat}
    for name, values in times.items():
        med, top = statistics.median(values), p99(values)
        print(f"{name:8} {med:8.2f} {top:8.2f}")
        out[f"{name}_median_ms"] = round(med, 3)
        out[f"{name}_p99_ms"] = round(top, 3)
    ratio = statistics.median(times["bare"]) / statistics.median(times["replay"])
    print(f"ratio replay speed : bare repository.get = {ratio:.2f}   goal p99 <= 2 ms")
    out["ratio_replay_to_bare"] = round(ratio, 3)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
