"""PostgreSQL with 1, 2 and 4 writer processes: throughput, and no command lost.

One schema per round holds a Malu roster (set up once, not timed); then N processes each
run the Malu path (submit, dispatch, accept, resolve, confirm) for their own share of the
enterprises, at the same time, each with its own engine. Afterwards the store must hold
every command sent as carried out (none lost) and verify. Rounds are
interleaved (1, 2, 4, 1, 2, 4 …); the table gives medians and each count's ratio to one
writer. Nothing is asserted; a lost command is printed as such.

    .venv/bin/python bench/bench_writers.py [--cases 40] [--rounds 3]
        [--postgres postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_throughput import BOOK
from gridcase import Action, ActOnCase, Engine, ManualClock, SubmitDemand
from gridcase.kernel.clock import CST
from malu_setup import code, register_malu

START = datetime(2026, 3, 2, 9, tzinfo=CST)


def setup(url: str, n: int) -> None:
    with Engine(url, rules=BOOK, clock=ManualClock(START), roster_actor="admin") as engine:
        register_malu(engine, (code(i) for i in range(n)))


def warm(_: int) -> int:
    """Import everything (and read the rules) in a worker before the clock starts."""
    return len(list(BOOK))


def writer(url: str, indices: list[int]) -> list[str]:
    clock = ManualClock(START + timedelta(minutes=1))
    sent: list[str] = []
    with Engine(url, rules=BOOK, clock=clock) as engine:
        for i in indices:
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
            sent.append(f"s{i}")
            for action, actor, role, payload in (
                (Action.DISPATCH, "c", "center", {"unit": "planning"}),
                (Action.ACCEPT, "u", "unit", {}),
                (Action.RESOLVE, "u", "unit", {"result": "ok"}),
                (Action.CONFIRM_COMPLETION, ent, "enterprise", {}),
            ):
                engine.act(ActOnCase(case_id, action, actor, role, f"{action}{i}", payload=payload))
                sent.append(f"{action}{i}")
            clock.advance(timedelta(seconds=30))
    return sent


def one_round(base: str, writers: int, n: int) -> tuple[float, int, int, bool]:
    import psycopg

    schema = f"bench_w{writers}_{uuid.uuid4().hex[:8]}"
    url = f"{base}?schema={schema}"
    try:
        setup(url, n)
        shares = [list(range(k, n, writers)) for k in range(writers)]
        ctx = multiprocessing.get_context("spawn")
        with ctx.Pool(writers) as pool:
            pool.map(warm, range(writers))
            t0 = time.perf_counter()
            done = pool.starmap(writer, [(url, share) for share in shares])
            elapsed = time.perf_counter() - t0
        sent = [cid for ids in done for cid in ids]
        with Engine(url, rules=BOOK) as engine:
            kept = sum(engine.carried_out(cid) for cid in sent)
            ok = engine.verify().ok
        return len(sent) / elapsed, len(sent), kept, ok
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--writers", default="1,2,4")
    parser.add_argument("--postgres", default=os.environ.get("GRIDCASE_TEST_POSTGRES"))
    args = parser.parse_args()
    if not args.postgres:
        print("no PostgreSQL: give --postgres or set GRIDCASE_TEST_POSTGRES")
        print(json.dumps({"bench": "writers", "skipped": True}))
        return
    counts = [int(w) for w in args.writers.split(",")]
    rates: dict[int, list[float]] = {w: [] for w in counts}
    lost = 0
    checked = True
    for _ in range(args.rounds):
        for w in counts:
            rate, sent, stored, ok = one_round(args.postgres.split("?")[0], w, args.cases)
            rates[w].append(rate)
            lost += sent - stored
            checked &= ok
    base = statistics.median(rates[counts[0]])
    print(f"PostgreSQL, {args.cases} Malu cases of 5 commands per round, {args.rounds} rounds")
    print(f"{'writers':>7} {'median cmd/s':>13} {'ratio to 1':>11}")
    out = {"bench": "writers", "cases": args.cases, "rounds": args.rounds}
    for w in counts:
        med = statistics.median(rates[w])
        print(f"{w:7d} {med:13.0f} {med / base:11.2f}")
        out[f"writers_{w}_per_s"] = round(med)
        out[f"writers_{w}_ratio"] = round(med / base, 3)
    print(f"commands lost: {lost}; every store verified: {checked}")
    out.update(lost=lost, verified=checked)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
