"""The commands worth trying on a case: every branch of every allowed action, by every
role the branch names, with a payload that meets its ``when`` and its guards.

Both the exhaustive exploration and the Hypothesis strategies draw from these; the
strategies also send commands that should be refused (wrong role, missing fields,
actions not allowed where the case is).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, get_args

from gridcase.domain.actions import SYSTEM_ROLE, Action, Satisfaction
from gridcase.domain.case_state import CaseState
from gridcase.domain.payloads import PAYLOAD_MODELS
from gridcase.testing.world import UNITS, World
from gridcase.workflow.compiler import CompiledRules

__all__ = ["Attempt", "attempts", "payload_for"]

REASON = "经研究, 按规定办理"
"""The reason every attempt gives (a guard may require one; giving one never hurts)."""


@dataclass(frozen=True)
class Attempt:
    """One command to try: an action, who takes it in which role, and what it says."""

    action: Action
    role: str
    actor: str
    payload: Mapping[str, Any] = field(default_factory=dict)
    reason: str | None = REASON
    branch: int | None = None
    """The rule (``transitions[i]``) the attempt is meant to take."""

    def label(self) -> str:
        return f"{self.action.value} by {self.actor} ({self.role})"


def _value(
    action: Action, name: str, case: CaseState, avoid: set[Any], categories: Iterable[str] = ()
) -> Any:
    if name == "unit":
        options = [u for u in UNITS if u != case.unit] if action is Action.REDISPATCH else UNITS
        return next(iter(options))
    if name == "satisfaction":
        return next(s.value for s in Satisfaction if s.value not in avoid)
    if name == "category":
        # Another category of the file (a change of category must change it).
        return next((c for c in sorted(categories) if c != case.category), case.category)
    if name == "route":
        return "administrative_review"
    field_type = PAYLOAD_MODELS[action].model_fields[name].annotation
    if date in (get_args(field_type) or (field_type,)):
        # A statutory day the law would set: sixty days after the case's last step.
        return (case.last_at + timedelta(days=60)).date().isoformat()
    annotation = str(field_type)
    if "bool" in annotation:
        return True
    if "Score" in annotation or "int" in annotation:
        return 5
    return f"{name} 内容"


def payload_for(
    rules: CompiledRules, case: CaseState, index: int, action: Action
) -> dict[str, Any]:
    """A payload for ``transitions[index]``: its ``when`` values, its required fields, none
    of the values an earlier branch for the same action and state claims."""
    t = rules.rules.transitions[index]
    earlier = [
        other.when
        for i, other in rules.transitions(case.state, action)
        if i != index and other.when and i < index
    ]
    payload: dict[str, Any] = {f: values[0] for f, values in t.when.items()}
    for name in [*t.guards.payload, *t.guards.payload_true]:
        if name in payload:
            continue
        avoid = {v for when in earlier for v in when.get(name, [])}
        payload[name] = _value(action, name, case, avoid, rules.rules.categories)
    for name in t.guards.payload_true:
        payload[name] = True
    if action is Action.RATE and "satisfaction" not in payload:
        avoid = {v for when in earlier for v in when.get("satisfaction", [])}
        payload["satisfaction"] = _value(action, "satisfaction", case, avoid)
    return payload


def attempts(rules: CompiledRules, world: World, case: CaseState) -> list[Attempt]:
    """Every branch of every action allowed in the case's state, by every role it names."""
    found: list[Attempt] = []
    if case.final:
        return found
    for action in rules.allowed_actions(case.state):
        for index, t in rules.transitions(case.state, action):
            if t.category and case.category not in t.category:
                continue  # a rule for matters of other categories
            payload = payload_for(rules, case, index, action)
            for role in t.by:
                if role == SYSTEM_ROLE:
                    continue
                actor = world.acting_as(role, case)
                if actor is None:
                    continue
                found.append(Attempt(action, role, actor, payload, REASON, index))
    return found
