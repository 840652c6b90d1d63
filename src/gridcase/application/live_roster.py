"""The roster view of one engine: folded from the log once, then caught up when asked.

Commands that ask questions across aggregates (is this unit staffed, who holds this
quota) read it; it must never hold what was not committed, so a rollback of saved
events (a batch whose commit failed) makes it start again from the log.
"""

from __future__ import annotations

from threading import Lock

from gridcase.projections.roster import RosterProjection
from gridcase.storage.log import EventLog

__all__ = ["LiveRoster"]


class LiveRoster:
    """The roster projection of one engine, caught up with the log when asked."""

    def __init__(self, log: EventLog) -> None:
        self._log = log
        self._view = RosterProjection()
        self._lock = Lock()

    def __call__(self) -> RosterProjection:
        with self._lock:
            self._view.catch_up(self._log)
            return self._view

    def forget(self) -> None:
        """Saved events were rolled back: the view may have folded what was never committed."""
        with self._lock:
            self._view = RosterProjection()
