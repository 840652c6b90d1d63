"""CPU time per command of two source trees, interleaved: a change's before/after ratio.

On a machine shared with other work, wall time swings too much to show a change of a few
per cent; the CPU time a process spends (``time.process_time``) swings far less. Each
round runs the Malu path (100 cases x 5 commands, one event each) once with the
``--before`` tree's ``src`` and once with this tree's, each in a fresh process on a store
in ``--dir`` (a tmpfs folder keeps fsync waits out); prints the medians, the ratio
after : before, and one JSON line.

    git archive HEAD~1 src rules | tar -x -C /tmp/before
    .venv/bin/python bench/bench_cpu_ab.py --before /tmp/before --rounds 7 --dir /dev/shm
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHILD = """
import sys, time
sys.path.insert(0, {bench!r})
import gridcase
assert gridcase.__file__.startswith({src!r}), gridcase.__file__
import bench_throughput as b
t0 = time.process_time()
b.gridcase_writer({url!r}, {cases})
print(time.process_time() - t0)
"""


def run(src: Path, url: str, cases: int) -> float:
    code = CHILD.format(bench=str(HERE), src=str(src), url=url, cases=cases)
    env = {**os.environ, "PYTHONPATH": str(src)}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    if out.returncode:
        raise SystemExit(out.stderr)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="a folder holding the old src/")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cases", type=int, default=100)
    parser.add_argument("--dir", default=None)
    args = parser.parse_args()
    trees = {"before": Path(args.before).resolve() / "src", "after": HERE.parent / "src"}
    cpu: dict[str, list[float]] = {name: [] for name in trees}
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        for r in range(args.rounds):
            for name, src in trees.items():
                url = f"sqlite:///{Path(tmp) / f'{name}-{r}.db'}"
                cpu[name].append(run(src, url, args.cases))
    commands = 5 * args.cases
    med = {name: statistics.median(v) / commands * 1000 for name, v in cpu.items()}
    print(f"CPU ms per command, median of {args.rounds} interleaved rounds ({commands} commands)")
    for name in trees:
        print(f"{name:7} {med[name]:7.3f}")
    ratio = med["after"] / med["before"]
    print(f"ratio after : before = {ratio:.3f}")
    print(
        json.dumps(
            {
                "bench": "cpu_ab",
                **{f"{k}_cpu_ms": round(v, 4) for k, v in med.items()},
                "ratio": round(ratio, 4),
            }
        )
    )


if __name__ == "__main__":
    main()
