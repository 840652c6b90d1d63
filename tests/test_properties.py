"""Invariants of the engine over random command sequences (hypothesis).

Whatever officials and enterprises send, in whatever order and at whatever pace:
a case reloaded from the store is exactly the case the commands produced; history is
gap-free and in time order; a refused command leaves no trace; an open case always has
an owner and a closed one no running clock; every working-day deadline ends on a
working day; and firing the clocks twice for the same moment changes nothing.
"""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from hypothesis import event, given
from hypothesis import strategies as st
from tests.builders import RosterBuilder
from tests.support import RULES, AdminEngine, credit_code, cst, rule_book

from gridcase import (
    Action,
    ActOnCase,
    Engine,
    GridcaseError,
    ManualClock,
    SubmitDemand,
    national_calendar,
)
from gridcase.domain.case_state import CaseState, evolve

BOOK = rule_book(RULES)
ENTERPRISE = credit_code(11)

ACTORS: dict[str, tuple[str, str]] = {
    "center": ("center-1", "center"),
    "planning": ("planning-liaison", "unit"),
    "economy": ("economy-liaison", "unit"),
    "enterprise": (ENTERPRISE, "enterprise"),
}

PAYLOADS: dict[Action, list[dict[str, Any]]] = {
    Action.DISPATCH: [{"unit": "planning"}, {"unit": "economy"}, {}],
    Action.REDISPATCH: [{"unit": "planning"}, {"unit": "economy"}],
    Action.RESOLVE: [{"result": "已办结"}, {}],
    Action.REPORT_PROGRESS: [{"progress": "推进中"}],
    Action.RATE: [
        {"satisfaction": "satisfied"},
        {"satisfaction": "unsatisfied"},
        {"satisfaction": "basically_satisfied"},
    ],
    Action.REPLY_IN_WRITING: [{"summary": "书面回复", "sealed": True}, {"summary": "书面回复"}],
}


def _engine(start: Any, url: str) -> tuple[Engine, ManualClock]:
    clock = ManualClock(start)
    engine = AdminEngine(url, rules=BOOK, clock=clock)
    malu = RosterBuilder(engine, "malu").enterprise(ENTERPRISE, date(2024, 1, 1), name="企业")
    malu.person("center-1", "center").person("planning-liaison", "unit", units=["planning"])
    malu.person("economy-liaison", "unit", units=["economy"])
    return engine, clock


ROLE_ACTORS: dict[str, list[str]] = {
    "center": ["center-1"],
    "unit": ["planning-liaison", "economy-liaison"],
    "enterprise": [ENTERPRISE],
    "butler": ["center-1"],
    "town_leaders": ["center-1"],
}


def _draw_command(data: st.DataObject, engine: Engine, state: CaseState) -> tuple[Action, str, str]:
    """Mostly a command the rules allow now (so deep paths are reached), sometimes any command."""
    rules = engine.rules_of(state.case_id)
    # Withdrawal ends a case at once; leave it to the random picks so paths grow long.
    allowed = [a for a in rules.allowed_actions(state.state) if a is not Action.WITHDRAW]
    if allowed and data.draw(st.integers(0, 9), label="pick") < 8:
        action = data.draw(st.sampled_from(allowed), label="action")
        entries = rules.transitions(state.state, action)
        roles = [r for _, t in entries for r in t.by if r != "system"] or ["center"]
        role = data.draw(st.sampled_from(roles), label="role")
        actor = data.draw(st.sampled_from(ROLE_ACTORS[role]), label="actor")
        return action, actor, role
    action = data.draw(
        st.sampled_from([a for a in Action if a is not Action.SUBMIT]), label="any action"
    )
    who = data.draw(st.sampled_from(sorted(ACTORS)), label="who")
    return action, *ACTORS[who]


@given(
    start_day=st.integers(min_value=0, max_value=365 * 3 + 300),
    category=st.sampled_from(["consultation", "coordination", "approval"]),
    length=st.integers(min_value=1, max_value=30),
    data=st.data(),
)
def test_a_reloaded_case_is_the_case_the_commands_made(
    start_day: int, category: str, length: int, data: st.DataObject
) -> None:
    """Folding the steps the commands returned gives exactly the case a second engine,
    with no cache, reloads from the store."""
    start = cst(2024, 1, 2, 9) + timedelta(days=start_day)
    folder = tempfile.TemporaryDirectory(prefix="gridcase-properties-")
    url = f"sqlite:///{Path(folder.name) / 'cases.db'}"
    engine, clock = _engine(start, url)
    # A second engine with no cache reads the case back from the store, not from memory.
    fresh = Engine(url, rules=BOOK, clock=clock, cache_size=0)
    try:
        result = engine.submit(
            SubmitDemand(
                jurisdiction="malu",
                enterprise=ENTERPRISE,
                category=category,
                title="诉求",
                actor=ENTERPRISE,
                role="enterprise",
                command_id="s",
            )
        )
        case_id = result.case_id
        live: CaseState | None = None
        for recorded in result.steps:
            live = evolve(live, recorded.step, case_id=case_id)
        accepted = 0
        for i in range(length):
            assert live is not None
            action, actor, role = _draw_command(data, engine, live)
            clock.advance(timedelta(hours=data.draw(st.integers(0, 6 * 24), label="hours")))
            options = PAYLOADS.get(action, [{}])
            payload = options[data.draw(st.integers(0, len(options) - 1), label="payload")]
            reason = "理由" if data.draw(st.booleans(), label="reason") else None
            before = len(engine.history(case_id))
            try:
                done = engine.act(
                    ActOnCase(
                        case_id,
                        action,
                        actor,
                        role,
                        command_id=f"c{i}",
                        reason=reason,
                        payload=payload,
                    )
                )
            except GridcaseError:
                assert len(fresh.history(case_id)) == before, "a refused command left a trace"
                continue
            accepted += 1
            for recorded in done.steps:
                live = evolve(live, recorded.step)
        report = engine.advance()
        for fired in report.fired:
            for recorded in fired.steps:
                live = evolve(live, recorded.step)
        assert engine.advance().fired == ()

        stored = fresh.case(case_id)
        assert stored == live
        history = engine.history(case_id)
        assert [h.version for h in history] == list(range(1, len(history) + 1))
        assert [h.step.at for h in history] == sorted(h.step.at for h in history)
        assert (stored.owner is None) == stored.final
        if stored.final:
            assert not stored.clocks
        cal = national_calendar()
        for oc in stored.clocks.values():
            if oc.clock in {
                "dispatch",
                "review",
                "handling",
                "return_decision",
                "confirmation",
                "rating",
            }:
                assert cal.is_working_day(oc.deadline.due_date)
            assert oc.deadline.deadline > clock.now()  # advance fired everything due
        event(f"accepted commands: {min(accepted, 10)}{'+' if accepted >= 10 else ''}")
        event(f"final state: {stored.state}")
    finally:
        engine.close()
        fresh.close()
        folder.cleanup()
