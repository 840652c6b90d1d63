"""Spans of days during which something held: a grid membership, a responsibility.

The roster answers "who was responsible for enterprise X on date D", so every
membership and assignment is kept as a span with a first day and an end day, never
overwritten. A span ends *before* its end day: an enterprise that leaves a grid on
1 March is no longer in it on 1 March, and the grid it joins that day has it from then.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

from gridcase.kernel.errors import InvalidInput

__all__ = ["Stint", "end_open", "not_before"]


@dataclass(frozen=True)
class Stint:
    """``holder`` held its place from ``start`` until the day before ``end``.

    On an enterprise, ``holder`` is a grid (membership, with its ``kind``) or a person
    (responsibility, in ``grid`` or in none); on a person, ``holder`` is what they are
    responsible for and ``kind`` says whether that is an enterprise or a project; in a
    grid's team, ``holder`` is the person and ``kind`` the position.
    """

    holder: str
    start: date
    end: date | None = None
    grid: str | None = None
    kind: str | None = None

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)

    def overlaps(self, first: date, last: date) -> bool:
        """Whether the span shares at least one day with ``first``..``last`` (inclusive)."""
        return self.start <= last and (self.end is None or self.end > first)

    @property
    def is_open(self) -> bool:
        return self.end is None


def end_open(stints: list[Stint], on: date, match: Callable[[Stint], bool]) -> None:
    """End every open span that ``match`` selects on ``on`` (in place, while applying an event)."""
    for i, s in enumerate(stints):
        if s.end is None and match(s):
            stints[i] = replace(s, end=on)


def not_before(on: date, earliest: date | None, what: str) -> None:
    """Refuse a change dated before the change it follows: every history stays in date order."""
    if earliest is not None and on < earliest:
        raise InvalidInput(
            f"{what} is dated {on.isoformat()}, before the change it follows "
            f"({earliest.isoformat()}); histories stay in date order",
            field="on",
        )
