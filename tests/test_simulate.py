"""``gridcase simulate``: a seeded year is the same year every time, and its store verifies."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.support import RULES, rule_book

from gridcase import Engine
from gridcase.cli import main
from gridcase.interfaces.simulate import PRESETS, simulate
from gridcase.kernel.errors import InvalidInput

MEMORY = "sqlite:///:memory:"


SCALE = {"weifang": 0.003, "bijie": 0.005}
"""Small enough for seconds (Weifang at 0.003 is 63 enterprises and 180 demands)."""


def _year(url: str, preset: str, seed: int) -> tuple[dict[str, int], int]:
    report = simulate(
        url, preset=preset, scale=SCALE.get(preset, 0.01), seed=seed, rules=rule_book(RULES)
    )
    assert report.verified is True
    return report.counts, report.events


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_the_same_seed_gives_the_same_year_and_a_store_that_verifies(
    preset: str,
) -> None:
    """Two runs with one seed write the same commands; every phase the issue names happens."""
    first = _year(MEMORY, preset, 7)
    second = _year(MEMORY, preset, 7)
    assert first == second
    counts, events = first
    assert counts["visits"] > 0
    assert counts["demands"] > 0
    assert counts["cases finished"] > 0
    assert events > counts["visits"] + counts["demands"]


def test_another_seed_gives_another_year() -> None:
    assert _year(MEMORY, "malu", 1) != _year(MEMORY, "malu", 2)


def test_the_weifang_year_escalates_enters_late_and_fires_meetings() -> None:
    """Weifang's year reaches the group and the executive meeting (fired by clocks) and has late entries."""
    counts, _ = _year(MEMORY, "weifang", 3)
    assert counts["act:escalate"] > 0
    assert counts["clock steps"] > 0
    assert counts["late entries"] > 0
    assert counts["projects"] == 3


def test_a_store_that_holds_records_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    _year(url, "yingkou", 1)
    with pytest.raises(InvalidInput, match="empty store"):
        _year(url, "yingkou", 1)


def test_an_unknown_preset_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="unknown preset 'atlantis'"):
        simulate(f"sqlite:///{tmp_path / 'x.db'}", preset="atlantis")


def test_the_command_prints_phases_and_counts(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    done = CliRunner().invoke(
        main, ["simulate", "--preset", "malu", "--scale", "0.02", "--url", url, "--seed", "1"]
    )
    assert done.exit_code == 0, done.output
    assert "hash chain verified" in done.output
    assert "roster" in done.output
    assert "year" in done.output


@pytest.mark.postgres
def test_the_same_year_on_postgresql_as_on_sqlite(pg_url: str) -> None:
    """The store does not change the year: the counts on PostgreSQL are those on SQLite."""
    assert _year(pg_url, "yingkou", 5) == _year(MEMORY, "yingkou", 5)


def test_a_year_run_in_batches_writes_the_same_log(tmp_path: Path) -> None:
    """``--batch`` changes how often the store commits, never what the year records."""
    logs = []
    for batch in (0, 37):
        url = f"sqlite:///{tmp_path / f'b{batch}.db'}"
        report = simulate(
            url, preset="malu", scale=0.05, seed=4, rules=rule_book(RULES), batch=batch
        )
        assert report.verified is True
        with Engine(url, rules=rule_book(RULES)) as engine:
            logs.append(
                [
                    (position, e.originator_id, e.originator_version, type(e).__qualname__)
                    for position, e in engine.log.read()
                ]
            )
    assert logs[0] == logs[1]
    assert len(logs[0]) > 300  # several commits of 37 commands each
