"""The machine-versus-table benchmark still runs (on tiny inputs), so its figures can be
reproduced. Nothing is timed here; it only checks the run completes, finds every chooser
giving the table's answers, and prints the issue's verdict line."""

from __future__ import annotations

import subprocess
import sys

from tests.support import REPO


def test_the_decide_benchmark_runs_and_prints_its_verdict() -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(REPO / "bench" / "bench_decide.py"),
            *("--repeat", "1", "--rounds", "1", "--cases", "2"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "answers that differ from the table's: 0" in done.stdout
    assert "more than 20% slower per command keeps the table" in done.stdout
