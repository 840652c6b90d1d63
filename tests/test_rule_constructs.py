"""The rule-file constructs issue 13 added, each refused on load when misused, and each
deciding as its paragraph says: ``resume`` (a rejected completion goes on against the
original limit), ``date_from_payload`` (a statutory date entered on the step),
``category`` and ``level`` on transitions (a matter is registered with the rung that
leads it), and ``recount`` with ``change_category`` (a new category's limit counted from
the original receipt).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.builders import RosterBuilder
from tests.support import RULES, credit_code, cst, engine_on

from gridcase import RuleFileError
from gridcase.calendar import WorkingCalendar, national_calendar
from gridcase.domain.actions import Action
from gridcase.domain.case_state import CaseState, evolve
from gridcase.domain.commands import ActOnCase, Actor, SubmitDemand
from gridcase.interfaces.export import problem_ledger_table
from gridcase.kernel.errors import InvalidInput, NotAuthorised, OutOfScope, RefusedByRule
from gridcase.projections.coverage import CoverageReport
from gridcase.projections.ledger import ProblemLedger
from gridcase.workflow.compiler import CompiledRules
from gridcase.workflow.decide import decide_action, decide_expiries, decide_submission
from gridcase.workflow.diagram import to_mermaid
from gridcase.workflow.duties import duty_periods
from gridcase.workflow.loader import load_rules, parse_rules
from gridcase.workflow.model import DueRule, Duty

MALU = (RULES / "malu.yaml").read_text(encoding="utf-8")
YINGKOU = (RULES / "yingkou.yaml").read_text(encoding="utf-8")
ENTERPRISE = credit_code(13)
FIRM = Actor(ENTERPRISE, frozenset({"enterprise"}), enterprise=ENTERPRISE)
CENTER = Actor("center-1", frozenset({"center"}))
UNIT = Actor("planning-1", frozenset({"unit"}), frozenset({"planning"}))
OFFICER = Actor("officer-1", frozenset({"officer"}))
LEADER = Actor("leader-1", frozenset({"leader_in_charge"}))
MALU_RULES = load_rules(RULES / "malu.yaml")
CALENDAR = national_calendar()


@pytest.fixture(scope="module")
def calendar() -> WorkingCalendar:
    return national_calendar()


@pytest.fixture(scope="module")
def malu() -> CompiledRules:
    return load_rules(RULES / "malu.yaml")


@pytest.fixture(scope="module")
def yingkou() -> CompiledRules:
    return load_rules(RULES / "yingkou.yaml")


def problems(text: str) -> list[str]:
    with pytest.raises(RuleFileError) as info:
        parse_rules(text, name="edited.yaml")
    return [p.message for p in info.value.problems]


def replaced(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


class Story:
    """One case decided step by step with the pure functions, as the engine would."""

    def __init__(self, rules: CompiledRules, calendar: WorkingCalendar) -> None:
        self.rules, self.calendar = rules, calendar
        self.case: CaseState | None = None

    def submit(self, at: datetime, category: str, actor: Actor, role: str) -> CaseState:
        step = decide_submission(
            self.rules,
            self.calendar,
            SubmitDemand(
                jurisdiction=self.rules.jurisdiction,
                enterprise=ENTERPRISE,
                category=category,
                title="诉求",
                actor=actor.id,
                role=role,
                command_id="s",
            ),
            actor,
            at=at,
        )
        self.case = evolve(None, step, case_id=uuid4())
        return self.case

    def act(
        self,
        at: datetime,
        action: Action,
        actor: Actor,
        role: str,
        reason: str | None = None,
        **payload: Any,
    ) -> CaseState:
        assert self.case is not None
        self.advance(at)
        command = ActOnCase(
            self.case.case_id,
            action,
            actor.id,
            role,
            f"c{self.case.steps}",
            reason=reason,
            payload=payload,
        )
        step = decide_action(self.rules, self.calendar, self.case, command, actor, at=at)
        self.case = evolve(self.case, step)
        return self.case

    def advance(self, until: datetime) -> CaseState:
        assert self.case is not None
        for step in decide_expiries(self.rules, self.calendar, self.case, until):
            self.case = evolve(self.case, step)
        return self.case


def due(case: CaseState) -> dict[str, date]:
    return {name: oc.deadline.due_date for name, oc in case.clocks.items()}


def handling_malu(malu: CompiledRules, calendar: WorkingCalendar, category: str) -> Story:
    """A Malu matter accepted by the planning unit on Mon 8 Jun 2026."""
    s = Story(malu, calendar)
    s.submit(cst(2026, 6, 8, 9), category, FIRM, "enterprise")
    s.act(cst(2026, 6, 8, 10), Action.DISPATCH, CENTER, "center", unit="planning")
    s.act(cst(2026, 6, 8, 11), Action.ACCEPT, UNIT, "unit")
    return s


class TestResume:
    def test_a_rejection_resumes_the_deadline_the_clock_had(
        self, malu: CompiledRules, calendar: WorkingCalendar
    ) -> None:
        """六(三) 继续办理: the same deadline, computed when handling first started."""
        s = handling_malu(malu, calendar, "coordination")
        assert s.case is not None
        original = s.case.clocks["handling"]
        s.act(cst(2026, 6, 10, 9), Action.RESOLVE, UNIT, "unit", result="已协调")
        assert "handling" in s.case.stopped
        case = s.act(cst(2026, 6, 11, 9), Action.REJECT_COMPLETION, FIRM, "enterprise", "未办结")
        assert case.clocks["handling"] == original
        assert "handling" not in case.stopped

    def test_an_overdue_matter_stays_overdue(
        self, malu: CompiledRules, calendar: WorkingCalendar
    ) -> None:
        """A limit that ran out is not resumed; the monthly report it started is (六(四))."""
        s = handling_malu(malu, calendar, "consultation")
        # 5 working days from Mon 8 Jun: 9, 10, 11, 12, 15 → runs out at 24:00 Mon 15 Jun.
        s.advance(cst(2026, 6, 16, 9))
        assert s.case is not None
        assert s.case.misses == {"handling": 1}
        report = s.case.clocks["progress_report"]
        s.act(cst(2026, 6, 17, 9), Action.RESOLVE, UNIT, "unit", result="已答复")
        case = s.act(cst(2026, 6, 18, 9), Action.REJECT_COMPLETION, FIRM, "enterprise", "未答复")
        assert "handling" not in case.clocks
        assert case.clocks["progress_report"] == report
        assert due(case) == {"progress_report": date(2026, 7, 1)}
        assert case.misses == {"handling": 1}

    @settings(max_examples=25, deadline=None)
    @given(resolved=st.integers(0, 20), rejected=st.integers(0, 3))
    def test_a_rejection_never_moves_a_deadline_later(self, resolved: int, rejected: int) -> None:
        """Whenever the unit resolves and the enterprise rejects, no limit gets longer."""
        s = handling_malu(MALU_RULES, CALENDAR, "coordination")
        assert s.case is not None
        before = {n: oc.deadline.deadline for n, oc in s.case.clocks.items()}
        s.act(cst(2026, 6, 9 + resolved % 20, 9), Action.RESOLVE, UNIT, "unit", result="r")
        at = cst(2026, 6, 9 + resolved % 20, 10 + rejected)
        case = s.act(at, Action.REJECT_COMPLETION, FIRM, "enterprise", "未办结")
        limit = case.clocks.get("handling")
        if limit is not None:
            assert limit.deadline.deadline == before["handling"]
        else:
            assert case.misses.get("handling") == 1

    def test_a_resumed_clock_must_be_stopped_somewhere(self) -> None:
        text = replaced(
            MALU, "    resume: [handling, statutory, progress_report]\n", "    resume: [rating]\n"
        ).replace("    stop: [rating]\n", "")
        assert any("'rating' is never stopped by a step" in m for m in problems(text))

    def test_a_clock_cannot_be_resumed_and_started(self) -> None:
        text = replaced(
            MALU,
            "    resume: [handling, statutory, progress_report]\n",
            "    resume: [handling]\n    start: [handling]\n",
        )
        assert any("both resumed and started afresh" in m for m in problems(text))


class TestCannotMeetAndStatutoryDate:
    def test_cannot_be_met_owes_the_reply_in_15_working_days_in_every_category(
        self, malu: CompiledRules, calendar: WorkingCalendar
    ) -> None:
        """六(四): from the day the unit records it; Dragon Boat Festival 19 Jun is off."""
        for category in malu.rules.categories:
            s = handling_malu(malu, calendar, category)
            with pytest.raises(RefusedByRule, match="a reason is required"):
                s.act(cst(2026, 6, 9, 9), Action.DECLARE_CANNOT_MEET, UNIT, "unit")
            case = s.act(cst(2026, 6, 9, 9), Action.DECLARE_CANNOT_MEET, UNIT, "unit", "无法满足")
            # Jun 10-12 (3), 15-18 (7), [19 off], 22-26 (12), 29, 30, Jul 1 (15).
            assert (case.state, due(case)) == ("cannot_be_met", {"written_reply": date(2026, 7, 1)})

    def test_the_statutory_date_is_the_limit(
        self, malu: CompiledRules, calendar: WorkingCalendar
    ) -> None:
        s = handling_malu(malu, calendar, "approval")
        route = {"route": "litigation", "legal_basis": "《中华人民共和国行政诉讼法》"}
        with pytest.raises(NotAuthorised):
            s.act(
                cst(2026, 6, 9, 9),
                Action.CHOOSE_DISPUTE_ROUTE,
                FIRM,
                "enterprise",
                "起诉",
                statutory_due_date="2026-12-09",
                **route,
            )
        with pytest.raises(RefusedByRule, match="must be after the day the clock starts"):
            s.act(
                cst(2026, 6, 9, 9),
                Action.CHOOSE_DISPUTE_ROUTE,
                UNIT,
                "unit",
                "起诉",
                statutory_due_date="2026-06-09",
                **route,
            )
        with pytest.raises(InvalidInput, match="statutory_due_date"):
            s.act(
                cst(2026, 6, 9, 9),
                Action.CHOOSE_DISPUTE_ROUTE,
                UNIT,
                "unit",
                "起诉",
                statutory_due_date="明年",
                **route,
            )
        case = s.act(
            cst(2026, 6, 9, 9),
            Action.CHOOSE_DISPUTE_ROUTE,
            UNIT,
            "unit",
            "起诉",
            statutory_due_date="2026-12-09",
            **route,
        )
        assert due(case) == {"statutory": date(2026, 12, 9)}
        assert case.clocks["statutory"].deadline.deadline == cst(2026, 12, 10, 0)

    def test_a_date_from_a_payload_cannot_restart(self) -> None:
        text = replaced(
            MALU,
            "填报办理进展\n\nstates:",
            "填报办理进展\n      - effect: restart\n\nstates:",
        )
        assert any("cannot restart" in m for m in problems(text))

    def test_the_starting_step_must_require_the_date(self) -> None:
        text = replaced(
            MALU,
            "payload: [route, legal_basis, statutory_due_date]",
            "payload: [route, legal_basis]",
        )
        assert any("payload field 'statutory_due_date'" in m for m in problems(text))


class TestLedFromTheirRung:
    def test_each_category_is_registered_with_the_rung_that_leads_it(
        self, yingkou: CompiledRules, calendar: WorkingCalendar
    ) -> None:
        """三(三)1: 委内部门之间 → the grid chief; 委外 → the leader in charge."""
        expected = {
            "within_committee": ("with_officer", 0),
            "between_committee_departments": ("with_grid_chief", 1),
            "outside_committee": ("with_leader", 2),
        }
        for category, where in expected.items():
            case = Story(yingkou, calendar).submit(cst(2026, 3, 2, 9), category, OFFICER, "officer")
            assert (case.state, case.level) == where

    def test_the_officer_cannot_close_an_outside_committee_matter(
        self, yingkou: CompiledRules, calendar: WorkingCalendar
    ) -> None:
        s = Story(yingkou, calendar)
        s.submit(cst(2026, 3, 2, 9), "outside_committee", OFFICER, "officer")
        with pytest.raises(NotAuthorised):
            s.act(cst(2026, 3, 2, 10), Action.RESOLVE, OFFICER, "officer", result="已解决")

    def test_every_category_needs_a_submit(self) -> None:
        text = replaced(
            YINGKOU,
            "  - action: submit\n    to: with_officer",
            "  - action: submit\n    category: [outside_committee]\n    to: with_officer",
        )
        found = problems(text)
        assert any("no 'submit' for the categories: within_committee" in m for m in found)
        assert any("outside_committee already have a 'submit'" in m for m in found)

    def test_a_level_must_be_on_the_ladder(self) -> None:
        text = replaced(
            YINGKOU,
            "    to: with_leader\n    level: 2\n    by: [officer, enterprise]",
            "    to: with_leader\n    level: 7\n    by: [officer, enterprise]",
        )
        assert any("no level 7" in m for m in problems(text))

    def test_the_diagram_shows_category_and_level(self) -> None:
        text = to_mermaid(load_rules(RULES / "yingkou.yaml").rules)
        assert "[*] --> with_leader: submit · category=outside_committee" in text
        assert "at level 2" in text
        assert "recounts handling from receipt" in text


class TestChangeCategory:
    def test_the_new_limit_counts_from_the_original_receipt(
        self, yingkou: CompiledRules, calendar: WorkingCalendar
    ) -> None:
        """Registered Thu 12 Feb 2026; 5 working days: 13, 14 (make-up), 24, 25, 26 Feb."""
        s = Story(yingkou, calendar)
        s.submit(cst(2026, 2, 12, 10), "within_committee", OFFICER, "officer")
        assert s.case is not None
        assert due(s.case) == {"handling": date(2026, 2, 24)}
        with pytest.raises(InvalidInput, match="already of category"):
            s.act(
                cst(2026, 2, 14, 10),
                Action.CHANGE_CATEGORY,
                OFFICER,
                "officer",
                "委外",
                category="within_committee",
            )
        with pytest.raises(InvalidInput, match="unknown category"):
            s.act(
                cst(2026, 2, 14, 10), Action.CHANGE_CATEGORY, OFFICER, "officer", "x", category="x"
            )
        case = s.act(
            cst(2026, 2, 14, 10),
            Action.CHANGE_CATEGORY,
            OFFICER,
            "officer",
            "涉及供电公司",
            category="outside_committee",
        )
        assert (case.category, case.submission.category) == (
            "outside_committee",
            "within_committee",
        )
        assert (case.state, case.level, due(case)) == (
            "with_leader",
            2,
            {"handling": date(2026, 2, 26)},
        )
        case = s.act(
            cst(2026, 2, 25, 9), Action.RESOLVE, LEADER, "leader_in_charge", result="已协调"
        )
        assert case.misses == {}


class TestTheLedgerShowsProgressAndCategory:
    def test_progress_and_a_changed_category_reach_the_problem_ledger(self, tmp_path: Path) -> None:
        """Qingdao 二(五)2: the progress the enterprise queries is the department's report;
        Yingkou 三(三)1: the ledger lists a matter under the category it has now."""
        with engine_on(f"sqlite:///{tmp_path / 'g.db'}", cst(2026, 3, 2, 8)) as (engine, clock):
            code = credit_code(21, division="370214")
            people = RosterBuilder(engine, "qingdao")
            people.person("platform-1", "platform").person(
                "econ-1", "department", units=["economic_development"]
            ).enterprise(code, tier="located")
            clock.set(cst(2026, 3, 2, 9))
            case = engine.submit(
                SubmitDemand("qingdao", code, "economy", "增容", code, "enterprise", "submit-1")
            ).case_id
            for n, (action, actor, role, payload) in enumerate(
                [
                    (
                        Action.DISPATCH,
                        "platform-1",
                        "platform",
                        {
                            "unit": "economic_development",
                            "opinion": "办",
                            "time_limit_working_days": 5,
                        },
                    ),
                    (Action.ACCEPT, "econ-1", "department", {}),
                    (Action.REPORT_PROGRESS, "econ-1", "department", {"progress": "已踏勘"}),
                ]
            ):
                clock.set(cst(2026, 3, 2, 10 + n))
                engine.act(ActOnCase(case, action, actor, role, f"q{n}", payload=payload))
            row = next(iter(ProblemLedger.build(engine.log).rows.values()))
            assert (row.progress, row.progress_at) == ("已踏勘", cst(2026, 3, 2, 12))
            assert problem_ledger_table([row]).rows[0]["progress"] == "已踏勘"


class TestBijieServesEnterprisesInBothGrids:
    def test_only_enterprises_are_served(self, tmp_path: Path) -> None:
        """三(二) 辖区内所有存续的企业: public institutions and social organisations too are
        refused, as individual businesses and cooperatives are by name."""
        with engine_on(f"sqlite:///{tmp_path / 'b.db'}", cst(2026, 3, 2, 8)) as (engine, _):
            roster = RosterBuilder(engine, "bijie")
            roster.enterprise(credit_code(31, division="520502"))
            for prefix in ("12", "51", "53", "92", "93"):
                code = credit_code(32, prefix=prefix, division="520502")
                with pytest.raises(OutOfScope):
                    roster.enterprise(code)

    def test_an_enterprise_lacking_a_grid_kind_is_reported(self, tmp_path: Path) -> None:
        """三(三) 横向到边、纵向到底: coverage names an enterprise with no horizontal grid."""
        with engine_on(f"sqlite:///{tmp_path / 'b.db'}", cst(2026, 3, 2, 8)) as (engine, _):
            both, half = credit_code(33, division="520502"), credit_code(34, division="520502")
            roster = RosterBuilder(engine, "bijie")
            roster.enterprise(both).enterprise(half)
            roster.grid("industry-1", "vertical").grid("town-1", "horizontal")
            roster.in_grid(both, "industry-1").in_grid(both, "town-1").in_grid(half, "industry-1")
            report = engine.roster.coverage("bijie", "2026-03")
            assert isinstance(report, CoverageReport)
            assert report.lacking_grid_kinds == ((half, ("horizontal",)),)
            assert report.to_dict()["lacking_grid_kinds"] == {half: ["horizontal"]}

    def test_a_required_kind_must_be_declared(self) -> None:
        text = replaced(
            (RULES / "bijie.yaml").read_text(encoding="utf-8"),
            "required_grid_kinds: [vertical, horizontal]",
            "required_grid_kinds: [vertical, diagonal]",
        )
        assert any("unknown grid kind 'diagonal'" in m for m in problems(text))


class TestWeifangManyToOneOnlyForSectionLevel:
    def test_only_section_level_cadres_share_an_enterprise(self, tmp_path: Path) -> None:
        """ "一对一 … 经济主管部门正科级干部也可 … 采取'多对一'": two section-level cadres may
        serve one enterprise together; a department-level cadre serves it alone."""
        with engine_on(f"sqlite:///{tmp_path / 'w.db'}", cst(2026, 3, 2, 8)) as (engine, _):
            shared, alone = credit_code(41, division="370705"), credit_code(42, division="370705")
            roster = RosterBuilder(engine, "weifang")
            roster.enterprise(shared, tier="construction").enterprise(alone, tier="construction")
            for pid, rank in (
                ("section-1", "section_level_economic"),
                ("section-2", "section_level_economic"),
                ("head-1", "department_level"),
            ):
                roster.person(pid, "commissioner", rank=rank)
            roster.responsible(shared, "section-1").responsible(shared, "section-2")
            with pytest.raises(RefusedByRule, match=r"head-1 .* serves one-to-one") as refused:
                roster.responsible(shared, "head-1")
            assert refused.value.rule.endswith("roster.shared_ranks")
            roster.responsible(alone, "head-1")
            with pytest.raises(RefusedByRule, match=r"head-1 .* serves one-to-one"):
                roster.responsible(alone, "section-1")


class TestPeriodicDuties:
    def test_yingkous_report_is_due_at_the_end_of_april(self, calendar: WorkingCalendar) -> None:
        """三(三)4 每年4月底前: by 24:00 on 30 April (a Thursday in 2026, before Labour Day)."""
        duty = load_rules(RULES / "yingkou.yaml").rules.duties["research_report"]
        periods = list(
            duty_periods("research_report", duty, calendar, date(2025, 6, 1), date(2026, 12, 31))
        )
        assert [(p.first, p.last, p.due.due_date) for p in periods] == [
            (date(2025, 1, 1), date(2025, 12, 31), date(2025, 4, 30)),
            (date(2026, 1, 1), date(2026, 12, 31), date(2026, 4, 30)),
        ]
        report = periods[1]
        assert report.due.deadline == cst(2026, 5, 1, 0)
        assert not report.missed(cst(2026, 4, 30, 23), now=cst(2026, 6, 1, 9))
        assert report.missed(cst(2026, 5, 6, 9), now=cst(2026, 6, 1, 9))
        assert report.missed(None, now=cst(2026, 5, 1, 0))
        assert not report.missed(None, now=cst(2026, 4, 30, 12))

    def test_bijies_ledger_before_the_27th_and_malus_first_working_day(
        self, calendar: WorkingCalendar
    ) -> None:
        """Bijie 27日前: by the 26th; Malu 每月第1个工作日: after Labour Day 2026, Wed 6 May."""
        ledger = load_rules(RULES / "bijie.yaml").rules.duties["visit_ledger"]
        [feb] = duty_periods("visit_ledger", ledger, calendar, date(2026, 2, 1), date(2026, 2, 28))
        assert feb.due.due_date == date(2026, 2, 26)
        report = MALU_RULES.rules.duties["progress_report"]
        [may] = duty_periods(
            "progress_report", report, calendar, date(2026, 5, 1), date(2026, 5, 31)
        )
        assert may.due.due_date == date(2026, 5, 6)

    @settings(max_examples=30, deadline=None)
    @given(every=st.integers(1, 12), month=st.integers(1, 12), day=st.integers(2, 31))
    def test_every_occurrence_is_due_inside_its_period(
        self, every: int, month: int, day: int
    ) -> None:
        """Whatever the rule, each period is ``every`` months long and due within itself."""
        due = DueRule.model_validate(
            {
                "every_months": every,
                "from": "2024-01-01",
                "month": min(month, every),
                "by": "day",
                "day": day,
                "before": True,
            }
        )
        duty = Duty.model_validate(
            {
                "name": {"zh": "报", "en": "r"},
                "owed_by": "x",
                "owed_to": {"zh": "办", "en": "o"},
                "due": due.model_dump(by_alias=True),
                "assumption": "test",
            }
        )
        for p in duty_periods("d", duty, CALENDAR, date(2024, 1, 1), date(2026, 12, 31)):
            assert p.first <= p.due.due_date <= p.last
            months = (p.last.year - p.first.year) * 12 + p.last.month - p.first.month + 1
            assert months == every

    def test_a_duty_is_checked_on_load(self) -> None:
        text = replaced(
            YINGKOU,
            "due: {every_months: 12, from: 2022-01-01, month: 4, by: end_of_month}",
            "due: {every_months: 3, from: 2022-01-15, month: 4, by: day}",
        )
        found = problems(text)
        assert any("begin on the 1st of a month" in m for m in found)
        assert any("month 4 of a period of 3" in m for m in found)
        assert any("give 'day' exactly when 'by' is 'day'" in m for m in found)

    def test_the_diagram_lists_the_duties(self) -> None:
        text = to_mermaid(load_rules(RULES / "yingkou.yaml").rules)
        assert "duties<br/>research_report = officer (each_holder)" in text
