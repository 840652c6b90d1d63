"""The compiled state machine chooses each step, as the rule file orders its branches.

Each rule-file transition is one machine transition per source state, tried in file
order; its conditions are its ``when`` (false: the machine tries the next branch) and
its permission (roles and guards, which refuse with the rule's name rather than let a
matter slip through to a later default branch). The machine is shared by every case of
a rule version and attached to none of them.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from uuid import uuid4

import pytest
from tests.support import RULES, credit_code, cst

from gridcase.calendar import WorkingCalendar, national_calendar
from gridcase.domain.actions import Action
from gridcase.domain.case import Case
from gridcase.domain.case_state import CaseState, Owner, evolve
from gridcase.domain.commands import ActOnCase, Actor, SubmitDemand
from gridcase.kernel.errors import NotAuthorised, RefusedByRule
from gridcase.workflow.compiler import CompiledRules
from gridcase.workflow.decide import decide_action, decide_submission
from gridcase.workflow.diagram import to_mermaid
from gridcase.workflow.loader import load_rules, parse_rules
from gridcase.workflow.model import Transition

AT = cst(2026, 3, 2, 9)
ENTERPRISE = credit_code(8)
ME = Actor(ENTERPRISE, frozenset({"enterprise"}), enterprise=ENTERPRISE)
CENTER = Actor("center-1", frozenset({"center"}))
UNIT = Actor("planning-1", frozenset({"unit"}), frozenset({"planning"}))


@pytest.fixture(scope="module")
def calendar() -> WorkingCalendar:
    return national_calendar()


@pytest.fixture(scope="module")
def malu() -> CompiledRules:
    return load_rules(RULES / "malu.yaml")


@pytest.fixture(scope="module")
def qingdao() -> CompiledRules:
    return load_rules(RULES / "qingdao.yaml")


def submitted(rules: CompiledRules, calendar: WorkingCalendar) -> CaseState:
    step = decide_submission(
        rules,
        calendar,
        SubmitDemand(
            jurisdiction=rules.jurisdiction,
            enterprise=ENTERPRISE,
            category=next(iter(rules.rules.categories)),
            title="诉求",
            actor=ENTERPRISE,
            role="enterprise",
            command_id="s",
        ),
        ME,
        at=AT,
    )
    return evolve(None, step, case_id=uuid4())


def awaiting_rating(rules: CompiledRules, calendar: WorkingCalendar) -> CaseState:
    """A case the enterprise is asked to rate (the earlier steps do not matter here)."""
    case = submitted(rules, calendar)
    return replace(case, state="awaiting_rating", owner=Owner("enterprise", ENTERPRISE))


def rate(case: CaseState, reason: str | None = None, **payload: Any) -> ActOnCase:
    return ActOnCase(
        case.case_id, Action.RATE, ENTERPRISE, "enterprise", "r", reason=reason, payload=payload
    )


@dataclass
class Witness:
    """A decision context that lets everything through and notes what the machine asked."""

    state: str
    payload: Mapping[str, Any]
    category: str = "consultation"
    asked: list[int] = field(default_factory=list)
    fired: list[int] = field(default_factory=list)

    def permit(self, index: int, rule: Transition) -> bool:
        self.asked.append(index)
        return True

    def chose(self, index: int, rule: Transition) -> None:
        self.fired.append(index)


class TestBranchesInFileOrder:
    def test_the_machine_holds_the_branches_in_file_order(self, malu: CompiledRules) -> None:
        """Malu's two rate branches from awaiting_rating are transitions[13] then [14]."""
        found = malu.transitions("awaiting_rating", Action.RATE)
        assert [i for i, _ in found] == [13, 14]
        assert [t.to for _, t in found] == ["unsatisfied", "rated"]

    def test_a_when_that_holds_fires_its_branch(self, malu: CompiledRules) -> None:
        """ "Unsatisfied" matches [13]'s when: its permission is asked, it fires, and the
        machine moves the context (not a case) to unsatisfied."""
        witness = Witness("awaiting_rating", {"satisfaction": "unsatisfied"})
        assert malu.choose(witness, Action.RATE)
        assert (witness.asked, witness.fired, witness.state) == ([13], [13], "unsatisfied")

    def test_a_when_that_fails_passes_to_the_next_branch(self, malu: CompiledRules) -> None:
        """ "Satisfied" fails [13]'s when, so [13] is never asked to permit; the default
        branch [14] fires."""
        witness = Witness("awaiting_rating", {"satisfaction": "satisfied"})
        assert malu.choose(witness, Action.RATE)
        assert (witness.asked, witness.fired, witness.state) == ([14], [14], "rated")

    def test_decide_action_records_the_branch_the_machine_chose(
        self, malu: CompiledRules, calendar: WorkingCalendar
    ) -> None:
        case = awaiting_rating(malu, calendar)
        unhappy = decide_action(
            malu, calendar, case, rate(case, satisfaction="unsatisfied"), ME, at=AT
        )
        happy = decide_action(malu, calendar, case, rate(case, satisfaction="satisfied"), ME, at=AT)
        assert (unhappy.outcome.state, happy.outcome.state) == ("unsatisfied", "rated")

    def test_no_branch_for_the_payload_refuses_as_before(
        self, qingdao: CompiledRules, calendar: WorkingCalendar
    ) -> None:
        """An action not allowed in the state still says what is allowed there."""
        case = awaiting_rating(qingdao, calendar)
        with pytest.raises(
            RefusedByRule, match=r"dispatch is not allowed in state 'awaiting_rating'"
        ):
            decide_action(
                qingdao,
                calendar,
                case,
                ActOnCase(case.case_id, Action.DISPATCH, "c", "center", "d"),
                CENTER,
                at=AT,
            )


