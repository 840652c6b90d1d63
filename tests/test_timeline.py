"""The auditor's timeline: ``gridcase cases show ID --format html|jsonl``.

The page is self-contained (no network: no script, no link, no remote source), prints on
A4, and shows what an auditor reads: every step's text, each deadline as computed then
with its calendar version, the rule paragraph, and the miss highlighted. A headless
Chromium renders it and the test reads the text it shows.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from tests.support import AdminEngine, cst
from tests.test_read_models import BOOK, _history

from gridcase import ManualClock
from gridcase.cli import main


@pytest.fixture
def late_case(tmp_path: Path) -> tuple[str, Any]:
    url = f"sqlite:///{tmp_path / 'g.db'}"
    clock = ManualClock(cst(2026, 4, 1, 9))
    with AdminEngine(url, rules=BOOK, clock=clock) as engine:
        cases = _history(engine, clock)
    return url, cases["late"]


def _show(url: str, case_id: Any, fmt: str, *more: str) -> str:
    done = CliRunner().invoke(
        main, ["cases", "show", str(case_id), "--url", url, "--format", fmt, *more]
    )
    assert done.exit_code == 0, done.output
    return done.output


def test_the_page_is_self_contained(late_case: tuple[str, Any]) -> None:
    page = _show(*late_case, "html")
    assert page.startswith("<!DOCTYPE html>")
    assert "@page { size: A4" in page
    assert not re.search(r"<script|<link|src=|https?://", page), "nothing fetched, nothing run"


def test_jsonl_is_a_step_a_line(late_case: tuple[str, Any]) -> None:
    lines = _show(*late_case, "jsonl").splitlines()
    kinds = [json.loads(line)["kind"] for line in lines]
    assert kinds[:3] == ["submit", "dispatch", "accept"]
    assert "clock_expired" in kinds


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.slow
@pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)"
)
def test_chromium_shows_the_steps_deadlines_and_the_miss(
    late_case: tuple[str, Any], tmp_path: Path
) -> None:
    """Rendered by headless Chromium, the page shows the steps, the handling deadline with
    its calendar, the rule paragraph, and the missed clock marked as a miss."""
    page = tmp_path / "case.html"
    _show(*late_case, "html", "--output", str(page))
    assert CHROMIUM is not None
    done = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    dom = done.stdout
    # What the browser built: text of the steps, the deadline, the cite, the highlighted miss.
    for text in ("submit", "dispatch", "accept", "resolve"):
        assert f"<b>{text}</b>" in dom
    assert "handling: 2026-04-10 24:00" in dom
    assert "calendar " in dom
    assert re.search(r'<tr class="miss">.*?超时 missed: handling ×1', dom, re.S)
    assert "六(" in dom, "a rule paragraph of the Malu document is cited"
    pdf = tmp_path / "case.pdf"
    printed = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--print-to-pdf={pdf}",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=120,
    )
    assert printed.returncode == 0
    assert pdf.read_bytes().startswith(b"%PDF")
