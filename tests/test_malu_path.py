"""Malu's whole handling path (嘉马府发〔2023〕62号 section 六), on SQLite and PostgreSQL.

Every due date below was counted by hand from the State Council calendar, not read off
the engine: the day of receipt is not counted and a period ends at 24:00 of its N-th
working day. The first case spans the 2026 Spring Festival (Feb 15–23 off; Saturdays
Feb 14 and Feb 28 are make-up working days); the second spans the 2025 National Day
(Oct 1–8 off; Sunday Sep 28 and Saturday Oct 11 are make-up working days).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import pytest
from tests.builders import RosterBuilder
from tests.support import RULES, AdminEngine, credit_code, cst, rule_book

from gridcase import (
    Action,
    ActOnCase,
    CaseState,
    Engine,
    ManualClock,
    NotAuthorised,
    RefusedByRule,
    SubmitDemand,
)

ENTERPRISE = credit_code(1)


def _roster(engine: Engine) -> None:
    """A town key enterprise, the service center's duty officer and two units' liaisons."""
    malu = RosterBuilder(engine, "malu").person("center-1", "center")
    malu.enterprise(ENTERPRISE, date(2024, 1, 1), name="上海马陆示例科技有限公司", tier="town_key")
    malu.person("planning-liaison", "unit", units=["planning"])
    malu.person("economy-liaison", "unit", units=["economy"])


class Driver:
    """Moves the clock to each step's moment and sends the command."""

    def __init__(self, engine: Engine, clock: ManualClock) -> None:
        self.engine = engine
        self.clock = clock
        self.n = 0
        self.case_id: UUID | None = None

    def submit(self, when: Any, category: str) -> CaseState:
        self.clock.set(when)
        self.n += 1
        result = self.engine.submit(
            SubmitDemand(
                jurisdiction="malu",
                enterprise=ENTERPRISE,
                category=category,
                title="申请协调厂房扩建审批",
                actor=ENTERPRISE,
                role="enterprise",
                command_id=f"cmd-{self.n}",
            )
        )
        self.case_id = result.case_id
        return self.engine.case(result.case_id)

    def act(self, when: Any, action: Action, actor: str, role: str, **kw: Any) -> CaseState:
        assert self.case_id is not None
        self.clock.set(when)
        self.n += 1
        self.engine.act(
            ActOnCase(self.case_id, action, actor, role, command_id=f"cmd-{self.n}", **kw)
        )
        return self.engine.case(self.case_id)


def due(state: CaseState) -> dict[str, date]:
    return {name: oc.deadline.due_date for name, oc in state.clocks.items()}


@pytest.fixture
def driver(store_url: str) -> Any:
    clock = ManualClock(cst(2025, 1, 2, 9))
    engine = AdminEngine(store_url, rules=rule_book(RULES), clock=clock)
    _roster(engine)
    yield Driver(engine, clock)
    engine.close()


class TestSpringFestivalConsultation:
    """A consultation returned, redispatched, handled, confirmed, rated and signed off, across the 2026 Spring Festival."""

    def test_the_whole_path(self, driver: Driver) -> None:
        """Each step lands in the state section 六 describes, with the deadlines counted by hand."""
        s = driver.submit(cst(2026, 2, 12, 10), "consultation")
        assert (s.state, s.owner and s.owner.role) == ("submitted", "center")
        assert due(s) == {"dispatch": date(2026, 2, 13)}  # 六(一): 1 working day, Friday

        s = driver.act(
            cst(2026, 2, 13, 16),
            Action.DISPATCH,
            "center-1",
            "center",
            payload={"unit": "planning"},
        )
        assert s.state == "dispatched"
        assert s.unit == "planning"
        assert due(s) == {
            "review": date(2026, 2, 14)
        }  # 六(二): Saturday 14th is a make-up working day

        s = driver.act(
            cst(2026, 2, 14, 11),
            Action.REQUEST_RETURN,
            "planning-liaison",
            "unit",
            reason="属经济城职责",
        )
        assert s.state == "return_requested"
        assert due(s) == {"return_decision": date(2026, 2, 25)}  # 2 working days: Feb 24, Feb 25

        s = driver.act(
            cst(2026, 2, 24, 9),
            Action.REDISPATCH,
            "center-1",
            "center",
            payload={"unit": "economy"},
        )
        assert s.state == "dispatched"
        assert s.unit == "economy"
        assert s.owner is not None
        assert s.owner.party == "economy"
        assert due(s) == {"review": date(2026, 2, 25)}

        s = driver.act(cst(2026, 2, 25, 10), Action.ACCEPT, "economy-liaison", "unit")
        assert s.state == "handling"
        # consultation: 5 working days: Feb 26, 27, 28 (make-up Saturday), Mar 2, Mar 3.
        assert due(s) == {"handling": date(2026, 3, 3)}

        s = driver.act(
            cst(2026, 3, 2, 15),
            Action.RESOLVE,
            "economy-liaison",
            "unit",
            payload={"result": "已答复"},
        )
        assert s.state == "awaiting_confirmation"
        assert due(s) == {"confirmation": date(2026, 3, 5)}  # 六(三): 3 working days

        s = driver.act(cst(2026, 3, 4, 9), Action.CONFIRM_COMPLETION, ENTERPRISE, "enterprise")
        assert s.state == "awaiting_rating"
        assert "completion_confirmed" in s.flags
        assert due(s) == {"rating": date(2026, 3, 9)}

        s = driver.act(
            cst(2026, 3, 5, 9),
            Action.RATE,
            ENTERPRISE,
            "enterprise",
            payload={"satisfaction": "satisfied"},
        )
        assert s.state == "rated"
        assert "rated" in s.flags

        s = driver.act(cst(2026, 3, 6, 9), Action.SIGN_OFF, "center-1", "center")
        assert s.state == "signed_off"
        assert s.final
        assert s.owner is None
        assert not s.clocks
        assert s.misses == {}

    def test_the_wrong_unit_cannot_accept(self, driver: Driver) -> None:
        """A liaison of another unit is refused: the work order belongs to the unit it was sent to."""
        driver.submit(cst(2026, 2, 12, 10), "consultation")
        driver.act(
            cst(2026, 2, 13, 16),
            Action.DISPATCH,
            "center-1",
            "center",
            payload={"unit": "planning"},
        )
        with pytest.raises(NotAuthorised, match="not a member of planning"):
            driver.act(cst(2026, 2, 14, 9), Action.ACCEPT, "economy-liaison", "unit")


