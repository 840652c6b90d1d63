"""The benchmarks still run (on tiny inputs): a figure nobody can reproduce is no figure.

Nothing here is timed; the benchmarks print their rates and ratios, and this only
checks that each one runs to the end and prints them.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from tests.support import REPO

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("script", "args", "printed"),
    [
        ("bench_calendar.py", ["--inputs", "50", "--repeat", "1"], "ratio"),
        ("bench_engine.py", ["--cases", "5"], "ratio commands/s"),
        ("bench_import.py", ["--rows", "200", "--bad-line", "150"], "line 150 [credit_code]"),
        ("bench_faults.py", ["--kills", "1"], "SIGKILL mid-load, SQLite"),
        ("bench_read_models.py", ["--events", "300", "--steps", "1", "--repeat", "1"], "ratio"),
        (
            "bench_throughput.py",
            ["--cases", "2", "--rounds", "1", "--postgres", ""],
            "gridcase : bare",
        ),
        ("bench_replay.py", ["--repeat", "5"], "ratio replay speed"),
        (
            "bench_visit_tables.py",
            ["--enterprises", "20", "--months", "2", "--repeat", "1"],
            "ratio fold/table",
        ),
        ("bench_simulate.py", ["--preset", "malu", "--scale", "0.02"], "ratio rebuild : read"),
        ("bench_writers.py", ["--postgres", ""], "no PostgreSQL"),
        (
            "bench_cpu_ab.py",
            ["--before", str(REPO), "--rounds", "1", "--cases", "2"],
            "after : before",
        ),
    ],
)
def test_the_benchmark_runs_and_prints_its_figures(
    script: str, args: list[str], printed: str
) -> None:
    """Each benchmark completes on a small input and prints its comparison."""
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / script), *args],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert printed in done.stdout
