"""Turning a clock's declared duration into a deadline, when the clock starts.

The deadline is computed once, at the moment the clock starts, and recorded with the
calendar version it used and whether it is provisional. Later changes to a calendar or
a rule file therefore never rewrite a recorded deadline; they only affect clocks that
start afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from gridcase.calendar import Deadline, WorkingCalendar, to_cst
from gridcase.kernel.errors import RefusedByRule
from gridcase.workflow.model import (
    CalendarDays,
    DateFromPayload,
    DayOfMonth,
    Duration,
    FirstWorkingDayOfNextMonth,
    Meeting,
    MeetingSchedule,
    NextWorkingDayAt,
    RuleSet,
    WorkingDays,
    WorkingDaysFromPayload,
)

__all__ = ["clock_duration", "compute_deadline", "next_meeting_date"]


def clock_duration(rules: RuleSet, clock: str, category: str) -> Duration | None:
    """The duration of ``clock`` for a case of ``category``; None when it does not run."""
    overrides = rules.categories[category].clocks
    if clock in overrides:
        return overrides[clock]
    return rules.clocks[clock].duration


def next_meeting_date(schedule: MeetingSchedule, after: date, calendar: WorkingCalendar) -> date:
    """The first meeting strictly after ``after``, moved to a working day if need be.

    assumption: a matter reaches a body at its next meeting *after* the day it was sent
    up, because papers must be prepared; a meeting on a day off is held on the next
    working day, and a matter sent up between the day off and that postponed meeting
    goes to it.
    """
    if schedule.monthly == "first_working_day":
        first_this = calendar.working_day_on_or_after(after.replace(day=1))
        if first_this > after:
            return first_this
        year, month = (after.year + 1, 1) if after.month == 12 else (after.year, after.month + 1)
        return calendar.working_day_on_or_after(date(year, month, 1))
    period = 7 * (schedule.every_weeks or 1)
    anchor = schedule.anchor
    if anchor is None:
        assert schedule.weekday is not None
        # Without an anchor, the series meets on this weekday every week from the epoch.
        anchor = date(2000, 1, 3) + timedelta(days=schedule.weekday.number)
    previous = after - timedelta(days=(after - anchor).days % period)
    held = calendar.working_day_on_or_after(previous)
    if held > after:
        # The last meeting of the series fell on a day off and is held later: it is
        # still ahead of a matter sent up in between (19 Feb 2026 → held 24 Feb).
        return held
    return calendar.working_day_on_or_after(previous + timedelta(days=period))


def compute_deadline(
    duration: Duration,
    start: datetime,
    calendar: WorkingCalendar,
    payload: Mapping[str, Any],
    *,
    rule: str,
) -> Deadline:
    """The deadline of a clock of ``duration`` started at ``start``."""
    if isinstance(duration, WorkingDays):
        return calendar.add_working_days(start, duration.working_days)
    if isinstance(duration, CalendarDays):
        return calendar.add_calendar_days(start, duration.calendar_days)
    if isinstance(duration, NextWorkingDayAt):
        return calendar.next_working_day_at(start, duration.next_working_day_at)
    if isinstance(duration, FirstWorkingDayOfNextMonth):
        return calendar.first_working_day_of_next_month(start)
    if isinstance(duration, DayOfMonth):
        return calendar.fixed_day_of_month(start, duration.day_of_month, roll=duration.roll)
    if isinstance(duration, Meeting):
        day = next_meeting_date(duration.meeting, to_cst(start).date(), calendar)
        return calendar.deadline_on(start, day, duration.meeting.at)
    if isinstance(duration, WorkingDaysFromPayload):
        n = payload.get(duration.working_days_from_payload)
        if not isinstance(n, int) or n < 1:
            raise RefusedByRule(
                f"the time limit must be given in payload field '{duration.working_days_from_payload}'",
                rule=rule,
            )
        return calendar.add_working_days(start, n)
    if isinstance(duration, DateFromPayload):
        return _date_from_payload(duration, start, calendar, payload, rule=rule)
    raise TypeError(f"unknown duration {duration!r}")


def _date_from_payload(
    duration: DateFromPayload,
    start: datetime,
    calendar: WorkingCalendar,
    payload: Mapping[str, Any],
    *,
    rule: str,
) -> Deadline:
    field = duration.date_from_payload
    value = payload.get(field)
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value))
    except ValueError:
        raise RefusedByRule(
            f"the due date must be given in payload field '{field}'", rule=rule
        ) from None
    if day <= to_cst(start).date():
        raise RefusedByRule(
            f"the due date in payload field '{field}' ({day.isoformat()}) must be after the day the clock starts",
            rule=rule,
        )
    return calendar.deadline_on(start, day)
