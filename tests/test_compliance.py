"""The compliance kit proves the five rule files sound and catches every seeded fault
with a counterexample that `gridcase scenario run` reproduces, failing where it says."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import Phase, settings
from hypothesis.stateful import run_state_machine_as_test
from tests.support import RULES

from gridcase.cli import main
from gridcase.interfaces.scenarios import run_scenario
from gridcase.testing import case_machine

FAULTS = Path(__file__).parent / "fixtures" / "faults"

CAUGHT_BY = {
    "sign-off-without-rating": ("sign_off", "refused: expected GridcaseError, got no refusal"),
    "clock-never-stopped": ("clock_never_stopped", "clocks.progress_report: expected not running"),
    "rung-nobody-holds": ("escalation", "refused: expected GridcaseError, got no refusal"),
    "return-loses-owner": ("owner", "refused: expected GridcaseError, got no refusal"),
    "calendar-days": ("deadline", "clocks.handling.due: expected 2026-02-26, got 2026-02-17"),
    "property-broken": ("property", "clocks.progress_report: expected open"),
}


def test_the_five_rule_files_prove_clean() -> None:
    files = [str(p) for p in sorted(RULES.glob("*.yaml"))]
    assert len(files) == 5
    done = CliRunner().invoke(
        main, ["rules", "prove", *files, "--examples", "3", "--depth", "8", "--seed", "1"]
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
        main, ["rules", "prove", str(path), "--examples", "0", "--out", str(tmp_path)]
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
