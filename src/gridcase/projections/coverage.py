"""Visit coverage: which enterprises, or which grids, were not visited as the cadence requires.

The rules, stated once here and in docs/roster.md:

* A coverage question names a jurisdiction, a month and optionally a grid.
* The cadence (``visits.cadence`` of the rules in force on the month's last day) has a
  *unit*, the calendar month (``every_months``) or the ISO week (``every_weeks``). The
  units of a month are the month itself, or the ISO weeks whose Thursday falls in it
  (the ISO convention, so each week belongs to exactly one month).
* For each unit of the month there is one *window*: the ``every_*`` units ending with
  it. Monthly: the month. Every two months: the month asked and the one before it.
  Weekly: each ISO week.
* A window that begins before the cadence's ``from`` day is *not owed*: nothing is due
  in it, and the report says so. The first window owed is the first whole one from
  that day, so a duty "every two months from August" is first owed at September's end.

Per enterprise (``per: enterprise``, the default):

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

Per grid (``per: grid``; every grid of the jurisdiction, or the grid asked):

* A grid is *due* in a window when, on at least one day of the window, at least one
  enterprise was in scope and in the grid. A grid without enterprises owes nothing.
* A visit *counts* for the grid in that window when its China date lies in the window,
  its channel is one of ``counting_channels``, the enterprise visited was in scope and
  in the grid on that date, and the visitor was on that date a member of the grid's
  team or responsible for that enterprise in that grid. One such visit, to any of the
  grid's enterprises, covers the grid for the window; an enterprise not visited is not
  a finding of its own.
* A grid is *missed* in a window when it was due and no visit counts; the report lists
  each missed window with the grid's team on the last day the grid was due in it (an
  empty team is itself a finding).
* Asked of the whole jurisdiction, the report also lists the enterprises that were, on
  some day of an owed window, in scope but in no grid: no grid owes them a visit.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal, Protocol

from gridcase.domain.assignment import Stint
from gridcase.domain.enterprise import Enterprise
from gridcase.domain.grid import Grid
from gridcase.domain.policy import CadencePer, RosterRules, VisitCadence
from gridcase.domain.registry import missing_grid_kinds
from gridcase.kernel.errors import InvalidInput, NotFound

__all__ = [
    "AnyCoverageReport",
    "CoverageReport",
    "GridCoverageReport",
    "GridMiss",
    "Missed",
    "MissedGrid",
    "Month",
    "TeamMember",
    "VisitLike",
    "Window",
    "cadence_windows",
    "compute_coverage",
    "compute_grid_coverage",
    "owed_windows",
    "scope_spans",
]

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class VisitLike(Protocol):
    """What coverage reads of a visit: a :class:`~gridcase.domain.visit.Visit`, or a row
    of the visit table (:class:`~gridcase.projections.visit_reads.VisitFact`)."""

    @property
    def day(self) -> date: ...
    @property
    def channel(self) -> str: ...
    @property
    def visitor(self) -> str: ...


VisitsOf = Callable[[str], Iterable[VisitLike]]
"""``visits_of(credit_code)``: the visits recorded for one enterprise."""


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
class TeamMember:
    """A person in a grid's team on a given day, with the position held."""

    person: str
    position: str | None

    def __str__(self) -> str:
        return f"{self.person} ({self.position})" if self.position else self.person

    def to_dict(self) -> dict[str, str | None]:
        return {"person": self.person, "position": self.position}


@dataclass(frozen=True)
class GridMiss:
    """One window in which a grid had no counting visit, and whose it was to make one."""

    window: Window
    team: tuple[TeamMember, ...]
    """The grid's team on the last day the grid was due in the window, in the order of
    the rule file's positions (the chief first); empty when the grid had no team."""

    def to_dict(self) -> dict[str, Any]:
        return {"window": self.window.to_dict(), "team": [m.to_dict() for m in self.team]}


@dataclass(frozen=True)
class MissedGrid:
    """A grid that was due and had no counting visit in one or more windows."""

    grid: str
    name: str
    kind: str
    misses: tuple[GridMiss, ...]
    """One per missed window, each naming the team of its own days: a team that changed
    mid-month answers for the weeks it held the grid."""

    @property
    def windows(self) -> tuple[Window, ...]:
        return tuple(m.window for m in self.misses)

    @property
    def responsible(self) -> tuple[str, ...]:
        """Everyone named in any missed window, once each."""
        return tuple(dict.fromkeys(p.person for m in self.misses for p in m.team))

    def to_dict(self) -> dict[str, Any]:
        return {
            "grid": self.grid,
            "name": self.name,
            "kind": self.kind,
            "windows": [w.to_dict() for w in self.windows],
            "misses": [m.to_dict() for m in self.misses],
        }


