"""A computed deadline, and the one door every moment passes through: ``to_cst``.

A deadline is stored with the case that owns it, possibly for years, and read back by
people who need to know how it was computed: so it carries the calendar version it was
computed with and whether that calendar was still guessing (``provisional``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from gridcase.kernel.clock import CST
from gridcase.kernel.errors import InvalidInput

__all__ = ["Deadline", "to_cst"]


def to_cst(moment: datetime, *, field: str = "moment") -> datetime:
    """``moment`` in China Standard Time; a naive moment is refused, never guessed.

    A naive datetime could be server time, UTC or China time depending on who made it,
    and a guess there silently moves deadlines by up to a day.

    Raises:
        InvalidInput: ``moment`` is not a datetime, or is naive (``field`` names it).
    """
    if not isinstance(moment, datetime):
        raise InvalidInput(f"{field} must be a datetime, not {type(moment).__name__}", field=field)
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput(
            f"{field} must be timezone-aware (China time is Asia/Shanghai); got naive {moment}",
            field=field,
        )
    return moment.astimezone(CST)


@dataclass(frozen=True)
class Deadline:
    """When a period ends, and on what calendar that was decided.

    ``deadline`` is the exact end: 24:00 of ``due_date`` (stored as 00:00 of the next
    day) unless a rule names a time of day. ``provisional`` is true when the period
    touches a year with no State Council holiday notice in the calendar's data, so the
    due date may still move when the notice appears.
    """

    start: datetime
    due_date: date
    deadline: datetime
    provisional: bool
    calendar_version: str

    def __post_init__(self) -> None:
        for field, moment in (("start", self.start), ("deadline", self.deadline)):
            if moment.tzinfo is None or moment.utcoffset() is None:
                raise InvalidInput(f"{field} must be timezone-aware, got {moment}", field=field)

    def to_dict(self) -> dict[str, str | bool]:
        """JSON-safe form with ISO 8601 strings (moments with their +08:00 offset)."""
        return {
            "start": self.start.isoformat(),
            "due_date": self.due_date.isoformat(),
            "deadline": self.deadline.isoformat(),
            "provisional": self.provisional,
            "calendar_version": self.calendar_version,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Deadline:
        """Read back what ``to_dict`` wrote; anything malformed is ``InvalidInput``."""
        return cls(
            start=_moment(data, "start"),
            due_date=_day(data, "due_date"),
            deadline=_moment(data, "deadline"),
            provisional=_flag(data, "provisional"),
            calendar_version=_text(data, "calendar_version"),
        )


def _text(data: Mapping[str, object], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise InvalidInput(f"{key} must be a non-empty string, got {value!r}", field=key)
    return value


def _moment(data: Mapping[str, object], key: str) -> datetime:
    text = _text(data, key)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{key} is not an ISO 8601 moment: {text!r}", field=key) from None
    return to_cst(moment, field=key)


def _day(data: Mapping[str, object], key: str) -> date:
    text = _text(data, key)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{key} is not an ISO 8601 date: {text!r}", field=key) from None


def _flag(data: Mapping[str, object], key: str) -> bool:
    value = data.get(key)
    if not isinstance(value, bool):
        raise InvalidInput(f"{key} must be true or false, got {value!r}", field=key)
    return value
