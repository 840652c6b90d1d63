"""The Malu path per case: gridcase against SpiffWorkflow (a Python BPMN engine) doing the same steps.

Both run the five steps of a Malu demand (submit, dispatch, accept, resolve, confirm:
rules/malu.yaml, 嘉马府发〔2023〕62号 section 六), one step at a time, with one SQLite
commit per step, on fresh stores in the same folder (``--dir``). Rounds are interleaved
(gridcase, then each Spiff variant, then the next round), so load on a shared machine
falls on all sides alike; the figures are medians over the rounds, in milliseconds per
case (wall time, and CPU time beside it, which the machine's other load disturbs less).

**gridcase**, per step (``bench_throughput.malu_path``: ``gridcase.Engine`` on SQLite,
the roster set up first and not timed), one command through the public API:

- the command checked: size limits, free text screened for personal data, a content
  fingerprint for idempotency (a re-sent command id answers with its first result);
- a read transaction bringing the cached case, enterprise and actor up to date;
- the actor resolved against the roster and authorised: role allowed for the step by
  the rule file, person holding the role (and the unit), enterprise registered and in
  scope on the day;
- clocks that ran out before the command's moment fired first, then the step decided by
  the compiled rule file, with its deadlines (dispatch 1, review 1, handling 5,
  confirmation 3 working days) counted on the national calendar with its holidays;
- one event recorded, and saved in one transaction with its hash-chain link, the
  command's row (id, kind, fingerprint, versions) and the case's index row.

**SpiffWorkflow** runs bench/malu_path.bpmn (five user tasks in the lanes enterprise,
center, unit), per step: the ready user task of that name found and checked against
the acting role's lane, the step's data set on it (the same payload gridcase gets), the
task run and the engine stepped to the next user task; then, by variant:

- ``spiff-sqlite``: the workflow, kept in memory, serialised with
  ``BpmnWorkflowSerializer`` (JSON, spec included, about 8 kB) and written to its row
  in its own SQLite transaction (WAL, the same journal mode and synchronous level
  eventsourcing's SQLite recorder uses): the comparison the goal is about;
- ``spiff-reload``: as a stateless service would, each step reads the row, deserialises,
  runs the task, serialises and writes back, in one transaction;
- ``spiff-file``: serialised to a file per workflow, written to a temporary file,
  fsynced and renamed over the old one (one fsync per step, like a WAL commit);
- ``spiff-memory``: no persistence at all (context: the engine's own cost).

Spiff records no actor identity, idempotency key, deadline, history event or chain:
the workflow's state is overwritten at each step. The ratio printed is Spiff's time per
case over gridcase's (above 1: gridcase is faster). Nothing is asserted.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python bench/bench_spiff.py [--cases 100] [--rounds 5] [--dir /dev/shm]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from bench_throughput import BOOK, malu_path
from gridcase import Engine, ManualClock
from gridcase.kernel.clock import CST
from malu_setup import ADMIN, code, register_malu

BPMN = Path(__file__).resolve().parent / "malu_path.bpmn"
PROCESS = "malu_path"
INSTALL = "SpiffWorkflow is not installed: pip install -e '.[bench]' (SpiffWorkflow>=3.1,<4)"


def steps(i: int) -> list[tuple[str, str, dict[str, Any]]]:
    """Case ``i``'s steps as gridcase_writer sends them: task, acting role, payload."""
    ent = code(i)
    return [
        (
            "submit",
            "enterprise",
            {"enterprise": ent, "category": "consultation", "title": "t", "actor": ent},
        ),
        ("dispatch", "center", {"unit": "planning", "actor": "c"}),
        ("accept", "unit", {"actor": "u"}),
        ("resolve", "unit", {"result": "ok", "actor": "u"}),
        ("confirm_completion", "enterprise", {"actor": ent}),
    ]


