"""The invariants every jurisdiction's cases share, checked on a case's recorded steps.

Each check reads the steps a case recorded (as the store gives them back) and the rule
file they were decided under, and names what is wrong:

``owner``
    a case has an owner until it is closed, a closed case runs no clock, and a handover
    (a dispatch, a return, a redispatch, an escalation, a rejected completion) hands the
    case to someone: it never closes it;
``owner_can_act``
    the owner's role can take some step where the case is, or a running clock will move
    the case on by itself (otherwise the case would sit with
    someone who cannot move it: an escalation to a rung nobody at it can act on, a return
    that hands the case to nobody);
``clock_never_stopped``
    a clock that restarts each time it runs out (a monthly report) runs only where a step
    of that state stops it or closes the case, so no path leaves it running for ever;
``deadline``
    every running clock's deadline is the calendar's answer for its start, and a clock
    counted in working days (or whose source says 工作日) ends on a working day;
``sign_off``
    a sign-off comes after a rating, an approved internal sign-off, or a flag the
    sign-off rule explicitly requires;
``escalation``
    every escalation follows a missed clock (``system``, at the expiry) or is a recorded
    decision (a person, with a reason), and reaches a rung an official body holds (the
    enterprise holds none);
``actor_allowed``
    every step names an actor who holds its role, in a role the rule allows;
``property``
    the properties the rule file declares (:mod:`gridcase.workflow.properties`).

The replay and "a refused command writes nothing" invariants need an engine and are
checked by :class:`gridcase.testing.CaseMachine`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from gridcase.calendar import WorkingCalendar
from gridcase.domain.actions import SYSTEM_ROLE, Action
from gridcase.domain.case_state import CLOCK_EXPIRED, CaseState, Step, evolve
from gridcase.kernel.errors import GridcaseError
from gridcase.testing.world import World
from gridcase.workflow.checks import target_states
from gridcase.workflow.clocks import clock_duration, compute_deadline
from gridcase.workflow.compiler import CompiledRules
from gridcase.workflow.model import (
    CalendarDays,
    DateFromPayload,
    DayOfMonth,
    RestartEffect,
    RoleKind,
    WorkingDaysFromPayload,
)
from gridcase.workflow.properties import judge

__all__ = ["INVARIANTS", "Violation", "check_case", "says_working_days"]

INVARIANTS = (
    "owner",
    "clock_never_stopped",
    "deadline",
    "sign_off",
    "escalation",
    "actor_allowed",
    "property",
    "replay",
    "refused_writes_nothing",
)
"""Every invariant the kit checks, by name."""

SIGN_OFF_GRANTS = (Action.RATE.value, Action.APPROVE_INTERNAL_SIGN_OFF.value)
HANDOVERS = frozenset(
    {
        Action.DISPATCH,
        Action.REDISPATCH,
        Action.REQUEST_RETURN,
        Action.DECIDE_RETURN,
        Action.ESCALATE,
        Action.REJECT_COMPLETION,
    }
)
"""Steps that pass a case on: they must leave it with someone."""


@dataclass(frozen=True)
class Violation:
    """An invariant a case breaks, and the step (index into its steps) that broke it."""

    invariant: str
    message: str
    step: int | None = None
    """None when the case breaks it by time passing (a property's period ends)."""
    clock: str | None = None
    expected_due: str | None = None
    """For ``deadline``: the due date the calendar gives (ISO date)."""


def says_working_days(rules: CompiledRules, clock: str, category: str) -> bool:
    """Whether the source quoted for ``clock`` (or its category) counts in 工作日."""
    texts = [rules.rules.clocks[clock].cite, rules.rules.categories[category].cite]
    return any(t and "工作日" in t for t in texts)


def _states(steps: Sequence[Step], case_id: UUID) -> list[CaseState]:
    out: list[CaseState] = []
    state: CaseState | None = None
    for s in steps:
        state = evolve(state, s, case_id=case_id)
        out.append(state)
    return out


def _check_state(
    rules: CompiledRules, calendar: WorkingCalendar, case: CaseState, at: int
) -> list[Violation]:
    found: list[Violation] = []
    r = rules.rules
    if case.final:
        if case.owner is not None or case.clocks:
            found.append(Violation("owner", f"closed in {case.state} but still held or timed", at))
        return found
    if case.owner is None:
        found.append(Violation("owner", f"the case has no owner in state {case.state}", at))
    final = {s for s, st in r.states.items() if st.final}
    stoppers: set[str] = set()
    closes = False
    for t in r.transitions:
        if case.state in t.from_:
            stoppers.update(t.stop, t.restart)
            closes |= any(s in final for s in target_states(t))
    for name, oc in case.clocks.items():
        restarts = any(isinstance(e, RestartEffect) for e in r.clocks[name].on_expiry)
        if restarts and name not in stoppers and not closes:
            found.append(
                Violation(
                    "clock_never_stopped",
                    f"clock {name!r} restarts each time it runs out, and runs in state "
                    f"{case.state}, where no step stops it: it can run for ever",
                    at,
                    clock=name,
                )
            )
        duration = clock_duration(r, name, case.category)
        if duration is None or isinstance(duration, DateFromPayload):
            continue  # no clock, or a day the law sets, entered as it is: nothing to count
        if isinstance(duration, CalendarDays) and says_working_days(rules, name, case.category):
            expected = calendar.add_working_days(oc.deadline.start, duration.calendar_days)
            if expected.due_date != oc.deadline.due_date:
                found.append(
                    Violation(
                        "deadline",
                        f"clock {name!r} is counted in calendar days (due "
                        f"{oc.deadline.due_date.isoformat()}) where its source says working "
                        f"days (due {expected.due_date.isoformat()})",
                        at,
                        clock=name,
                        expected_due=expected.due_date.isoformat(),
                    )
                )
            continue
        values = (
            {duration.working_days_from_payload: oc.limit}
            if isinstance(duration, WorkingDaysFromPayload)
            else {}
        )
        try:
            expected = compute_deadline(duration, oc.deadline.start, calendar, values, rule=name)
        except GridcaseError as exc:  # the recorded clock cannot be recomputed at all
            found.append(Violation("deadline", f"clock {name!r}: {exc}", at, clock=name))
            continue
        if expected.deadline != oc.deadline.deadline:
            found.append(
                Violation(
                    "deadline",
                    f"clock {name!r} is due {oc.deadline.deadline.isoformat()}, but the calendar "
                    f"gives {expected.deadline.isoformat()} for its start",
                    at,
                    clock=name,
                    expected_due=expected.due_date.isoformat(),
                )
            )
        elif not isinstance(duration, CalendarDays | DayOfMonth) and not calendar.is_working_day(
            oc.deadline.due_date
        ):
            found.append(
                Violation(
                    "deadline",
                    f"clock {name!r} ends on {oc.deadline.due_date.isoformat()}, not a working day",
                    at,
                    clock=name,
                )
            )
    return found


def _check_step(
    rules: CompiledRules,
    world: World,
    steps: Sequence[Step],
    states: Sequence[CaseState],
    i: int,
) -> list[Violation]:
    step = steps[i]
    if step.kind == CLOCK_EXPIRED:
        return []
    found: list[Violation] = []
    before = states[i - 1] if i > 0 else None
    after_expiry = i > 0 and steps[i - 1].kind == CLOCK_EXPIRED and steps[i - 1].at == step.at
    after_expiry |= i > 1 and steps[i - 2].kind == CLOCK_EXPIRED and steps[i - 2].at == step.at
    action = Action(step.kind)
    if step.role == SYSTEM_ROLE:
        if not after_expiry:
            found.append(
                Violation("actor_allowed", f"{step.kind} by system with no clock run out", i)
            )
    else:
        actor = world.actor(step.actor)
        if step.role not in actor.roles:
            found.append(
                Violation("actor_allowed", f"{step.actor} does not hold the role {step.role!r}", i)
            )
        if before is None:
            submission = step.submission
            category = submission.category if submission is not None else None
            submit = rules.submit_for(category)[1] if category else rules.submit[1]
            allowed = step.role in submit.by
        else:
            allowed = any(step.role in t.by for _, t in rules.transitions(before.state, action))
        if not allowed:
            found.append(
                Violation(
                    "actor_allowed", f"{step.kind} in the role {step.role!r} is not in the rules", i
                )
            )
    if before is None:
        return found
    if action in HANDOVERS and states[i].final:
        found.append(
            Violation(
                "owner",
                f"{step.kind} is a handover, but it closed the case ({states[i].state}): "
                "nobody holds it any more",
                i,
            )
        )
    if action is Action.SIGN_OFF:
        granted = any(s.kind in SIGN_OFF_GRANTS for s in steps[:i])
        explicit = any(
            (t.guards.flags_any or t.guards.flags_all)
            and (not t.guards.flags_any or set(t.guards.flags_any) & before.flags)
            and set(t.guards.flags_all) <= before.flags
            for _, t in rules.transitions(before.state, action)
        )
        if not granted and not explicit:
            found.append(
                Violation(
                    "sign_off",
                    f"signed off from {before.state} with no rating, no approved internal "
                    "sign-off and no flag the sign-off rule requires",
                    i,
                )
            )
    if action is Action.ESCALATE or states[i].level > before.level:
        decided = step.role != SYSTEM_ROLE and bool(step.reason)
        if not (decided or (step.role == SYSTEM_ROLE and after_expiry)):
            found.append(
                Violation(
                    "escalation",
                    f"escalated to level {states[i].level} with neither a missed clock nor a "
                    "recorded decision (a person, with a reason)",
                    i,
                )
            )
        rung = rules.rules.ladder[states[i].level] if rules.rules.ladder else None
        if rung is not None and world.kind(rung.role) is RoleKind.ENTERPRISE:
            found.append(
                Violation(
                    "escalation",
                    f"escalated to ladder[{rung.level}], the rung of {rung.role!r}, which no "
                    "official holds (it is the enterprise's role)",
                    i,
                )
            )
    return found


def check_case(
    rules: CompiledRules,
    calendar: WorkingCalendar,
    world: World,
    steps: Sequence[Step],
    case_id: UUID,
    *,
    now: datetime | None = None,
    from_step: int = 0,
) -> list[Violation]:
    """Every invariant ``steps`` break (from ``from_step`` on), and the declared properties
    at ``now`` (default: the last step's moment)."""
    states = _states(steps, case_id)
    found: list[Violation] = []
    for i in range(from_step, len(steps)):
        found.extend(_check_step(rules, world, steps, states, i))
        found.extend(_check_state(rules, calendar, states[i], i))
    if states:
        moment = now or steps[-1].at
        for name, prop in rules.rules.properties.items():
            breach = judge(name, prop, states[-1], steps, calendar, moment)
            if breach is not None:
                found.append(Violation("property", breach.message))
    return found
