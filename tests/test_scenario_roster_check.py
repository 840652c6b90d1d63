"""A scenario is checked whole against its own roster before anything runs: actors,
their roles, enterprises' credit codes and units, each with its file and line (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.support import RULES
from tests.test_scenarios import MINIMAL

from gridcase import RuleFileError
from gridcase.cli import main
from gridcase.interfaces.scenarios import load_scenario


def problems(tmp_path: Path, body: str) -> list[tuple[int | None, str, str]]:
    path = tmp_path / "s.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(RuleFileError) as info:
        load_scenario(path, rules_folder=RULES)
    return [(p.line, p.path, p.message) for p in info.value.problems]


def test_an_actor_missing_from_the_roster(tmp_path: Path) -> None:
    [(line, where, message)] = problems(tmp_path, MINIMAL.replace("by: center-1", "by: centre-1"))
    assert (line, where) == (23, "steps[1].by")
    assert "unknown actor 'centre-1'" in message
    assert "center-1" in message  # the roster's people are named


def test_a_role_the_actor_does_not_hold(tmp_path: Path) -> None:
    body = MINIMAL.replace(
        "    by: center-1\n    role: center\n", "    by: center-1\n    role: town_leaders\n"
    )
    [(line, where, message)] = problems(tmp_path, body)
    assert (line, where) == (24, "steps[1].role")
    assert "does not hold the role 'town_leaders'" in message


def test_an_enterprise_with_a_bad_credit_code(tmp_path: Path) -> None:
    body = MINIMAL.replace(
        "    category: consultation\n",
        "    enterprise: 91310114MA1GU00012\n    category: consultation\n",
    )
    found = problems(tmp_path, body)
    assert any(where == "steps[0].enterprise" and "check" in msg for _, where, msg in found), found


def test_a_unit_nobody_belongs_to(tmp_path: Path) -> None:
    [(line, where, message)] = problems(
        tmp_path, MINIMAL.replace("{unit: planning}", "{unit: planing}")
    )
    assert (line, where) == (25, "steps[1].payload.unit")
    assert "unknown unit 'planing'" in message


def test_a_step_expecting_a_refusal_may_name_anyone(tmp_path: Path) -> None:
    """Showing ``UnknownActor`` needs an actor the roster lacks."""
    body = MINIMAL.replace(
        "    by: center-1\n    role: center\n    payload: {unit: planning}\n    expect:\n      state: dispatched\n      flags: []\n      events: [dispatch]\n      clocks: {review: {due: 2026-03-10}}\n",
        "    by: stranger\n    role: center\n    expect:\n      refused: {error: UnknownActor}\n",
    )
    path = tmp_path / "s.yaml"
    path.write_text(body, encoding="utf-8")
    load_scenario(path, rules_folder=RULES)


def test_the_command_line_refuses_the_file_with_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(MINIMAL.replace("by: center-1", "by: centre-1"), encoding="utf-8")
    result = CliRunner().invoke(main, ["scenario", "run", str(path), "--rules", str(RULES)])
    assert result.exit_code == 2
    assert f"{path}:23: [steps[1].by] unknown actor 'centre-1'" in result.output
    assert "no scenario was run" in result.output
