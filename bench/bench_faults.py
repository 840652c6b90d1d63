"""Benchmark: faults and hostile input, the figures of docs/security.md ("Bad input and faults").

Three parts, each bounded and self-stopping:

* **SIGKILL mid-load**: a writer process files demands as fast as it can and prints the
  id of each one acknowledged; it is killed with SIGKILL at a random moment, the store is
  opened again, and every acknowledged command must be there (re-sent, it is a
  duplicate), the hash chain must verify, and the store must take a new command. Repeated
  ``--kills`` times on SQLite, and on PostgreSQL with ``--postgres URL``.
* **Killed PostgreSQL backends**: one engine files demands while its server connections
  are terminated (``pg_terminate_backend``) every few commands; every command must
  succeed (a lost connection is retried) and be there afterwards.
* **Hostile inputs**: each one is refused with its typed error; the time and the peak
  memory (tracemalloc) to refuse it are printed next to those to accept a benign input
  of the same kind, as a ratio measured in the same run.

Run from the repository root::

    .venv/bin/python bench/bench_faults.py [--kills 100] [--postgres postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
import uuid
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from gridcase import Engine, GridcaseError, ManualClock, RuleBook, SubmitDemand
from gridcase.kernel.clock import CST
from gridcase.kernel.resources import rules_root
from gridcase.kernel.yamldata import read_yaml

MALU = "91350100M000100Y43"
START = datetime(2026, 3, 2, 9, tzinfo=CST)

WRITER = """
import sys
from datetime import datetime
from gridcase import Engine, ManualClock, SubmitDemand
from gridcase.kernel.clock import CST
url, prefix = sys.argv[1], sys.argv[2]
engine = Engine(url, clock=ManualClock(datetime(2026, 3, 2, 9, tzinfo=CST)), create=False)
print("ready", flush=True)
for i in range(10**9):
    cid = f"{prefix}-{i}"
    engine.submit(SubmitDemand(jurisdiction="malu", enterprise="91350100M000100Y43",
        category="consultation", title="咨询", actor="91350100M000100Y43", role="enterprise",
        command_id=cid))
    print(cid, flush=True)
"""


def prepare(url: str) -> None:
    with Engine(url, clock=ManualClock(START), roster_actor="admin") as engine:
        engine.bootstrap_administrator(
            jurisdiction="malu", person_id="admin", name="admin", command_id="bench/admin"
        )
        engine.register_enterprise(
            jurisdiction="malu",
            credit_code=MALU,
            name="示例科技有限公司",
            in_scope_from=date(2024, 1, 1),
            command_id="bench/e/malu",
        )


def demand(cid: str) -> SubmitDemand:
    return SubmitDemand(
        jurisdiction="malu",
        enterprise=MALU,
        category="consultation",
        title="咨询",
        actor=MALU,
        role="enterprise",
        command_id=cid,
    )


def kill_cycles(url: str, kills: int, rng: random.Random) -> tuple[int, int, float]:
    """(kills, acknowledged commands checked, seconds)."""
    started = time.perf_counter()
    checked = 0
    for cycle in range(kills):
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, url, f"k{cycle}"], stdout=subprocess.PIPE, text=True
        )
        assert writer.stdout is not None
        writer.stdout.readline()  # "ready": the kill lands while commands are being saved
        timer = threading.Timer(rng.uniform(0.05, 1.5), writer.send_signal, (signal.SIGKILL,))
        timer.start()
        out, _ = writer.communicate(timeout=120)
        timer.cancel()
        acknowledged = [cid for cid in out.split() if cid != "ready"]
        with Engine(url, clock=ManualClock(START), create=False) as engine:
            lost = [cid for cid in acknowledged if not engine.carried_out(cid)]
            if lost or not engine.verify().ok:
                raise SystemExit(f"cycle {cycle}: lost {len(lost)} acknowledged command(s)")
            engine.submit(demand(f"after-{cycle}"))  # works again
        checked += len(acknowledged)
    return kills, checked, time.perf_counter() - started


def backend_kills(url: str, commands: int, every: int) -> tuple[int, int]:
    """(backends killed, commands checked); every command must succeed and be there."""
    import os

    import psycopg

    name = f"gridcase-bench-{uuid.uuid4().hex[:8]}"
    os.environ["PGAPPNAME"] = name
    base = url.split("?")[0]
    killed = 0
    with (
        Engine(url, clock=ManualClock(START)) as engine,
        psycopg.connect(base, autocommit=True) as admin,
    ):
        for i in range(commands):
            engine.submit(demand(f"pgkill-{name}-{i}"))
            if i % every == every - 1:
                killed += len(
                    admin.execute(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE application_name = %s AND pid <> pg_backend_pid()",
                        (name,),
                    ).fetchall()
                )
        missing = [i for i in range(commands) if not engine.carried_out(f"pgkill-{name}-{i}")]
        if missing:
            raise SystemExit(f"{len(missing)} command(s) lost after killed backends")
    del os.environ["PGAPPNAME"]
    return killed, commands


def measure(call: Callable[[], object]) -> tuple[float, int, str]:
    """(seconds, peak bytes, outcome) of one call: the error class's name, or ``accepted``."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        call()
        outcome = "accepted"
    except GridcaseError as exc:
        outcome = type(exc).__name__
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return elapsed, peak, outcome


