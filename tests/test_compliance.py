"""The compliance kit proves the five rule files sound and catches every seeded fault
with a counterexample that `gridcase scenario run` reproduces, failing where it says."""

from __future__ import annotations

import io
import json
import os
import re
import unittest
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import Phase, settings
from hypothesis.stateful import run_state_machine_as_test
from tests.support import RULES
from tests.test_docs import example

from gridcase.cli import main
from gridcase.interfaces.scenarios import run_scenario
from gridcase.testing import World, case_machine
from gridcase.testing.explore import DEFAULT_START
from gridcase.workflow.loader import load_rules

FAULTS = Path(__file__).parent / "fixtures" / "faults"

CAUGHT_BY = {
    "sign-off-without-rating": ("sign_off", "refused: expected GridcaseError, got no refusal"),
    "clock-never-stopped": ("clock_never_stopped", "clocks.progress_report: expected not running"),
    "rung-nobody-holds": ("escalation", "refused: expected GridcaseError, got no refusal"),
    "return-loses-owner": ("owner", "refused: expected GridcaseError, got no refusal"),
    "calendar-days": ("deadline", "clocks.handling.due: expected 2026-02-26, got 2026-02-17"),
    "property-broken": ("property", "clocks.progress_report: expected open"),
}


def test_the_five_rule_files_prove_clean(tmp_path: Path) -> None:
    files = [str(p) for p in sorted(RULES.glob("*.yaml"))]
    assert len(files) == 5
    out = ["--out", str(tmp_path)]
    done = CliRunner().invoke(
        main, ["rules", "prove", *files, "--examples", "3", "--depth", "8", "--seed", "1", *out]
    )
    assert done.exit_code == 0, done.output
    assert done.output.count("ok   ") == 5


@pytest.mark.parametrize("fault", sorted(CAUGHT_BY))
def test_every_seeded_fault_is_caught_with_a_reproducing_scenario(
    fault: str, tmp_path: Path
) -> None:
    """The fault passes `rules check`; `rules prove` exits 1 naming the invariant, and the
    counterexample it writes fails when run, at its last step, as described."""
    path = FAULTS / f"{fault}.yaml"
    runner = CliRunner()
    assert runner.invoke(main, ["rules", "check", str(path)]).exit_code == 0
    proved = runner.invoke(
        main,
        ["rules", "prove", str(path), "--examples", "0", "--depth", "6", "--out", str(tmp_path)],
    )
    invariant, difference = CAUGHT_BY[fault]
    assert proved.exit_code == 1, proved.output
    assert f"  {invariant}: " in proved.output
    scenario = tmp_path / f"malu-{invariant}.yaml"
    result = run_scenario(scenario)
    assert not result.passed
    failed = result.failed_step
    assert failed is not None
    assert failed.index == result.total_steps
    assert all(step.passed for step in result.steps[:-1])
    assert result.failure is not None
    assert difference in result.failure, result.failure


def test_a_malformed_file_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema: gridcase.rules/1\n", encoding="utf-8")
    assert CliRunner().invoke(main, ["rules", "prove", str(bad)]).exit_code == 2


# The documented way a portal runs the stateful test on its own rule file.
TestMaluCases = case_machine(RULES / "malu.yaml").TestCase
TestMaluCases.settings = settings(
    max_examples=5, stateful_step_count=15, deadline=None, database=None
)


def test_the_stateful_test_on_the_engine_catches_a_seeded_fault() -> None:
    """Calendar days where the source says working days: the real engine records the
    short deadline, and the stateful test names the invariant it breaks."""
    with pytest.raises(
        AssertionError, match="deadline: clock 'handling' is counted in calendar days"
    ):
        run_state_machine_as_test(
            case_machine(FAULTS / "calendar-days.yaml"),
            settings=settings(
                max_examples=25,
                stateful_step_count=25,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.generate],
            ),
        )


PROMISE = """
properties:
  consultation_answered:
    name: {zh: 咨询类诉求5个工作日内答复或填报进展, en: a consultation is answered or reported}
    categories: [consultation]
    after: accept
    within: {working_days: 5}
    then_one_of:
      actions: [resolve, reply_in_writing, withdraw, declare_cannot_meet, choose_dispute_route]
      clocks_running: [%s]
    cite: 六(二) 咨询类诉求办结时限为5个工作日; 六(四) 往后每月第1个工作日在专窗平台填报办理进展
"""


def _index(action: str, source: str) -> int:
    """Where malu.yaml lists the first rule for ``action`` from ``source`` (files grow)."""
    doc = yaml.safe_load((RULES / "malu.yaml").read_text(encoding="utf-8"))
    return next(
        i
        for i, t in enumerate(doc["transitions"])
        if t["action"] == action and source in t.get("from", [])
    )


def _malu_promising(clock: str) -> str:
    text = (RULES / "malu.yaml").read_text(encoding="utf-8")
    return text.replace("\nscope:\n", PROMISE % clock + "\nscope:\n", 1)


def test_a_property_the_file_keeps_proves_clean(tmp_path: Path) -> None:
    """Malu's own limit (5 working days, then monthly progress reports) keeps the promise."""
    path = tmp_path / "malu.yaml"
    path.write_text(_malu_promising("progress_report"), encoding="utf-8")
    done = CliRunner().invoke(
        main,
        ["rules", "prove", str(path), "--examples", "0", "--depth", "6", "--out", str(tmp_path)],
    )
    assert done.exit_code == 0, done.output


