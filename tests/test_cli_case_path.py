"""A whole Malu case driven from the command line alone, found again by its id prefix.

The roster is set up through the library (tests/builders.py); every step of the case is
a ``gridcase cases …`` command line, as an official at the service center would type it
(嘉马府发〔2023〕62号 section 六: dispatch, a return, redispatch, accept, resolve, confirm,
rate, sign off).
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from tests.builders import RosterBuilder
from tests.support import RULES, AdminEngine, credit_code, rule_book

from gridcase.cli import main

ENTERPRISE = credit_code(161)


@pytest.fixture
def malu_rules(tmp_path: Any) -> Path:
    """Malu's rule file alone (and the calendars): a command line reads its rules each run."""
    folder = tmp_path / "rules"
    folder.mkdir()
    shutil.copy(RULES / "malu.yaml", folder / "malu.yaml")
    if (RULES / "calendars").exists():
        shutil.copytree(RULES / "calendars", folder / "calendars")
    return folder


@pytest.fixture
def url(tmp_path: Any, malu_rules: Path) -> str:
    """A SQLite store holding a Malu enterprise, the center's officer and two liaisons."""
    url = f"sqlite:///{tmp_path / 'malu.db'}"
    with AdminEngine(url, rules=rule_book(RULES)) as engine:
        malu = RosterBuilder(engine, "malu", since=date(2024, 1, 1))
        malu.person("center-1", "center")
        malu.enterprise(ENTERPRISE, name="上海马陆示例科技有限公司", tier="town_key")
        malu.person("planning-liaison", "unit", units=["planning"])
        malu.person("economy-liaison", "unit", units=["economy"])
    return url


def gridcase(url: str, *args: str, code: int = 0) -> Result:
    """``gridcase --url URL ARGS…``, asserting its exit status."""
    rules = Path(url.removeprefix("sqlite:///")).parent / "rules"
    result = CliRunner().invoke(main, ["--url", url, "--rules", str(rules), *args])
    assert result.exit_code == code, (result.output, result.stderr)
    return result


def state_of(url: str, prefix: str) -> dict[str, Any]:
    return json.loads(gridcase(url, "cases", "show", prefix, "--json").stdout)  # type: ignore[no-any-return]


def test_a_malu_consultation_from_submission_to_sign_off(url: str) -> None:
    """Every step is a command line; the case is found by the id prefix ``cases list`` shows."""
    submitted = gridcase(
        url, "cases", "submit", "-j", "malu", "--enterprise", ENTERPRISE,
        "--category", "consultation", "--title", "申请协调厂房扩建审批", "--json",
    )  # fmt: skip
    case_id = json.loads(submitted.stdout)["case_id"]
    assert "command id" in submitted.stderr  # generated, and printed for a retry

    listed = gridcase(url, "cases", "list", "-j", "malu").stdout
    prefix = case_id.replace("-", "")[:8]
    assert prefix in listed
    assert (
        gridcase(url, "cases", "list", "--id", prefix, "--format", "jsonl").stdout.count("\n") == 1
    )

    steps = [
        ("dispatch", "center-1", "center", ["-p", "unit=planning"]),
        ("request_return", "planning-liaison", "unit", ["--reason", "属经济城职责"]),
        ("redispatch", "center-1", "center", ["--payload", "unit=economy"]),
        ("accept", "economy-liaison", "unit", []),
        ("resolve", "economy-liaison", "unit", ["-p", "result=已答复"]),
        ("confirm_completion", ENTERPRISE, "enterprise", []),
        ("rate", ENTERPRISE, "enterprise", ["-p", "satisfaction=satisfied", "-p", "attitude=5"]),
        ("sign_off", "center-1", "center", []),
    ]
    states = []
    for n, (action, actor, role, extra) in enumerate(steps):
        gridcase(
            url, "cases", "act", prefix, action, "--as", actor, "--role", role,
            "--command-id", f"step-{n}", *extra,
        )  # fmt: skip
        states.append(state_of(url, prefix)["state"])
    assert states == [
        "dispatched",
        "return_requested",
        "dispatched",
        "handling",
        "awaiting_confirmation",
        "awaiting_rating",
        "rated",
        "signed_off",
    ]
    final = state_of(url, prefix)
    assert final["final"]
    assert final["case_id"] == case_id
    rating = next(h for h in final["history"] if h["kind"] == "rate")
    assert rating["payload"] == {"satisfaction": "satisfied", "attitude": 5}


def test_the_same_command_id_twice_records_once(url: str) -> None:
    args = ["cases", "submit", "-j", "malu", "--enterprise", ENTERPRISE, "--category",
            "consultation", "--title", "t", "--command-id", "once"]  # fmt: skip
    first = gridcase(url, *args)
    again = gridcase(url, *args)
    assert "already recorded" not in first.stdout
    assert "already recorded: nothing new" in again.stdout


def test_a_payload_field_the_action_does_not_take_is_bad_input(url: str) -> None:
    """``--payload`` is checked against the action's payload model before anything is sent."""
    result = gridcase(
        url, "cases", "act", "0000", "dispatch", "--as", "center-1", "--role", "center",
        "-p", "department=planning", code=2,
    )  # fmt: skip
    assert "payload" in result.stderr
    assert "department" in result.stderr


def test_an_unknown_action_is_bad_input(url: str) -> None:
    result = gridcase(url, "cases", "act", "0000", "fly", "--as", "x", "--role", "y", code=2)
    assert "'fly' is not an action" in result.stderr


def test_an_actor_is_needed(url: str) -> None:
    result = gridcase(url, "cases", "act", "0000", "accept", "--role", "unit", code=2)
    assert "--as" in result.stderr


def test_the_actor_can_come_from_the_environment(url: str, monkeypatch: Any) -> None:
    """``GRIDCASE_ACTOR`` says who is at the keyboard; the prefix then must name a case."""
    monkeypatch.setenv("GRIDCASE_ACTOR", "center-1")
    result = gridcase(url, "cases", "act", "abcd", "accept", "--role", "unit", code=1)
    assert "no case abcd" in result.stderr


def test_a_prefix_names_one_case_or_is_refused(url: str) -> None:
    """``abcd`` starts two case ids: refused as bad input; ``abcd1`` names one."""
    from uuid import UUID

    from gridcase import SubmitDemand

    with AdminEngine(url, rules=rule_book(RULES)) as engine:
        for n, case_id in enumerate(("abcd0000-0000-4000-8000-000000000000",
                                     "abcd1111-0000-4000-8000-000000000000")):  # fmt: skip
            engine.submit(
                SubmitDemand(
                    jurisdiction="malu", enterprise=ENTERPRISE, category="consultation",
                    title="t", actor=ENTERPRISE, role="enterprise", command_id=f"c{n}",
                    case_id=UUID(case_id),
                )
            )  # fmt: skip
        assert engine.case("abcd1").case_id == UUID("abcd1111-0000-4000-8000-000000000000")
        assert engine.case("ABCD1111-0000-4000-8000-000000000000").state == "submitted"
    assert "is the start of 2 case ids" in gridcase(url, "cases", "show", "abcd", code=2).stderr
    assert "abcd1111" in gridcase(url, "cases", "show", "abcd-1").stdout
    assert "at least 4" in gridcase(url, "cases", "show", "abc", code=2).stderr
    listed = gridcase(url, "cases", "list").stdout
    assert "abcd0000 " in listed
    assert "abcd1111 " in listed
