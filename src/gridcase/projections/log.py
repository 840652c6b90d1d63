"""Reading the notification log in pages, decoding, folding: the base of every projection.

Every event of every aggregate goes into one ordered log (:mod:`gridcase.application`),
so a read model is a fold over that log from some position on. This module is the
whole machinery, kept generic so that any projection (the roster's coverage today, SQL
ledgers kept by a runner tomorrow) reads the log the same way:

* read through the application recorder's ``select_notifications`` in bounded pages,
  filtered by topic, never through ``notification_log.select`` (whose page is capped by
  the log section size);
* never assume ids are contiguous: PostgreSQL leaves gaps where a transaction rolled
  back, so the next page starts *after* the last id seen, not at ``last + 1`` by count;
* decode with the application's own mapper (so transcodings and upcasting apply);
* remember the position folded so far, so catching up reads only what is new and a
  rebuild is a fresh projection read from position 0.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic

__all__ = ["Projection", "event_topics", "read_log", "topics_of"]

DEFAULT_PAGE = 500


def topics_of(classes: Iterable[type[Any]]) -> list[str]:
    """The stored topics of the given event classes, for filtering the log."""
    return [get_topic(cls) for cls in classes]


def event_topics(*aggregate_classes: type[Aggregate]) -> tuple[str, ...]:
    """The topics of every event class declared on the given aggregate classes."""
    topics: list[str] = []
    for cls in aggregate_classes:
        for value in vars(cls).values():
            if isinstance(value, type) and issubclass(value, Aggregate.Event):
                topics.append(get_topic(value))
    return tuple(dict.fromkeys(topics))


def read_log(
    app: Application[Any],
    *,
    after: int = 0,
    topics: Sequence[str] = (),
    page: int = DEFAULT_PAGE,
) -> Iterator[tuple[int, Any]]:
    """Every event after position ``after`` (of the given topics), with its position.

    Reads ``page`` notifications at a time; stops at the end of the log as it was when
    the last page was read.
    """
    if page < 1:
        raise ValueError("a page holds at least one notification")
    recorder = app.recorder
    position = after
    while True:
        notes = recorder.select_notifications(
            start=position, limit=page, topics=topics, inclusive_of_start=False
        )
        for note in notes:
            yield note.id, app.mapper.to_domain_event(note)
        if len(notes) < page:
            return
        position = notes[-1].id


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

    def catch_up(self, app: Application[Any], *, page: int = DEFAULT_PAGE) -> int:
        """Fold every event recorded since the last catch-up; returns how many."""
        return self.fold_all(read_log(app, after=self.position, topics=self.topics, page=page))