def _guarded_malu() -> CompiledRules:
    """Malu, but an unsatisfied rating must give a reason (a guard on the when-branch only)."""
    text = (RULES / "malu.yaml").read_text(encoding="utf-8")
    branch = "    when: {satisfaction: [unsatisfied]}\n"
    assert text.count(branch) == 1
    return parse_rules(
        text.replace(branch, branch + "    guards: {reason: true}\n"), name="guarded"
    )


class TestAMatchedBranchDoesNotFallThrough:
    def test_a_failing_guard_refuses_naming_the_matched_branch(
        self, calendar: WorkingCalendar
    ) -> None:
        """Without a reason the unsatisfied branch refuses, citing transitions[13]; the
        default branch [14] would have accepted it, recording a satisfied-looking rating."""
        rules = _guarded_malu()
        case = awaiting_rating(rules, calendar)
        with pytest.raises(RefusedByRule, match="rate: a reason is required") as refused:
            decide_action(rules, calendar, case, rate(case, satisfaction="unsatisfied"), ME, at=AT)
        assert refused.value.rule == "malu@2023.1 transitions[13]: rate from awaiting_rating"
        given = rate(case, reason="回复不及时", satisfaction="unsatisfied")
        assert decide_action(rules, calendar, case, given, ME, at=AT).outcome.state == "unsatisfied"

    def test_the_first_failing_guard_is_the_one_reported(
        self, qingdao: CompiledRules, calendar: WorkingCalendar
    ) -> None:
        """Qingdao's unsatisfied branch needs all four scores: it names what is missing, not
        the default branch after it (which needs the same fields)."""
        case = awaiting_rating(qingdao, calendar)
        command = rate(case, satisfaction="unsatisfied", efficiency=2)
        with pytest.raises(
            RefusedByRule, match=r"payload field\(s\) required: attitude, quality"
        ) as refused:
            decide_action(qingdao, calendar, case, command, ME, at=AT)
        unsatisfied = next(
            i
            for i, t in enumerate(qingdao.rules.transitions)
            if t.action is Action.RATE and t.when.get("satisfaction") == ["unsatisfied"]
        )
        assert refused.value.rule == (
            f"qingdao@2020.1 transitions[{unsatisfied}]: rate from awaiting_rating"
        )

    def test_a_wrong_role_on_the_matched_branch_refuses(
        self, malu: CompiledRules, calendar: WorkingCalendar
    ) -> None:
        """Permission is the same condition: a center may not rate for the enterprise."""
        case = awaiting_rating(malu, calendar)
        command = replace(rate(case, satisfaction="unsatisfied"), actor="center-1", role="center")
        with pytest.raises(NotAuthorised, match="may not rate here"):
            decide_action(malu, calendar, case, command, CENTER, at=AT)


def _outcome(
    rules: CompiledRules,
    calendar: WorkingCalendar,
    case: CaseState,
    command: ActOnCase,
    actor: Actor,
) -> tuple[str, str]:
    """What a decision came to: the step taken and where it led, or the refusal in full."""
    try:
        step = decide_action(rules, calendar, case, command, actor, at=AT)
    except (RefusedByRule, NotAuthorised) as refusal:
        return type(refusal).__name__, f"{getattr(refusal, 'rule', '')} {refusal}"
    return "taken", f"{step.kind} -> {step.outcome.state} {step.outcome.flags_set}"