def test_a_property_naming_an_unknown_clock_is_refused_by_rules_check(tmp_path: Path) -> None:
    path = tmp_path / "malu.yaml"
    path.write_text(_malu_promising("monthly_report"), encoding="utf-8")
    done = CliRunner().invoke(main, ["rules", "check", str(path)])
    assert done.exit_code == 1
    assert "unknown clock 'monthly_report'" in done.output


class TestScenarioCoverage:
    HAPPY = RULES / "scenarios" / "malu" / "01-consultation-happy-path-spring-festival.yaml"

    def test_the_happy_path_covers_its_transitions_and_not_the_others(self, tmp_path: Path) -> None:
        out = tmp_path / "coverage.json"
        done = CliRunner().invoke(
            main,
            ["scenario", "run", str(self.HAPPY), "-q", "--coverage", "--coverage-json", str(out)],
        )
        assert done.exit_code == 0, done.output
        assert "coverage malu@2023.1" in done.output
        (malu,) = json.loads(out.read_text(encoding="utf-8"))
        missed = malu["transitions"]["missed"]
        sign_off = _index("sign_off", "rated")
        assert f"transitions[{sign_off}] sign_off from rated" not in missed  # the path signs off
        returns = _index("request_return", "dispatched")
        assert f"transitions[{returns}] request_return from dispatched" in missed  # nobody returns
        assert "return_requested" in malu["states"]["missed"]
        unsatisfied = _index("rate", "awaiting_rating")  # the branch for an unsatisfied rating
        assert malu["when_branches"] == {
            "covered": 1,
            "total": 2,
            "missed": [f"transitions[{unsatisfied}] rate from awaiting_rating"],
        }
        # The last step (a progress report on a closed case) is refused by the closed
        # state, not by a transition's guard: no guard refusal is counted.
        assert malu["guard_refusals"]["covered"] == 0


def test_the_portal_example_runs_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/compliance.md's few lines, in a portal's folder with its own rule file (a copy
    of Malu's, where the example names it)."""
    code = example("compliance.md", "portal")
    named = re.search(r'case_machine\("([^"]+)"\)', code)
    assert named, code
    ours = tmp_path / named[1]
    ours.parent.mkdir(parents=True, exist_ok=True)
    ours.write_text((RULES / "malu.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    exec(code, namespace)
    case = namespace["TestOurRules"]
    assert isinstance(case, type)
    assert issubclass(case, unittest.TestCase)
    case.settings = settings(max_examples=3, deadline=None, database=None)  # fast in CI
    outcome = unittest.TextTestRunner(stream=io.StringIO()).run(
        unittest.defaultTestLoader.loadTestsFromTestCase(case)
    )
    assert outcome.wasSuccessful(), outcome.failures + outcome.errors
    assert outcome.testsRun == 1


def test_a_dead_end_is_reported_with_a_counterexample(tmp_path: Path) -> None:
    """A sign-off that needs a flag only another path sets: a rated case can never close,
    nobody can act on it and no clock runs (rules check sees only that an edge exists)."""
    text = (RULES / "malu.yaml").read_text(encoding="utf-8")
    guard = "    guards: {flags_any: [rated]}\n"
    assert text.count(guard) == 1
    path = tmp_path / "malu.yaml"
    path.write_text(text.replace(guard, "    guards: {flags_all: [written_reply_sent]}\n"), "utf-8")
    runner = CliRunner()
    assert runner.invoke(main, ["rules", "check", str(path)]).exit_code == 0
    out = tmp_path / "out"
    done = runner.invoke(
        main, ["rules", "prove", str(path), "--examples", "0", "--depth", "7", "--out", str(out)]
    )
    assert done.exit_code == 1, done.output
    assert "  dead end: rated" in done.output
    result = run_scenario(out / "malu-dead_end.yaml")
    assert result.failure is not None
    assert "final: expected true, got false" in result.failure


def test_a_transition_beyond_the_depth_is_reported_unreachable(tmp_path: Path) -> None:
    malu = str(RULES / "malu.yaml")
    done = CliRunner().invoke(
        main,
        ["rules", "prove", malu, "--examples", "0", "--depth", "2", "--out", str(tmp_path)],
    )
    assert done.exit_code == 1
    sign_off = _index("sign_off", "rated")
    assert f"  unreachable: transitions[{sign_off}]" in done.output  # sign-off is 6 moves away


@pytest.mark.parametrize("jurisdiction", ["bijie", "malu", "qingdao", "weifang", "yingkou"])
def test_the_kits_world_replays_as_a_scenario_roster(jurisdiction: str, tmp_path: Path) -> None:
    """A counterexample's roster is the kit's world: every role that may submit can, on
    the real engine, with its scope (grids, teams, responsibility) in place."""
    rules = load_rules(RULES / f"{jurisdiction}.yaml")
    world = World.of(rules)
    category = next(iter(rules.rules.categories))
    submit = rules.submit_for(category)[1]
    for role in [r for r in submit.by if r != "system"]:
        actor = world.acting_as(role, None)
        assert actor is not None
        step: dict[str, object] = {
            "submit": "c1",
            "by": actor,
            "role": role,
            "category": category,
            "title": "诉求",
            "expect": {"state": submit.to},
        }
        if actor != world.enterprise:
            step["enterprise"] = world.enterprise
        doc = {
            "scenario": "gridcase.scenario/1",
            "name": f"{jurisdiction}: {role} submits",
            "description": "the kit's world as a roster",
            "rules": os.path.relpath(RULES / f"{jurisdiction}.yaml", tmp_path),
            "start": DEFAULT_START.isoformat(timespec="minutes"),
            "roster": world.roster(DEFAULT_START.date()),
            "steps": [step],
        }
        path = tmp_path / f"{role}.yaml"
        path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), "utf-8")
        result = run_scenario(path)
        assert result.passed, result.failure
