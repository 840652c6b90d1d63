"""``gridcase calendar``: Chinese working days and deadlines, for an official checking a date."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path

import click

from gridcase.calendar import Deadline, WorkingCalendar, load_calendar, national_calendar
from gridcase.interfaces.cli.common import (
    FOUND,
    day_label,
    emit_json,
    json_option,
    library_errors,
    parse_date,
    parse_moment,
    parse_time_of_day,
    parse_year_month,
)

__all__ = ["calendar_group"]

calendar_option = click.option(
    "--calendar",
    "calendar_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A calendar file (a local override file or a national file); default: national.",
)


def _calendar(calendar_file: Path | None) -> WorkingCalendar:
    with library_errors():
        return national_calendar() if calendar_file is None else load_calendar(calendar_file)


def _report(
    cal: WorkingCalendar, result: Deadline, as_json: bool, headline: str, **extra: object
) -> None:
    if as_json:
        emit_json({"calendar": cal.id, **result.to_dict(), **extra})
        return
    end = result.deadline
    at = "24:00" if end.date() > result.due_date else f"{end:%H:%M}"
    click.echo(f"{headline}: due by {at} on {day_label(result.due_date)}, China time.")
    click.echo(f"Calendar: {cal.id}, version {cal.version[:12]}.")
    if result.provisional:
        first, last = result.start.year, result.due_date.year
        missing = [y for y in range(first, last + 1) if y not in cal.published_years]
        years = ", ".join(str(y) for y in missing)
        click.echo(
            f"Provisional: the period reaches into {years}, for which there is no State "
            "Council holiday notice yet; the due date may move when it is published."
        )


@click.group("calendar")
def calendar_group() -> None:
    """Chinese working days and deadlines (State Council notices + local overrides)."""


@calendar_group.command("deadline")
@click.argument("start", callback=parse_moment)
@click.option(
    "--working-days",
    "n",
    type=click.IntRange(min=1),
    required=True,
    help="N: the period is N working days, not counting the day of START.",
)
@calendar_option
@json_option
def calendar_deadline(start: datetime, n: int, calendar_file: Path | None, as_json: bool) -> None:
    """When a period of N working days from START ends (24:00 China time).

    START is an ISO 8601 moment; a bare date means 00:00 and a moment without offset is
    China time.
    """
    cal = _calendar(calendar_file)
    with library_errors():
        result = cal.add_working_days(start, n)
    days = "working day" if n == 1 else "working days"
    headline = f"{n} {days} after {start:%Y-%m-%d %H:%M} (that day not counted)"
    _report(cal, result, as_json, headline, working_days=n)


@calendar_group.command("next-working-day")
@click.argument("start", callback=parse_moment)
@click.option(
    "--at", "at", callback=parse_time_of_day, required=True, help="Time of day, HH:MM China time."
)
@calendar_option
@json_option
def calendar_next_working_day(
    start: datetime, at: time, calendar_file: Path | None, as_json: bool
) -> None:
    """By a time of day on the first working day after START's date."""
    cal = _calendar(calendar_file)
    with library_errors():
        result = cal.next_working_day_at(start, at)
    headline = f"The first working day after {start:%Y-%m-%d}, at {at:%H:%M}"
    _report(cal, result, as_json, headline, at=f"{at:%H:%M}")


@calendar_group.command("first-working-day")
@click.argument("month", callback=parse_year_month, metavar="YYYY-MM")
@calendar_option
@json_option
def calendar_first_working_day(
    month: tuple[int, int], calendar_file: Path | None, as_json: bool
) -> None:
    """The first working day of a month (the period starts 00:00 on the 1st)."""
    cal = _calendar(calendar_file)
    with library_errors():
        result = cal.first_working_day_of_month(*month)
    label = f"{month[0]:04d}-{month[1]:02d}"
    _report(cal, result, as_json, f"The first working day of {label}", month=label)


@calendar_group.command("is-working-day")
@click.argument("day", callback=parse_date, metavar="DATE")
@calendar_option
@json_option
def calendar_is_working_day(day: date, calendar_file: Path | None, as_json: bool) -> None:
    """Whether DATE (YYYY-MM-DD) is a working day: exit status 0 if it is, 1 if not."""
    cal = _calendar(calendar_file)
    with library_errors():
        working = cal.is_working_day(day)
        provisional = cal.is_provisional(day, day)
    if as_json:
        emit_json(
            {
                "calendar": cal.id,
                "date": day.isoformat(),
                "working_day": working,
                "provisional": provisional,
                "calendar_version": cal.version,
            }
        )
    else:
        _say_working_day(day, cal.id, cal.version, working=working, provisional=provisional)
    if not working:
        raise click.exceptions.Exit(FOUND)  # `if gridcase calendar is-working-day …; then`


def _say_working_day(
    day: date, cal_id: str, version: str, *, working: bool, provisional: bool
) -> None:
    weekend = day.weekday() >= 5
    if working:
        kind = "a make-up working day (调休上班)" if weekend else "a working day"
    else:
        kind = "a weekend day off" if weekend else "a day off (holiday or closure)"
    click.echo(f"{day_label(day)} is {kind}.")
    click.echo(f"Calendar: {cal_id}, version {version[:12]}.")
    if provisional:
        click.echo(
            f"Provisional: there is no State Council holiday notice for {day.year} yet; "
            "this may change when it is published."
        )
