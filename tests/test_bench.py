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


def test_the_spiff_comparison_runs_where_its_optional_dependency_is_installed() -> None:
    """bench_spiff.py runs the Malu path on both engines and prints the ratio; it needs the
    ``bench`` extra (SpiffWorkflow), which the test suite does not install."""
    pytest.importorskip("SpiffWorkflow", reason="pip install -e '.[bench]'")
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "bench_spiff.py"), "--cases", "2", "--rounds", "1"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ratio spiff-sqlite : gridcase" in done.stdout
    assert '"bench": "spiff"' in done.stdout.splitlines()[-1]


def test_without_spiffworkflow_the_spiff_comparison_says_how_to_install_it() -> None:
    """Where SpiffWorkflow cannot be imported the bench names the extra and exits 2."""
    script = REPO / "bench" / "bench_spiff.py"
    hide_spiff = (
        "import runpy, sys\n"
        "sys.modules['SpiffWorkflow'] = None\n"
        f"sys.path.insert(0, {str(script.parent)!r})\n"
        f"sys.argv = [{str(script)!r}, '--cases', '1']\n"
        f"runpy.run_path({str(script)!r}, run_name='__main__')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", hide_spiff], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "pip install -e '.[bench]'" in done.stderr
