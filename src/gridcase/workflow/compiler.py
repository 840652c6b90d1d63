"""Compiling a validated rule set into a state machine, once per version.

The ``transitions`` Machine built here is the decision table and nothing more: it is
built with ``model=None`` and ``auto_transitions=False``, cached by the rule set's
content hash, and asked which transition a trigger takes from a state. It is never
attached to a case: attached, it would change a case's state without recording an
event (and graft methods onto it). Cases change only through recorded events.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from transitions import Machine

from gridcase.domain.actions import Action
from gridcase.workflow.model import RuleSet, Transition

__all__ = ["CompiledRules", "compile_rules", "content_hash"]


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


@dataclass(frozen=True, eq=False)
class CompiledRules:
    """A rule set ready to decide: its machine, its transition table and its identity."""

    rules: RuleSet
    content_hash: str
    source_name: str
    source_text: str
    machine: Machine = field(repr=False)
    table: Mapping[tuple[str, Action], tuple[tuple[int, Transition], ...]] = field(repr=False)

    @property
    def jurisdiction(self) -> str:
        return self.rules.jurisdiction.id

    @property
    def version(self) -> str:
        return self.rules.version

    @cached_property
    def submit(self) -> tuple[int, Transition]:
        """The one ``submit`` transition and its index in the file."""
        return next(
            (i, t) for i, t in enumerate(self.rules.transitions) if t.action is Action.SUBMIT
        )

    def transitions(self, state: str, action: Action) -> tuple[tuple[int, Transition], ...]:
        """The rules for ``action`` in ``state`` (with their index in the file), in order.

        The machine decides whether the trigger is valid in the state and where each
        branch leads; the table adds what the machine does not model (roles, guards,
        payload conditions, clocks).
        """
        found = self.machine.get_transitions(trigger=action.value, source=state)
        entries = self.table.get((state, action), ())
        if [t.dest for t in found] != [t.to or state for _, t in entries]:
            raise RuntimeError(f"machine and table disagree on {action.value} from {state}")
        return entries

    def allowed_actions(self, state: str) -> list[Action]:
        """The actions the rules allow in ``state``, in the vocabulary's order."""
        triggers = set(self.machine.get_triggers(state))
        return [a for a in Action if a.value in triggers]


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
    table: dict[tuple[str, Action], tuple[tuple[int, Transition], ...]] = {}
    machine_transitions: list[dict[str, str]] = []
    for i, t in enumerate(rules.transitions):
        for source in t.from_:
            table[(source, t.action)] = (*table.get((source, t.action), ()), (i, t))
            machine_transitions.append(
                {"trigger": t.action.value, "source": source, "dest": t.to or source}
            )
    machine = Machine(
        model=None,
        states=list(rules.states),
        transitions=machine_transitions,
        initial=submit.to,
        auto_transitions=False,
        ignore_invalid_triggers=False,
    )
    compiled = CompiledRules(
        rules=rules,
        content_hash=digest,
        source_name=source_name,
        source_text=source_text,
        machine=machine,
        table=table,
    )
    with _lock:
        return _cache.setdefault(digest, compiled)
