"""The compliance kit: prove a rule file sound before a case runs on it.

Public API (see docs/compliance.md):

- :func:`explore`: bounded exhaustive exploration of a rule file's machine;
- :func:`check_case` and :data:`INVARIANTS`: the invariants every jurisdiction shares;
- :class:`World`: the roster the kit tries a rule file with.
"""

from gridcase.testing.explore import Counterexample, Exploration, Move, explore
from gridcase.testing.invariants import INVARIANTS, Violation, check_case
from gridcase.testing.world import World

__all__ = [
    "INVARIANTS",
    "Counterexample",
    "Exploration",
    "Move",
    "Violation",
    "World",
    "check_case",
    "explore",
]
