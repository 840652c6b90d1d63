"""Clock durations that the rule files declare, turned into deadlines when a clock starts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.support import RULES, credit_code, cst

from gridcase import Action, ActOnCase, Actor, RuleFileError, SubmitDemand, national_calendar
from gridcase.domain.case_state import CaseState, evolve
from gridcase.workflow.clocks import next_meeting_date
from gridcase.workflow.decide import decide_action, decide_expiries, decide_submission
from gridcase.workflow.loader import parse_rules
from gridcase.workflow.model import MeetingSchedule, Weekday

CAL = national_calendar()
FORTNIGHTLY = MeetingSchedule(every_weeks=2, weekday=Weekday.THURSDAY, anchor=date(2021, 2, 25))


class TestNextMeeting:
    def test_a_meeting_postponed_by_the_holiday_is_still_ahead(self) -> None:
        """The meeting of Thu 19 Feb 2026 falls in the Spring Festival and is held Tue 24 Feb: a matter sent up on the 21st goes there."""
        assert next_meeting_date(FORTNIGHTLY, date(2026, 2, 21), CAL) == date(2026, 2, 24)

    def test_a_matter_sent_up_on_the_meeting_day_waits_for_the_next(self) -> None:
        """Papers sent up on the day of a meeting go to the following one."""
        assert next_meeting_date(FORTNIGHTLY, date(2026, 2, 24), CAL) == date(2026, 3, 5)
        assert next_meeting_date(FORTNIGHTLY, date(2026, 3, 5), CAL) == date(2026, 3, 19)

    def test_monthly_on_the_first_working_day(self) -> None:
        """October 2026's first working day is the 8th (National Day 1-7 off)."""
        monthly = MeetingSchedule(monthly="first_working_day")
        assert next_meeting_date(monthly, date(2026, 9, 30), CAL) == date(2026, 10, 8)
        assert next_meeting_date(monthly, date(2026, 10, 8), CAL) == date(2026, 11, 2)

    @given(st.dates(min_value=date(2021, 3, 1), max_value=date(2026, 11, 30)))
    def test_the_next_meeting_is_a_working_day_within_the_period_and_a_holiday(
        self, sent: date
    ) -> None:
        """Always strictly after the day sent up, on a working day, and never more than a period plus a holiday away."""
        held = next_meeting_date(FORTNIGHTLY, sent, CAL)
        assert held > sent
        assert CAL.is_working_day(held)
        assert held - sent <= timedelta(days=14 + 10)


def _bijie_with_restart() -> tuple[object, CaseState]:
    text = (RULES / "bijie.yaml").read_text(encoding="utf-8")
    edited = text.replace(
        "    on_expiry:\n      - effect: record_miss\n        cite: 四(一)5 / 四(二)5 一时化解不了",
        "    on_expiry:\n      - effect: restart\n        assumption: test\n      - effect: record_miss\n        cite: 四(一)5 / 四(二)5 一时化解不了",
        1,
    )
    assert edited != text
    rules = parse_rules(edited, name="bijie-restart.yaml")
    enterprise = credit_code(3, division="520502")
    officer = Actor("officer-1", frozenset({"officer"}))
    first = decide_submission(
        rules,
        CAL,
        SubmitDemand(
            jurisdiction="bijie",
            enterprise=enterprise,
            category="problem",
            title="用工",
            actor="officer-1",
            role="officer",
            command_id="s",
        ),
        officer,
        at=cst(2026, 3, 2, 9),
    )
    case = evolve(None, first, case_id=__import__("uuid").uuid4())
    plan = decide_action(
        rules,
        CAL,
        case,
        ActOnCase(
            case.case_id,
            Action.SET_PLAN,
            "chief-1",
            "grid_chief",
            "p",
            payload={
                "responsible_leader": "吴某",
                "measures": "联系人社局",
                "time_limit_working_days": 4,
            },
        ),
        Actor("chief-1", frozenset({"grid_chief"})),
        at=cst(2026, 3, 2, 10),
    )
    return rules, evolve(case, plan)


class TestLimitsSetPerCase:
    def test_the_limit_is_kept_on_the_open_clock(self) -> None:
        """A plan's 4 working days from Mon 2 Mar 2026 end on Fri 6 Mar, and the clock remembers the 4."""
        _, case = _bijie_with_restart()
        clock = case.clocks["resolution"]
        assert clock.deadline.due_date == date(2026, 3, 6)
        assert clock.limit == 4

    def test_a_restart_reuses_the_limit_the_plan_set(self) -> None:
        """When the plan's limit runs out and the clock restarts, it runs the same 4 working days again."""
        rules, case = _bijie_with_restart()
        steps = decide_expiries(rules, CAL, case, cst(2026, 3, 9, 9))  # type: ignore[arg-type]
        assert [s.kind for s in steps] == ["clock_expired"]
        (restarted,) = steps[0].outcome.clocks_started
        assert restarted.limit == 4
        assert restarted.deadline.due_date == date(
            2026, 3, 12
        )  # from 24:00 Mar 6: Mar 9, 10, 11, 12

    def test_an_expiry_may_not_start_a_per_case_clock(self) -> None:
        """Only the step that sets the limit can start such a clock; a rule saying otherwise is refused."""
        text = (RULES / "bijie.yaml").read_text(encoding="utf-8")
        edited = text.replace(
            "the expiry stays on record\n",
            "the expiry stays on record\n      - {effect: start, clocks: [resolution]}\n",
            1,
        )
        assert edited != text
        with pytest.raises(RuleFileError, match="an expiry cannot start it"):
            parse_rules(edited)