@dataclass(frozen=True, kw_only=True)
class _Period:
    """What every coverage answer says about the question and the cadence."""

    jurisdiction: str
    month: Month
    grid: str | None
    """The grid asked about, or None for the whole jurisdiction."""
    cadence: str
    """The cadence in words, e.g. ``every week per grid (on_site)``."""
    windows: tuple[Window, ...]
    """The windows of the month in which visits are owed."""
    not_owed: tuple[Window, ...] = ()
    """Windows of the month that begin before ``owed_from``: nothing is due in them."""
    owed_from: date | None = None
    """The cadence's start (``visits.cadence.from``), if it has one."""

    @property
    def not_owed_reason(self) -> str | None:
        """Why part or all of the month owes nothing, in words; None when all of it is owed."""
        if not self.not_owed or self.owed_from is None:
            return None
        labels = ", ".join(w.label for w in self.not_owed)
        since = f"{self.owed_from.isoformat()} (visits.cadence.from)"
        if not self.windows:
            return (
                f"{self.month} owes no visit: visits are owed from {since}, and every "
                f"window of the month ({labels}) begins before that"
            )
        they = "it begins" if len(self.not_owed) == 1 else "they begin"
        return f"{labels} owe no visit: {they} before visits are owed, from {since}"

    def _common(self) -> dict[str, Any]:
        return {
            "jurisdiction": self.jurisdiction,
            "month": str(self.month),
            "grid": self.grid,
            "cadence": self.cadence,
            "owed_from": self.owed_from.isoformat() if self.owed_from else None,
            "windows": [w.to_dict() for w in self.windows],
            "not_owed": [w.to_dict() for w in self.not_owed],
            "not_owed_reason": self.not_owed_reason,
        }


@dataclass(frozen=True, kw_only=True)
class CoverageReport(_Period):
    """The answer to "which enterprises were not visited as required in this month (and grid)",
    for a cadence per enterprise."""

    due: tuple[str, ...]
    """Credit codes of the enterprises due in at least one window."""
    missed: tuple[Missed, ...] = ()
    lacking_grid_kinds: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """Enterprises in scope on the month's last day that sit in no grid of a required
    kind (``roster.required_grid_kinds``), with the kinds they lack; only when the whole
    jurisdiction is asked."""
    per: Literal["enterprise"] = field(default="enterprise", init=False)

    @property
    def covered(self) -> int:
        return len(self.due) - len(self.missed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "per": self.per,
            **self._common(),
            "due": len(self.due),
            "covered": self.covered,
            "missed": [m.to_dict() for m in self.missed],
            "lacking_grid_kinds": {code: list(kinds) for code, kinds in self.lacking_grid_kinds},
        }


@dataclass(frozen=True, kw_only=True)
class GridCoverageReport(_Period):
    """The answer to "which grids had no visit in which weeks (or months) of this month",
    for a cadence per grid."""

    due: tuple[str, ...]
    """Ids of the grids due in at least one window."""
    missed: tuple[MissedGrid, ...] = ()
    outside_grids: tuple[str, ...] = ()
    """Credit codes of enterprises in scope but in no grid on some day of an owed window
    (only when the whole jurisdiction is asked): no grid owes them a visit."""
    per: Literal["grid"] = field(default="grid", init=False)

    @property
    def covered(self) -> int:
        return len(self.due) - len(self.missed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "per": self.per,
            **self._common(),
            "due": len(self.due),
            "covered": self.covered,
            "missed": [m.to_dict() for m in self.missed],
            "outside_grids": list(self.outside_grids),
        }


AnyCoverageReport = CoverageReport | GridCoverageReport
"""What :meth:`gridcase.Roster.coverage` answers: tell the two apart by ``per``."""


def describe(cadence: VisitCadence) -> str:
    channels = ", ".join(c.value for c in cadence.counting_channels)
    if cadence.every_months is not None:
        unit = "month" if cadence.every_months == 1 else f"{cadence.every_months} months"
    else:
        unit = "week" if cadence.every_weeks == 1 else f"{cadence.every_weeks} weeks"
    per = " per grid" if cadence.per is CadencePer.GRID else ""
    since = f" from {cadence.from_.isoformat()}" if cadence.from_ is not None else ""
    return f"every {unit}{per} ({channels}){since}"


def cadence_windows(cadence: VisitCadence, month: Month) -> tuple[Window, ...]:
    """The windows a month is judged by (module docstring), owed or not."""
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


def owed_windows(
    cadence: VisitCadence, month: Month
) -> tuple[tuple[Window, ...], tuple[Window, ...]]:
    """The month's windows split into those owed and those that begin before ``from``.

    A window that began before the duty did is not owed even in part: holding it to
    the days from ``from`` on would give the first period fewer days than the rule does.
    """
    windows = cadence_windows(cadence, month)
    start = cadence.from_
    if start is None:
        return windows, ()
    return (
        tuple(w for w in windows if w.first >= start),
        tuple(w for w in windows if w.first < start),
    )


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


