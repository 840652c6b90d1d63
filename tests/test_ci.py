"""The README's two commands and CI stay in step, and the code stays typed and linted.

CI runs the README's test command exactly; if either file changes alone, this fails.
mypy --strict and ruff are part of the test suite, so a submission that is not clean
does not land.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tests.support import REPO


def readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    quick_start = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```\n(.+?)\n```", quick_start)


def test_the_readme_has_exactly_two_commands() -> None:
    """One installs and runs the demo; the other installs and runs the tests."""
    first, second = readme_commands()
    assert first.endswith("gridcase demo")
    assert second.endswith("pytest")


def test_ci_runs_the_readme_test_command_exactly() -> None:
    """The command line .ci/run executes is the README's second command, character for character."""
    script = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert readme_commands()[1] in script.splitlines()
    assert "GRIDCASE_TEST_POSTGRES" in script


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail(
            f"{name} is part of the test extra but is not installed next to {sys.executable}"
        )
    return found


@pytest.mark.slow
def test_ruff_is_clean() -> None:
    """ruff finds nothing in src, tests or bench."""
    done = subprocess.run(
        [_tool("ruff"), "check", "src", "tests", "bench"], cwd=REPO, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
def test_mypy_strict_is_clean() -> None:
    """mypy --strict (configured in pyproject.toml) finds nothing in src/gridcase."""
    done = subprocess.run(
        [_tool("mypy"), "--no-incremental"], cwd=REPO, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_layers_point_one_way_and_nothing_imports_in_a_cycle() -> None:
    """import-linter's contracts (pyproject.toml): layers in order, no cycles, click only at the edge."""
    done = subprocess.run(
        [_tool("lint-imports"), "--no-cache"], cwd=REPO, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_no_module_is_over_700_lines() -> None:
    """One concept per module: a module that grows past 700 lines is split, not stretched."""
    long = {
        str(p.relative_to(REPO)): n
        for p in (REPO / "src" / "gridcase").rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 700
    }
    assert long == {}
