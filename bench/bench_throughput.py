"""Command throughput against a bare eventsourcing save of the same events, and raw inserts.

Three writers, interleaved round by round on fresh stores, each writing the same number
of events with one commit per command:

- gridcase: the Malu path (submit, dispatch, accept, resolve, confirm), one event per command;
- bare: an eventsourcing ``Application`` saving one new event per save (an aggregate
  created, then four events saved one at a time): what gridcase's own work costs on top;
- raw: one row per transaction into a table shaped like eventsourcing's stored events
  (``sqlite3`` or ``psycopg``, no library): the physical limit of the disk and database.

Prints medians over the rounds, the ratios gridcase : bare and gridcase : raw, and one
JSON line. Nothing is asserted. The machine may be shared: compare ratios, not rates.

    .venv/bin/python bench/bench_throughput.py [--cases 100] [--rounds 5]
        [--postgres postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from gridcase import Action, ActOnCase, Engine, ManualClock, RuleBook, SubmitDemand
from gridcase.kernel.clock import CST
from gridcase.storage.url import parse_url
from malu_setup import code, register_malu

RULES = Path(__file__).resolve().parents[1] / "rules"
BOOK = RuleBook.from_folder(RULES)
EVENTS_PER_CASE = 5


class Plain(Aggregate):
    @event("Created")
    def __init__(self, name: str) -> None:
        self.name = name

    @event("Noted")
    def note(self, text: str) -> None:
        self.name = text


def gridcase_writer(url: str, n: int, batch: int = 0) -> float:
    """Commands per second over ``n`` Malu cases (roster set up first, not timed); with
    ``batch``, in :meth:`Engine.batch` transactions of that many commands."""
    clock = ManualClock(datetime(2026, 3, 2, 9, tzinfo=CST))
    with Engine(url, rules=BOOK, clock=clock, roster_actor="admin") as engine:
        register_malu(engine, (code(i) for i in range(n)))
        t0 = time.perf_counter()
        with engine.batch(batch) if batch else contextlib.nullcontext():
            for i in range(n):
                malu_case(engine, clock, i)
        return EVENTS_PER_CASE * n / (time.perf_counter() - t0)


def malu_case(engine: Engine, clock: ManualClock, i: int) -> list[str]:
    """Case ``i`` (enterprise ``code(i)``) submitted, dispatched, accepted, resolved and
    confirmed, one command each; the clock then moves on 30 s. Returns the command ids
    sent, in order."""
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
    sent = [f"s{i}"]
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


def bare_writer(env: dict[str, str], n: int, batch: int = 0) -> float:
    """Events per second, one save per event; with ``batch``, one save per that many events."""
    app: Application[Any] = Application(env=env)
    try:
        t0 = time.perf_counter()
        pending: list[Plain] = []
        for i in range(n):
            agg = Plain(name=f"case {i}")
            if not batch:
                app.save(agg)
            for k in range(EVENTS_PER_CASE - 1):
                agg.note(text=f"step {k}")
                if not batch:
                    app.save(agg)
            if batch:
                pending.append(agg)
                if len(pending) * EVENTS_PER_CASE >= batch:
                    app.save(*pending)
                    pending = []
        if pending:
            app.save(*pending)
        return EVENTS_PER_CASE * n / (time.perf_counter() - t0)
    finally:
        app.close()


ROW = b'{"originator_topic":"bench:Plain","name":"case","text":"step"}' * 4
"""A stored event's state of about the size gridcase's events have."""


def raw_sqlite_writer(db: Path, n: int) -> float:
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(
        "CREATE TABLE stored_events (originator_id TEXT, originator_version INTEGER, topic TEXT, "
        "state BLOB, PRIMARY KEY (originator_id, originator_version))"
    )
    t0 = time.perf_counter()
    for _ in range(n):
        oid = uuid.uuid4().hex
        for v in range(EVENTS_PER_CASE):
            conn.execute("BEGIN")
            conn.execute("INSERT INTO stored_events VALUES (?, ?, ?, ?)", (oid, v, "t", ROW))
            conn.execute("COMMIT")
    rate = EVENTS_PER_CASE * n / (time.perf_counter() - t0)
    conn.close()
    return rate


def raw_postgres_writer(url: str, schema: str, n: int) -> float:
    import psycopg

    with psycopg.connect(url.split("?")[0], autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
        conn.execute(
            f"CREATE TABLE {schema}.stored_events (originator_id uuid, originator_version int, "
            "topic text, state bytea, PRIMARY KEY (originator_id, originator_version))"
        )
        t0 = time.perf_counter()
        for _ in range(n):
            oid = uuid.uuid4()
            for v in range(EVENTS_PER_CASE):
                with conn.transaction():
                    conn.execute(
                        f"INSERT INTO {schema}.stored_events VALUES (%s, %s, %s, %s)",
                        (oid, v, "t", ROW),
                    )
        return EVENTS_PER_CASE * n / (time.perf_counter() - t0)


def drop_schemas(url: str, schemas: list[str]) -> None:
    import psycopg

    with psycopg.connect(url.split("?")[0], autocommit=True) as conn:
        for schema in schemas:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def rounds(writers: dict[str, Callable[[int], float]], count: int) -> dict[str, list[float]]:
    """Each writer once per round, in the same order, so load on the machine hits all alike."""
    out: dict[str, list[float]] = {name: [] for name in writers}
    for _ in range(count):
        for name, write in writers.items():
            out[name].append(write(_))
    return out


def report(store: str, rates: dict[str, list[float]]) -> dict[str, Any]:
    med = {name: statistics.median(r) for name, r in rates.items()}
    print(
        f"\n{store}: events (= commands for gridcase) per second, median of {len(rates['gridcase'])} rounds"
    )
    print(f"{'writer':10} {'median':>8} {'min':>8} {'max':>8}")
    for name, r in rates.items():
        print(f"{name:10} {med[name]:8.0f} {min(r):8.0f} {max(r):8.0f}")
    to_bare = med["gridcase"] / med["bare"]
    to_raw = med["gridcase"] / med["raw"]
    print(f"ratio gridcase : bare = {to_bare:.2f}   gridcase : raw = {to_raw:.2f}")
    return {
        "store": store,
        **{f"{k}_per_s": round(v) for k, v in med.items()},
        "ratio_to_bare": round(to_bare, 3),
        "ratio_to_raw": round(to_raw, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--postgres", default=os.environ.get("GRIDCASE_TEST_POSTGRES"))
    parser.add_argument("--dir", default=None, help="folder for the SQLite files")
    args = parser.parse_args()
    n = args.cases
    results = []
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        folder = Path(tmp)

        def fresh(name: str) -> Path:
            return folder / f"{name}-{uuid.uuid4().hex[:8]}.db"

        sqlite_rates = rounds(
            {
                "gridcase": lambda _: gridcase_writer(f"sqlite:///{fresh('g')}", n),
                "bare": lambda _: bare_writer(
                    {
                        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                        "SQLITE_DBNAME": str(fresh("b")),
                    },
                    n,
                ),
                "raw": lambda _: raw_sqlite_writer(fresh("r"), n),
            },
            args.rounds,
        )
        results.append(report("sqlite", sqlite_rates))
    if args.postgres:
        schemas: list[str] = []

        def schema(kind: str) -> str:
            schemas.append(f"bench_{kind}_{uuid.uuid4().hex[:8]}")
            return schemas[-1]

        def bare_pg(_: int) -> float:
            env = dict(parse_url(args.postgres).env)
            env.pop("APPLICATION_RECORDER_TOPIC")
            env["POSTGRES_SCHEMA"] = name = schema("b")
            import psycopg

            with psycopg.connect(args.postgres.split("?")[0], autocommit=True) as conn:
                conn.execute(f"CREATE SCHEMA {name}")
            return bare_writer(env, n)

        try:
            pg_rates = rounds(
                {
                    "gridcase": lambda _: gridcase_writer(
                        f"{args.postgres}?schema={schema('g')}", n
                    ),
                    "bare": bare_pg,
                    "raw": lambda _: raw_postgres_writer(args.postgres, schema("r"), n),
                },
                args.rounds,
            )
            results.append(report("postgres", pg_rates))
        finally:
            drop_schemas(args.postgres, schemas)
    print(
        json.dumps({"bench": "throughput", "cases": n, "rounds": args.rounds, "results": results})
    )


if __name__ == "__main__":
    main()
