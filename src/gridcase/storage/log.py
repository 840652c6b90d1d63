"""Reading the ordered log: in pages, by topic, decoded, never assuming ids are contiguous.

Every event of every aggregate goes into one ordered log, so a read model is a fold
over that log from some position on, and an audit reads one aggregate's events in
version order. :class:`EventLog` is the read-only face of a store for both: it cannot
write, so a projection or an embedder holding it cannot record an event no rule
checked.

* It reads through the application recorder's ``select_notifications`` in bounded
  pages, filtered by topic, never through ``notification_log.select`` (whose page is
  capped by the log section size).
* It never assumes ids are contiguous: PostgreSQL leaves gaps where a transaction
  rolled back, so the next page starts *after* the last id seen.
* It decodes with the application's own mapper, so transcodings and upcasting apply.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic

__all__ = ["DEFAULT_PAGE", "EventLog", "event_topics", "topics_of"]

DEFAULT_PAGE = 500
MANY_AT_ONCE = 200
"""Aggregates read in one query by :meth:`EventLog.events_of_many` (SQLite's expression depth)."""


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


class EventLog:
    """One store's log, to read only."""

    def __init__(self, app: Application[Any]) -> None:
        self._app = app

    def read(
        self, *, after: int = 0, topics: Sequence[str] = (), page: int = DEFAULT_PAGE
    ) -> Iterator[tuple[int, Any]]:
        """Every event after position ``after`` (of the given topics), with its position.

        Reads ``page`` notifications at a time; stops at the end of the log as it was
        when the last page was read.
        """
        if page < 1:
            raise ValueError("a page holds at least one notification")
        recorder = self._app.recorder
        mapper = self._app.mapper
        position = after
        while True:
            notes = recorder.select_notifications(
                start=position, limit=page, topics=topics, inclusive_of_start=False
            )
            for note in notes:
                yield note.id, mapper.to_domain_event(note)
            if len(notes) < page:
                return
            position = notes[-1].id

    def head(self) -> int:
        """The position of the last event recorded (0 for an empty store)."""
        return int(self._app.recorder.max_notification_id() or 0)

    def count(self, *, topics: Sequence[str] = ()) -> int:
        """How many events the log holds (of the given topics)."""
        return sum(1 for _ in self.read(topics=topics, page=DEFAULT_PAGE * 4))

    def events_of(
        self, originator_id: UUID, *, gt: int | None = None, lte: int | None = None
    ) -> list[Any]:
        """One aggregate's events in version order (after ``gt``, up to ``lte``)."""
        return list(self._app.events.get(originator_id, gt=gt, lte=lte))

    def events_of_many(self, up_to: Mapping[UUID, int]) -> dict[UUID, list[Any]]:
        """Several aggregates' events in version order, each up to the version given, in
        few reads (a projection replays the aggregates a page of the log touches)."""
        recorder = self._app.recorder
        mapper = self._app.mapper
        found: dict[UUID, list[Any]] = {oid: [] for oid in up_to}
        wanted = sorted(up_to, key=str)
        for i in range(0, len(wanted), MANY_AT_ONCE):
            chunk = [(oid, 0) for oid in wanted[i : i + MANY_AT_ONCE] if up_to[oid] > 0]
            for raw in recorder.select_events_after(chunk) if chunk else ():  # type: ignore[attr-defined]
                if raw.originator_version <= up_to[UUID(str(raw.originator_id))]:
                    event = mapper.to_domain_event(raw)
                    found[event.originator_id].append(event)
        return found
