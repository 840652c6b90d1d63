"""The Malu path per case: gridcase against SpiffWorkflow (a Python BPMN engine) doing the same steps.

Both run the five steps of a Malu demand (submit, dispatch, accept, resolve, confirm:
rules/malu.yaml, 嘉马府发〔2023〕62号 section 六), one step at a time, with one SQLite
commit per step, on fresh stores in the same folder (``--dir``). Each round opens a
fresh store for every side, then runs case 0 on each side, case 1 on each side, and so
on (the order rotating from case to case), so a swing in the machine's load or the
disk's fsync latency falls on all sides alike; a side's figure is its time over the
round's cases, the median over the rounds, in milliseconds per case: wall time, and CPU
time beside it (which the other load disturbs less, and which leaves out fsync waits).

**gridcase**, per step (``bench_throughput.malu_case``: ``gridcase.Engine`` on SQLite,
the roster set up when the store opens, not timed), one command through the public API:

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
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from bench_throughput import BOOK, malu_case
from gridcase import Engine, ManualClock
from gridcase.kernel.clock import CST
from malu_setup import ADMIN, code, register_malu

BPMN = Path(__file__).resolve().parent / "malu_path.bpmn"
PROCESS = "malu_path"
INSTALL = "SpiffWorkflow is not installed: pip install -e '.[bench]' (SpiffWorkflow>=3.1,<4)"


def steps(i: int) -> list[tuple[str, str, dict[str, Any]]]:
    """Case ``i``'s steps as malu_case sends them: task, acting role, payload."""
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

    def dumps(self, workflow: Any) -> str:
        return str(self.serializer.serialize_json(workflow))


class Side(Protocol):
    """One engine's store for a round: opened fresh (not timed), then one case at a time."""

    def case(self, i: int) -> None: ...

    def close(self) -> None: ...


class Gridcase:
    def __init__(self, db: Path, n: int) -> None:
        self.clock = ManualClock(datetime(2026, 3, 2, 9, tzinfo=CST))
        self.engine = Engine(f"sqlite:///{db}", rules=BOOK, clock=self.clock, roster_actor=ADMIN)
        register_malu(self.engine, (code(i) for i in range(n)))

    def case(self, i: int) -> None:
        malu_case(self.engine, self.clock, i)

    def close(self) -> None:
        self.engine.close()


