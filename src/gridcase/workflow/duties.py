"""When each occurrence of a periodic duty is due, and whether one was missed.

A rule file declares its duties (``duties:``: who owes what to whom, by which calendar
rule); this module turns a duty into its periods and due moments, and judges one
occurrence against the moment it was fulfilled. It is pure: the read models that know
what was handed in (a report, a ledger, a visit) call it and report the findings.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time

from gridcase.calendar import Deadline, WorkingCalendar, to_cst
from gridcase.kernel.clock import CST
from gridcase.kernel.errors import InvalidInput
from gridcase.workflow.model import DueRule, Duty

__all__ = ["DutyPeriod", "duty_periods", "is_missed"]


@dataclass(frozen=True)
class DutyPeriod:
    """One occurrence of a duty: the months it covers and when it is due."""

    duty: str
    first: date
    last: date
    due: Deadline

    def missed(self, fulfilled_at: datetime | None, now: datetime) -> bool:
        """See :func:`is_missed`."""
        return is_missed(self.due, fulfilled_at, now)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _due_date(rule: DueRule, period_first: date, calendar: WorkingCalendar) -> date:
    month_first = _add_months(period_first, (rule.month or rule.every_months) - 1)
    last_day = monthrange(month_first.year, month_first.month)[1]
    if rule.by == "first_working_day":
        return calendar.working_day_on_or_after(month_first)
    if rule.by == "day":
        assert rule.day is not None
        day = min(rule.day, last_day)
        return month_first.replace(day=day) if not rule.before else _day_before(month_first, day)
    return month_first.replace(day=last_day)


def _day_before(month_first: date, day: int) -> date:
    if day == 1:
        raise InvalidInput("a duty due before the 1st has no day in its month", field="due.day")
    return month_first.replace(day=day - 1)


def duty_periods(
    name: str, duty: Duty, calendar: WorkingCalendar, start: date, end: date
) -> Iterator[DutyPeriod]:
    """The occurrences of ``duty`` whose periods overlap ``start``..``end``, in order.

    Each is due at 24:00 China time of its due day (the period starts at 00:00 of its first
    day); a period before the duty's ``from`` owes nothing and is not yielded.
    """
    rule = duty.due
    first = rule.from_
    while first <= end:
        last = _add_months(first, rule.every_months)
        period_last = date.fromordinal(last.toordinal() - 1)
        if period_last >= start:
            due_day = _due_date(rule, first, calendar)
            begins = datetime.combine(first, time(0), tzinfo=CST)
            yield DutyPeriod(name, first, period_last, calendar.deadline_on(begins, due_day))
        first = last


def is_missed(due: Deadline, fulfilled_at: datetime | None, now: datetime) -> bool:
    """Missed: not fulfilled by the due moment, once that moment has passed at ``now``."""
    if fulfilled_at is not None:
        return to_cst(fulfilled_at, field="fulfilled_at") > due.deadline
    return to_cst(now, field="now") >= due.deadline
