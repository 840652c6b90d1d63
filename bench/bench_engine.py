"""How fast the engine records and replays cases, against bare eventsourcing, in one run.

Prints figures, asserts nothing. The baseline is the eventsourcing library's own SQLite
application saving an aggregate of five plain events per save (the figure the engine
issue quotes: ~2,350 saves/s on this kind of machine), measured here in the same run
on the same disk, so the ratio says what gridcase's work costs on top: rule decisions,
working-day deadlines, actor and idempotency look-ups, and the command and case-index
rows written in the same transaction.

Replay is measured on a freshly opened engine, which remembers nothing, so every case
is loaded, decoded and folded from its events; the engine that ran the commands answers
from the cases it remembers (one version check each), printed as "case reads".

The same commands run a second time on a store created without the hash chain
(``?chain=none``), so the chain's cost is a same-run ratio too.

Last measured (release 0.2, 2-core machine shared with other work, so wall times swing
by a factor of two between runs; interleaved with the 0.1 code, 8 runs each, 200 cases):
median ratio to the bare save 0.77 (0.1: 0.68); with the chain : without 0.98 (range
0.76-1.14 over 14 runs); without the repository cache 0.73. PostgreSQL, 6 runs each:
median 240 commands/s (0.1: 236), 272 without the chain.

    .venv/bin/python bench/bench_engine.py [--cases 300] [--url sqlite:///path]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from gridcase import Action, ActOnCase, Engine, ManualClock, SubmitDemand
from gridcase.kernel.clock import CST
from malu_setup import code, register_malu

RULES = Path(__file__).resolve().parents[1] / "rules"


class Plain(Aggregate):
    @event("Created")
    def __init__(self, name: str) -> None:
        self.name = name
        self.notes: list[str] = []

    @event("Noted")
    def note(self, text: str) -> None:
        self.notes.append(text)


def baseline(db: Path, n: int) -> tuple[float, float]:
    app: Application[Any] = Application(
        env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(db)}
    )
    ids = []
    t0 = time.perf_counter()
    for i in range(n):
        agg = Plain(name=f"case {i}")
        for k in range(4):
            agg.note(text=f"step {k}")
        app.save(agg)
        ids.append(agg.id)
    saves = n / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    for agg_id in ids:
        app.repository.get(agg_id)
    events_per_s = 5 * n / (time.perf_counter() - t0)
    app.close()
    return saves, events_per_s


def gridcase_run(url: str, n: int, cache_size: int = 4096) -> tuple[float, float, float, float]:
    from datetime import datetime

    clock = ManualClock(datetime(2026, 3, 2, 9, tzinfo=CST))
    engine = Engine(url, rules=RULES, clock=clock, cache_size=cache_size, roster_actor="admin")
    register_malu(engine, (code(i) for i in range(n)))
    ids = []
    commands = 0
    t0 = time.perf_counter()
    for i in range(n):
        ent = code(i)
        case_id = engine.submit(
            SubmitDemand(
                jurisdiction="malu",
                enterprise=ent,
                category="consultation",
                title="t",
                actor=ent,
                role="enterprise",
                command_id=f"s{i}",
            )
        ).case_id
        engine.act(
            ActOnCase(
                case_id, Action.DISPATCH, "c", "center", f"d{i}", payload={"unit": "planning"}
            )
        )
        engine.act(ActOnCase(case_id, Action.ACCEPT, "u", "unit", f"a{i}"))
        engine.act(
            ActOnCase(case_id, Action.RESOLVE, "u", "unit", f"r{i}", payload={"result": "ok"})
        )
        engine.act(ActOnCase(case_id, Action.CONFIRM_COMPLETION, ent, "enterprise", f"c{i}"))
        commands += 5
        ids.append(case_id)
        clock.advance(timedelta(seconds=30))
    elapsed = time.perf_counter() - t0
    t0 = time.perf_counter()
    for case_id in ids:
        engine.case(case_id)
    reads_per_s = n / (time.perf_counter() - t0)
    engine.close()
    with Engine(url, rules=RULES, clock=clock) as fresh:
        t0 = time.perf_counter()
        for case_id in ids:
            fresh.case(case_id)
        events_per_s = 5 * n / (time.perf_counter() - t0)
    return commands / elapsed, n / elapsed, events_per_s, reads_per_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument(
        "--url", default=None, help="gridcase store URL (default: a temporary SQLite file)"
    )
    parser.add_argument(
        "--cache-size",
        type=int,
        default=4096,
        help="aggregates the engine's repository cache keeps (0: none), to weigh the cache",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base_saves, base_replay = baseline(Path(tmp) / "baseline.db", args.cases)
        url = args.url or f"sqlite:///{Path(tmp) / 'gridcase.db'}"
        per_command, per_case, replay, reads = gridcase_run(url, args.cases, args.cache_size)
        unchained = None
        if args.url is None:
            # The same commands on a store created without the hash chain: what the chain costs.
            plain = f"sqlite:///{Path(tmp) / 'unchained.db'}?chain=none"
            unchained = gridcase_run(plain, args.cases, args.cache_size)[0]
    print(f"cases: {args.cases}, 5 events each (submit, dispatch, accept, resolve, confirm)")
    print(
        f"baseline eventsourcing: {base_saves:8.0f} saves/s (5 events per save)   replay {base_replay:9.0f} events/s"
    )
    print(
        f"gridcase commands:      {per_command:8.0f} commands/s (1 event per command)  = {per_case:.0f} cases/s"
    )
    print(
        f"gridcase replay:        {replay:9.0f} events/s (engine.case on a fresh engine: load, decode, fold)"
    )
    print(
        f"gridcase case reads:    {reads:9.0f} cases/s (engine.case on the engine that ran the commands)"
    )
    print(f"ratio commands/s : baseline saves/s = {per_command / base_saves:.2f}")
    if unchained is not None:
        print(
            f"without the hash chain:  {unchained:8.0f} commands/s   "
            f"ratio with chain : without = {per_command / unchained:.2f}"
        )
    print(f"ratio replay : baseline replay      = {replay / base_replay:.2f}")


if __name__ == "__main__":
    main()
