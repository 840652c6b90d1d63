"""What a case is at a moment, and how one recorded step changes it.

``CaseState`` is an immutable value; ``evolve(state, step)`` is the only way it changes,
and a step carries its full outcome (the new state, owner, level, flags and clocks with
their computed deadlines). So replaying the recorded steps rebuilds exactly the state
the live case had, whatever rule or calendar files say today: nothing is recomputed on
replay. The same function serves the decision (to look ahead within one command) and
the aggregate (to apply stored events).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any
from uuid import UUID

from gridcase.calendar import Deadline
from gridcase.domain.actions import Action

__all__ = [
    "CLOCK_EXPIRED",
    "CaseState",
    "OpenClock",
    "Outcome",
    "Owner",
    "Step",
    "Submission",
    "evolve",
]

CLOCK_EXPIRED = "clock_expired"
"""The kind of step recorded when a clock runs out (a timer firing is an event too)."""

_EMPTY: Mapping[str, Any] = MappingProxyType({})
_NO_HOLDERS: Mapping[str, str] = MappingProxyType({})
_NO_CLOCKS: Mapping[str, OpenClock] = MappingProxyType({})


@dataclass(frozen=True)
class Owner:
    """Who holds the case: a role, and where the role has one, the party within it."""

    role: str
    party: str | None = None


@dataclass(frozen=True)
class OpenClock:
    """A running clock and the deadline computed when it started."""

    clock: str
    deadline: Deadline
    limit: int | None = None
    """For a limit set per case (``working_days_from_payload``): the working days it was
    given, so that restarting the clock on expiry keeps the same limit."""


@dataclass(frozen=True)
class Outcome:
    """Everything a step changes, decided once and recorded with the step."""

    state: str
    final: bool
    level: int
    owner: Owner | None
    unit: str | None
    flags_set: tuple[str, ...] = ()
    flags_cleared: tuple[str, ...] = ()
    clocks_started: tuple[OpenClock, ...] = ()
    clocks_stopped: tuple[str, ...] = ()


@dataclass(frozen=True)
class Submission:
    """What a case is about, fixed when it is submitted."""

    jurisdiction: str
    rules_version: str
    rules_hash: str
    enterprise: str
    category: str
    title: str
    description: str | None = None
    channel: str = "platform"
    visit_id: str | None = None


@dataclass(frozen=True)
class Step:
    """One decided step: an action someone took, or a clock running out."""

    kind: str
    """An :class:`Action` value, or :data:`CLOCK_EXPIRED`."""
    at: datetime
    actor: str
    role: str
    outcome: Outcome
    reason: str | None = None
    payload: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    command_id: str | None = None
    clock: str | None = None
    """For a clock expiry: which clock."""
    misses: int | None = None
    """For a clock expiry: how many times this clock has now run out on this case."""
    notes: tuple[str, ...] = ()
    """What gridcase could not do on expiry, and why (e.g. already at the top of the ladder)."""
    submission: Submission | None = None
    recorded_at: datetime | None = None
    """When gridcase recorded the step (its engine's clock); ``at`` is when it happened as
    claimed. None for a step only decided, or stored before release 0.2."""
    late_reason: str | None = None
    """Why the step was recorded later than the rules tolerate, where it was."""

    @property
    def late(self) -> bool:
        """Recorded late, with a reason (the rules refuse a late step without one)."""
        return self.late_reason is not None

    @property
    def action(self) -> Action | None:
        return None if self.kind == CLOCK_EXPIRED else Action(self.kind)


@dataclass(frozen=True)
class CaseState:
    """A case as its recorded steps say it is."""

    case_id: UUID
    submission: Submission
    state: str
    final: bool
    level: int
    owner: Owner | None
    unit: str | None
    flags: frozenset[str]
    clocks: Mapping[str, OpenClock]
    misses: Mapping[str, int]
    submitted_at: datetime
    last_at: datetime
    steps: int
    commands: frozenset[str]
    holders: Mapping[str, str] = field(default_factory=lambda: _NO_HOLDERS)
    """The last named holder of each role that held the case (officer → who), so a
    matter that comes back to a role comes back to the person who had it."""
    recategorised: str | None = None
    """The category the matter has now, when a step changed it from the submitted one."""
    stopped: Mapping[str, OpenClock] = field(default_factory=lambda: _NO_CLOCKS)
    """Clocks a step stopped before they ran out, with the deadline they had, so a later
    step can take them up again against that deadline (a rejected completion goes on
    against the original limit). Derived from the recorded steps: a clock that runs
    out, or starts again, leaves this map."""

    @property
    def jurisdiction(self) -> str:
        return self.submission.jurisdiction

    @property
    def enterprise(self) -> str:
        return self.submission.enterprise

    @property
    def category(self) -> str:
        """The category the matter has now (the submitted one unless a step changed it)."""
        return self.recategorised or self.submission.category

    def next_deadline(self) -> OpenClock | None:
        """The open clock that runs out first."""
        if not self.clocks:
            return None
        return min(self.clocks.values(), key=lambda c: (c.deadline.deadline, c.clock))


def evolve(state: CaseState | None, step: Step, *, case_id: UUID | None = None) -> CaseState:
    """Apply one recorded step. The first step must be a submission."""
    out = step.outcome
    if state is None:
        if step.submission is None or case_id is None:
            raise ValueError("a case begins with its submission")
        clocks: dict[str, OpenClock] = {}
        misses: dict[str, int] = {}
        flags: set[str] = set()
        commands: frozenset[str] = frozenset()
        holders: dict[str, str] = {}
        stopped: dict[str, OpenClock] = {}
        recategorised: str | None = None
        submission = step.submission
        submitted_at = step.at
        steps = 0
    else:
        case_id = state.case_id
        clocks = dict(state.clocks)
        misses = dict(state.misses)
        flags = set(state.flags)
        commands = state.commands
        holders = dict(state.holders)
        stopped = dict(state.stopped)
        recategorised = state.recategorised
        submission = state.submission
        submitted_at = state.submitted_at
        steps = state.steps
    for name in out.clocks_stopped:
        was = clocks.pop(name, None)
        if was is not None and step.clock != name:
            stopped[name] = was
        else:
            stopped.pop(name, None)
    for oc in out.clocks_started:
        clocks[oc.clock] = oc
        stopped.pop(oc.clock, None)
    if step.clock is not None and step.misses is not None:
        misses[step.clock] = step.misses
    if step.kind == Action.CHANGE_CATEGORY.value:
        recategorised = str(step.payload["category"])
    flags.difference_update(out.flags_cleared)
    flags.update(out.flags_set)
    if step.command_id is not None:
        commands = commands | {step.command_id}
    if out.owner is not None and out.owner.party is not None:
        holders[out.owner.role] = out.owner.party
    assert case_id is not None
    return CaseState(
        case_id=case_id,
        submission=submission,
        state=out.state,
        final=out.final,
        level=out.level,
        owner=out.owner,
        unit=out.unit,
        flags=frozenset(flags),
        clocks=MappingProxyType(dict(sorted(clocks.items()))),
        misses=MappingProxyType(dict(sorted(misses.items()))),
        submitted_at=submitted_at,
        last_at=step.at,
        steps=steps + 1,
        commands=commands,
        holders=MappingProxyType(dict(sorted(holders.items()))),
        recategorised=recategorised,
        stopped=MappingProxyType(dict(sorted(stopped.items()))),
    )
