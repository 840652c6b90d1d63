"""The eventsourcing application that stores gridcase's events.

One application, one notification log: cases, enterprises, people, grids, visits and
the published rule texts all go into the same ordered log, so every projection can be
rebuilt by reading one sequence from the start.

Importing this module registers the old topics of event classes that moved
(:mod:`gridcase.domain.topics`), so every engine decodes them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from eventsourcing.application import Application
from eventsourcing.persistence import JSONTranscoder, Transcoding

from gridcase.domain.topics import register_moved_topics
from gridcase.kernel.clock import CST

__all__ = ["DateAsISO", "DatetimeAsCST", "GridcaseApplication"]

register_moved_topics()


class DateAsISO(Transcoding):
    """Dates (scope changes, effective dates) travel as ISO text."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class DatetimeAsCST(Transcoding):
    """Moments travel as ISO text, as eventsourcing writes them, and come back in China time.

    Every moment gridcase records is China Standard Time; decoding with the zone (rather
    than a bare +08:00 offset) makes a replayed aggregate identical to the one the
    command recorded on, so the store can keep what it saved without re-encoding it.
    Same name as eventsourcing's own transcoding: the stored form does not change.
    """

    type = datetime
    name = "datetime_iso"

    def encode(self, obj: datetime) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> datetime:
        moment = datetime.fromisoformat(data)
        return moment.astimezone(CST) if moment.tzinfo is not None else moment


class GridcaseApplication(Application[Any]):
    name = "gridcase"
    log_section_size = 1000

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DatetimeAsCST())
        transcoder.register(DateAsISO())
