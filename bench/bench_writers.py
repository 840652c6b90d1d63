"""PostgreSQL with 1, 2 and 4 writer processes: throughput, and no command lost.

One schema per round holds a Malu roster (set up once, not timed); then N processes each
run the Malu path (submit, dispatch, accept, resolve, confirm) for their own share of the
enterprises, at the same time, each with its own engine. Afterwards the store must hold
every command sent as carried out (none lost) and verify. With ``--follow`` the
projection runner follows the log in a process of its own (``gridcase project --follow``)
while the writers run: the table then also gives how long after the last command the
ledger had folded everything, and whether it holds every case exactly once. Rounds are
interleaved (1, 2, 4, 1, 2, 4 …); the table gives medians and each count's ratio to one
writer. Nothing is asserted; a lost command is printed as such.

    .venv/bin/python bench/bench_writers.py [--cases 40] [--rounds 3]
        [--postgres postgresql://postgres@127.0.0.1:5432/test] [--follow]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_throughput import BOOK, malu_case
from gridcase import Engine, ManualClock
from gridcase.kernel.clock import CST
from malu_setup import code, register_malu

START = datetime(2026, 3, 2, 9, tzinfo=CST)
STEPS_PER_CASE = 5


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
            sent.extend(malu_case(engine, clock, i))
    return sent


def follower(url: str) -> subprocess.Popen[bytes]:
    """The projection runner in a process of its own, folding the log as it grows."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gridcase",
            "project",
            "--follow",
            "--interval",
            "0.2",
            "--url",
            url,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def caught_up(url: str, cases: int, timeout: float = 120.0) -> tuple[float, bool]:
    """Seconds until the followed ledger reached the log's head; whether it then holds every
    case exactly once."""
    t0 = time.perf_counter()
    with Engine(url, rules=BOOK) as engine:
        head = engine.log.head()
        runner = engine.read_models()
        while runner.position() < head and time.perf_counter() - t0 < timeout:
            time.sleep(0.05)
        lag = time.perf_counter() - t0
        rows = runner.ledger("malu")
        # every case once, each with its five steps folded once (none twice, none lost)
        exact = len(rows) == cases == len({r.case_id for r in rows}) and all(
            r.steps == STEPS_PER_CASE for r in rows
        )
    return lag, exact


def one_round(
    base: str, writers: int, n: int, follow: bool
) -> tuple[float, int, int, bool, float | None, bool | None]:
    import psycopg

    schema = f"bench_w{writers}_{uuid.uuid4().hex[:8]}"
    url = f"{base}?schema={schema}"
    runner = None
    try:
        setup(url, n)
        runner = follower(url) if follow else None
        shares = [list(range(k, n, writers)) for k in range(writers)]
        ctx = multiprocessing.get_context("spawn")
        with ctx.Pool(writers) as pool:
            pool.map(warm, range(writers))
            t0 = time.perf_counter()
            done = pool.starmap(writer, [(url, share) for share in shares])
            elapsed = time.perf_counter() - t0
        lag, exact = caught_up(url, n) if runner is not None else (None, None)
        sent = [cid for ids in done for cid in ids]
        with Engine(url, rules=BOOK) as engine:
            kept = sum(engine.carried_out(cid) for cid in sent)
            ok = engine.verify().ok
        return len(sent) / elapsed, len(sent), kept, ok, lag, exact
    finally:
        if runner is not None:
            runner.terminate()
            runner.wait(timeout=30)
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--writers", default="1,2,4")
    parser.add_argument("--postgres", default=os.environ.get("GRIDCASE_TEST_POSTGRES"))
    parser.add_argument("--follow", action="store_true", help="run the projection runner too")
    args = parser.parse_args()
    if not args.postgres:
        print("no PostgreSQL: give --postgres or set GRIDCASE_TEST_POSTGRES")
        print(json.dumps({"bench": "writers", "skipped": True}))
        return
    counts = [int(w) for w in args.writers.split(",")]
    rates: dict[int, list[float]] = {w: [] for w in counts}
    lags: dict[int, list[float]] = {w: [] for w in counts}
    lost = 0
    checked = True
    exactly_once = True
    for _ in range(args.rounds):
        for w in counts:
            rate, sent, stored, ok, lag, exact = one_round(
                args.postgres.split("?")[0], w, args.cases, args.follow
            )
            rates[w].append(rate)
            lost += sent - stored
            checked &= ok
            if lag is not None:
                lags[w].append(lag)
                exactly_once &= bool(exact)
    base = statistics.median(rates[counts[0]])
    print(f"PostgreSQL, {args.cases} Malu cases of 5 commands per round, {args.rounds} rounds")
    follows = " (the projection runner following in its own process)" if args.follow else ""
    print(f"{'writers':>7} {'median cmd/s':>13} {'ratio to 1':>11}{follows}")
    out: dict[str, object] = {"bench": "writers", "cases": args.cases, "rounds": args.rounds}
    for w in counts:
        med = statistics.median(rates[w])
        lag = f"   ledger caught up {statistics.median(lags[w]):.2f} s after" if lags[w] else ""
        print(f"{w:7d} {med:13.0f} {med / base:11.2f}{lag}")
        out[f"writers_{w}_per_s"] = round(med)
        out[f"writers_{w}_ratio"] = round(med / base, 3)
        if lags[w]:
            out[f"writers_{w}_ledger_lag_s"] = round(statistics.median(lags[w]), 3)
    if args.follow:
        print(f"every followed ledger held every case exactly once: {exactly_once}")
        out["ledger_exactly_once"] = exactly_once
    print(f"commands lost: {lost}; every store verified: {checked}")
    out.update(lost=lost, verified=checked)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
