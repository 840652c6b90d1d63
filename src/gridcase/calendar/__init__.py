"""Chinese working days, and deadlines counted in them.

Every time limit in gridcase ("within 3 working days", "by 10:00 of the next working
day", "on the first working day of every following month") is computed here, from the
State Council's holiday notices (through the ``holidays`` package) and a jurisdiction's
own closures and extra working days (``rules/calendars/*.yaml``).

Typical use::

    from gridcase.calendar import national_calendar

    deadline = national_calendar().add_working_days(received_at, 3)
    deadline.deadline      # 24:00 China time of the 3rd working day after receipt
    deadline.provisional   # True if the period reaches a year without a notice

See ``docs/calendar.md`` for the counting convention.
"""

from gridcase.calendar._calendar import Roll, WorkingCalendar, load_calendar, national_calendar
from gridcase.calendar._deadline import Deadline, to_cst

__all__ = [
    "Deadline",
    "Roll",
    "WorkingCalendar",
    "load_calendar",
    "national_calendar",
    "to_cst",
]
