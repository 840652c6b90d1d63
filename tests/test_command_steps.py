"""A command's result names exactly the steps its events recorded (decided once, when applied)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from tests.builders import RosterBuilder
from tests.support import credit_code, cst, engine_on

from gridcase import Action, ActOnCase, SubmitDemand

ENTERPRISE = credit_code(15)


def test_each_result_is_what_the_history_says_and_a_fresh_engine_reads_it_back(
    tmp_path: Path,
) -> None:
    """Results of submit, of actions, and of an action that first fires run-out clocks
    equal the recorded history step for step, on the engine that ran them and on a fresh one."""
    url = f"sqlite:///{tmp_path / 's.db'}"
    with engine_on(url, cst(2026, 4, 1, 9)) as (engine, clock):
        malu = RosterBuilder(engine, "malu").enterprise(ENTERPRISE, date(2024, 1, 1), name="企业")
        malu.person("c", "center").person("u", "unit", units=["planning"])
        submitted = engine.submit(
            SubmitDemand(
                jurisdiction="malu",
                enterprise=ENTERPRISE,
                category="consultation",
                title="t",
                actor=ENTERPRISE,
                role="enterprise",
                command_id="s",
            )
        )
        case_id = submitted.case_id
        results = [submitted]
        for n, (action, actor, role, payload, wait) in enumerate(
            [
                (Action.DISPATCH, "c", "center", {"unit": "planning"}, 1),
                (Action.ACCEPT, "u", "unit", {}, 1),
                # ten days on: the handling clock ran out first and fires before the action
                (Action.RESOLVE, "u", "unit", {"result": "ok"}, 10 * 24),
            ]
        ):
            clock.advance(timedelta(hours=wait))
            results.append(
                engine.act(ActOnCase(case_id, action, actor, role, f"a{n}", payload=payload))
            )
        returned = [s for r in results for s in r.steps]
        assert len(results[-1].steps) > 1  # a clock expiry, then the resolve
        assert returned == engine.history(case_id)
    with engine_on(url, cst(2026, 5, 1, 9)) as (fresh, _):
        assert fresh.history(case_id) == returned
