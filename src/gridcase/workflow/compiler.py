"""Compiling a validated rule set into the state machine that chooses each step.

The ``transitions`` Machine built here decides which transition a command takes: each
rule-file transition becomes one machine transition per source state, in file order,
with two conditions: its ``when`` holds for the payload (false: the machine tries the
next one), and the step is permitted (the actor's role and the guards; a failure raises
the typed refusal, so a matter whose ``when`` matched is refused rather than passed on to
a later default branch). The first transition whose conditions hold fires.

The machine is built once per rule version (cached by content hash) with ``model=None``
and ``auto_transitions=False``, and is never attached to a case: attached, it would
change a case's state without recording an event, and graft trigger methods onto it.
It runs on a throwaway :class:`DecisionContext` instead, made afresh for each decision
and never registered with the machine, so concurrent decisions share nothing mutable
and need no lock (``bench/bench_decide.py`` measures the alternatives).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol

from transitions import Machine
from transitions import Transition as MachineTransition

from gridcase.domain.actions import Action
from gridcase.workflow.model import RuleSet, Transition

__all__ = [
    "CompiledRules",
    "DecisionContext",
    "compile_rules",
    "consent_flag",
    "consent_only",
    "content_hash",
]


def content_hash(rules: RuleSet) -> str:
    """A hash of what the rules *mean*: comments, layout and key order do not count.

    Fields left at their defaults are left out, so adding an optional field to the
    schema in a later release does not change the hash of files that do not use it
    (cases stay pinned to the rules they were submitted under).
    """
    canonical = json.dumps(
        rules.model_dump(mode="json", by_alias=True, exclude_defaults=True),
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class DecisionContext(Protocol):
    """What the machine's conditions read while they choose one transition.

    The machine keeps its notion of "current state" on this object (``state``), which is
    why it is made per decision: a shared one would need a lock, since two threads
    would overwrite each other's state between setting it and triggering.
    """

    state: str
    payload: Mapping[str, Any]
    role: str

    @property
    def category(self) -> str:
        """The case's category now."""
        ...

    @property
    def flags(self) -> frozenset[str]:
        """The flags the case has (the consents already given, for an agreement)."""
        ...

    def permit(self, index: int, rule: Transition) -> bool:
        """True if the command may take ``rule``; otherwise raise the typed refusal."""
        ...

    def chose(self, index: int, rule: Transition) -> None:
        """Called once, by the transition that fires, before the machine moves ``state``."""
        ...


