"""Two source trees, interleaved: a change's before/after ratio, and each against a bare save.

On a machine shared with other work, wall time swings too much to show a change of a few
per cent; the CPU time a process spends (``time.process_time``) swings far less. Each
round runs the Malu path (100 cases x 5 commands, one event each) once with the
``--before`` tree's ``src``, once with this tree's, and once as a bare eventsourcing
application saving the same events one per save (bench_throughput's writers), each in a
fresh process on a fresh store: SQLite in ``--dir`` (a tmpfs folder keeps fsync waits
out; a disk folder keeps them in) or PostgreSQL with ``--postgres`` (a schema per run).
Prints the medians (CPU ms per command; commands per second and their ratio to the bare
save of the same round), the ratios after : before, and one JSON line.

    git archive HEAD~1 src rules | tar -x -C /tmp/before
    .venv/bin/python bench/bench_cpu_ab.py --before /tmp/before --rounds 7 --dir /dev/shm
    .venv/bin/python bench/bench_cpu_ab.py --before /tmp/before --rounds 5 --dir /var/tmp
    .venv/bin/python bench/bench_cpu_ab.py --before /tmp/before --rounds 5 \
        --postgres postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from gridcase.storage.url import parse_url

HERE = Path(__file__).resolve().parent
CHILD = """
import sys, time
sys.path.insert(0, {bench!r})
import gridcase
assert gridcase.__file__.startswith({src!r}), gridcase.__file__
import bench_throughput as b
t0 = time.process_time()
rate = b.gridcase_writer({url!r}, {cases})
print(time.process_time() - t0, rate)
"""

BARE = """
import sys
sys.path.insert(0, {bench!r})
import bench_throughput as b
print(0.0, b.bare_writer({env!r}, {cases}))
"""


def run(code: str, src: Path) -> tuple[float, float]:
    """(CPU seconds, events per second) of one writer in a fresh process."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    if out.returncode:
        raise SystemExit(out.stderr)
    cpu, rate = out.stdout.strip().splitlines()[-1].split()
    return float(cpu), float(rate)


def pg_schema(base: str, name: str, *, drop: bool = False) -> None:
    import psycopg

    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE" if drop else f"CREATE SCHEMA {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="a folder holding the old src/")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cases", type=int, default=100)
    parser.add_argument("--dir", default=None)
    parser.add_argument("--postgres", default=None, help="run on PostgreSQL (a schema per run)")
    args = parser.parse_args()
    trees = {"before": Path(args.before).resolve() / "src", "after": HERE.parent / "src"}
    cpu: dict[str, list[float]] = {name: [] for name in trees}
    rate: dict[str, list[float]] = {name: [] for name in [*trees, "bare"]}
    base = args.postgres.split("?")[0] if args.postgres else None
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        for r in range(args.rounds):
            for name in [*trees, "bare"]:
                schema = f"bench_ab_{name}_{uuid.uuid4().hex[:8]}"
                if base is not None:
                    url = f"{base}?schema={schema}"
                    env = {**parse_url(url).env, "POSTGRES_SCHEMA": schema}
                    env.pop("APPLICATION_RECORDER_TOPIC")
                    if name == "bare":
                        pg_schema(base, schema)
                else:
                    url = f"sqlite:///{Path(tmp) / f'{name}-{r}.db'}"
                    env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": url[10:]}
                try:
                    if name == "bare":
                        code = BARE.format(bench=str(HERE), env=env, cases=args.cases)
                        _, events = run(code, trees["after"])
                    else:
                        code = CHILD.format(
                            bench=str(HERE), src=str(trees[name]), url=url, cases=args.cases
                        )
                        seconds, events = run(code, trees[name])
                        cpu[name].append(seconds)
                    rate[name].append(events)
                finally:
                    if base is not None:
                        pg_schema(base, schema, drop=True)
    commands = 5 * args.cases
    med = {name: statistics.median(v) / commands * 1000 for name, v in cpu.items()}
    per_s = {name: statistics.median(v) for name, v in rate.items()}
    where = "PostgreSQL" if base else f"SQLite in {args.dir or tempfile.gettempdir()}"
    print(f"{where}: median of {args.rounds} interleaved rounds ({commands} commands each)")
    print(f"{'tree':7} {'CPU ms/cmd':>10} {'cmd/s':>8} {'to bare':>8}")
    for name in trees:
        print(f"{name:7} {med[name]:10.3f} {per_s[name]:8.0f} {per_s[name] / per_s['bare']:8.2f}")
    print(f"{'bare':7} {'':>10} {per_s['bare']:8.0f} {1:8.2f}")
    ratio = med["after"] / med["before"]
    print(
        f"ratio after : before = {ratio:.3f} (CPU), {per_s['after'] / per_s['before']:.3f} (rate)"
    )
    print(
        json.dumps(
            {
                "bench": "cpu_ab",
                "store": "postgres" if base else "sqlite",
                **{f"{k}_cpu_ms": round(v, 4) for k, v in med.items()},
                **{f"{k}_per_s": round(v, 1) for k, v in per_s.items()},
                **{f"{k}_to_bare": round(per_s[k] / per_s["bare"], 3) for k in trees},
                "ratio": round(ratio, 4),
            }
        )
    )


if __name__ == "__main__":
    main()
