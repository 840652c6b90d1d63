"""The examples in docs/ run as written: a reader who copies them gets what the page says."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import pytest
from tests.support import REPO


def example(page: str, name: str) -> str:
    """The python block that follows ``<!-- example: NAME -->`` on a docs page."""
    text = (REPO / "docs" / page).read_text(encoding="utf-8")
    found = re.search(rf"<!-- example: {name} -->\n```python\n(.*?)```", text, re.S)
    assert found, f"no example {name!r} in docs/{page}"
    return found.group(1)


def test_the_embedding_example_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """docs/embedding.md's complete example runs in a fresh folder and prints what its comments say."""
    script = tmp_path / "example.py"
    script.write_text(example("embedding.md", "embedding"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    runpy.run_path(str(script), run_name="__main__")
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "2026-02-13"
    assert out[1] == "handling Owner(role='unit', party='planning')"
    assert out[2] == "2026-02-28 False"
    assert out[3].startswith("malu@2023.1")
    assert [line.split()[2] for line in out[4:]] == [
        "submit",
        "dispatch",
        "accept",
        "clock_expired",
        "clock_expired",
    ]
    assert (tmp_path / "example.db").exists()
