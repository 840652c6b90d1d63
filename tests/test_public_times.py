"""Every public time is timezone-aware in one zone object, ``ZoneInfo("Asia/Shanghai")``,
fresh or reloaded, on SQLite and PostgreSQL; ids and actions are accepted as text."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

import pytest
from tests.builders import RosterBuilder
from tests.support import RULES, credit_code, cst, engine_on

from gridcase import CST, Action, ActOnCase, CaseSummary, Engine, InvalidInput, SubmitDemand

CODE = credit_code(1690)


def times_of(engine: Engine, case_id: UUID) -> list[datetime]:
    state = engine.case(case_id)
    found = [state.submitted_at, state.last_at]
    for oc in state.clocks.values():
        found += [oc.deadline.start, oc.deadline.deadline]
    for rec in engine.history(case_id):
        found.append(rec.step.at)
        if rec.step.recorded_at is not None:
            found.append(rec.step.recorded_at)
    (row,) = engine.cases("malu")
    found += [row.submitted_at, row.last_at]
    if row.next_deadline is not None:
        found.append(row.next_deadline)
    return found


def _submit(engine: Engine) -> UUID:
    malu = RosterBuilder(engine, "malu", since=date(2024, 1, 1)).enterprise(CODE)
    malu.person("c", "center").person("u", "unit", units=["planning"])
    return engine.submit(
        SubmitDemand(
            jurisdiction="malu",
            enterprise=CODE,
            category="consultation",
            title="t",
            actor=CODE,
            role="enterprise",
            command_id="s",
        )
    ).case_id


def test_times_are_in_one_zone_object_fresh_and_reloaded(store_url: str) -> None:
    with engine_on(store_url, cst(2026, 2, 12, 10), RULES) as (engine, clock):
        case_id = _submit(engine)
        clock.set(cst(2026, 2, 12, 15))
        engine.act(
            ActOnCase(str(case_id), "dispatch", "c", "center", "d", payload={"unit": "planning"})
        )
        fresh = times_of(engine, case_id)
    with engine_on(store_url, cst(2026, 2, 13, 9), RULES) as (engine, _):
        reloaded = times_of(engine, case_id)
    assert fresh == reloaded
    for moment in (*fresh, *reloaded):
        assert moment.tzinfo is CST, repr(moment)


def test_the_case_index_gives_datetimes(store_url: str) -> None:
    with engine_on(store_url, cst(2026, 2, 12, 10), RULES) as (engine, _):
        _submit(engine)
        (row,) = engine.cases()
    assert isinstance(row, CaseSummary)
    assert row.submitted_at == cst(2026, 2, 12, 10)
    assert row.next_deadline == cst(2026, 2, 14)  # 24:00 of Friday Feb 13


def test_an_unknown_action_is_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="'escalatee' is not an action"):
        ActOnCase(UUID(int=1), "escalatee", "a", "r", "c")


def test_an_action_given_by_its_value_is_the_action() -> None:
    assert ActOnCase(UUID(int=1), "escalate", "a", "r", "c").action is Action.ESCALATE


@pytest.mark.parametrize("bad", ["not-a-uuid", ""])
def test_a_case_id_that_is_not_a_uuid_is_invalid_input(bad: Any) -> None:
    with pytest.raises(InvalidInput, match="is not a case id"):
        ActOnCase(bad, Action.ACCEPT, "a", "r", "c")
