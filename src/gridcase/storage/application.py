"""The eventsourcing application that stores gridcase's events.

One application, one notification log: cases, enterprises, people, grids, visits and
the published rule texts all go into the same ordered log, so every projection can be
rebuilt by reading one sequence from the start.

Importing this module registers the old topics of event classes that moved
(:mod:`gridcase.domain.topics`), so every engine decodes them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from eventsourcing.application import Application
from eventsourcing.persistence import JSONTranscoder, Transcoding

from gridcase.domain.topics import register_moved_topics

__all__ = ["DateAsISO", "GridcaseApplication"]

register_moved_topics()


class DateAsISO(Transcoding):
    """Dates (scope changes, effective dates) travel as ISO text."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class GridcaseApplication(Application[Any]):
    name = "gridcase"
    log_section_size = 1000

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())
