"""Visit coverage: which enterprises in scope were not visited as their cadence requires.

The rules, stated once here and in docs/roster.md:

* A coverage question names a jurisdiction, a month and optionally a grid.
* The cadence (``visits.cadence`` of the rules in force on the month's last day) has a
  *unit*, the calendar month (``every_months``) or the ISO week (``every_weeks``). The
  units of a month are the month itself, or the ISO weeks whose Thursday falls in it
  (the ISO convention, so each week belongs to exactly one month).
* For each unit of the month there is one *window*: the ``every_*`` units ending with
  it. Monthly: the month. Every two months: the month asked and the one before it.
  Weekly: each ISO week.
* An enterprise is *due* in a window when, on at least one day of the window, it was in
  scope (and, for a grid question, in that grid).
* A visit *counts* for it in that window when the visit's China date lies in the
  window, its channel is one of ``counting_channels``, the enterprise was in scope (and
  in the grid) on that date, and, for a grid question, the visitor was on that date
  responsible for the enterprise in that grid or a member of the grid's team. Without
  a grid, any person's counting visit counts. So an enterprise that entered the scope
  mid-window is due, and only visits from its entry date on can satisfy it.
* An enterprise is *missed* in a window when it was due and no visit counts; the
  report lists it with the windows it missed and the people responsible for it (in
  the grid asked, or in any grid) on the last day it was due in the last missed window.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from gridcase.domain.assignment import Stint
from gridcase.domain.enterprise import Enterprise
from gridcase.domain.grid import Grid
from gridcase.domain.visit import Visit
from gridcase.errors import InvalidInput
from gridcase.workflow.model import VisitCadence

__all__ = [
    "CoverageReport",
    "Missed",
    "Month",
    "Window",
    "cadence_windows",
    "compute_coverage",
    "scope_spans",
]

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month, the period coverage is asked for."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12 or not 1 <= self.year <= 9999:
            raise InvalidInput(f"no month {self.year:04d}-{self.month:02d}", field="month")

    @classmethod
    def parse(cls, value: Month | str | tuple[int, int]) -> Month:
        """``2026-03``, ``(2026, 3)`` or a Month."""
        if isinstance(value, Month):
            return value
        if isinstance(value, tuple):
            return cls(*value)
        m = _MONTH.match(value.strip())
        if m is None:
            raise InvalidInput(f"{value!r} is not a month in the form YYYY-MM", field="month")
        return cls(int(m[1]), int(m[2]))

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last(self) -> date:
        return self.shift(1).first - timedelta(days=1)

    def shift(self, months: int) -> Month:
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass(frozen=True)
class Window:
    """Days ``first``..``last`` (inclusive) in which one counting visit is required."""

    label: str
    """The unit the window ends with: ``2026-03`` or ``2026-W10``."""
    first: date
    last: date

    def to_dict(self) -> dict[str, str]:
        return {"label": self.label, "first": self.first.isoformat(), "last": self.last.isoformat()}


@dataclass(frozen=True)
class Missed:
    """An enterprise that was due and not visited as required."""

    credit_code: str
    name: str
    windows: tuple[Window, ...]
    responsible: tuple[str, ...]
    """Who should have visited: the people responsible on its last due day."""
    map_number: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "credit_code": self.credit_code,
            "name": self.name,
            "map_number": self.map_number,
            "windows": [w.to_dict() for w in self.windows],
            "responsible": list(self.responsible),
        }


@dataclass(frozen=True)
class CoverageReport:
    """The answer to "who was not visited as required in this month (and grid)"."""

    jurisdiction: str
    month: Month
    grid: str | None
    cadence: str
    windows: tuple[Window, ...]
    due: tuple[str, ...]
    """Credit codes of the enterprises due in at least one window."""
    missed: tuple[Missed, ...] = field(default=())

    @property
    def covered(self) -> int:
        return len(self.due) - len(self.missed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "jurisdiction": self.jurisdiction,
            "month": str(self.month),
            "grid": self.grid,
            "cadence": self.cadence,
            "windows": [w.to_dict() for w in self.windows],
            "due": len(self.due),
            "covered": self.covered,
            "missed": [m.to_dict() for m in self.missed],
        }


def describe(cadence: VisitCadence) -> str:
    channels = ", ".join(c.value for c in cadence.counting_channels)
    if cadence.every_months is not None:
        unit = "month" if cadence.every_months == 1 else f"{cadence.every_months} months"
    else:
        unit = "week" if cadence.every_weeks == 1 else f"{cadence.every_weeks} weeks"
    return f"every {unit} ({channels})"


def cadence_windows(cadence: VisitCadence, month: Month) -> tuple[Window, ...]:
    """The windows a month is judged by (module docstring)."""
    if cadence.every_months is not None:
        return (Window(str(month), month.shift(1 - cadence.every_months).first, month.last),)
    weeks = cadence.every_weeks or 1
    first_thursday = month.first + timedelta(days=(3 - month.first.weekday()) % 7)
    windows: list[Window] = []
    thursday = first_thursday
    while thursday <= month.last:
        monday = thursday - timedelta(days=3)
        year, week, _ = thursday.isocalendar()
        windows.append(
            Window(
                f"{year:04d}-W{week:02d}",
                monday - timedelta(weeks=weeks - 1),
                monday + timedelta(days=6),
            )
        )
        thursday += timedelta(weeks=1)
    return tuple(windows)


Span = tuple[date, date | None]


def scope_spans(ent: Enterprise) -> list[Span]:
    """The enterprise's spells in scope, as [start, end) spans."""
    last_by_day: dict[date, bool] = {}
    for change in ent.scope_history:
        last_by_day.pop(change.on, None)
        last_by_day[change.on] = change.in_scope
    spans: list[Span] = []
    start: date | None = None
    for day, inside in sorted(last_by_day.items()):
        if inside and start is None:
            start = day
        elif not inside and start is not None:
            spans.append((start, day))
            start = None
    if start is not None:
        spans.append((start, None))
    return spans


