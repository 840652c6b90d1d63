"""The base of every in-memory projection: fold the log from a position on.

A read model is a fold over the one ordered log (:class:`gridcase.storage.log.EventLog`)
from some position on. A projection remembers the position folded so far, so catching
up reads only what is new, and a rebuild is a fresh projection read from position 0.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import Any

from gridcase.storage.log import DEFAULT_PAGE, EventLog, event_topics, topics_of

__all__ = ["Projection", "event_topics", "topics_of"]

_log = logging.getLogger("gridcase.projections")
"""How far each projection folded the log (DEBUG)."""


class Projection(ABC):
    """A read model kept by folding the log: subclass, say which topics, implement ``fold``.

    ``position`` is the id of the last notification folded; ``catch_up`` folds what came
    after it. A projection is rebuilt from scratch by constructing a new one.
    """

    topics: tuple[str, ...] = ()
    """The event topics the projection folds (empty: every event)."""

    def __init__(self) -> None:
        self.position = 0

    @abstractmethod
    def fold(self, event: Any) -> None:
        """Apply one event to the read model."""

    def fold_all(self, events: Iterable[tuple[int, Any]]) -> int:
        """Fold ``(position, event)`` pairs in order; returns how many were folded."""
        count = 0
        for position, ev in events:
            self.fold(ev)
            self.position = position
            count += 1
        return count

    def catch_up(self, log: EventLog, *, page: int = DEFAULT_PAGE) -> int:
        """Fold every event recorded since the last catch-up; returns how many."""
        start = self.position
        folded = self.fold_all(log.read(after=start, topics=self.topics, page=page))
        if folded:
            _log.debug(
                "%s: folded %d event(s), positions %d to %d",
                type(self).__name__,
                folded,
                start + 1,
                self.position,
            )
        return folded