def _mixed(
    malu: CompiledRules, qingdao: CompiledRules, calendar: WorkingCalendar
) -> Iterator[tuple[CompiledRules, CaseState, ActOnCase, Actor]]:
    """Commands that take, refuse and branch, on two rule versions (two shared machines)."""
    for rules in (malu, qingdao):
        waiting = awaiting_rating(rules, calendar)
        new = submitted(rules, calendar)
        yield rules, waiting, rate(waiting, satisfaction="unsatisfied"), ME
        yield rules, waiting, rate(waiting, satisfaction="satisfied", efficiency=5), ME
        yield rules, waiting, rate(waiting), ME
        yield (
            rules,
            waiting,
            rate(waiting, satisfaction="satisfied", efficiency=5, attitude=5, quality=4),
            ME,
        )
        yield (
            rules,
            new,
            ActOnCase(
                new.case_id, Action.WITHDRAW, ENTERPRISE, "enterprise", "w", reason="不需要了"
            ),
            ME,
        )
        yield rules, new, ActOnCase(new.case_id, Action.ACCEPT, "planning-1", "unit", "a"), UNIT
        by_center = replace(
            rate(waiting, satisfaction="satisfied"), actor="center-1", role="center"
        )
        yield rules, waiting, by_center, CENTER
    new = submitted(malu, calendar)
    dispatch = ActOnCase(
        new.case_id, Action.DISPATCH, "center-1", "center", "d", payload={"unit": "planning"}
    )
    yield malu, new, dispatch, CENTER


def test_decisions_from_many_threads_agree_with_one_thread(
    malu: CompiledRules, qingdao: CompiledRules, calendar: WorkingCalendar
) -> None:
    """Engines decide on several threads at once over one machine per rule version; each
    decision has its own context, so none sees another's state or payload."""
    work = list(_mixed(malu, qingdao, calendar))

    def decide(k: int) -> tuple[str, str]:
        rules, case, command, actor = work[k]
        return _outcome(rules, calendar, case, command, actor)

    alone = [decide(k) for k in range(len(work))]
    assert {kind for kind, _ in alone} == {"taken", "RefusedByRule", "NotAuthorised"}
    jobs = [k % len(work) for k in range(len(work) * 150)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible, mid-decision
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            together = list(pool.map(decide, jobs))
    finally:
        sys.setswitchinterval(interval)
    assert together == [alone[k] for k in jobs]


MACHINE_BOUND = ("trigger", "may_trigger", "state_is")


def _bound_by_a_machine(obj: object, rules: CompiledRules) -> list[str]:
    """The names ``transitions`` grafts onto a model it is attached to, found on ``obj``."""
    names = [*MACHINE_BOUND]
    for action in Action:
        names += [action.value, f"may_{action.value}"]
    for state in rules.rules.states:
        names += [f"is_{state}", f"to_{state}"]
    return [n for n in names if hasattr(obj, n)]


def test_no_case_is_ever_attached_to_the_machine(
    malu: CompiledRules, calendar: WorkingCalendar
) -> None:
    """Along Malu's whole path, neither the Case aggregate nor its state gains a trigger
    method, and the shared machine has no model: cases change only by recorded events."""
    case_id = uuid4()
    start = decide_submission(
        malu,
        calendar,
        SubmitDemand("malu", ENTERPRISE, "consultation", "诉求", ENTERPRISE, "enterprise", "s"),
        ME,
        at=AT,
    )
    aggregate = Case.open(case_id, start)
    state = evolve(None, start, case_id=case_id)
    path = [
        (Action.DISPATCH, CENTER, "center", {"unit": "planning"}),
        (Action.ACCEPT, UNIT, "unit", {}),
        (Action.RESOLVE, UNIT, "unit", {"result": "已答复"}),
        (Action.CONFIRM_COMPLETION, ME, "enterprise", {}),
        (Action.RATE, ME, "enterprise", {"satisfaction": "satisfied"}),
        (Action.SIGN_OFF, CENTER, "center", {}),
    ]
    at: datetime = AT
    for n, (action, actor, role, payload) in enumerate(path):
        command = ActOnCase(case_id, action, actor.id, role, f"c{n}", payload=payload)
        step = decide_action(malu, calendar, state, command, actor, at=at)
        aggregate.record(step)
        state = evolve(state, step)
        assert _bound_by_a_machine(aggregate, malu) == []
        assert _bound_by_a_machine(state, malu) == []
    assert state.state == aggregate.state.state == "signed_off"
    assert malu.machine.models == []


@pytest.mark.parametrize("name", ["malu", "bijie", "qingdao", "weifang", "yingkou"])
def test_the_diagram_draws_the_machine_that_decides(name: str) -> None:
    """Each transition the machine can fire is one edge of ``rules diagram``, labelled
    with its action, and the final states end the path: the picture officials review is
    the machine gridcase runs."""
    rules = load_rules(RULES / f"{name}.yaml")
    lines = to_mermaid(rules.rules).splitlines()
    edges = [line for line in lines if " --> " in line and "[*]" not in line]
    assert len(edges) == len(rules.machine.get_transitions())
    for state in rules.rules.states:
        for action in rules.allowed_actions(state):
            for _, rule in rules.transitions(state, action):
                edge = f"    {state} --> {rule.to or state}: {action.value}"
                assert any(line.startswith(edge) for line in edges), edge
    ends = {line.split()[0] for line in lines if line.endswith(" --> [*]")}
    assert ends == {s for s, st in rules.rules.states.items() if st.final}
