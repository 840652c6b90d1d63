"""A simulated jurisdiction-year: time per phase, events, store size, peak memory; then reads.

Runs ``gridcase simulate`` (the same code, :func:`gridcase.interfaces.simulate.simulate`)
on a fresh SQLite file (or ``--url``), then, on the finished store, a full read of the log
(decode every event) against a full rebuild of the problem ledger from the same log, and
prints a table and one JSON line. Nothing is asserted.

    .venv/bin/python bench/bench_simulate.py [--preset weifang] [--scale 0.05] [--seed 1]
        [--dir /dev/shm]   # a folder for the SQLite file (tmpfs takes fsync out of the figures)
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from gridcase import Engine
from gridcase.interfaces.simulate import simulate
from gridcase.projections.ledger import ProblemLedger


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="weifang")
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--url", default=None)
    parser.add_argument("--dir", default=None, help="folder for the temporary SQLite file")
    parser.add_argument("--trace-memory", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'year.db'}"

        def progress(phase: str, done: int, total: int) -> None:
            if done % 5000 == 0:
                print(f"  {phase}: {done}/{total} {time.strftime('%H:%M:%S')}", file=sys.stderr)

        report = simulate(
            url,
            preset=args.preset,
            scale=args.scale,
            seed=args.seed,
            progress=progress,
            trace_memory=args.trace_memory,
        )
        with Engine(url) as engine:
            t0 = time.perf_counter()
            topics = ProblemLedger().topics  # the same events the ledger folds
            read = sum(1 for _ in engine.log.read(topics=topics))
            read_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            ProblemLedger.build(engine.log)
            rebuild_s = time.perf_counter() - t0
    print(f"preset {report.preset} scale {report.scale} seed {report.seed}")
    print(f"{'phase':10} {'seconds':>9} {'commands':>9} {'events':>9} {'cmd/s':>8}")
    for p in report.phases:
        print(f"{p.name:10} {p.seconds:9.1f} {p.commands:9d} {p.events:9d} {p.per_second:8.0f}")
    print(
        f"events {report.events}  store {report.store_bytes or 0:,} bytes  verified {report.verified}"
    )
    print(
        f"peak RSS {report.max_rss_bytes / 2**20:.0f} MiB  traced {report.peak_traced_bytes / 2**20:.0f} MiB"
    )
    print(
        f"log read {read} events in {read_s:.1f} s; ledger rebuild {rebuild_s:.1f} s; "
        f"ratio rebuild : read = {read_s / rebuild_s if rebuild_s else 0:.2f}"
    )
    print(f"counts {json.dumps(report.counts, ensure_ascii=False)}")
    print(
        json.dumps(
            {
                "bench": "simulate",
                "preset": report.preset,
                "scale": report.scale,
                "phases": {
                    p.name: [round(p.seconds, 2), p.commands, p.events] for p in report.phases
                },
                "events": report.events,
                "store_bytes": report.store_bytes,
                "max_rss_bytes": report.max_rss_bytes,
                "peak_traced_bytes": report.peak_traced_bytes,
                "read_s": round(read_s, 2),
                "rebuild_s": round(rebuild_s, 2),
                "ratio_rebuild_to_read": round(read_s / rebuild_s, 3) if rebuild_s else None,
            }
        )
    )


if __name__ == "__main__":
    main()
