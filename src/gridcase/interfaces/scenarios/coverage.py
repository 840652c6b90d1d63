"""What a set of scenarios exercised of each rule file (``gridcase scenario run --coverage``).

As Camunda's process-test coverage does for BPMN, this reports, per rule version: the
states the scenarios' cases passed through, the transitions they took, the ``when``
branches, the guards and permissions that refused a step (a refusal names its rule,
``transitions[i]``), and the clock effects (each ``on_expiry`` entry of each clock) that
happened. It reads the cases' recorded steps from each scenario's store before the store
is thrown away.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from gridcase.application.engine import Engine
from gridcase.domain.actions import SYSTEM_ROLE
from gridcase.domain.case_state import CLOCK_EXPIRED, CaseState, Step, evolve
from gridcase.kernel.errors import GridcaseError
from gridcase.testing.explore import fired_index
from gridcase.workflow.compiler import CompiledRules
from gridcase.workflow.model import (
    EscalateEffect,
    Guards,
    PerformEffect,
    RestartEffect,
    StartEffect,
)

__all__ = ["RuleCoverage", "ScenarioCoverage"]

_RULE = re.compile(r"^(?P<version>\S+@\S+) transitions\[(?P<index>\d+)\]")


@dataclass
class RuleCoverage:
    """What the scenarios exercised of one rule version."""

    rules: CompiledRules
    states: set[str] = field(default_factory=set)
    fired: set[int] = field(default_factory=set)
    refused: set[int] = field(default_factory=set)
    effects: set[tuple[str, int]] = field(default_factory=set)

    @property
    def name(self) -> str:
        return f"{self.rules.jurisdiction}@{self.rules.version}"

    def _branches(self) -> list[int]:
        r = self.rules.rules
        keyed = {(s, t.action) for t in r.transitions if t.when for s in t.from_}
        return [
            i for i, t in enumerate(r.transitions) if any((s, t.action) in keyed for s in t.from_)
        ]

    def _guarded(self) -> list[int]:
        return [i for i, t in enumerate(self.rules.rules.transitions) if t.guards != Guards()]

    def _all_effects(self) -> list[tuple[str, int]]:
        return [
            (name, k)
            for name, clock in self.rules.rules.clocks.items()
            for k in range(len(clock.on_expiry))
        ]

    def summary(self) -> dict[str, Any]:
        """The coverage as JSON-safe data: for each kind, covered, total and what was missed."""
        r = self.rules.rules

        def part(covered: Iterable[Any], total: list[Any], show: Any) -> dict[str, Any]:
            done = [x for x in total if x in set(covered)]
            return {
                "covered": len(done),
                "total": len(total),
                "missed": [show(x) for x in total if x not in done],
            }

        def transition(i: int) -> str:
            t = r.transitions[i]
            where = f" from {', '.join(t.from_)}" if t.from_ else ""
            return f"transitions[{i}] {t.action.value}{where}"

        def effect(e: tuple[str, int]) -> str:
            return f"clocks.{e[0]}.on_expiry[{e[1]}] {r.clocks[e[0]].on_expiry[e[1]].effect}"

        return {
            "rules": self.name,
            "source": self.rules.source_name,
            "states": part(self.states, list(r.states), str),
            "transitions": part(self.fired, list(range(len(r.transitions))), transition),
            "when_branches": part(self.fired, self._branches(), transition),
            "guard_refusals": part(self.refused, self._guarded(), transition),
            "clock_effects": part(self.effects, self._all_effects(), effect),
        }

    def lines(self) -> list[str]:
        data = self.summary()
        out = [f"coverage {data['rules']} ({data['source']})"]
        for key, label in (
            ("states", "states"),
            ("transitions", "transitions"),
            ("when_branches", "when branches"),
            ("guard_refusals", "guard refusals"),
            ("clock_effects", "clock effects"),
        ):
            p = data[key]
            share = f"{100 * p['covered'] // p['total']}%" if p["total"] else "-"
            out.append(f"  {label:<15} {p['covered']:>3}/{p['total']:<3} {share:>4}")
            out.extend(f"      not exercised: {m}" for m in p["missed"])
        return out


@dataclass
class ScenarioCoverage:
    """Coverage gathered over scenario runs, per rule version (by content hash)."""

    by_rules: dict[str, RuleCoverage] = field(default_factory=dict)

    def _of(self, rules: CompiledRules) -> RuleCoverage:
        return self.by_rules.setdefault(rules.content_hash, RuleCoverage(rules))

    def record(
        self,
        rules: Iterable[CompiledRules],
        engine: Engine,
        cases: Iterable[UUID],
        refusals: Iterable[GridcaseError],
    ) -> None:
        """Add what one scenario's cases recorded, and the refusals its steps met."""
        known = {f"{r.jurisdiction}@{r.version}": r for r in rules}
        for r in known.values():
            self._of(r)
        for case_id in cases:
            steps = [h.step for h in engine.history(case_id)]
            pinned = engine.rules.by_hash(engine.case(case_id).submission.rules_hash)
            if pinned is not None:
                self._record_case(self._of(pinned), case_id, steps)
        for exc in refusals:
            found = _RULE.match(str(getattr(exc, "rule", "") or ""))
            if found and found["version"] in known:
                self._of(known[found["version"]]).refused.add(int(found["index"]))

    @staticmethod
    def _record_case(cov: RuleCoverage, case_id: UUID, steps: list[Step]) -> None:
        r = cov.rules
        before: CaseState | None = None
        for i, step in enumerate(steps):
            if before is None:
                cov.fired.add(r.submit[0])
            elif step.kind == CLOCK_EXPIRED and step.clock in r.rules.clocks:
                started = {oc.clock for oc in step.outcome.clocks_started}
                follower = steps[i + 1] if i + 1 < len(steps) else None
                for k, effect in enumerate(r.rules.clocks[step.clock].on_expiry):
                    if isinstance(effect, RestartEffect):
                        hit = step.clock in started
                    elif isinstance(effect, StartEffect):
                        hit = bool(set(effect.clocks) & started)
                    elif isinstance(effect, EscalateEffect | PerformEffect):
                        action = "escalate" if isinstance(effect, EscalateEffect) else effect.action
                        hit = (
                            follower is not None
                            and follower.role == SYSTEM_ROLE
                            and follower.kind == action
                            and follower.at == step.at
                        )
                    else:
                        hit = True
                    if hit:
                        cov.effects.add((step.clock, k))
            else:
                index = fired_index(r, before, step)
                if index is not None:
                    cov.fired.add(index)
            before = evolve(before, step, case_id=case_id)
            cov.states.add(before.state)

    def to_json(self) -> list[dict[str, Any]]:
        return [c.summary() for c in self.by_rules.values()]

    def lines(self) -> list[str]:
        return [line for c in self.by_rules.values() for line in c.lines()]
