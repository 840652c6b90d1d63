"""The working calendar: counting Chinese working days the way the Civil Code does.

"Within N working days of receipt": the day of receipt is not counted; the period ends
at 24:00 of the N-th working day after it (Civil Code arts. 201-203). A receipt on a
day off therefore counts from the first working day after it without any special case:
every count here is of working days strictly after the start's date.

Every operation takes a timezone-aware moment, works in China Standard Time and returns
a ``Deadline`` stamped with the calendar's version and a ``provisional`` flag.
"""

from __future__ import annotations

import calendar as _gregorian
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Literal

from gridcase.calendar._days import CalendarData, DayTable, day_table
from gridcase.calendar._deadline import Deadline, to_cst
from gridcase.calendar._files import NATIONAL_FILE, read_calendar_file
from gridcase.kernel.clock import CST
from gridcase.kernel.errors import InvalidInput
from gridcase.kernel.resources import rules_root

__all__ = ["Roll", "WorkingCalendar", "load_calendar", "national_calendar"]

Roll = Literal["none", "forward", "backward"]
_ROLLS: frozenset[str] = frozenset({"none", "forward", "backward"})
_ONE_DAY = timedelta(days=1)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=CST)


def _count(n: int, field: str) -> int:
    """A positive whole number of days; ``True`` is not a number of days."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise InvalidInput(f"{field} must be a whole number, got {n!r}", field=field)
    if n < 1:
        raise InvalidInput(f"{field} must be at least 1, got {n}", field=field)
    return n


def _plain_date(day: date, field: str) -> date:
    """Refuse a datetime where a date is meant: its date part may be in the wrong timezone."""
    if isinstance(day, datetime) or not isinstance(day, date):
        raise InvalidInput(
            f"{field} must be a date (for a moment, use to_cst(moment).date()), got {day!r}",
            field=field,
        )
    return day


class WorkingCalendar:
    """A calendar of Chinese working days over a fixed range, with local overrides applied.

    Obtain one from ``national_calendar()`` or ``load_calendar(path)``, which share one
    instance per distinct content. Instances are immutable and safe to share between
    threads.
    """

    __slots__ = ("_first", "_t", "first_day", "id", "last_day", "published_years", "version")

    id: str
    """``national``, or the local file's ``id``."""
    version: str
    """sha256 (hex) of the calendar's canonical data; stamped on every deadline."""
    published_years: frozenset[int]
    """Years with a State Council holiday notice in the data; others are provisional."""
    first_day: date
    last_day: date

    def __init__(self, id: str, table: DayTable) -> None:
        self.id = id
        self._t = table
        self._first = table.first_ordinal
        self.version = table.version
        self.published_years = table.data.published_years
        self.first_day = table.data.first_day
        self.last_day = table.data.last_day

    def __repr__(self) -> str:
        return (
            f"WorkingCalendar(id={self.id!r}, version={self.version[:12]!r}, "
            f"covers={self.first_day}..{self.last_day})"
        )

    # -- days ---------------------------------------------------------------------------

    def _index(self, day: date, field: str, *, allow_end: bool = False) -> int:
        """Position of ``day`` in the table; ``allow_end`` admits the day after the range
        (the date of 24:00 on the last covered day)."""
        i = day.toordinal() - self._first
        if 0 <= i < self._t.size or (allow_end and i == self._t.size):
            return i
        raise InvalidInput(
            f"{field} {day} is outside the range covered by calendar {self.id!r} "
            f"({self.first_day}..{self.last_day})",
            field=field,
        )

    def _nth_working(self, k: int, field: str) -> date:
        """The k-th working day of the range (0-based)."""
        if 0 <= k < len(self._t.working):
            return date.fromordinal(self._t.working[k])
        raise InvalidInput(
            f"{field}: the result falls outside the range covered by calendar {self.id!r} "
            f"({self.first_day}..{self.last_day})",
            field=field,
        )

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` is a working day: statutory rules first, then local overrides."""
        return bool(self._t.table[self._index(_plain_date(day, "day"), "day")])

    def working_day_on_or_after(self, day: date) -> date:
        """``day`` itself if it is a working day, else the next one."""
        i = self._index(_plain_date(day, "day"), "day")
        return self._nth_working(self._t.prefix[i], "day")

    def working_day_after(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        i = self._index(_plain_date(day, "day"), "day")
        return self._nth_working(self._t.prefix[i + 1], "day")

    def working_day_on_or_before(self, day: date) -> date:
        """``day`` itself if it is a working day, else the last one before it."""
        i = self._index(_plain_date(day, "day"), "day")
        return self._nth_working(self._t.prefix[i + 1] - 1, "day")

    def is_provisional(self, first: date, last: date) -> bool:
        """Whether any day from ``first`` to ``last`` (either order) lies in a year with no
        State Council notice in the data. Years outside the covered range have none."""
        lo, hi = sorted((_plain_date(first, "first"), _plain_date(last, "last")))
        return self._provisional(lo.year, hi.year)

    def _provisional(self, first_year: int, last_year: int) -> bool:
        t = self._t
        if first_year < t.first_year or last_year > self.last_day.year:
            return True
        before = t.unpublished_before
        return before[last_year - t.first_year + 1] - before[first_year - t.first_year] > 0

    # -- deadlines ------------------------------------------------------------------------

    def _deadline(
        self, start: datetime, due_date: date, at: time | None, *, field: str = "start"
    ) -> Deadline:
        """The one place a ``Deadline`` is made, so every kind is stamped the same way."""
        if at is None:
            moment = _midnight(due_date + _ONE_DAY)
        else:
            moment = datetime.combine(due_date, at, tzinfo=CST)
        if moment < start or due_date < start.date():
            raise InvalidInput(
                f"the deadline {moment.isoformat()} would be before the start {start.isoformat()}",
                field=field,
            )
        return Deadline(
            start=start,
            due_date=due_date,
            deadline=moment,
            provisional=self._provisional(start.year, due_date.year),
            calendar_version=self.version,
        )

    def add_working_days(self, start: datetime, n: int) -> Deadline:
        """Within ``n`` working days of ``start``: ends 24:00 of the n-th working day
        strictly after the start's date (China time), so the day of receipt never counts."""
        s = to_cst(start, field="start")
        i = self._index(s.date(), "start")
        due = self._nth_working(self._t.prefix[i + 1] + _count(n, "n") - 1, "n")
        return self._deadline(s, due, None)

    def add_calendar_days(self, start: datetime, n: int) -> Deadline:
        """Within ``n`` calendar days: ends 24:00 of the start's date plus ``n`` days,
        whether or not that is a working day."""
        s = to_cst(start, field="start")
        self._index(s.date(), "start")
        due = s.date() + timedelta(days=_count(n, "n"))
        self._index(due, "n")
        return self._deadline(s, due, None)

    def next_working_day_at(self, start: datetime, at: time) -> Deadline:
        """By ``at`` (China time) of the next working day: the first working day strictly
        after the start's date, at that time of day."""
        s = to_cst(start, field="start")
        if not isinstance(at, time) or at.tzinfo is not None:
            raise InvalidInput(
                f"at must be a China time of day without tzinfo, got {at!r}", field="at"
            )
        return self._deadline(s, self.working_day_after(s.date()), at)

    def first_working_day_of_month(
        self, year: int, month: int, *, start: datetime | None = None
    ) -> Deadline:
        """Ends 24:00 of the month's first working day; the period starts at ``start``,
        by default 00:00 China time of the month's first day."""
        if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12:
            raise InvalidInput(f"month must be 1..12, got {month!r}", field="month")
        if isinstance(year, bool) or not isinstance(year, int):
            raise InvalidInput(f"year must be a whole number, got {year!r}", field="year")
        if not self.first_day.year <= year <= self.last_day.year:
            raise InvalidInput(
                f"year {year} is outside the range covered by calendar {self.id!r} "
                f"({self.first_day}..{self.last_day})",
                field="year",
            )
        first = date(year, month, 1)
        s = _midnight(first) if start is None else to_cst(start, field="start")
        return self._deadline(s, self.working_day_on_or_after(first), None)

    def first_working_day_of_next_month(self, start: datetime) -> Deadline:
        """Ends 24:00 of the first working day of the month after the start's month."""
        s = to_cst(start, field="start")
        year, month = (s.year + 1, 1) if s.month == 12 else (s.year, s.month + 1)
        return self.first_working_day_of_month(year, month, start=s)

    def fixed_day_of_month(self, start: datetime, day: int, *, roll: Roll = "none") -> Deadline:
        """Ends 24:00 of the next ``day``-of-month (rolled) strictly after the start's date.

        A month without that day (the 31st in April) uses its last day. ``roll`` moves a
        due date that is not a working day to the next (``forward``) or previous
        (``backward``) working day; the first month whose rolled date is still after the
        start's date is the one that counts, so a backward roll never yields a deadline
        that has already passed.
        """
        s = to_cst(start, field="start")
        if isinstance(day, bool) or not isinstance(day, int) or not 1 <= day <= 31:
            raise InvalidInput(f"day must be 1..31, got {day!r}", field="day")
        if roll not in _ROLLS:
            raise InvalidInput(
                f"roll must be one of none, forward, backward; got {roll!r}", field="roll"
            )
        year, month = s.year, s.month
        while True:
            target = date(year, month, min(day, _gregorian.monthrange(year, month)[1]))
            if roll == "forward":
                due = self.working_day_on_or_after(target)
            elif roll == "backward":
                due = self.working_day_on_or_before(target)
            else:
                due = target
                self._index(due, "day")
            if due > s.date():
                return self._deadline(s, due, None)
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)

    def deadline_on(self, start: datetime, due_date: date, at: time | None = None) -> Deadline:
        """Stamp a due date computed elsewhere (a meeting schedule) with this calendar's
        version and provisional flag; ``at=None`` means 24:00 of ``due_date``."""
        s = to_cst(start, field="start")
        self._index(_plain_date(due_date, "due_date"), "due_date")
        if at is not None and (not isinstance(at, time) or at.tzinfo is not None):
            raise InvalidInput(
                f"at must be a China time of day without tzinfo, got {at!r}", field="at"
            )
        return self._deadline(s, due_date, at, field="due_date")

    def working_days_elapsed(self, start: datetime, end: datetime) -> int:
        """Working days fully completed after ``start`` by ``end``: those strictly between
        the two dates (China time). The inverse of ``add_working_days``:
        ``working_days_elapsed(s, add_working_days(s, n).deadline) == n``."""
        s = to_cst(start, field="start")
        e = to_cst(end, field="end")
        if e <= s:
            return 0
        i = self._index(s.date(), "start")
        j = self._index(e.date(), "end", allow_end=True)
        return max(0, self._t.prefix[j] - self._t.prefix[i + 1])


@lru_cache(maxsize=64)
def _calendar(calendar_id: str, data: CalendarData) -> WorkingCalendar:
    return WorkingCalendar(calendar_id, day_table(data))


def load_calendar(path: str | Path) -> WorkingCalendar:
    """The calendar a file describes: the national file, or a local file over it.

    The file is read on every call; the calendar is built once per distinct content
    (layout, key order and comments do not count).

    Raises:
        RuleFileError: the file (or the national file under it) is malformed.
    """
    loaded = read_calendar_file(Path(path))
    return _calendar(loaded.id, loaded.data)


@lru_cache(maxsize=4)
def _national_at(path: Path) -> WorkingCalendar:
    return load_calendar(path)


def national_calendar() -> WorkingCalendar:
    """The national calendar from ``rules_root()/calendars/national.yaml``, read once per
    location per process."""
    return _national_at(rules_root() / "calendars" / NATIONAL_FILE)
