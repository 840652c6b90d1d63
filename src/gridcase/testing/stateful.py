"""Hypothesis strategies and a stateful test that run any rule file on the real engine.

:func:`case_machine` makes a :class:`hypothesis.stateful.RuleBasedStateMachine` for one
rule file. Each run opens an engine on a fresh SQLite store, registers the kit's
:class:`~gridcase.testing.world.World`, and then submits demands, acts on cases (mostly
commands the rules allow, sometimes ones they must refuse, some entered late with a
reason) and lets time pass across holidays and make-up working days. After every step it
checks, for every case: a second engine with no cache, reading the store, gives the same
case; a refused command wrote nothing; and every invariant of
:mod:`gridcase.testing.invariants`. A portal's own test suite needs two lines::

    from gridcase.testing import case_machine
    TestOurRules = case_machine("rules/ours.yaml").TestCase
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, ClassVar
from uuid import UUID

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from gridcase.application.engine import Engine
from gridcase.application.rulebook import RuleService
from gridcase.calendar import WorkingCalendar
from gridcase.domain.actions import SYSTEM_ROLE, Action
from gridcase.domain.case_state import CaseState
from gridcase.domain.commands import ActOnCase, SubmitDemand
from gridcase.kernel.clock import CST, ManualClock
from gridcase.kernel.errors import GridcaseError
from gridcase.testing.invariants import check_case
from gridcase.testing.moves import attempts
from gridcase.testing.world import World
from gridcase.workflow.compiler import CompiledRules
from gridcase.workflow.loader import RuleBook, load_rules

__all__ = ["CaseMachine", "Command", "case_machine", "commands", "moments", "pauses", "worlds"]


def moments(
    first: date = date(2025, 1, 1), last: date = date(2026, 12, 31)
) -> st.SearchStrategy[datetime]:
    """Moments (China time, working hours) between ``first`` and ``last``: the years the
    calendar has State Council notices for, with their holidays and make-up days."""
    days = (last - first).days
    return st.builds(
        lambda d, h: datetime.combine(first + timedelta(days=d), time(h), CST),
        st.integers(0, days),
        st.integers(8, 18),
    )


def pauses() -> st.SearchStrategy[timedelta]:
    """How long passes between two steps: mostly minutes to hours, sometimes up to a
    fortnight (past a Golden Week)."""
    return st.one_of(
        st.integers(1, 600).map(lambda m: timedelta(minutes=m)),
        st.integers(1, 48).map(lambda h: timedelta(hours=h)),
        st.integers(1, 24 * 14).map(lambda h: timedelta(hours=h)),
    )


def worlds(rules: CompiledRules) -> st.SearchStrategy[World]:
    """Rosters for ``rules``: one or two holders of every role (per unit for unit roles).

    A rule whose ``one_per_unit`` allows a single holder of a unit role gets one."""
    roster = rules.rules.roster
    most = 1 if roster is not None and roster.one_per_unit else 2
    return st.integers(1, most).map(lambda n: World.of(rules, holders=n))


@dataclass(frozen=True)
class Command:
    """An action someone sends: what :func:`commands` draws."""

    action: Action
    actor: str
    role: str
    reason: str | None
    payload: Mapping[str, Any]


def commands(
    rules: CompiledRules, world: World, case: CaseState, *, valid: float = 0.9
) -> st.SearchStrategy[Command]:
    """Commands on ``case``: with probability about ``valid`` one the rules allow now (every
    branch of every allowed action, by every role it names, withdrawal aside so that paths
    grow long), otherwise any action by anyone in any role, which the engine must refuse
    or decide as the rules say."""
    tries = [
        Command(a.action, a.actor, a.role, a.reason, a.payload)
        for a in attempts(rules, world, case)
        if a.action is not Action.WITHDRAW
    ]
    actors = [p.id for p in world.people] + [world.enterprise]
    anything = st.builds(
        Command,
        st.sampled_from([a for a in Action if a is not Action.SUBMIT]),
        st.sampled_from(actors),
        st.sampled_from(sorted(rules.rules.roles)),
        st.sampled_from([None, "理由"]),
        st.just({}),
    )
    if not tries:
        return anything
    allowed = st.sampled_from(tries)
    share = round(valid * 10)
    return st.integers(0, 9).flatmap(lambda n: allowed if n < share else anything)


class CaseMachine(RuleBasedStateMachine):
    """The stateful test of one rule file (subclassed by :func:`case_machine`)."""

    RULES: ClassVar[CompiledRules]
    FOLDER: ClassVar[Path | None] = None

    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="gridcase-kit-"))
        self.world = World.of(self.RULES)
        book = RuleBook([self.RULES], folder=self.FOLDER)
        self.book = book
        self.calendar: WorkingCalendar = RuleService(book, self.FOLDER or self.tmp).calendar_for(
            self.RULES
        )
        self.cases: list[UUID] = []
        self.sent = 0
        self.engine: Engine | None = None
        self.fresh: Engine | None = None
        self.clock = ManualClock(datetime(2026, 1, 5, 9, tzinfo=CST))

    @initialize(start=moments(), data=st.data())
    def open_store(self, start: datetime, data: st.DataObject) -> None:
        self.world = data.draw(worlds(self.RULES), label="world")
        url = f"sqlite:///{self.tmp / 'kit.db'}"
        self.clock = ManualClock(start)
        self.engine = Engine(url, rules=self.book, clock=self.clock)
        self.world.register(self.engine, start)
        self.fresh = Engine(url, rules=self.book, clock=self.clock, cache_size=0)

    def _id(self) -> str:
        self.sent += 1
        return f"kit/{self.sent}"

    MAX_CASES: ClassVar[int] = 2
    """Few cases, so that the steps go deep into each rather than wide across many."""

    @precondition(lambda self: len(self.cases) < self.MAX_CASES)
    @rule(data=st.data())
    def submit(self, data: st.DataObject) -> None:
        assert self.engine is not None
        rules = self.RULES
        category = data.draw(st.sampled_from(sorted(rules.rules.categories)), label="category")
        submit = rules.submit_for(category)[1]
        roles = [r for r in submit.by if r != SYSTEM_ROLE] or sorted(rules.rules.roles)
        role = data.draw(st.sampled_from(roles), label="role")
        actor = self.world.acting_as(role, None) or self.world.enterprise
        try:
            result = self.engine.submit(
                SubmitDemand(
                    rules.jurisdiction,
                    self.world.enterprise,
                    category,
                    "诉求",
                    actor,
                    role,
                    self._id(),
                )
            )
        except GridcaseError:
            return
        self.cases.append(result.case_id)

    @precondition(lambda self: bool(self.cases))
    @rule(data=st.data(), pause=pauses())
    def act(self, data: st.DataObject, pause: timedelta) -> None:
        """Mostly a command the rules allow (so deep paths are reached), sometimes any
        command (which must then be refused and write nothing), now and then late."""
        assert self.engine is not None
        case_id = data.draw(st.sampled_from(self.cases), label="case")
        self.clock.advance(pause)
        case = self.engine.case(case_id)
        late = data.draw(st.booleans(), label="late") and data.draw(st.booleans())
        at = self.clock.now() - timedelta(hours=2) if late else None
        command = data.draw(commands(self.RULES, self.world, case), label="command")
        before = len(self.engine.history(case_id))
        try:
            self.engine.act(
                ActOnCase(
                    case_id,
                    command_id=self._id(),
                    at=at,
                    late_reason="补录" if late else None,
                    action=command.action,
                    actor=command.actor,
                    role=command.role,
                    reason=command.reason,
                    payload=command.payload,
                )
            )
        except GridcaseError:
            assert self.fresh is not None
            assert len(self.fresh.history(case_id)) == before, "a refused command wrote events"

    @rule(pause=pauses())
    def time_passes(self, pause: timedelta) -> None:
        assert self.engine is not None
        self.clock.advance(pause)
        self.engine.advance()

    @invariant()
    def shared_invariants(self) -> None:
        if self.engine is None or self.fresh is None:
            return
        for case_id in self.cases:
            live = self.engine.case(case_id)
            stored = self.fresh.case(case_id)
            assert stored == live, "a fresh engine replaying the store gives another case"
            steps = [h.step for h in self.fresh.history(case_id)]
            broken = check_case(self.RULES, self.calendar, self.world, steps, case_id)
            assert not broken, "; ".join(f"{v.invariant}: {v.message}" for v in broken)

    def teardown(self) -> None:
        for engine in (self.engine, self.fresh):
            if engine is not None:
                engine.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def case_machine(rules: CompiledRules | str | Path) -> type[CaseMachine]:
    """The stateful test for one rule file (a path, or rules already loaded)."""
    folder: Path | None = None
    if not isinstance(rules, CompiledRules):
        folder = Path(rules).parent
        rules = load_rules(rules)
    name = f"CaseMachine_{rules.jurisdiction}"
    return type(name, (CaseMachine,), {"RULES": rules, "FOLDER": folder})