def _intersect(a: Iterable[Span], b: Iterable[Span]) -> list[Span]:
    out: list[Span] = []
    bs = list(b)
    for s1, e1 in a:
        for s2, e2 in bs:
            start = max(s1, s2)
            ends = [e for e in (e1, e2) if e is not None]
            end = min(ends) if ends else None
            if end is None or start < end:
                out.append((start, end))
    return out


def _last_day_in(spans: Sequence[Span], window: Window) -> date | None:
    """The last day of ``window`` covered by ``spans``, or None."""
    best: date | None = None
    for start, end in spans:
        last = window.last if end is None else min(window.last, end - timedelta(days=1))
        if start <= last and last >= window.first and (best is None or last > best):
            best = last
    return best


def _covers(spans: Sequence[Span], day: date) -> bool:
    return any(s <= day and (e is None or day < e) for s, e in spans)


def _served_spans(ent: Enterprise, grid: str | None) -> list[Span]:
    spans = scope_spans(ent)
    if grid is None:
        return spans
    return _intersect(spans, [(s.start, s.end) for s in ent.grids if s.holder == grid])


def _eligible(visit: Visit, ent: Enterprise, grid: Grid | None) -> bool:
    if grid is None:
        return True
    day = visit.day
    team: Iterable[Stint] = grid.team
    return any(s.holder == visit.visitor and s.covers(day) for s in team) or any(
        s.holder == visit.visitor and s.grid == grid.grid_id and s.covers(day)
        for s in ent.responsibles
    )


def compute_coverage(
    *,
    jurisdiction: str,
    month: Month,
    cadence: VisitCadence,
    enterprises: Iterable[Enterprise],
    visits_of: Any,
    grid: Grid | None = None,
) -> CoverageReport:
    """Coverage of ``enterprises`` (``visits_of(credit_code)`` lists an enterprise's visits)."""
    windows = cadence_windows(cadence, month)
    counting = set(cadence.counting_channels)
    grid_id = grid.grid_id if grid is not None else None
    due: list[str] = []
    missed: list[Missed] = []
    for ent in sorted(enterprises, key=lambda e: e.credit_code):
        served = _served_spans(ent, grid_id)
        if not served:
            continue
        visit_days = sorted(
            v.day
            for v in visits_of(ent.credit_code)
            if v.channel in counting and _covers(served, v.day) and _eligible(v, ent, grid)
        )
        missed_windows: list[Window] = []
        last_due: date | None = None
        for window in windows:
            last = _last_day_in(served, window)
            if last is None:
                continue
            if not any(window.first <= d <= window.last for d in visit_days):
                missed_windows.append(window)
                last_due = last
        if any(_last_day_in(served, w) is not None for w in windows):
            due.append(ent.credit_code)
        if missed_windows:
            assert last_due is not None
            people = ent.responsible_on(last_due, grid_id, any_grid=grid_id is None)
            missed.append(
                Missed(
                    ent.credit_code,
                    ent.name,
                    tuple(missed_windows),
                    tuple(dict.fromkeys(people)),
                    ent.map_number,
                )
            )
    return CoverageReport(
        jurisdiction=jurisdiction,
        month=month,
        grid=grid_id,
        cadence=describe(cadence),
        windows=windows,
        due=tuple(due),
        missed=tuple(missed),
    )