def open_sqlite(db: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE spiff_workflows (id TEXT PRIMARY KEY, state TEXT NOT NULL)")
    return conn


class SpiffSqlite:
    """The workflow in memory, serialised and saved in its own transaction after each step."""

    def __init__(self, spiff: Spiff, db: Path) -> None:
        self.spiff, self.conn = spiff, open_sqlite(db)

    def case(self, i: int) -> None:
        wid = uuid.uuid4().hex
        workflow = self.spiff.start()
        for name, role, data in steps(i):
            self.spiff.step(workflow, name, role, data)
            state = self.spiff.dumps(workflow)
            self.conn.execute("BEGIN")
            self.conn.execute(
                "INSERT INTO spiff_workflows VALUES (?, ?) "
                "ON CONFLICT (id) DO UPDATE SET state = excluded.state",
                (wid, state),
            )
            self.conn.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()


class SpiffReload(SpiffSqlite):
    """Each step reads, deserialises, runs, serialises and writes back in one transaction;
    the new workflow is saved before its first step, as a service would create it."""

    def case(self, i: int) -> None:
        wid = uuid.uuid4().hex
        self.conn.execute("BEGIN")
        self.conn.execute(
            "INSERT INTO spiff_workflows VALUES (?, ?)", (wid, self.spiff.dumps(self.spiff.start()))
        )
        self.conn.execute("COMMIT")
        for name, role, data in steps(i):
            self.conn.execute("BEGIN IMMEDIATE")
            (state,) = self.conn.execute(
                "SELECT state FROM spiff_workflows WHERE id = ?", (wid,)
            ).fetchone()
            workflow = self.spiff.serializer.deserialize_json(state)
            self.spiff.step(workflow, name, role, data)
            self.conn.execute(
                "UPDATE spiff_workflows SET state = ? WHERE id = ?",
                (self.spiff.dumps(workflow), wid),
            )
            self.conn.execute("COMMIT")


class SpiffFile:
    """The workflow in memory, written to its own file (fsync, rename) after each step."""

    def __init__(self, spiff: Spiff, folder: Path) -> None:
        self.spiff, self.folder = spiff, folder
        folder.mkdir()

    def case(self, i: int) -> None:
        path = self.folder / f"{uuid.uuid4().hex}.json"
        part = path.with_suffix(".part")
        workflow = self.spiff.start()
        for name, role, data in steps(i):
            self.spiff.step(workflow, name, role, data)
            with part.open("w", encoding="utf-8") as f:
                f.write(self.spiff.dumps(workflow))
                f.flush()
                os.fsync(f.fileno())
            part.replace(path)

    def close(self) -> None:
        """Every file was closed after its write."""


class SpiffMemory:
    """The same steps, nothing saved."""

    def __init__(self, spiff: Spiff) -> None:
        self.spiff = spiff

    def close(self) -> None:
        """Nothing was opened."""

    def case(self, i: int) -> None:
        workflow = self.spiff.start()
        for name, role, data in steps(i):
            self.spiff.step(workflow, name, role, data)


NAMES = ("gridcase", "spiff-sqlite", "spiff-reload", "spiff-file", "spiff-memory")


def one_round(spiff: Spiff, folder: Path, n: int) -> dict[str, tuple[float, float]]:
    """Every side's wall and CPU seconds over ``n`` cases, the cases interleaved."""
    tag = uuid.uuid4().hex[:8]
    sides: dict[str, Side] = {
        "gridcase": Gridcase(folder / f"g-{tag}.db", n),
        "spiff-sqlite": SpiffSqlite(spiff, folder / f"s-{tag}.db"),
        "spiff-reload": SpiffReload(spiff, folder / f"r-{tag}.db"),
        "spiff-file": SpiffFile(spiff, folder / f"f-{tag}"),
        "spiff-memory": SpiffMemory(spiff),
    }
    wall = dict.fromkeys(NAMES, 0.0)
    cpu = dict.fromkeys(NAMES, 0.0)
    try:
        for i in range(n):
            for k in range(len(NAMES)):
                name = NAMES[(i + k) % len(NAMES)]
                t0, c0 = time.perf_counter(), time.process_time()
                sides[name].case(i)
                wall[name] += time.perf_counter() - t0
                cpu[name] += time.process_time() - c0
    finally:
        for side in sides.values():
            side.close()
    return {name: (wall[name], cpu[name]) for name in NAMES}


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
    rounds = []
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        for _ in range(args.rounds):
            rounds.append(one_round(spiff, Path(tmp), n))
    wall = {name: [r[name][0] / n * 1000 for r in rounds] for name in NAMES}
    cpu = {name: [r[name][1] / n * 1000 for r in rounds] for name in NAMES}
    ms = {name: statistics.median(v) for name, v in wall.items()}
    cpu_ms = {name: statistics.median(v) for name, v in cpu.items()}
    where = args.dir or tempfile.gettempdir()
    print(
        f"\nthe Malu path, ms per case (5 steps, one commit each), {n} cases x {args.rounds} "
        f"rounds, cases interleaved, medians of the rounds, stores in {where}"
    )
    print(f"{'side':14} {'wall':>8} {'min':>8} {'max':>8} {'cpu':>8} {'spiff : gridcase':>17}")
    for name in NAMES:
        ratio = ms[name] / ms["gridcase"]
        print(
            f"{name:14} {ms[name]:8.2f} {min(wall[name]):8.2f} {max(wall[name]):8.2f} "
            f"{cpu_ms[name]:8.2f} {ratio:17.2f}"
        )
    headline = ms["spiff-sqlite"] / ms["gridcase"]
    print(
        f"ratio spiff-sqlite : gridcase = {headline:.2f} wall, "
        f"{cpu_ms['spiff-sqlite'] / cpu_ms['gridcase']:.2f} CPU (goal 3.00: gridcase 3x as fast)"
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
