"""Clocks for the edges of gridcase.

The core never asks what time it is: every command carries its moment. Only the
application layer, when a caller leaves the moment out, asks a ``Clock``; tests,
scenarios and the demo hand it a ``ManualClock`` they move themselves.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo

__all__ = ["CST", "Clock", "ManualClock", "SystemClock"]

CST = ZoneInfo("Asia/Shanghai")


@runtime_checkable
class Clock(Protocol):
    """Something that can say what time it is, timezone-aware."""

    def now(self) -> datetime: ...


class SystemClock:
    """The wall clock, in China Standard Time. Used only at the edges."""

    def now(self) -> datetime:
        return datetime.now(tz=CST)


class ManualClock:
    """A clock that only moves when told to, and never backwards."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self._now = start.astimezone(CST)

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware moment")
        if moment < self._now:
            raise ValueError(f"ManualClock cannot go back from {self._now} to {moment}")
        self._now = moment.astimezone(CST)

    def advance(self, delta: timedelta) -> datetime:
        self.set(self._now + delta)
        return self._now
