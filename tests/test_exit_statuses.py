"""The exit-status table of docs/cli.md is the one the commands keep.

The table is read from the document; each status it lists for 0, 1 and 2 is produced
here by a command of its "for example" column, and each store error's status (issue 11's
``gridcase.interfaces.cli.errors``, where present) is the one the table gives it.
"""

from __future__ import annotations

import importlib
import re

import pytest
from click.testing import CliRunner
from tests.support import REPO

from gridcase.cli import main

DOC = REPO / "docs" / "cli.md"


def documented() -> dict[int, str]:
    """Status → its row of the table under "## Exit statuses"."""
    section = DOC.read_text(encoding="utf-8").split("## Exit statuses", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        found = re.match(r"^\| (\d+) \|(.*)\|$", line)
        if found:
            rows[int(found.group(1))] = found.group(2)
    return rows


def status(*args: str) -> int:
    return CliRunner().invoke(main, list(args)).exit_code


def test_the_table_has_0_1_2_and_the_store_statuses() -> None:
    assert {0, 1, 2} <= set(documented())
    assert all(s >= 64 for s in set(documented()) - {0, 1, 2})  # sysexits.h beyond


@pytest.mark.parametrize(
    ("args", "expected", "words"),
    [
        (("calendar", "is-working-day", "2026-02-14"), 0, "on a working day"),
        (("calendar", "is-working-day", "2026-02-16"), 1, "on a day off"),
        (("calendar", "is-working-day", "2026-02-30"), 2, "no day"),
        (("cases", "act", "abcd", "fly", "--as", "x", "--role", "y"), 2, "unknown action"),
        (("cases", "list", "--jurisdiction", "nowhere"), 2, "unknown jurisdiction"),
        (("people", "list", "-j", "nowhere"), 2, "unknown jurisdiction"),
    ],
)
def test_a_documented_example_exits_as_documented(
    args: tuple[str, ...], expected: int, words: str, tmp_path: object
) -> None:
    assert words in documented()[expected]
    url = f"sqlite:///{tmp_path}/x.db"
    assert status("--url", url, *args) == expected


def test_every_store_error_exits_with_its_documented_status() -> None:
    try:
        errors = importlib.import_module("gridcase.interfaces.cli.errors")
    except ModuleNotFoundError:
        pytest.skip("the store errors' exit statuses are not in this tree yet")
    table = documented()
    for cls, code in errors.EXIT_STATUS.items():
        assert code in table, f"{cls.__name__} exits {code}, which docs/cli.md does not list"
        assert cls.__name__ in table[code]
