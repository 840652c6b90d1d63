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


# -- every python block of every page ------------------------------------------------------

PRELUDES = {
    # What a page's fragments take as given, said in the text around them.
    "calendar.md": (
        "from datetime import datetime\n"
        "from gridcase import CST\n"
        "received_at = datetime(2026, 2, 12, 10, 0, tzinfo=CST)\n"
        "now = datetime(2026, 2, 20, 9, 0, tzinfo=CST)\n"
    ),
    "ledgers.md": (
        "import gridcase\n"
        'engine = gridcase.open_engine("sqlite:///ledgers.db", roster_actor="admin")\n'
        'engine.bootstrap_administrator(jurisdiction="bijie", person_id="admin", name="管理员",\n'
        '                               command_id="bootstrap")\n'
        'engine.roster.register_grid(jurisdiction="bijie", grid_id="town-1", kind="horizontal",\n'
        '                            name="town-1", command_id="grid-town-1")\n'
    ),
    "roster.md": ('import gridcase\nengine = gridcase.open_engine("sqlite:///roster.db")\n'),
}
BLOCK = re.compile(r"(<!-- not run: (?P<why>[^>]*?) -->\n)?```python\n(?P<code>.*?)```", re.S)
PAGES = sorted(
    p.relative_to(REPO / "docs")
    for p in (REPO / "docs").rglob("*.md")
    if "```python" in p.read_text(encoding="utf-8")
)


@pytest.mark.parametrize("page", [str(p) for p in PAGES])
def test_every_python_block_of_a_page_runs(
    page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page's python blocks run in order in one namespace (a later block may use an
    earlier one's names), in a fresh folder that has the bundled rules/ beside it. A block
    that cannot run here says why (``<!-- not run: … -->``)."""
    text = (REPO / "docs" / page).read_text(encoding="utf-8")
    blocks = list(BLOCK.finditer(text))
    runnable = [m.group("code") for m in blocks if m.group("why") is None]
    assert all(m.group("why").strip() for m in blocks if m.group("why") is not None)
    assert runnable or blocks, f"docs/{page} has no python block"
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rules").symlink_to(REPO / "rules")
    namespace: dict[str, object] = {"__name__": "__main__"}
    exec(PRELUDES.get(page, ""), namespace)
    for n, code in enumerate(runnable, start=1):
        try:
            exec(compile(code, f"docs/{page} python block {n}", "exec"), namespace)
        finally:
            engine = namespace.get("engine")
            if n == len(runnable) and hasattr(engine, "close"):
                engine.close()  # type: ignore[union-attr]