class TestNationalDayCoordinationUnsatisfied:
    """A coordination matter across the 2025 National Day, rejected once, confirmed by silence, rated unsatisfied."""

    def test_the_unsatisfied_path(self, driver: Driver) -> None:
        """The sealed written reply within 15 working days closes the unsatisfied path (六(四))."""
        s = driver.submit(cst(2025, 9, 26, 15), "coordination")
        assert due(s) == {"dispatch": date(2025, 9, 28)}  # Sunday 28th is a make-up working day

        s = driver.act(
            cst(2025, 9, 28, 10),
            Action.DISPATCH,
            "center-1",
            "center",
            payload={"unit": "planning"},
        )
        assert due(s) == {"review": date(2025, 9, 29)}

        s = driver.act(cst(2025, 9, 29, 9), Action.ACCEPT, "planning-liaison", "unit")
        # 15 working days: Sep 30; Oct 9, 10, 11 (make-up Saturday), 13-17, 20-24, 27.
        assert due(s) == {"handling": date(2025, 10, 27)}

        s = driver.act(
            cst(2025, 10, 20, 9),
            Action.RESOLVE,
            "planning-liaison",
            "unit",
            payload={"result": "已协调"},
        )
        assert due(s) == {"confirmation": date(2025, 10, 23)}

        s = driver.act(
            cst(2025, 10, 21, 9),
            Action.REJECT_COMPLETION,
            ENTERPRISE,
            "enterprise",
            reason="审批仍未通过",
        )
        assert s.state == "handling"  # 六(三): 企业确认未办结的, 责任单位要继续办理
        # A fresh 15 working days from Oct 21: Oct 22-24, 27-31, Nov 3-7, 10, 11.
        assert due(s) == {"handling": date(2025, 11, 11)}

        s = driver.act(
            cst(2025, 11, 5, 9),
            Action.RESOLVE,
            "planning-liaison",
            "unit",
            payload={"result": "已办结"},
        )
        assert due(s) == {"confirmation": date(2025, 11, 10)}  # Nov 6, 7, 10

        driver.clock.set(cst(2025, 11, 11, 8))
        report = driver.engine.advance()
        kinds = [r.step.kind for f in report.fired for r in f.steps]
        assert kinds == ["clock_expired", "confirm_completion"]  # silence taken as confirmation
        assert driver.case_id is not None
        s = driver.engine.case(driver.case_id)
        assert s.state == "awaiting_rating"
        assert s.misses == {"confirmation": 1}
        assert due(s) == {"rating": date(2025, 11, 13)}  # confirmed at 24:00 Nov 10: Nov 11, 12, 13
        assert driver.engine.advance().fired == ()  # idempotent

        s = driver.act(
            cst(2025, 11, 12, 9),
            Action.RATE,
            ENTERPRISE,
            "enterprise",
            payload={"satisfaction": "unsatisfied"},
        )
        assert s.state == "unsatisfied"
        assert s.owner is not None
        assert s.owner.party == "planning"
        # 15 working days from Nov 12: Nov 13, 14, 17-21, 24-28, Dec 1, 2, 3.
        assert due(s) == {"written_reply": date(2025, 12, 3)}

        with pytest.raises(RefusedByRule, match="sealed"):
            driver.act(
                cst(2025, 11, 20, 9),
                Action.REPLY_IN_WRITING,
                "planning-liaison",
                "unit",
                payload={"summary": "书面回复", "sealed": False},
            )
        s = driver.act(
            cst(2025, 11, 20, 9),
            Action.REPLY_IN_WRITING,
            "planning-liaison",
            "unit",
            payload={"summary": "加盖公章的书面回复", "sealed": True},
        )
        assert s.state == "replied"
        assert "written_reply_sent" in s.flags

        s = driver.act(cst(2025, 11, 21, 9), Action.SIGN_OFF, "center-1", "center")
        assert s.final
        assert s.state == "signed_off"
        history = driver.engine.history(driver.case_id)
        assert [h.version for h in history] == list(range(1, len(history) + 1))
        assert [h.step.at for h in history] == sorted(h.step.at for h in history)
