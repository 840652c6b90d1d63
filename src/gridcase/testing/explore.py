"""Bounded exhaustive exploration of a rule file's machine, with symbolic time.

From a submission (of every category, by every role that may submit) the explorer tries
every move up to a depth: every branch of every allowed action by every role it names
(taken *before* the next deadline), and letting time pass *after* the next deadline (a
clock's, or a declared property's period), which fires what the rules make of it. The
decisions are the engine's own pure functions (:mod:`gridcase.workflow.decide`); the
world is :class:`~gridcase.testing.world.World`. Two paths that bring a case to the same
situation (state, level, unit, owner, flags, running clocks, clocks missed, actions taken,
properties due) are merged, so the search is breadth-first over situations and every
counterexample it reports is a shortest one.

It reports the transitions no path takes, the dead ends (a case not closed that nobody can
move and no clock will), and the first path that breaks each invariant
(:mod:`gridcase.testing.invariants`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID, uuid5

from gridcase.calendar import WorkingCalendar
from gridcase.domain.actions import SYSTEM_ROLE, Action
from gridcase.domain.case_state import CLOCK_EXPIRED, CaseState, Step, evolve
from gridcase.domain.commands import ActOnCase, SubmitDemand
from gridcase.kernel.clock import CST
from gridcase.kernel.errors import GridcaseError
from gridcase.testing.invariants import Violation, check_case
from gridcase.testing.moves import Attempt, attempts
from gridcase.testing.world import World
from gridcase.workflow.compiler import CompiledRules
from gridcase.workflow.decide import decide_action, decide_expiries, decide_submission
from gridcase.workflow.properties import due_of

__all__ = [
    "DEFAULT_DEPTH",
    "DEFAULT_START",
    "Counterexample",
    "Exploration",
    "Move",
    "explore",
    "fired_index",
]

DEFAULT_DEPTH = 8
DEFAULT_START = datetime(2026, 2, 12, 10, 0, tzinfo=CST)
"""Thursday 12 February 2026, two working days before the Spring Festival holiday (15-23
February, with Saturdays 14 and 28 February worked, 国办发明电〔2025〕7号): periods that
start here cross a holiday and two make-up working days."""

_STEP = timedelta(hours=1)
_AFTER = timedelta(minutes=1)
_NAMESPACE = UUID("6f1d9f7e-2b9a-4c58-9d0e-7c1a3e5b2f10")


@dataclass(frozen=True)
class Move:
    """One step of a path: a submission, an action, or time passing (``advance``)."""

    kind: str
    at: datetime
    attempt: Attempt | None = None
    category: str | None = None
    state: str | None = None
    """Where the case stands after the move."""


@dataclass(frozen=True)
class Counterexample:
    """The shortest path found that breaks an invariant."""

    violation: Violation
    moves: tuple[Move, ...]
    case: CaseState
    """The case after the last move."""


@dataclass
class Exploration:
    """What the exploration found."""

    jurisdiction: str
    depth: int
    situations: int = 0
    paths: int = 0
    states: set[str] = field(default_factory=set)
    fired: set[int] = field(default_factory=set)
    """Indices (``transitions[i]``) some path took."""
    unreachable: list[int] = field(default_factory=list)
    dead_ends: set[str] = field(default_factory=set)
    counterexamples: dict[str, Counterexample] = field(default_factory=dict)


@dataclass(frozen=True)
class _Node:
    case: CaseState
    steps: tuple[Step, ...]
    moves: tuple[Move, ...]
    now: datetime


def _key(rules: CompiledRules, calendar: WorkingCalendar, node: _Node) -> tuple[object, ...]:
    c = node.case
    due = tuple(
        (d is not None and node.now >= d)
        for d in (due_of(p, c, node.steps, calendar) for p in rules.rules.properties.values())
    )
    return (
        c.category,
        c.state,
        c.level,
        c.unit,
        c.owner,
        c.flags,
        tuple(c.clocks),
        frozenset(k for k, v in c.misses.items() if v),
        frozenset(s.kind for s in node.steps),
        due,
    )


def fired_index(rules: CompiledRules, before: CaseState, step: Step) -> int | None:
    """The rule a recorded step took (by its action, the state before and where it led)."""
    if step.kind == CLOCK_EXPIRED:
        return None
    for i, t in rules.transitions(before.state, Action(step.kind)):
        if step.role in t.by and (t.to or before.state) == step.outcome.state:
            return i
    return None


def _grow(
    rules: CompiledRules, node: _Node, new: Sequence[Step], move: Move, now: datetime
) -> _Node:
    case = node.case
    for s in new:
        case = evolve(case, s)
    return _Node(case, (*node.steps, *new), (*node.moves, move), now)


def _successors(
    rules: CompiledRules, calendar: WorkingCalendar, world: World, node: _Node
) -> tuple[list[_Node], bool]:
    """Every move from ``node``; the flag says whether any person could act."""
    out: list[_Node] = []
    case = node.case
    nxt = case.next_deadline()
    at = node.now + _STEP
    if nxt is not None and at >= nxt.deadline.deadline:
        at = node.now
    acted = False
    for attempt in attempts(rules, world, case):
        command = ActOnCase(
            case.case_id,
            attempt.action,
            attempt.actor,
            attempt.role,
            command_id=f"k{len(node.moves)}",
            reason=attempt.reason,
            payload=attempt.payload,
        )
        try:
            fired = decide_expiries(rules, calendar, case, at)
            before = case
            for s in fired:
                before = evolve(before, s)
            step = decide_action(
                rules, calendar, before, command, world.actor(attempt.actor), at=at
            )
        except GridcaseError:
            continue
        acted = True
        move = Move("act", at, attempt, state=step.outcome.state)
        out.append(_grow(rules, node, [*fired, step], move, at))
    wakes = [oc.deadline.deadline for oc in case.clocks.values()]
    wakes += [
        d
        for p in rules.rules.properties.values()
        if (d := due_of(p, case, node.steps, calendar)) is not None and d > node.now
    ]
    if wakes and not case.final:
        moment = max(min(wakes), node.now) + _AFTER
        fired = decide_expiries(rules, calendar, case, moment)
        state = case
        for s in fired:
            state = evolve(state, s)
        out.append(_grow(rules, node, fired, Move("advance", moment, state=state.state), moment))
    return out, acted


def explore(
    rules: CompiledRules,
    calendar: WorkingCalendar,
    *,
    depth: int = DEFAULT_DEPTH,
    start: datetime = DEFAULT_START,
    world: World | None = None,
) -> Exploration:
    """Explore every path of ``rules`` up to ``depth`` moves after the submission."""
    world = world or World.of(rules)
    report = Exploration(rules.jurisdiction, depth)
    queue: deque[tuple[_Node, int]] = deque()
    for category in rules.rules.categories:
        index, submit = rules.submit_for(category)  # a file may register each category its way
        for role in submit.by:
            actor = world.acting_as(role, None)
            if role == SYSTEM_ROLE or actor is None:
                continue
            case_id = uuid5(_NAMESPACE, f"{rules.content_hash}/{category}/{role}")
            command = SubmitDemand(
                rules.jurisdiction, world.enterprise, category, "诉求", actor, role, "k"
            )
            try:
                step = decide_submission(rules, calendar, command, world.actor(actor), at=start)
            except GridcaseError:
                continue
            case = evolve(None, step, case_id=case_id)
            attempt = Attempt(Action.SUBMIT, role, actor, {}, None, index)
            move = Move("submit", start, attempt, category=category, state=case.state)
            queue.append((_Node(case, (step,), (move,), start), 0))
            report.fired.add(index)
    seen: set[tuple[object, ...]] = set()
    while queue:
        node, d = queue.popleft()
        key = _key(rules, calendar, node)
        if key in seen:
            continue
        seen.add(key)
        report.situations += 1
        report.states.add(node.case.state)
        bad = check_case(
            rules,
            calendar,
            world,
            node.steps,
            node.case.case_id,
            now=node.now,
        )
        for v in bad:
            report.counterexamples.setdefault(v.invariant, Counterexample(v, node.moves, node.case))
        if bad:
            continue
        if d >= depth or node.case.final:
            report.paths += 1
            continue
        children, acted = _successors(rules, calendar, world, node)
        if not acted and not node.case.clocks:
            report.dead_ends.add(node.case.state)
            report.counterexamples.setdefault(
                "dead_end",
                Counterexample(
                    Violation(
                        "dead_end",
                        f"in state {node.case.state} (not final) nobody can act and no clock runs",
                        len(node.steps) - 1,
                    ),
                    node.moves,
                    node.case,
                ),
            )
        for child in children:
            before = node.case
            for s in child.steps[len(node.steps) :]:
                fired = fired_index(rules, before, s)
                if fired is not None:
                    report.fired.add(fired)
                before = evolve(before, s)
            queue.append((child, d + 1))
    report.unreachable = [i for i in range(len(rules.rules.transitions)) if i not in report.fired]
    return report
