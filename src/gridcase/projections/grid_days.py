"""The grids an enterprise was in on a day, as the log had said so far (网格归属).

The problem ledger counts a case to the grid(s) its enterprise was in on the day the
demand was received, so performance can be judged per grid. Grid memberships are spans
of days (``Enterprise.GridJoined`` / ``GridLeft``, each dated ``on``), and a join can be
recorded after the day it is dated. Which grid a case belongs to is therefore fixed by
the grid events recorded *before* its submission in the log: a runner kept live and a
rebuild years later both see exactly those events at that point, so they agree, and a
grid move recorded later does not move cases received earlier.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from datetime import date
from functools import lru_cache
from typing import Any
from uuid import UUID

from gridcase.domain.assignment import Stint, end_open
from gridcase.domain.enterprise import Enterprise
from gridcase.domain.ids import enterprise_key
from gridcase.storage.log import topics_of

__all__ = ["GRID_TOPICS", "Memberships", "apply_grid_event", "enterprise_id", "grids_on"]

_JOINED: type[Any] = vars(Enterprise)["GridJoined"]  # made by the @event decorator
_LEFT: type[Any] = vars(Enterprise)["GridLeft"]

GRID_TOPICS: tuple[str, ...] = tuple(topics_of([_JOINED, _LEFT]))
"""The enterprise events that move grid memberships (the only ones the ledger reads)."""

Memberships = MutableMapping[UUID, list[Stint]]
"""Per enterprise (its aggregate id), its grid spans: ``holder`` is the grid."""


@lru_cache(maxsize=1 << 16)
def enterprise_id(jurisdiction: str, credit_code: str) -> UUID:
    """The enterprise's aggregate id (a name-based UUID, remembered: a rebuild asks it
    for every submission, and the same enterprises submit again and again)."""
    return enterprise_key(jurisdiction, credit_code)


def apply_grid_event(memberships: Memberships, event: Any) -> UUID | None:
    """Apply a grid join or leave; returns the enterprise it changed (None: not one)."""
    if not isinstance(event, _JOINED | _LEFT):
        return None
    enterprise: UUID = event.originator_id
    spans = memberships.setdefault(enterprise, [])
    grid: str = event.grid
    if isinstance(event, _JOINED):
        spans.append(Stint(grid, event.on, kind=event.kind))
    else:
        end_open(spans, event.on, lambda s: s.holder == grid)
    return enterprise


def grids_on(
    memberships: Memberships, jurisdiction: str, credit_code: str, day: date
) -> tuple[str, ...]:
    """Every grid the enterprise was in on ``day`` (by grid id, sorted; Bijie's sit in two)."""
    spans = memberships.get(enterprise_id(jurisdiction, credit_code))
    if not spans:
        return ()
    return tuple(sorted({s.holder for s in spans if s.covers(day)}))
