"""The compliance kit: prove a rule file sound before a case runs on it.

Public API (see docs/compliance.md):

- :func:`explore`: bounded exhaustive exploration of a rule file's machine;
- :func:`check_case` and :data:`INVARIANTS`: the invariants every jurisdiction shares;
- :func:`case_machine`: a Hypothesis stateful test of a rule file on the real engine,
  with the strategies :func:`worlds` (rosters), :func:`commands` (valid and invalid),
  :func:`moments` and :func:`pauses` (time across holidays and make-up working days);
- :func:`prove`: both, as ``gridcase rules prove`` runs them;
- :func:`write_scenario`: a counterexample as a runnable scenario file;
- :class:`World`: the roster the kit tries a rule file with.
"""

from gridcase.testing.counterexample import scenario_of, write_scenario
from gridcase.testing.explore import Counterexample, Exploration, Move, explore
from gridcase.testing.invariants import INVARIANTS, Violation, check_case
from gridcase.testing.prove import ProofReport, prove
from gridcase.testing.stateful import (
    CaseMachine,
    Command,
    case_machine,
    commands,
    moments,
    pauses,
    worlds,
)
from gridcase.testing.world import World

__all__ = [
    "INVARIANTS",
    "CaseMachine",
    "Command",
    "Counterexample",
    "Exploration",
    "Move",
    "ProofReport",
    "Violation",
    "World",
    "case_machine",
    "check_case",
    "commands",
    "explore",
    "moments",
    "pauses",
    "prove",
    "scenario_of",
    "worlds",
    "write_scenario",
]
