"""The bulk path: commands in batches of one transaction each, against bare batched saves.

``Engine.batch(limit)`` runs many commands in one transaction per ``limit`` of them
(each command still a savepoint of its own, decided and authorised as alone). This
prints, interleaved round by round on fresh stores, medians:

- gridcase one command per transaction, and in batches of ``--batch`` commands;
- a bare eventsourcing ``Application`` saving one event per save, and ``--batch``
  events per save (the same events per transaction as the batched gridcase run);

and the ratios batched gridcase : batched bare and batched : unbatched gridcase, on
SQLite (a disk folder, or ``--dir``) and PostgreSQL (``--postgres``), then one JSON
line. Nothing is asserted. The machine may be shared: compare ratios, not rates.

    .venv/bin/python bench/bench_bulk.py [--cases 100] [--rounds 3] [--batch 500]
        [--postgres postgresql://postgres@127.0.0.1:5432/test] [--dir FOLDER]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_throughput import bare_writer, drop_schemas, gridcase_writer, rounds
from gridcase.storage.url import parse_url


def report(store: str, rates: dict[str, list[float]], batch: int) -> dict[str, Any]:
    med = {name: statistics.median(r) for name, r in rates.items()}
    print(
        f"\n{store}: events (= commands for gridcase) per second, median of {len(rates['gridcase'])} rounds"
    )
    print(f"{'writer':22} {'median':>8} {'min':>8} {'max':>8}")
    for name, r in rates.items():
        print(f"{name:22} {med[name]:8.0f} {min(r):8.0f} {max(r):8.0f}")
    batched = med[f"gridcase batch {batch}"] / med[f"bare batch {batch}"]
    single = med["gridcase"] / med["bare"]
    gain = med[f"gridcase batch {batch}"] / med["gridcase"]
    print(
        f"ratio gridcase : bare, batched = {batched:.2f}, one per transaction = {single:.2f}; "
        f"gridcase batched : one per transaction = {gain:.2f}"
    )
    return {
        "store": store,
        "batch": batch,
        **{k.replace(" ", "_") + "_per_s": round(v) for k, v in med.items()},
        "ratio_batched_to_bare_batched": round(batched, 3),
        "ratio_single_to_bare_single": round(single, 3),
        "gain_batched_to_single": round(gain, 3),
    }


def writers(
    n: int, batch: int, gridcase_url: Callable[[], str], bare_env: Callable[[], dict[str, str]]
) -> dict[str, Callable[[int], float]]:
    return {
        "gridcase": lambda _: gridcase_writer(gridcase_url(), n),
        f"gridcase batch {batch}": lambda _: gridcase_writer(gridcase_url(), n, batch),
        "bare": lambda _: bare_writer(bare_env(), n),
        f"bare batch {batch}": lambda _: bare_writer(bare_env(), n, batch),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--postgres", default=os.environ.get("GRIDCASE_TEST_POSTGRES"))
    parser.add_argument("--dir", default=None, help="folder for the SQLite files")
    args = parser.parse_args()
    n, batch = args.cases, args.batch
    results = []
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:

        def fresh(name: str) -> Path:
            return Path(tmp) / f"{name}-{uuid.uuid4().hex[:8]}.db"

        sqlite_rates = rounds(
            writers(
                n,
                batch,
                lambda: f"sqlite:///{fresh('g')}",
                lambda: {
                    "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                    "SQLITE_DBNAME": str(fresh("b")),
                },
            ),
            args.rounds,
        )
        results.append(report("sqlite", sqlite_rates, batch))
    if args.postgres:
        import psycopg

        schemas: list[str] = []

        def schema(kind: str) -> str:
            schemas.append(f"bench_{kind}_{uuid.uuid4().hex[:8]}")
            return schemas[-1]

        def bare_env() -> dict[str, str]:
            env = dict(parse_url(args.postgres).env)
            env.pop("APPLICATION_RECORDER_TOPIC")
            env["POSTGRES_SCHEMA"] = name = schema("b")
            with psycopg.connect(args.postgres.split("?")[0], autocommit=True) as conn:
                conn.execute(f"CREATE SCHEMA {name}")
            return env

        try:
            pg_rates = rounds(
                writers(n, batch, lambda: f"{args.postgres}?schema={schema('g')}", bare_env),
                args.rounds,
            )
            results.append(report("postgres", pg_rates, batch))
        finally:
            drop_schemas(args.postgres, schemas)
    print(json.dumps({"bench": "bulk", "cases": n, "rounds": args.rounds, "results": results}))


if __name__ == "__main__":
    main()
