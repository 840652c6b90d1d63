"""The problem ledger and the ``gridcase cases`` commands an auditor uses, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any

import pytest
from click.testing import CliRunner
from tests.builders import RosterBuilder
from tests.support import RULES, AdminEngine, credit_code, cst, rule_book

import gridcase.application.cases
from gridcase import Action, ActOnCase, ManualClock, RefusedByRule, SubmitDemand
from gridcase.cli import main
from gridcase.projections.ledger import ProblemLedger

ENTERPRISE = credit_code(21)


@pytest.fixture
def store(store_url: str) -> tuple[str, Any]:
    """A store (SQLite, PostgreSQL) holding one Malu consultation that ran late and was resolved."""
    url = store_url
    clock = ManualClock(cst(2026, 4, 1, 9))
    engine = AdminEngine(url, rules=rule_book(RULES), clock=clock)
    malu = RosterBuilder(engine, "malu").enterprise(ENTERPRISE, date(2024, 1, 1), name="企业")
    malu.person("c", "center").person("u", "unit", units=["planning"])
    case_id = engine.submit(
        SubmitDemand(
            jurisdiction="malu",
            enterprise=ENTERPRISE,
            category="consultation",
            title="人才公寓申请",
            actor=ENTERPRISE,
            role="enterprise",
            command_id="s",
        )
    ).case_id
    engine.act(
        ActOnCase(case_id, Action.DISPATCH, "c", "center", "1", payload={"unit": "planning"})
    )
    clock.set(cst(2026, 4, 2, 9))
    engine.act(ActOnCase(case_id, Action.ACCEPT, "u", "unit", "2"))
    clock.set(cst(2026, 4, 20, 9))  # 5 working days from Apr 2 ended on Apr 10 (Qingming Apr 4-6)
    engine.act(ActOnCase(case_id, Action.RESOLVE, "u", "unit", "3", payload={"result": "已办理"}))
    engine.close()
    return url, case_id


class TestProblemLedger:
    def test_one_row_per_case_with_its_misses(self, store: tuple[str, Any]) -> None:
        """The ledger row shows the state, the missed handling limit and the result."""
        url, case_id = store
        engine = AdminEngine(url, rules=rule_book(RULES), clock=ManualClock(cst(2026, 4, 20, 10)))
        try:
            (row,) = ProblemLedger.build(engine.log).for_jurisdiction("malu")
        finally:
            engine.close()
        assert row.case_id == case_id
        assert row.state == "awaiting_confirmation"
        assert row.misses == {"handling": 1}
        assert row.result == "已办理"
        assert row.overdue
        assert row.next_due == date(2026, 4, 23)

    def test_as_of_a_past_moment(self, store: tuple[str, Any]) -> None:
        """As of April 3 the matter was in handling and nothing had been missed yet."""
        url, _ = store
        engine = AdminEngine(url, rules=rule_book(RULES), clock=ManualClock(cst(2026, 4, 20, 10)))
        try:
            (row,) = ProblemLedger.build(engine.log, as_of=cst(2026, 4, 3)).for_jurisdiction()
        finally:
            engine.close()
        assert row.state == "handling"
        assert row.misses == {}
        assert row.next_due == date(2026, 4, 10)


class TestCasesCommands:
    def test_list_as_csv(self, store: tuple[str, Any]) -> None:
        """``cases list --format csv`` writes the ledger with a header row."""
        url, case_id = store
        result = CliRunner().invoke(main, ["cases", "list", "--url", url, "--format", "csv"])
        assert result.exit_code == 0, result.output
        rows = list(csv.DictReader(io.StringIO(result.output)))
        assert rows[0]["case_id"] == str(case_id)
        assert rows[0]["misses"] == "handling=1"

    def test_show_as_of_in_json(self, store: tuple[str, Any]) -> None:
        """``cases show --as-of`` replays the case up to that moment."""
        url, case_id = store
        result = CliRunner().invoke(
            main,
            ["cases", "show", str(case_id), "--url", url, "--as-of", "2026-04-02T12:00", "--json"],
        )
        assert result.exit_code == 0, result.output
        data = json.loads(result.output)
        assert data["state"] == "handling"
        assert [h["kind"] for h in data["history"]] == ["submit", "dispatch", "accept"]
        assert data["clocks"]["handling"]["due_date"] == "2026-04-10"

    def test_show_prints_end_of_day_as_24_00(self, store: tuple[str, Any]) -> None:
        """The missed handling limit reads as 24:00 of the day it ended, as the sources count."""
        url, case_id = store
        result = CliRunner().invoke(main, ["cases", "show", str(case_id), "--url", url])
        assert result.exit_code == 0, result.output
        assert "2026-04-10 24:00  system" in result.output

    def test_a_malformed_case_id_exits_2(self, store: tuple[str, Any]) -> None:
        """A case id that is not a UUID is a usage error."""
        url, _ = store
        result = CliRunner().invoke(main, ["cases", "show", "not-a-uuid", "--url", url])
        assert result.exit_code == 2

    def test_an_unknown_case_exits_1(self, store: tuple[str, Any]) -> None:
        """A well-formed id of no case is refused with the error's name."""
        url, _ = store
        result = CliRunner().invoke(
            main, ["cases", "show", "00000000-0000-0000-0000-000000000000", "--url", url]
        )
        assert result.exit_code == 1
        assert "NotFound" in result.output

    def test_advance_fires_and_is_idempotent(self, store: tuple[str, Any]) -> None:
        """``cases advance --now`` fires the confirmation clock once (auto-confirmation)."""
        url, _ = store
        first = CliRunner().invoke(
            main, ["cases", "advance", "--url", url, "--now", "2026-04-24T09:00+08:00"]
        )
        assert first.exit_code == 0, first.output
        assert first.output.startswith("fired 2 step(s) on 1 case(s)")
        again = CliRunner().invoke(
            main, ["cases", "advance", "--url", url, "--now", "2026-04-24T09:00+08:00"]
        )
        assert again.output.startswith("fired 0 step(s)")

    def test_advance_names_a_case_it_could_not_fire_and_exits_1(
        self, store: tuple[str, Any], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A scheduler running ``cases advance`` learns which case failed, and why, from stderr and the status."""
        url, case_id = store

        def refuse(*_: Any) -> Any:
            raise RefusedByRule("auto-confirmation is no longer allowed", rule="malu:test")

        monkeypatch.setattr(gridcase.application.cases, "decide_expiries", refuse)
        result = CliRunner().invoke(
            main, ["cases", "advance", "--url", url, "--now", "2026-04-24T09:00+08:00"]
        )
        assert result.exit_code == 1
        assert result.output.startswith("fired 0 step(s) on 0 case(s)")
        assert f"not fired: case {case_id}: RefusedByRule: auto-confirmation" in result.output