def _eligible(visit: VisitLike, ent: Enterprise, grid: Grid | None) -> bool:
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
    visits_of: VisitsOf,
    grid: Grid | None = None,
    roster: RosterRules | None = None,
) -> CoverageReport:
    """Coverage per enterprise of ``enterprises`` (a cadence per grid is refused: see
    :func:`compute_grid_coverage`, whose question and answer differ)."""
    if cadence.per is not CadencePer.ENTERPRISE:
        raise InvalidInput(
            "the cadence is per grid: ask compute_grid_coverage", field="cadence.per"
        )
    windows, not_owed = owed_windows(cadence, month)
    counting = set(cadence.counting_channels)
    grid_id = grid.grid_id if grid is not None else None
    due: list[str] = []
    missed: list[Missed] = []
    lacking: list[tuple[str, tuple[str, ...]]] = []
    for ent in sorted(enterprises, key=lambda e: e.credit_code):
        kinds = missing_grid_kinds(roster, ent, month.last) if grid is None else ()
        if kinds:
            lacking.append((ent.credit_code, kinds))
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
        not_owed=not_owed,
        owed_from=cadence.from_,
        due=tuple(due),
        missed=tuple(missed),
        lacking_grid_kinds=tuple(lacking),
    )


def _team_on(grid: Grid, day: date, positions: Sequence[str]) -> tuple[TeamMember, ...]:
    rank = {p: i for i, p in enumerate(positions)}
    members = sorted(
        grid.members_on(day),
        key=lambda s: (rank.get(s.kind or "", len(rank)), s.start, s.holder),
    )
    return tuple(dict.fromkeys(TeamMember(s.holder, s.kind) for s in members))


def _outside_grids(ent: Enterprise, windows: Sequence[Window]) -> bool:
    """Whether the enterprise was in scope and in no grid on some day of ``windows``.

    Such days form runs that begin on a window's first day or on a day something
    changed (a scope change, a grid left), so those days are the only ones to look at.
    """
    changes = {c.on for c in ent.scope_history} | {s.end for s in ent.grids if s.end}
    for window in windows:
        days = {window.first} | {d for d in changes if window.first <= d <= window.last}
        if any(ent.in_scope_on(d) and not ent.grids_on(d) for d in days):
            return True
    return False


def compute_grid_coverage(
    *,
    jurisdiction: str,
    month: Month,
    cadence: VisitCadence,
    grids: Iterable[Grid],
    enterprises: Iterable[Enterprise],
    visits_of: VisitsOf,
    grid: str | None = None,
    positions: Sequence[str] = (),
) -> GridCoverageReport:
    """Coverage per grid: which of ``grids`` (or the one named ``grid``) had no counting
    visit in which windows (module docstring). ``positions`` orders each team named in
    the report (the rule file's ``roster.team``: the chief first)."""
    if cadence.per is not CadencePer.GRID:
        raise InvalidInput(
            "the cadence is per enterprise: ask compute_coverage", field="cadence.per"
        )
    by_id = {g.grid_id: g for g in grids}
    if grid is not None and grid not in by_id:
        raise NotFound(f"no grid {grid!r} in {jurisdiction}")
    judged = [by_id[grid]] if grid is not None else [by_id[g] for g in sorted(by_id)]
    windows, not_owed = owed_windows(cadence, month)
    counting = set(cadence.counting_channels)
    everyone = sorted(enterprises, key=lambda e: e.credit_code)
    members: dict[str, list[Enterprise]] = {}
    for ent in everyone:
        for g in dict.fromkeys(s.holder for s in ent.grids):
            members.setdefault(g, []).append(ent)
    due: list[str] = []
    missed: list[MissedGrid] = []
    for the_grid in judged:
        last_due: list[date | None] = [None] * len(windows)
        visit_days: list[date] = []
        for ent in members.get(the_grid.grid_id, []):
            served = _served_spans(ent, the_grid.grid_id)
            if not served:
                continue
            for i, window in enumerate(windows):
                last = _last_day_in(served, window)
                best = last_due[i]
                if last is not None and (best is None or last > best):
                    last_due[i] = last
            visit_days.extend(
                v.day
                for v in visits_of(ent.credit_code)
                if v.channel in counting and _covers(served, v.day) and _eligible(v, ent, the_grid)
            )
        if all(d is None for d in last_due):
            continue
        due.append(the_grid.grid_id)
        misses = tuple(
            GridMiss(window, _team_on(the_grid, last, positions))
            for window, last in zip(windows, last_due, strict=True)
            if last is not None and not any(window.first <= d <= window.last for d in visit_days)
        )
        if misses:
            missed.append(MissedGrid(the_grid.grid_id, the_grid.name, the_grid.kind, misses))
    outside: tuple[str, ...] = ()
    if grid is None:
        outside = tuple(e.credit_code for e in everyone if _outside_grids(e, windows))
    return GridCoverageReport(
        jurisdiction=jurisdiction,
        month=month,
        grid=grid,
        cadence=describe(cadence),
        windows=windows,
        not_owed=not_owed,
        owed_from=cadence.from_,
        due=tuple(due),
        missed=tuple(missed),
        outside_grids=outside,
    )
