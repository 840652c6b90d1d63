"""A counterexample written out as a scenario file that ``gridcase scenario run`` replays.

Every step but the last expects the state the path reached; the last expects what the
broken invariant requires, so running the file fails at that step and shows the
difference (a sign-off that should have been refused, a clock that should have been
stopped, the due date the calendar gives).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from gridcase.testing.explore import Counterexample, Move
from gridcase.testing.world import World
from gridcase.workflow.compiler import CompiledRules

__all__ = ["scenario_of", "write_scenario"]


def _moment(move: Move) -> str:
    return move.at.isoformat(timespec="minutes")


def _required(rules: CompiledRules, ce: Counterexample) -> dict[str, Any]:
    """What the invariant says the last step should have left."""
    v = ce.violation
    case = ce.case
    last = ce.moves[-1]
    clocks: dict[str, Any] = dict.fromkeys(case.clocks)
    if v.invariant == "deadline" and v.clock and v.expected_due:
        clocks[v.clock] = {"due": v.expected_due}
        return {"clocks": clocks}
    if v.invariant == "clock_never_stopped" and v.clock:
        clocks.pop(v.clock, None)
        return {"clocks": clocks}
    if v.invariant == "property":
        for prop in rules.rules.properties.values():
            want = prop.then_one_of
            if want.clocks_running:
                return {"clocks": {**clocks, want.clocks_running[0]: None}}
            if want.states:
                return {"state": want.states[0]}
        return {"final": True}
    if v.invariant == "dead_end":
        return {"final": True}
    if last.kind == "advance":
        return {"final": True}
    return {"refused": {"error": "GridcaseError"}}


def scenario_of(
    rules: CompiledRules, ce: Counterexample, *, rules_path: str, world: World | None = None
) -> dict[str, Any]:
    """The scenario document (a mapping) that replays ``ce``."""
    world = world or World.of(rules)
    start = ce.moves[0].at
    steps: list[dict[str, Any]] = []
    for i, move in enumerate(ce.moves):
        last = i == len(ce.moves) - 1
        expect: dict[str, Any] = _required(rules, ce) if last else {"state": move.state}
        a = move.attempt
        if move.kind == "submit":
            assert a is not None
            step: dict[str, Any] = {
                "submit": "c1",
                "at": _moment(move),
                "by": a.actor,
                "role": a.role,
                "category": move.category,
                "title": "诉求",
            }
            if a.actor != world.enterprise:
                step["enterprise"] = world.enterprise
        elif move.kind == "act":
            assert a is not None
            step = {"act": a.action.value, "at": _moment(move), "by": a.actor, "role": a.role}
            if a.reason:
                step["reason"] = a.reason
            if a.payload:
                step["payload"] = dict(a.payload)
        else:
            step = {"advance": _moment(move)}
        if last:
            step["note"] = f"{ce.violation.invariant}: {ce.violation.message}"
        step["expect"] = expect
        steps.append(step)
    return {
        "scenario": "gridcase.scenario/1",
        "name": f"Counterexample: {ce.violation.invariant} in {rules.jurisdiction}",
        "description": (
            f"Written by gridcase rules prove: the shortest path found that breaks "
            f"'{ce.violation.invariant}'. {ce.violation.message}. The last step expects what "
            "the invariant requires, so running this file fails there."
        ),
        "rules": rules_path,
        "version": rules.version,
        "start": start.isoformat(timespec="minutes"),
        "roster": world.roster(start.date()),
        "steps": steps,
    }


def write_scenario(rules: CompiledRules, ce: Counterexample, rule_file: Path, folder: Path) -> Path:
    """Write the scenario of ``ce`` into ``folder``; the file names the rule file by a
    path relative to itself."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{rules.jurisdiction}-{ce.violation.invariant}.yaml"
    relative = os.path.relpath(rule_file.resolve(), folder.resolve())
    doc = scenario_of(rules, ce, rules_path=relative)
    path.write_text(
        yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100), encoding="utf-8"
    )
    return path
