"""``gridcase demo``, the README's first command: a month of Malu on ./gridcase.db."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.support import cst

from gridcase import Engine, ManualClock
from gridcase.cli import main


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GRIDCASE_URL", raising=False)
    return tmp_path


def _events(db: Path) -> int:
    engine = Engine(f"sqlite:///{db}", clock=ManualClock(cst(2025, 11, 1)))
    try:
        return engine.log.count()
    finally:
        engine.close()


class TestDemo:
    def test_it_records_the_month_in_gridcase_db_and_prints_the_ledger_and_a_history(
        self, here: Path
    ) -> None:
        """The ledger lists four matters; case A shows the return, the redispatch, the report up, the rating."""
        result = CliRunner().invoke(main, ["demo"])
        assert result.exit_code == 0, result.output
        assert (here / "gridcase.db").exists()
        assert "Problem ledger" in result.output
        for title in (
            "二期厂房扩建规划许可协调",
            "高新技术企业认定政策咨询",
            "危化品仓储安全评估协调",
            "稳岗补贴申领咨询",
        ):
            assert title in result.output
        history = result.output.split("History of case A", 1)[1]
        kinds = [
            "submit",
            "dispatch",
            "request_return",
            "redispatch",
            "accept",
            "escalate",
            "resolve",
            "confirm_completion",
            "rate",
            "sign_off",
        ]
        positions = [history.index(f" {kind} ") for kind in kinds]
        assert positions == sorted(positions)
        assert "raised in visit V-2025-0915-01" in history
        assert "handling×1" in result.output  # C missed its limit on 24 October
        assert "Recorded" in result.output

    def test_a_second_run_writes_nothing_and_says_so(self, here: Path) -> None:
        """Every command is recognised by its id; the output says the store already held the demo."""
        assert CliRunner().invoke(main, ["demo"]).exit_code == 0
        before = _events(here / "gridcase.db")
        again = CliRunner().invoke(main, ["demo"])
        assert again.exit_code == 0, again.output
        assert "already held this demo" in again.output
        assert _events(here / "gridcase.db") == before

    def test_it_will_not_mix_into_a_store_holding_other_records(self, here: Path) -> None:
        """A store with someone else's records is left alone unless --fresh is given."""
        engine = Engine("sqlite:///gridcase.db", clock=ManualClock(cst(2026, 1, 5)))
        engine.bootstrap_administrator(jurisdiction="malu", person_id="x", name="x", command_id="x")
        engine.close()
        refused = CliRunner().invoke(main, ["demo"])
        assert refused.exit_code == 1
        assert "--fresh" in refused.output
        fresh = CliRunner().invoke(main, ["demo", "--fresh"])
        assert fresh.exit_code == 0, fresh.output
        assert "Recorded" in fresh.output