def hostile_inputs(folder: Path) -> list[tuple[str, Callable[[], object], Callable[[], object]]]:
    """(what, the hostile call, a benign call of the same kind as baseline)."""
    from gridcase.application.importer import read_roster

    bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
    )
    benign_yaml = "a: [lol, lol, lol]\nb: {c: 1, d: [2, 3]}\n"
    store = folder / "store.db"
    prepare(f"sqlite:///{store}")
    engine = Engine(f"sqlite:///{store}", clock=ManualClock(START), create=False)
    xlsx = folder / "bomb.xlsx"
    with zipfile.ZipFile(xlsx, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"<" + b" " * 200_000_000 + b">")
    csv_big = folder / "big.csv"
    csv_big.write_text(f"credit_code,name\n{MALU},{'x' * 200_000}\n", encoding="utf-8")
    csv_ok = folder / "ok.csv"
    csv_ok.write_text(f"credit_code,name\n{MALU},示例\n", encoding="utf-8")
    empty = folder / "empty.db"
    empty.write_bytes(b"")
    junk = folder / "junk.db"
    junk.write_bytes(b"not a database\n" * 100)
    n = iter(range(10**9))

    def submit(title: str) -> Callable[[], object]:
        def call() -> object:
            return engine.submit(
                SubmitDemand(
                    jurisdiction="malu",
                    enterprise=MALU,
                    category="consultation",
                    title=title,
                    actor=MALU,
                    role="enterprise",
                    command_id=f"hostile-{next(n)}",
                )
            )

        return call

    book = RuleBook.from_folder(rules_root())

    def opening(url: str) -> Callable[[], object]:
        return lambda: Engine(url, rules=book, create=False).close()

    good_store = opening(f"sqlite:///{store}")
    return [
        (
            "YAML alias bomb (billion laughs)",
            lambda: read_yaml(bomb, name="b.yaml"),
            lambda: read_yaml(benign_yaml, name="ok.yaml"),
        ),
        (
            "YAML nested 10,000 deep",
            lambda: read_yaml("[" * 10_000 + "]" * 10_000, name="d.yaml"),
            lambda: read_yaml(benign_yaml, name="ok.yaml"),
        ),
        (
            "YAML of 3 MB",
            lambda: read_yaml("x: " + "a" * 3_000_000, name="s.yaml"),
            lambda: read_yaml(benign_yaml, name="ok.yaml"),
        ),
        ("title of 10 million characters", submit("长" * 10_000_000), submit("咨询厂房扩建政策")),
        ("title with NUL", submit("咨询\x00"), submit("咨询厂房扩建政策")),
        ("title with a bidi override", submit("咨询\u202e策政"), submit("咨询厂房扩建政策")),
        (".xlsx zip bomb (200 MB sheet)", lambda: read_roster(xlsx), lambda: read_roster(csv_ok)),
        (
            "CSV cell of 200,000 characters",
            lambda: read_roster(csv_big),
            lambda: read_roster(csv_ok),
        ),
        ("read of a missing store", opening(f"sqlite:///{folder / 'typo.db'}"), good_store),
        ("read of an empty file", opening(f"sqlite:///{empty}"), good_store),
        ("read of a corrupt file", opening(f"sqlite:///{junk}"), good_store),
        (
            "unreachable PostgreSQL server",
            opening("postgresql://postgres@127.0.0.1:1/x?connect_timeout=2"),
            good_store,
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=100, help="SIGKILL cycles per store")
    parser.add_argument("--postgres", default=None, help="a PostgreSQL URL to test too")
    parser.add_argument("--backend-commands", type=int, default=300)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    total = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print("| fault | kills | commands checked | lost | seconds |")
        print("|---|---|---|---|---|")
        stores = [("SQLite", f"sqlite:///{folder / 'kill.db'}")]
        if args.postgres:
            sep = "&" if "?" in args.postgres else "?"
            stores.append(
                ("PostgreSQL", f"{args.postgres}{sep}schema=bench_{uuid.uuid4().hex[:8]}")
            )
        for name, url in stores:
            prepare(url)
            kills, checked, seconds = kill_cycles(url, args.kills, rng)
            print(f"| SIGKILL mid-load, {name} | {kills} | {checked} | 0 | {seconds:.1f} |")
        if args.postgres:
            started = time.perf_counter()
            killed, checked = backend_kills(stores[-1][1], args.backend_commands, 10)
            print(
                f"| killed PostgreSQL backends | {killed} | {checked} | 0 | "
                f"{time.perf_counter() - started:.1f} |"
            )
            import psycopg

            with psycopg.connect(args.postgres.split("?")[0], autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{stores[-1][1].rsplit("=", 1)[1]}" CASCADE')
        print()
        print("| input | refused as | ms to refuse | peak MB | ms benign | ratio time |")
        print("|---|---|---|---|---|---|")
        for what, hostile, benign in hostile_inputs(folder):
            benign()  # warm both (imports, caches)
            measure(hostile)
            base_s, _, base_outcome = measure(benign)
            s, peak, outcome = measure(hostile)
            if outcome == "accepted" or base_outcome != "accepted":
                raise SystemExit(f"{what}: {outcome} (benign: {base_outcome})")
            print(
                f"| {what} | {outcome} | {s * 1000:.1f} | {peak / 2**20:.1f} | "
                f"{base_s * 1000:.1f} | {s / base_s:.1f} |"
            )
    print(f"\ntotal {time.perf_counter() - total:.0f} s")


if __name__ == "__main__":
    main()