class Spiff:
    """SpiffWorkflow's pieces, imported only when the bench runs (an optional dependency)."""

    def __init__(self) -> None:
        from SpiffWorkflow.bpmn.parser import BpmnParser
        from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
        from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
        from SpiffWorkflow.util.task import TaskState

        parser = BpmnParser()
        parser.add_bpmn_file(str(BPMN))
        self.spec = parser.get_spec(PROCESS)
        self.workflow_class = BpmnWorkflow
        self.serializer = BpmnWorkflowSerializer()
        self.ready = TaskState.READY

    def start(self) -> Any:
        workflow = self.workflow_class(self.spec)
        workflow.do_engine_steps()
        return workflow

    def step(self, workflow: Any, name: str, role: str, data: dict[str, Any]) -> None:
        """Run the ready user task ``name`` as ``role``; refuse it in another role's lane."""
        for task in workflow.get_tasks(state=self.ready, manual=True):
            if task.task_spec.name == name:
                if task.task_spec.lane != role:
                    raise PermissionError(f"{role} may not {name}")
                task.set_data(**data)
                task.run()
                workflow.do_engine_steps()
                return
        raise LookupError(f"{name} is not ready")


def open_sqlite(db: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE spiff_workflows (id TEXT PRIMARY KEY, state TEXT NOT NULL)")
    return conn


def spiff_sqlite(spiff: Spiff, db: Path, n: int) -> tuple[float, float]:
    """The workflow in memory, serialised and saved in its own transaction after each step."""
    conn = open_sqlite(db)
    t0, c0 = time.perf_counter(), time.process_time()
    for i in range(n):
        wid = uuid.uuid4().hex
        workflow = spiff.start()
        for name, role, data in steps(i):
            spiff.step(workflow, name, role, data)
            state = spiff.serializer.serialize_json(workflow)
            conn.execute("BEGIN")
            conn.execute(
                "INSERT INTO spiff_workflows VALUES (?, ?) "
                "ON CONFLICT (id) DO UPDATE SET state = excluded.state",
                (wid, state),
            )
            conn.execute("COMMIT")
    out = time.perf_counter() - t0, time.process_time() - c0
    conn.close()
    return out


def spiff_reload(spiff: Spiff, db: Path, n: int) -> tuple[float, float]:
    """Each step reads, deserialises, runs, serialises and writes back in one transaction."""
    conn = open_sqlite(db)
    t0, c0 = time.perf_counter(), time.process_time()
    for i in range(n):
        wid = uuid.uuid4().hex
        conn.execute("BEGIN")
        conn.execute(
            "INSERT INTO spiff_workflows VALUES (?, ?)",
            (wid, spiff.serializer.serialize_json(spiff.start())),
        )
        conn.execute("COMMIT")
        for name, role, data in steps(i):
            conn.execute("BEGIN IMMEDIATE")
            (state,) = conn.execute(
                "SELECT state FROM spiff_workflows WHERE id = ?", (wid,)
            ).fetchone()
            workflow = spiff.serializer.deserialize_json(state)
            spiff.step(workflow, name, role, data)
            conn.execute(
                "UPDATE spiff_workflows SET state = ? WHERE id = ?",
                (spiff.serializer.serialize_json(workflow), wid),
            )
            conn.execute("COMMIT")
    out = time.perf_counter() - t0, time.process_time() - c0
    conn.close()
    return out


def spiff_file(spiff: Spiff, folder: Path, n: int) -> tuple[float, float]:
    """The workflow in memory, written to its own file (fsync, rename) after each step."""
    folder.mkdir()
    t0, c0 = time.perf_counter(), time.process_time()
    for i in range(n):
        path = folder / f"{uuid.uuid4().hex}.json"
        part = path.with_suffix(".part")
        workflow = spiff.start()
        for name, role, data in steps(i):
            spiff.step(workflow, name, role, data)
            with part.open("w", encoding="utf-8") as f:
                f.write(spiff.serializer.serialize_json(workflow))
                f.flush()
                os.fsync(f.fileno())
            part.replace(path)
    return time.perf_counter() - t0, time.process_time() - c0


def spiff_memory(spiff: Spiff, n: int) -> tuple[float, float]:
    """The same steps, nothing saved."""
    t0, c0 = time.perf_counter(), time.process_time()
    for i in range(n):
        workflow = spiff.start()
        for name, role, data in steps(i):
            spiff.step(workflow, name, role, data)
    return time.perf_counter() - t0, time.process_time() - c0


def gridcase_side(db: Path, n: int) -> tuple[float, float]:
    """bench_throughput's Malu path on a fresh engine, the roster set up first, not timed."""
    clock = ManualClock(datetime(2026, 3, 2, 9, tzinfo=CST))
    with Engine(f"sqlite:///{db}", rules=BOOK, clock=clock, roster_actor=ADMIN) as engine:
        register_malu(engine, (code(i) for i in range(n)))
        t0, c0 = time.perf_counter(), time.process_time()
        malu_path(engine, clock, n)
        return time.perf_counter() - t0, time.process_time() - c0


def median_ms(values: list[float], n: int) -> float:
    return statistics.median(values) / n * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--dir", default=None, help="folder for the stores (/dev/shm: no fsync)")
    args = parser.parse_args()
    try:
        spiff = Spiff()
    except ImportError:
        print(INSTALL, file=sys.stderr)
        raise SystemExit(2) from None
    n = args.cases
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        folder = Path(tmp)

        def fresh(name: str) -> Path:
            return folder / f"{name}-{uuid.uuid4().hex[:8]}"

        sides: dict[str, Callable[[], tuple[float, float]]] = {
            "gridcase": lambda: gridcase_side(fresh("g").with_suffix(".db"), n),
            "spiff-sqlite": lambda: spiff_sqlite(spiff, fresh("s").with_suffix(".db"), n),
            "spiff-reload": lambda: spiff_reload(spiff, fresh("r").with_suffix(".db"), n),
            "spiff-file": lambda: spiff_file(spiff, fresh("f"), n),
            "spiff-memory": lambda: spiff_memory(spiff, n),
        }
        wall: dict[str, list[float]] = {name: [] for name in sides}
        cpu: dict[str, list[float]] = {name: [] for name in sides}
        for _ in range(args.rounds):
            for name, run in sides.items():
                w, c = run()
                wall[name].append(w)
                cpu[name].append(c)
    ms = {name: median_ms(v, n) for name, v in wall.items()}
    cpu_ms = {name: median_ms(v, n) for name, v in cpu.items()}
    where = args.dir or tempfile.gettempdir()
    print(
        f"\nthe Malu path, ms per case (5 steps, one commit each), {n} cases, "
        f"median of {args.rounds} interleaved rounds, stores in {where}"
    )
    print(f"{'side':14} {'wall':>8} {'min':>8} {'max':>8} {'cpu':>8} {'spiff : gridcase':>17}")
    for name in sides:
        w = [v / n * 1000 for v in wall[name]]
        ratio = ms[name] / ms["gridcase"]
        print(
            f"{name:14} {ms[name]:8.2f} {min(w):8.2f} {max(w):8.2f} {cpu_ms[name]:8.2f} {ratio:17.2f}"
        )
    headline = ms["spiff-sqlite"] / ms["gridcase"]
    print(
        f"ratio spiff-sqlite : gridcase = {headline:.2f} (goal 3.00: gridcase 3x as fast); "
        f"CPU {cpu_ms['spiff-sqlite'] / cpu_ms['gridcase']:.2f}"
    )
    print(
        json.dumps(
            {
                "bench": "spiff",
                "cases": n,
                "rounds": args.rounds,
                "dir": where,
                "ms_per_case": {k: round(v, 3) for k, v in ms.items()},
                "cpu_ms_per_case": {k: round(v, 3) for k, v in cpu_ms.items()},
                "ratio_to_gridcase": {k: round(v / ms["gridcase"], 3) for k, v in ms.items()},
            }
        )
    )


if __name__ == "__main__":
    main()
