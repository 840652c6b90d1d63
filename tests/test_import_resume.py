"""An interrupted import run again imports exactly what is missing, and says what was there.

The interruption is the engine failing after some batches were saved (as a SIGKILL or a
lost connection leaves it); the rerun uses the same command id, as the command line does
for the same file.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from tests.support import credit_code

from gridcase.application.engine import Engine
from gridcase.application.importer import ImportReport, import_roster

D = date(2026, 1, 5)


class Interrupted(Exception):
    """The process stopped here."""


class Failing:
    """The engine, stopping for good after ``batches`` import batches were saved."""

    def __init__(self, engine: Engine, batches: int) -> None:
        self._engine = engine
        self._left = batches

    def __getattr__(self, name: str) -> object:
        return getattr(self._engine, name)

    def execute(self, command: object) -> object:
        if self._left == 0:
            raise Interrupted()
        self._left -= 1
        return self._engine.execute(command)


def roster_file(path: Path, rows: int, *, first: int = 0) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["统一社会信用代码", "企业名称"])
        w.writerows([credit_code(i), f"企业{i}"] for i in range(first, first + rows))
    return path


def run(engine: object, path: Path, **kw: object) -> ImportReport:
    return import_roster(
        engine,  # type: ignore[arg-type]
        path,
        jurisdiction="twogrids",
        command_id="import/roster",
        in_scope_from=D,
        batch_size=25,
        **kw,  # type: ignore[arg-type]
    )


def registered(engine: Engine) -> int:
    return len(engine.roster.view().enterprises("twogrids"))


@pytest.mark.parametrize("saved_batches", [1, 3])
def test_a_rerun_imports_exactly_what_is_missing(
    engine: Engine, tmp_path: Path, saved_batches: int
) -> None:
    path = roster_file(tmp_path / "roster.csv", 200)
    with pytest.raises(Interrupted):
        run(Failing(engine, saved_batches), path)
    assert registered(engine) == 25 * saved_batches

    resumed = run(engine, path)
    assert resumed.already_there == 25 * saved_batches
    assert resumed.imported == 200 - 25 * saved_batches
    assert not resumed.duplicate
    assert registered(engine) == 200
    assert resumed.to_dict()["skipped"] == 0

    again = run(engine, path)
    assert again.duplicate
    assert (again.imported, again.already_there) == (0, 200)
    assert registered(engine) == 200


def test_a_rerun_interrupted_again_still_ends_complete(engine: Engine, tmp_path: Path) -> None:
    path = roster_file(tmp_path / "roster.csv", 150)
    with pytest.raises(Interrupted):
        run(Failing(engine, 2), path)
    with pytest.raises(Interrupted):
        run(Failing(engine, 1), path)
    assert registered(engine) == 75
    assert run(engine, path).imported == 75
    assert registered(engine) == 150


def test_a_row_changed_since_the_first_run_is_not_taken_for_already_there(
    engine: Engine, tmp_path: Path
) -> None:
    path = roster_file(tmp_path / "roster.csv", 50)
    with pytest.raises(Interrupted):
        run(Failing(engine, 1), path)
    text = (
        path.read_text(encoding="utf-8")
        .replace("企业3,", "别的名字,")
        .replace("企业3\n", "别的名字\n")
    )
    path.write_text(text, encoding="utf-8")
    report = run(engine, path, valid_only=True)
    assert report.already_there == 24
    assert [p.column for p in report.problems] == ["credit_code"]
    assert registered(engine) == 50
