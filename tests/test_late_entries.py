"""When it was recorded: a step dated back is a late entry, and a late entry never erases a miss.

The case the trust issue was found with: a Yingkou matter outside the committee
(委外, 5 working days) submitted on Monday 2 March 2026 is due by 24:00 on Monday
9 March (3, 4, 5, 6, 9 March). Its officer resolves it on Friday 20 March but dates the
step 3 March. Before 0.2 that was accepted without trace: no miss, and the case "as of
5 March" read as resolved.
"""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

import pytest
from tests.support import RULES, AdminEngine, credit_code, cst

from gridcase import Action, ActOnCase, Engine, ManualClock, SubmitDemand
from gridcase.kernel.errors import LateEntry, StaleTimestamp

CODE = credit_code(9, prefix="91", division="210800")
SUBMITTED = cst(2026, 3, 2, 9)
CLAIMED = cst(2026, 3, 3, 10)
RECORDED = cst(2026, 3, 20, 15)


@pytest.fixture
def yingkou(store_url: str) -> tuple[Engine, ManualClock, UUID]:
    clock = ManualClock(SUBMITTED)
    engine = AdminEngine(store_url, rules=RULES, clock=clock)
    engine.register_enterprise(
        jurisdiction="yingkou",
        credit_code=CODE,
        name="营口示例物流有限公司",
        command_id="e",
        in_scope_from=date(2024, 1, 1),
    )
    engine.register_person(
        jurisdiction="yingkou", person_id="wang", name="王", roles=["officer"], command_id="p"
    )
    case_id = engine.submit(
        SubmitDemand(
            jurisdiction="yingkou",
            enterprise=CODE,
            category="outside_committee",
            title="冷链仓储用地",
            actor="wang",
            role="officer",
            command_id="s",
        )
    ).case_id
    clock.set(RECORDED)
    return engine, clock, case_id


def resolve(case_id: UUID, late_reason: str | None = None) -> ActOnCase:
    return ActOnCase(
        case_id,
        Action.RESOLVE,
        "wang",
        "officer",
        "r",
        at=CLAIMED,
        payload={"result": "已协调用地"},
        late_reason=late_reason,
    )


class TestTheBackDatedResolve:
    def test_the_handling_limit_is_9_march(self, yingkou: tuple[Engine, ManualClock, UUID]) -> None:
        engine, _, case_id = yingkou
        due = engine.case(case_id, as_of=SUBMITTED).clocks["handling"].deadline
        assert due.due_date == date(2026, 3, 9)

    def test_is_refused_without_a_reason_and_writes_nothing(
        self, yingkou: tuple[Engine, ManualClock, UUID]
    ) -> None:
        """Dated 3 March, recorded 20 March: far past the 10-minute tolerance."""
        engine, _, case_id = yingkou
        before = engine.log.head()
        with pytest.raises(LateEntry, match="needs a late_reason") as refused:
            engine.act(resolve(case_id))
        assert "17 day(s)" in str(refused.value)
        assert refused.value.rule == "yingkou@2022.1 recording.late_entry_tolerance_minutes"
        assert engine.log.head() == before

    def test_with_a_reason_it_is_recorded_late_and_the_miss_stands(
        self, yingkou: tuple[Engine, ManualClock, UUID]
    ) -> None:
        engine, _, case_id = yingkou
        done = engine.act(resolve(case_id, "纸质台账补录"))
        kinds = [s.step.kind for s in done.steps]
        assert kinds == ["clock_expired", "resolve"]
        miss, resolved = (s.step for s in done.steps)
        assert (miss.clock, miss.at) == ("handling", cst(2026, 3, 10))
        assert resolved.at == CLAIMED
        assert resolved.recorded_at == RECORDED
        assert resolved.late_reason == "纸质台账补录"
        assert resolved.late
        state = engine.case(case_id)
        assert state.misses == {"handling": 1}
        assert state.state == "fed_back"

    def test_the_clocks_it_starts_count_from_when_it_was_recorded(
        self, yingkou: tuple[Engine, ManualClock, UUID]
    ) -> None:
        """The enterprise's 3 working days to confirm begin on 20 March, not on the 3rd."""
        engine, _, case_id = yingkou
        engine.act(resolve(case_id, "纸质台账补录"))
        confirmation = engine.case(case_id).clocks["confirmation"].deadline
        assert confirmation.due_date == date(2026, 3, 25)  # 23, 24, 25 March

    def test_every_step_carries_both_times(self, yingkou: tuple[Engine, ManualClock, UUID]) -> None:
        engine, _, case_id = yingkou
        engine.act(resolve(case_id, "纸质台账补录"))
        history = engine.history(case_id)
        assert [(h.step.at, h.step.recorded_at) for h in history] == [
            (SUBMITTED, SUBMITTED),
            (cst(2026, 3, 10), RECORDED),
            (CLAIMED, RECORDED),
        ]

    def test_as_it_happened_and_as_it_was_known(
        self, yingkou: tuple[Engine, ManualClock, UUID]
    ) -> None:
        """On 5 March the claim says resolved; what was known on 5 March is that it was open."""
        engine, _, case_id = yingkou
        engine.act(resolve(case_id, "纸质台账补录"))
        assert engine.case(case_id, as_of=cst(2026, 3, 5)).state == "fed_back"
        known = engine.case(case_id, known_at=cst(2026, 3, 5))
        assert known.state == "with_officer"
        assert known.misses == {}
        assert engine.case(case_id, known_at=RECORDED).misses == {"handling": 1}


class TestOnTime:
    def test_a_step_within_the_tolerance_needs_no_reason(
        self, yingkou: tuple[Engine, ManualClock, UUID]
    ) -> None:
        engine, _, case_id = yingkou
        step = ActOnCase(
            case_id,
            Action.RECORD_DELAY_REASON,
            "wang",
            "officer",
            "d",
            at=RECORDED - timedelta(minutes=9),
            reason="等待用地意见",
        )
        (recorded,) = engine.act(step).steps[-1:]
        assert not recorded.step.late

    def test_a_late_entry_still_cannot_go_before_what_was_recorded(
        self, yingkou: tuple[Engine, ManualClock, UUID]
    ) -> None:
        """History stays in recorded order: a reason does not let a step slip before the submission."""
        engine, _, case_id = yingkou
        early = ActOnCase(
            case_id,
            Action.RESOLVE,
            "wang",
            "officer",
            "r0",
            at=SUBMITTED - timedelta(days=1),
            payload={"result": "x"},
            late_reason="补录",
        )
        with pytest.raises(StaleTimestamp):
            engine.act(early)


class TestTheLedger:
    def test_flags_the_late_entry_with_its_reason_and_when_it_was_recorded(
        self, yingkou: tuple[Engine, ManualClock, UUID]
    ) -> None:
        from gridcase.projections.ledger import ProblemLedger

        engine, _, case_id = yingkou
        engine.act(resolve(case_id, "纸质台账补录"))
        (row,) = ProblemLedger.build(engine.log).for_jurisdiction("yingkou")
        assert row.late_entries == [(3, "纸质台账补录")]
        assert row.last_recorded_at == RECORDED
        assert row.misses == {"handling": 1}
        assert row.overdue
