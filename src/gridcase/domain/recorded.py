"""Events carry the moment of the command that caused them, never the wall clock.

eventsourcing stamps an event with the machine's current time unless told otherwise. In gridcase
time is an argument: every command has its moment (given, or stamped once by the
engine's clock at the edge), and every event that command records carries that moment.
So a roster change, a visit or a published rule set is placed in history exactly where
a case step of the same command would be, tests and scenarios on a manual clock get
the times they set, and "as of" means the same thing for every record.

The application layer opens :func:`recorded_at` around a command's work; an aggregate
derived from :class:`RecordedAggregate` that records an event outside it is a
programming error, raised at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import ClassVar

from eventsourcing.domain import Aggregate

__all__ = ["RecordedAggregate", "recorded_at"]

_MOMENT: ContextVar[datetime | None] = ContextVar("gridcase_command_moment", default=None)


@contextmanager
def recorded_at(moment: datetime) -> Iterator[None]:
    """Within this block, events are stamped with ``moment`` (timezone-aware)."""
    if moment.tzinfo is None:
        raise ValueError("a command's moment is timezone-aware")
    token = _MOMENT.set(moment)
    try:
        yield
    finally:
        _MOMENT.reset(token)


class RecordedAggregate(Aggregate):
    """An aggregate whose events carry the current command's moment."""

    class Event(Aggregate.Event):
        class_version: ClassVar[int] = 1
        """The version of the event's stored form, inherited by every event of these
        aggregates. eventsourcing writes it into the stored state only above 1, so
        version 1 is what every event stored so far already is. A release that changes an
        event's fields declares that event class explicitly with ``class_version = 2`` and
        ``upcast_v1_v2`` (see ``docs/events.md``)."""

        @staticmethod
        def create_timestamp() -> datetime:
            moment = _MOMENT.get()
            if moment is None:
                raise RuntimeError(
                    "an event was recorded outside a command: wrap the work in "
                    "gridcase.domain.recorded.recorded_at(moment) (the unit of work does)"
                )
            return moment

    class Created(Event, Aggregate.Created):
        pass