class _RuleTransition(MachineTransition):
    """A machine transition that knows which rule of the file it stands for.

    Refusals and decisions name the rule (``transitions[i]``) and its citation, so the
    machine's own transition carries them, and there is no second table to keep in step.
    """

    def __init__(self, *args: Any, index: int, rule: Transition, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.index = index
        self.rule = rule


class _RuleMachine(Machine):
    transition_cls = _RuleTransition


@dataclass(frozen=True, slots=True)
class _WhenHolds:
    """Condition 1: the payload says what this branch is for (a missing field never matches)."""

    when: Mapping[str, Sequence[str | int | bool]]

    def __call__(self, context: DecisionContext) -> bool:
        payload = context.payload
        return all(payload.get(f) in allowed for f, allowed in self.when.items())


@dataclass(frozen=True, slots=True)
class _CategoryIs:
    """Condition 1b: the case is of a category this branch is for."""

    categories: frozenset[str]

    def __call__(self, context: DecisionContext) -> bool:
        return context.category in self.categories


def consent_flag(role: str) -> str:
    """The flag recording that ``role`` agreed to a multi-party step."""
    return f"{role}_agreed"


@dataclass(frozen=True, slots=True)
class _Completes:
    """Condition 1c: this consent is the last one the agreement needs (or, negated, not)."""

    parties: frozenset[str]
    last: bool

    def __call__(self, context: DecisionContext) -> bool:
        others = {p for p in self.parties if p != context.role}
        done = all(consent_flag(p) in context.flags for p in others)
        return done is self.last


def consent_only(rule: Transition) -> Transition:
    """The rule a consent that does not yet complete the agreement takes: it stays put
    and changes nothing but its own consent."""
    return rule.model_copy(
        update={
            "to": None,
            "start": [],
            "stop": [],
            "restart": [],
            "renew": [],
            "resume": [],
            "recount": [],
            "set": [],
            "clear": [],
            "ladder": None,
            "level": None,
        }
    )


@dataclass(frozen=True, slots=True)
class _Permitted:
    """Condition 2: role and guards; raises rather than returning False, so no fall-through."""

    index: int
    rule: Transition = field(repr=False)

    def __call__(self, context: DecisionContext) -> bool:
        return context.permit(self.index, self.rule)


@dataclass(frozen=True, slots=True)
class _Chosen:
    """Tells the context which rule fired: the machine's trigger answers only yes or no."""

    index: int
    rule: Transition = field(repr=False)

    def __call__(self, context: DecisionContext) -> None:
        context.chose(self.index, self.rule)


@dataclass(frozen=True, eq=False)
class CompiledRules:
    """A rule set ready to decide: its machine and its identity."""

    rules: RuleSet
    content_hash: str
    source_name: str
    source_text: str
    machine: Machine = field(repr=False)

    @property
    def jurisdiction(self) -> str:
        return self.rules.jurisdiction.id

    @property
    def version(self) -> str:
        return self.rules.version

    @cached_property
    def submit(self) -> tuple[int, Transition]:
        """The first ``submit`` transition and its index in the file.

        It is not in the machine: a case has no state before it is submitted, and a
        pseudo-state for "not yet a case" would show up in every list of states.
        """
        return next(
            (i, t) for i, t in enumerate(self.rules.transitions) if t.action is Action.SUBMIT
        )

    def submit_for(self, category: str) -> tuple[int, Transition]:
        """The ``submit`` transition a matter of ``category`` is registered by: the first
        whose ``category`` names it or is empty (the checks make sure there is one)."""
        return next(
            (i, t)
            for i, t in enumerate(self.rules.transitions)
            if t.action is Action.SUBMIT and (not t.category or category in t.category)
        )

    def transitions(self, state: str, action: Action) -> tuple[tuple[int, Transition], ...]:
        """The rules for ``action`` in ``state`` (with their index in the file), in the order
        the machine tries them; empty if the action is not allowed there."""
        event = self.machine.events.get(action.value)
        if event is None:
            return ()
        return tuple(
            (mt.index, mt.rule)
            for mt in event.transitions.get(state, ())
            if isinstance(mt, _RuleTransition)
        )

    def allows(self, state: str, action: Action) -> bool:
        """Whether the rules have any transition for ``action`` in ``state``."""
        event = self.machine.events.get(action.value)
        return event is not None and bool(event.transitions.get(state))

    def allowed_actions(self, state: str) -> list[Action]:
        """The actions the rules allow in ``state``, in the vocabulary's order."""
        triggers = set(self.machine.get_triggers(state))
        return [a for a in Action if a.value in triggers]

    def choose(self, context: DecisionContext, action: Action) -> bool:
        """Let the machine fire the first transition for ``action`` whose conditions hold.

        Returns False when no branch's ``when`` matched; a branch that matched but is not
        permitted raises its refusal out of the machine. On True, ``context.chose`` has
        been told which rule fired and ``context.state`` is where it leads. The caller
        checks :meth:`allows` first (the machine would raise its own MachineError).
        """
        return self.machine.events[action.value].trigger(context, context)


_cache: dict[str, CompiledRules] = {}
_lock = threading.Lock()


def compile_rules(rules: RuleSet, *, source_name: str, source_text: str) -> CompiledRules:
    """Compile ``rules`` (already checked), reusing the machine of identical content."""
    digest = content_hash(rules)
    with _lock:
        hit = _cache.get(digest)
        if hit is not None:
            return hit
    submit = next(t for t in rules.transitions if t.action is Action.SUBMIT)
    machine = _RuleMachine(
        model=None,
        states=list(rules.states),
        initial=submit.to,
        auto_transitions=False,
        ignore_invalid_triggers=False,
        send_event=False,
        name=f"{rules.jurisdiction.id}@{rules.version}",
    )
    for i, t in enumerate(rules.transitions):
        conditions: list[Any] = [_WhenHolds(t.when)] if t.when else []
        if t.category:
            conditions.append(_CategoryIs(frozenset(t.category)))
        if t.agreement:
            parties = frozenset(t.agreement)
            partial = consent_only(t)
            for source in t.from_:
                machine.add_transition(
                    t.action.value,
                    source,
                    source,
                    conditions=[*conditions, _Completes(parties, False), _Permitted(i, partial)],
                    before=_Chosen(i, partial),
                    index=i,
                    rule=partial,
                )
            conditions.append(_Completes(parties, True))
        conditions.append(_Permitted(i, t))
        for source in t.from_:
            machine.add_transition(
                t.action.value,
                source,
                t.to or source,
                conditions=conditions,
                before=_Chosen(i, t),
                index=i,
                rule=t,
            )
    compiled = CompiledRules(
        rules=rules,
        content_hash=digest,
        source_name=source_name,
        source_text=source_text,
        machine=machine,
    )
    with _lock:
        return _cache.setdefault(digest, compiled)
