"""``gridcase rules prove``: the exploration and the stateful test, as one report."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, Phase, seed, settings
from hypothesis.stateful import get_state_machine_test

from gridcase.application.rulebook import RuleService
from gridcase.testing.counterexample import write_scenario
from gridcase.testing.explore import DEFAULT_DEPTH, Exploration, explore
from gridcase.testing.stateful import case_machine
from gridcase.workflow.loader import RuleBook, load_rules

__all__ = ["DEFAULT_EXAMPLES", "ProofReport", "prove"]

DEFAULT_EXAMPLES = 25


@dataclass
class ProofReport:
    """What proving one rule file found."""

    path: Path
    exploration: Exploration
    examples: int
    stateful_failure: str | None = None
    scenarios: list[Path] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def sound(self) -> bool:
        e = self.exploration
        return not (e.counterexamples or e.unreachable or self.stateful_failure)

    def lines(self) -> list[str]:
        e = self.exploration
        head = "ok  " if self.sound else "FAIL"
        out = [
            f"{head} {self.path}: {e.jurisdiction}, depth {e.depth}: {e.situations} situations, "
            f"{e.paths} paths, {len(e.states)} states and {len(e.fired)} transitions reached; "
            f"{self.examples} stateful examples; {self.seconds:.1f}s"
        ]
        out += [f"  unreachable: transitions[{i}]" for i in e.unreachable]
        out += [f"  dead end: {s}" for s in sorted(e.dead_ends)]
        for name, ce in e.counterexamples.items():
            out.append(f"  {name}: {ce.violation.message} ({len(ce.moves)} steps)")
        out += [f"  counterexample: {p}" for p in self.scenarios]
        if self.stateful_failure:
            out.append(f"  stateful test: {self.stateful_failure}")
        return out


def prove(
    path: Path,
    *,
    examples: int = DEFAULT_EXAMPLES,
    depth: int = DEFAULT_DEPTH,
    seed_value: int | None = None,
    out: Path | None = None,
) -> ProofReport:
    """Explore ``path`` to ``depth`` and run ``examples`` stateful examples; write each
    counterexample as a scenario into ``out`` (if given)."""
    began = time.perf_counter()
    rules = load_rules(path)
    calendar = RuleService(RuleBook([rules], folder=path.parent), path.parent).calendar_for(rules)
    found = explore(rules, calendar, depth=depth)
    report = ProofReport(path, found, examples)
    if out is not None:
        report.scenarios = [
            write_scenario(rules, ce, path, out) for ce in found.counterexamples.values()
        ]
    if examples > 0 and not found.counterexamples:
        machine = case_machine(path)
        test = get_state_machine_test(
            machine,
            settings=settings(
                max_examples=examples,
                stateful_step_count=25,
                deadline=None,
                database=None,
                derandomize=seed_value is None,
                suppress_health_check=list(HealthCheck),
                print_blob=False,
                # The exploration writes the shortest counterexample; the stateful test
                # only has to say what broke, so it does not spend minutes shrinking.
                phases=[Phase.explicit, Phase.reuse, Phase.generate],
            ),
        )
        if seed_value is not None:
            test = seed(seed_value)(test)
        try:
            test()
        except AssertionError as exc:
            report.stateful_failure = str(exc).splitlines()[0] if str(exc) else repr(exc)
    report.seconds = time.perf_counter() - began
    return report
