"""The working-day calendar: State Council notices, the counting convention, overrides.

The notices are transcribed here by hand from their published texts, independently of
the ``holidays`` package the calendar is built from, and every day of every published
year is pinned: a wrong day anywhere fails a test.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridcase.calendar import (
    Deadline,
    WorkingCalendar,
    load_calendar,
    national_calendar,
    to_cst,
)
from gridcase.kernel.clock import CST
from gridcase.kernel.errors import InvalidInput, RuleFileError
from gridcase.kernel.resources import RULES_ENV, rules_root
from strategies import aware_datetimes, short_working_day_counts, working_day_counts

CALENDARS = Path(__file__).resolve().parents[1] / "rules" / "calendars"


def d(text: str) -> date:
    return date.fromisoformat(text)


def cst(y: int, m: int, day: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, m, day, h, mi, tzinfo=CST)


def days(first: str, last: str) -> list[date]:
    a, b = d(first), d(last)
    return [a + timedelta(i) for i in range((b - a).days + 1)]


@dataclass(frozen=True)
class Festival:
    """One holiday of a notice: its days off (weekends included) and its make-up days."""

    name: str
    first: str
    last: str
    make_up: tuple[str, ...] = ()

    def off(self) -> list[date]:
        return days(self.first, self.last)


F = Festival

# Transcribed from the notices of the General Office of the State Council.
NOTICES: dict[int, list[Festival]] = {
    2019: [
        F("New Year", "2018-12-30", "2019-01-01", ("2018-12-29",)),
        F("Spring Festival", "2019-02-04", "2019-02-10", ("2019-02-02", "2019-02-03")),
        F("Qingming", "2019-04-05", "2019-04-07"),
        F(
            "Labour Day (as adjusted 2019-03-22)",
            "2019-05-01",
            "2019-05-04",
            ("2019-04-28", "2019-05-05"),
        ),
        F("Dragon Boat", "2019-06-07", "2019-06-09"),
        F("Mid-Autumn", "2019-09-13", "2019-09-15"),
        F("National Day", "2019-10-01", "2019-10-07", ("2019-09-29", "2019-10-12")),
    ],
    2020: [
        F("New Year", "2020-01-01", "2020-01-01"),
        F("Spring Festival (extended)", "2020-01-24", "2020-02-02", ("2020-01-19",)),
        F("Qingming", "2020-04-04", "2020-04-06"),
        F("Labour Day", "2020-05-01", "2020-05-05", ("2020-04-26", "2020-05-09")),
        F("Dragon Boat", "2020-06-25", "2020-06-27", ("2020-06-28",)),
        F("National Day + Mid-Autumn", "2020-10-01", "2020-10-08", ("2020-09-27", "2020-10-10")),
    ],
    2021: [
        F("New Year", "2021-01-01", "2021-01-03"),
        F("Spring Festival", "2021-02-11", "2021-02-17", ("2021-02-07", "2021-02-20")),
        F("Qingming", "2021-04-03", "2021-04-05"),
        F("Labour Day", "2021-05-01", "2021-05-05", ("2021-04-25", "2021-05-08")),
        F("Dragon Boat", "2021-06-12", "2021-06-14"),
        F("Mid-Autumn", "2021-09-19", "2021-09-21", ("2021-09-18",)),
        F("National Day", "2021-10-01", "2021-10-07", ("2021-09-26", "2021-10-09")),
    ],
    2022: [
        F("New Year", "2022-01-01", "2022-01-03"),
        F("Spring Festival", "2022-01-31", "2022-02-06", ("2022-01-29", "2022-01-30")),
        F("Qingming", "2022-04-03", "2022-04-05", ("2022-04-02",)),
        F("Labour Day", "2022-04-30", "2022-05-04", ("2022-04-24", "2022-05-07")),
        F("Dragon Boat", "2022-06-03", "2022-06-05"),
        F("Mid-Autumn", "2022-09-10", "2022-09-12"),
        F("National Day", "2022-10-01", "2022-10-07", ("2022-10-08", "2022-10-09")),
    ],
    2023: [
        F("New Year", "2022-12-31", "2023-01-02"),
        F("Spring Festival", "2023-01-21", "2023-01-27", ("2023-01-28", "2023-01-29")),
        F("Qingming", "2023-04-05", "2023-04-05"),
        F("Labour Day", "2023-04-29", "2023-05-03", ("2023-04-23", "2023-05-06")),
        F("Dragon Boat", "2023-06-22", "2023-06-24", ("2023-06-25",)),
        F("Mid-Autumn + National Day", "2023-09-29", "2023-10-06", ("2023-10-07", "2023-10-08")),
    ],
    2024: [
        F("New Year", "2024-01-01", "2024-01-01"),
        F("Spring Festival", "2024-02-10", "2024-02-17", ("2024-02-04", "2024-02-18")),
        F("Qingming", "2024-04-04", "2024-04-06", ("2024-04-07",)),
        F("Labour Day", "2024-05-01", "2024-05-05", ("2024-04-28", "2024-05-11")),
        F("Dragon Boat", "2024-06-08", "2024-06-10"),
        F("Mid-Autumn", "2024-09-15", "2024-09-17", ("2024-09-14",)),
        F("National Day", "2024-10-01", "2024-10-07", ("2024-09-29", "2024-10-12")),
    ],
    2025: [
        F("New Year", "2025-01-01", "2025-01-01"),
        F("Spring Festival", "2025-01-28", "2025-02-04", ("2025-01-26", "2025-02-08")),
        F("Qingming", "2025-04-04", "2025-04-06"),
        F("Labour Day", "2025-05-01", "2025-05-05", ("2025-04-27",)),
        F("Dragon Boat", "2025-05-31", "2025-06-02"),
        F("National Day + Mid-Autumn", "2025-10-01", "2025-10-08", ("2025-09-28", "2025-10-11")),
    ],
    2026: [
        F("New Year", "2026-01-01", "2026-01-03", ("2026-01-04",)),
        F("Spring Festival", "2026-02-15", "2026-02-23", ("2026-02-14", "2026-02-28")),
        F("Qingming", "2026-04-04", "2026-04-06"),
        F("Labour Day", "2026-05-01", "2026-05-05", ("2026-05-09",)),
        F("Dragon Boat", "2026-06-19", "2026-06-21"),
        F("Mid-Autumn", "2026-09-25", "2026-09-27"),
        F("National Day", "2026-10-01", "2026-10-07", ("2026-09-20", "2026-10-10")),
    ],
}

PUBLISHED = frozenset(range(2019, 2027))
"""The years the national file lists, restated here so that the tests check the file."""

ALL_OFF = {day for festivals in NOTICES.values() for f in festivals for day in f.off()}
ALL_MAKE_UP = {d(x) for festivals in NOTICES.values() for f in festivals for x in f.make_up}


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return national_calendar()


def naive_add(cal: WorkingCalendar, start: datetime, n: int) -> date:
    """The definition, day by day: the n-th working day strictly after the China date."""
    day, count = to_cst(start).date(), 0
    while count < n:
        day += timedelta(days=1)
        count += cal.is_working_day(day)
    return day


def touches_unpublished(first: date, last: date) -> bool:
    return any(y not in PUBLISHED for y in range(first.year, last.year + 1))


# -- the notices ------------------------------------------------------------------------


class TestStateCouncilNotices:
    @pytest.mark.parametrize(
        ("year", "festival"), [(y, f) for y, fs in NOTICES.items() for f in fs], ids=str
    )
    def test_every_day_off_is_not_working(
        self, cal: WorkingCalendar, year: int, festival: Festival
    ) -> None:
        """Every day of a notice's holiday, weekend days included, is a day off."""
        assert [day for day in festival.off() if cal.is_working_day(day)] == []

    @pytest.mark.parametrize(
        ("year", "festival"),
        [(y, f) for y, fs in NOTICES.items() for f in fs if f.make_up],
        ids=str,
    )
    def test_every_make_up_day_is_working(
        self, cal: WorkingCalendar, year: int, festival: Festival
    ) -> None:
        """Every make-up working day (调休上班) of a notice is a working day."""
        assert all(cal.is_working_day(d(x)) for x in festival.make_up)

    @pytest.mark.parametrize("year", sorted(NOTICES))
    def test_the_rest_of_the_year_follows_the_week(self, cal: WorkingCalendar, year: int) -> None:
        """Every other weekday of the year is working and every other weekend day is not."""
        wrong = []
        for day in days(f"{year}-01-01", f"{year}-12-31"):
            expected = day in ALL_MAKE_UP or (day.weekday() < 5 and day not in ALL_OFF)
            if cal.is_working_day(day) != expected:
                wrong.append(day)
        assert wrong == []

    def test_2020_spring_festival_was_extended_to_february_2(self, cal: WorkingCalendar) -> None:
        """The extension made 24 Jan - 2 Feb 2020 days off and cancelled the 1 Feb make-up day."""
        assert not any(cal.is_working_day(day) for day in days("2020-01-24", "2020-02-02"))
        assert not cal.is_working_day(d("2020-02-01"))
        assert cal.is_working_day(d("2020-01-19"))
        assert cal.is_working_day(d("2020-02-03"))

    def test_2019_new_year_reaches_back_into_2018(self, cal: WorkingCalendar) -> None:
        """The 2019 notice's New Year holiday began 30 Dec 2018 with a make-up day on 29 Dec."""
        assert cal.is_working_day(d("2018-12-29"))
        assert not cal.is_working_day(d("2018-12-31"))


class TestPublishedYears:
    def test_the_national_file_lists_2019_to_2026(self, cal: WorkingCalendar) -> None:
        """The years with a State Council notice are the ones the national file lists."""
        assert cal.published_years == PUBLISHED

    def test_a_year_is_published_by_adding_it_to_the_file(self, tmp_path: Path) -> None:
        """Publishing 2027 is a data change: list the year and the calendar stops guessing."""
        text = (CALENDARS / "national.yaml").read_text(encoding="utf-8")
        text = text.replace(
            "# Corrections where",
            "  - year: 2027\n    notices:\n"
            "      - title: 国务院办公厅关于2027年部分节假日安排的通知\n"
            "# Corrections where",
        )
        path = tmp_path / "national.yaml"
        path.write_text(text, encoding="utf-8")
        published = load_calendar(path)
        assert 2027 in published.published_years
        assert not published.add_working_days(cst(2026, 12, 20), 10).provisional
        assert published.version != national_calendar().version


# -- adding working days ----------------------------------------------------------------


class TestAddWorkingDays:
    def test_the_day_of_receipt_is_not_counted(self, cal: WorkingCalendar) -> None:
        """Received on a Wednesday, one working day ends 24:00 on Thursday."""
        result = cal.add_working_days(cst(2024, 7, 24, 9, 30), 1)
        assert result.due_date == d("2024-07-25")
        assert result.deadline == cst(2024, 7, 26)

    def test_a_make_up_saturday_counts(self, cal: WorkingCalendar) -> None:
        """Friday 13 Feb 2026 plus one working day is Saturday 14 Feb, a make-up day."""
        assert cal.add_working_days(cst(2026, 2, 13, 16), 1).due_date == d("2026-02-14")

    def test_spring_festival_2026_is_skipped(self, cal: WorkingCalendar) -> None:
        """After the 14 Feb make-up day, the next working day is 24 Feb (15-23 Feb off)."""
        assert cal.add_working_days(cst(2026, 2, 13), 2).due_date == d("2026-02-24")

    def test_receipt_on_a_saturday_counts_from_monday(self, cal: WorkingCalendar) -> None:
        """A receipt on a day off counts from the first working day after it."""
        assert cal.add_working_days(cst(2026, 3, 7, 11), 1).due_date == d("2026-03-09")

    def test_receipt_during_national_day_counts_from_the_first_day_back(
        self, cal: WorkingCalendar
    ) -> None:
        """Received on 3 Oct 2026 (holiday), one working day ends on 8 Oct."""
        assert cal.add_working_days(cst(2026, 10, 3), 1).due_date == d("2026-10-08")

    @pytest.mark.parametrize(
        ("start", "n", "due"),
        [
            ("2025-09-26", 3, "2025-09-30"),  # Sun 28 Sep is a make-up day
            ("2025-09-30", 1, "2025-10-09"),  # 1-8 Oct off
            ("2025-09-30", 3, "2025-10-11"),  # Sat 11 Oct is a make-up day
            ("2025-01-24", 3, "2025-02-05"),  # Sun 26 Jan make-up, 28 Jan - 4 Feb off
            ("2020-01-17", 1, "2020-01-19"),  # Sun 19 Jan 2020 make-up day
            ("2020-01-23", 1, "2020-02-03"),  # the extended Spring Festival
            ("2024-09-27", 15, "2024-10-23"),  # Malu's 15 working days: 2 make-up days count
        ],
    )
    def test_periods_across_holidays(
        self, cal: WorkingCalendar, start: str, n: int, due: str
    ) -> None:
        """Periods across Spring Festival and National Day skip days off and count make-up days."""
        result = cal.add_working_days(datetime.combine(d(start), time(15), CST), n)
        assert result.due_date == d(due)
        assert result.deadline == datetime.combine(d(due) + timedelta(1), time(0), CST)

    def test_a_non_china_moment_counts_from_its_china_date(self, cal: WorkingCalendar) -> None:
        """17:00 UTC on Friday 13 Feb 2026 is already Saturday 14 Feb in China."""
        result = cal.add_working_days(datetime(2026, 2, 13, 17, 0, tzinfo=UTC), 1)
        assert result.start == cst(2026, 2, 14, 1)
        assert result.due_date == d("2026-02-24")

    def test_a_period_reaching_2027_is_provisional(self, cal: WorkingCalendar) -> None:
        """2027 has no State Council notice yet, so a period reaching it is provisional."""
        inside = cal.add_working_days(cst(2026, 12, 1), 5)
        reaching = cal.add_working_days(cst(2026, 12, 20), 10)
        assert not inside.provisional
        assert reaching.due_date.year == 2027
        assert reaching.provisional

    def test_the_deadline_carries_the_calendar_version(self, cal: WorkingCalendar) -> None:
        """Every deadline is stamped with the version of the calendar that computed it."""
        assert cal.add_working_days(cst(2026, 1, 5), 3).calendar_version == cal.version

    @pytest.mark.parametrize("n", [0, -3, True, 1.5, "3"])
    def test_n_must_be_a_positive_whole_number(self, cal: WorkingCalendar, n: object) -> None:
        """Zero, negative, boolean or non-integer counts are refused."""
        with pytest.raises(InvalidInput) as info:
            cal.add_working_days(cst(2026, 1, 5), n)  # type: ignore[arg-type]
        assert info.value.field == "n"

    def test_a_naive_start_is_refused(self, cal: WorkingCalendar) -> None:
        """A naive datetime is refused, naming the field, rather than guessed at."""
        with pytest.raises(InvalidInput) as info:
            cal.add_working_days(datetime(2026, 1, 5, 9, 0), 3)
        assert info.value.field == "start"

    def test_a_result_beyond_the_covered_range_is_refused(self, cal: WorkingCalendar) -> None:
        """A deadline past the last covered day raises, naming the range."""
        with pytest.raises(InvalidInput, match=r"2000-01-01\.\.2060-12-31"):
            cal.add_working_days(cst(2060, 12, 20), 30)


class TestAddCalendarDays:
    def test_ends_at_24_00_even_on_a_day_off(self, cal: WorkingCalendar) -> None:
        """Ten calendar days from 13 Feb 2026 end 24:00 on 23 Feb, a holiday."""
        result = cal.add_calendar_days(cst(2026, 2, 13, 10), 10)
        assert result.due_date == d("2026-02-23")
        assert result.deadline == cst(2026, 2, 24)

    def test_provisional_follows_the_same_rule(self, cal: WorkingCalendar) -> None:
        """A calendar-day period reaching 2027 is provisional too."""
        assert cal.add_calendar_days(cst(2026, 12, 25), 10).provisional
        assert not cal.add_calendar_days(cst(2026, 12, 1), 10).provisional


class TestNextWorkingDayAt:
    def test_by_10_00_of_the_next_working_day(self, cal: WorkingCalendar) -> None:
        """Qingdao's triage: matters of Fri 13 Feb 2026 are due 10:00 Sat 14 Feb (a make-up day)."""
        result = cal.next_working_day_at(cst(2026, 2, 13, 15), time(10, 0))
        assert result.due_date == d("2026-02-14")
        assert result.deadline == cst(2026, 2, 14, 10)

    def test_across_a_holiday(self, cal: WorkingCalendar) -> None:
        """Matters of 30 Sep 2025 are due 10:00 on 9 Oct, after the eight-day holiday."""
        assert cal.next_working_day_at(cst(2025, 9, 30, 17), time(10)).deadline == cst(
            2025, 10, 9, 10
        )

    def test_from_a_working_day_morning_it_is_still_the_next_day(
        self, cal: WorkingCalendar
    ) -> None:
        """Even at 08:00 on a working day, "the next working day" is a later day."""
        assert cal.next_working_day_at(cst(2026, 3, 2, 8), time(10)).due_date == d("2026-03-03")

    def test_an_aware_time_of_day_is_refused(self, cal: WorkingCalendar) -> None:
        """The time of day is China time; a time with tzinfo is ambiguous and refused."""
        with pytest.raises(InvalidInput):
            cal.next_working_day_at(cst(2026, 3, 2), time(10, tzinfo=UTC))


class TestFirstWorkingDayOfMonth:
    @pytest.mark.parametrize(
        ("year", "month", "due"),
        [
            (2026, 10, "2026-10-08"),
            (2026, 2, "2026-02-02"),
            (2026, 1, "2026-01-04"),  # Sunday make-up day after New Year
            (2026, 5, "2026-05-06"),
            (2025, 10, "2025-10-09"),
            (2020, 2, "2020-02-03"),
        ],
    )
    def test_the_first_working_day(
        self, cal: WorkingCalendar, year: int, month: int, due: str
    ) -> None:
        """The first working day of a month skips holidays and may be a make-up weekend day."""
        result = cal.first_working_day_of_month(year, month)
        assert result.due_date == d(due)
        assert result.start == cst(year, month, 1)
        assert result.deadline == datetime.combine(d(due) + timedelta(1), time(0), CST)

    def test_a_start_after_the_deadline_is_refused(self, cal: WorkingCalendar) -> None:
        """A period cannot end before it starts."""
        with pytest.raises(InvalidInput):
            cal.first_working_day_of_month(2026, 2, start=cst(2026, 3, 1))

    @pytest.mark.parametrize("month", [0, 13])
    def test_month_must_exist(self, cal: WorkingCalendar, month: int) -> None:
        """Month numbers run from 1 to 12."""
        with pytest.raises(InvalidInput):
            cal.first_working_day_of_month(2026, month)


class TestFirstWorkingDayOfNextMonth:
    def test_progress_report_after_a_september_start(self, cal: WorkingCalendar) -> None:
        """Malu's progress report: a case overdue in September 2026 reports on 8 Oct."""
        result = cal.first_working_day_of_next_month(cst(2026, 9, 15, 10))
        assert result.due_date == d("2026-10-08")
        assert result.start == cst(2026, 9, 15, 10)

    def test_december_rolls_into_the_next_year(self, cal: WorkingCalendar) -> None:
        """From December 2025 the next month is January 2026, first working day 4 Jan."""
        assert cal.first_working_day_of_next_month(cst(2025, 12, 10)).due_date == d("2026-01-04")


class TestFixedDayOfMonth:
    def test_the_next_occurrence_in_the_same_month(self, cal: WorkingCalendar) -> None:
        """Bijie's "before the 27th": from 1 Feb 2026 the 27th is Friday 27 Feb."""
        assert cal.fixed_day_of_month(cst(2026, 2, 1), 27).due_date == d("2026-02-27")

    def test_the_start_date_itself_does_not_count(self, cal: WorkingCalendar) -> None:
        """Starting on the 27th, the next 27th is a month later."""
        assert cal.fixed_day_of_month(cst(2026, 9, 27), 27).due_date == d("2026-10-27")

    @pytest.mark.parametrize(
        ("start", "due"), [("2026-04-10", "2026-04-30"), ("2026-02-10", "2026-02-28")]
    )
    def test_a_month_without_the_day_uses_its_last_day(
        self, cal: WorkingCalendar, start: str, due: str
    ) -> None:
        """The 31st of April is the 30th; of February 2026 the 28th."""
        result = cal.fixed_day_of_month(datetime.combine(d(start), time(0), CST), 31)
        assert result.due_date == d(due)

    @pytest.mark.parametrize(
        ("roll", "due"),
        [("none", "2026-01-31"), ("forward", "2026-02-02"), ("backward", "2026-01-30")],
    )
    def test_roll_moves_a_day_off(self, cal: WorkingCalendar, roll: str, due: str) -> None:
        """Saturday 31 Jan 2026 stays, moves to Monday 2 Feb, or back to Friday 30 Jan."""
        result = cal.fixed_day_of_month(cst(2026, 1, 10), 31, roll=roll)  # type: ignore[arg-type]
        assert result.due_date == d(due)

    def test_a_make_up_day_needs_no_roll(self, cal: WorkingCalendar) -> None:
        """Saturday 28 Feb 2026 is a make-up working day, so rolling forward keeps it."""
        assert cal.fixed_day_of_month(cst(2026, 2, 10), 28, roll="forward").due_date == d(
            "2026-02-28"
        )

    def test_a_backward_roll_never_lands_in_the_past(self, cal: WorkingCalendar) -> None:
        """From Fri 26 Jun 2026, Sat 27 Jun rolls back to the 26th itself, so July's 27th counts."""
        result = cal.fixed_day_of_month(cst(2026, 6, 26, 9), 27, roll="backward")
        assert result.due_date == d("2026-07-27")

    def test_a_forward_roll_past_the_start_counts_this_month(self, cal: WorkingCalendar) -> None:
        """From Sat 27 Jun 2026, the 27th rolled forward is Mon 29 Jun, still ahead."""
        result = cal.fixed_day_of_month(cst(2026, 6, 27, 9), 27, roll="forward")
        assert result.due_date == d("2026-06-29")

    @pytest.mark.parametrize("day", [0, 32])
    def test_day_must_be_1_to_31(self, cal: WorkingCalendar, day: int) -> None:
        """A day-of-month outside 1..31 is refused."""
        with pytest.raises(InvalidInput) as info:
            cal.fixed_day_of_month(cst(2026, 1, 1), day)
        assert info.value.field == "day"

    def test_roll_must_be_known(self, cal: WorkingCalendar) -> None:
        """Only none, forward and backward are rolls."""
        with pytest.raises(InvalidInput):
            cal.fixed_day_of_month(cst(2026, 1, 1), 5, roll="sideways")  # type: ignore[arg-type]


class TestDeadlineOn:
    def test_wraps_a_date_with_version_and_flag(self, cal: WorkingCalendar) -> None:
        """A meeting date computed elsewhere gets the calendar's version and provisional flag."""
        result = cal.deadline_on(cst(2026, 12, 1), d("2027-01-08"), time(9, 0))
        assert result.deadline == cst(2027, 1, 8, 9)
        assert result.provisional
        assert result.calendar_version == cal.version

    def test_without_a_time_it_ends_at_24_00(self, cal: WorkingCalendar) -> None:
        """No time of day means the end of the due date."""
        assert cal.deadline_on(cst(2026, 3, 1), d("2026-03-05")).deadline == cst(2026, 3, 6)

    def test_a_due_date_before_the_start_is_refused(self, cal: WorkingCalendar) -> None:
        """A deadline cannot precede its start."""
        with pytest.raises(InvalidInput) as info:
            cal.deadline_on(cst(2026, 3, 5), d("2026-03-01"))
        assert info.value.field == "due_date"


class TestWorkingDaysElapsed:
    def test_counts_completed_working_days_after_the_start(self, cal: WorkingCalendar) -> None:
        """From Fri 13 Feb 2026, by noon on 24 Feb only the 14 Feb make-up day is complete."""
        assert cal.working_days_elapsed(cst(2026, 2, 13, 9), cst(2026, 2, 24, 12)) == 1
        assert cal.working_days_elapsed(cst(2026, 2, 13, 9), cst(2026, 2, 25)) == 2

    def test_zero_when_the_end_is_not_after_the_start(self, cal: WorkingCalendar) -> None:
        """An end at or before the start has seen no working day pass."""
        assert cal.working_days_elapsed(cst(2026, 3, 5), cst(2026, 3, 1)) == 0
        assert cal.working_days_elapsed(cst(2026, 3, 5, 9), cst(2026, 3, 5, 18)) == 0

    def test_the_end_of_the_last_covered_day_is_allowed(self, cal: WorkingCalendar) -> None:
        """24:00 on the last covered day is a valid end moment."""
        last_is_working = int(cal.is_working_day(d("2060-12-31")))
        assert cal.working_days_elapsed(cst(2060, 12, 30), cst(2061, 1, 1)) == last_is_working


class TestIsProvisional:
    @pytest.mark.parametrize(
        ("first", "last", "expected"),
        [
            ("2026-12-31", "2026-12-31", False),
            ("2026-12-31", "2027-01-01", True),
            ("2019-01-01", "2026-12-31", False),
            ("2018-12-31", "2019-01-02", True),
            ("2027-01-01", "2026-12-31", True),  # either order
            ("2070-01-01", "2070-01-02", True),  # beyond the data: nothing published
        ],
    )
    def test_touching_an_unpublished_year(
        self, cal: WorkingCalendar, first: str, last: str, expected: bool
    ) -> None:
        """A span is provisional exactly when it touches a year without a notice."""
        assert cal.is_provisional(d(first), d(last)) is expected


class TestDaysAndRange:
    def test_is_working_day_refuses_a_datetime(self, cal: WorkingCalendar) -> None:
        """A datetime's date part may be in the wrong timezone, so a plain date is required."""
        with pytest.raises(InvalidInput):
            cal.is_working_day(cst(2026, 3, 2))

    def test_dates_outside_the_range_are_refused(self, cal: WorkingCalendar) -> None:
        """Before 2000 or after 2060 the calendar has no data and says so."""
        assert (cal.first_day, cal.last_day) == (d("2000-01-01"), d("2060-12-31"))
        with pytest.raises(InvalidInput, match=r"2000-01-01\.\.2060-12-31"):
            cal.is_working_day(d("1999-12-31"))

    def test_working_day_neighbours(self, cal: WorkingCalendar) -> None:
        """On-or-after keeps a working day; after always moves; on-or-before goes back."""
        assert cal.working_day_on_or_after(d("2026-02-14")) == d("2026-02-14")
        assert cal.working_day_on_or_after(d("2026-02-15")) == d("2026-02-24")
        assert cal.working_day_after(d("2026-02-14")) == d("2026-02-24")
        assert cal.working_day_on_or_before(d("2026-02-23")) == d("2026-02-14")


class TestToCst:
    def test_naive_moments_are_refused_with_the_field_name(self) -> None:
        """The error names the field the caller passed."""
        with pytest.raises(InvalidInput) as info:
            to_cst(datetime(2026, 1, 1), field="received_at")
        assert info.value.field == "received_at"

    def test_other_zones_are_converted(self) -> None:
        """An aware moment elsewhere becomes the same instant in China time."""
        moment = datetime(2026, 1, 1, 20, tzinfo=timezone(timedelta(hours=-5)))
        assert to_cst(moment) == moment
        assert to_cst(moment).utcoffset() == timedelta(hours=8)
        assert to_cst(moment).date() == d("2026-01-02")


class TestDeadline:
    def test_round_trips_through_json_safe_dict(self, cal: WorkingCalendar) -> None:
        """to_dict gives ISO strings and a bool, and from_dict reads them back."""
        result = cal.add_working_days(cst(2026, 12, 20, 9), 10)
        data = result.to_dict()
        assert data == {
            "start": "2026-12-20T09:00:00+08:00",
            "due_date": "2027-01-04",
            "deadline": "2027-01-05T00:00:00+08:00",
            "provisional": True,
            "calendar_version": cal.version,
        }
        assert Deadline.from_dict(data) == result

    @pytest.mark.parametrize(
        ("key", "value"),
        [
            ("start", "2026-12-20T09:00:00"),
            ("due_date", "not a date"),
            ("provisional", "true"),
            ("calendar_version", ""),
        ],
    )
    def test_malformed_dicts_are_refused(
        self, cal: WorkingCalendar, key: str, value: object
    ) -> None:
        """A naive moment, a bad date, a non-bool flag or an empty version is InvalidInput."""
        data: dict[str, object] = dict(cal.add_working_days(cst(2026, 1, 5), 1).to_dict())
        data[key] = value
        with pytest.raises(InvalidInput) as info:
            Deadline.from_dict(data)
        assert info.value.field == key


# -- local override files ---------------------------------------------------------------


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A calendars folder holding a copy of the national file."""
    shutil.copy(CALENDARS / "national.yaml", tmp_path / "national.yaml")
    return tmp_path


def write(folder: Path, text: str, name: str = "local.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


LOCAL = """\
id: test-local
name: {zh: 测试日历, en: Test calendar}
base: national
closures:
  - {date: 2024-07-25, reason: typhoon closure, cite: local notice 1}
extra_working_days:
  - {date: 2024-07-27, reason: swapped working day, cite: local notice 2}
"""


class TestLocalOverrides:
    def test_a_closure_moves_a_deadline(self, folder: Path, cal: WorkingCalendar) -> None:
        """Closing Thursday 25 Jul 2024 pushes a one-day period from Wednesday to Friday."""
        local = load_calendar(write(folder, LOCAL))
        start = cst(2024, 7, 24, 10)
        assert cal.add_working_days(start, 1).due_date == d("2024-07-25")
        assert local.add_working_days(start, 1).due_date == d("2024-07-26")

    def test_an_extra_working_saturday_shortens_a_deadline(
        self, folder: Path, cal: WorkingCalendar
    ) -> None:
        """Working Saturday 27 Jul 2024 makes a one-day period from Friday end that Saturday."""
        local = load_calendar(write(folder, LOCAL))
        start = cst(2024, 7, 26, 10)
        assert cal.add_working_days(start, 1).due_date == d("2024-07-29")
        assert local.add_working_days(start, 1).due_date == d("2024-07-27")

    def test_the_local_calendar_keeps_national_data(self, folder: Path) -> None:
        """A local calendar has its own id and the national published years and range."""
        local = load_calendar(write(folder, LOCAL))
        assert local.id == "test-local"
        assert local.published_years == PUBLISHED
        assert not local.is_working_day(d("2026-02-16"))

    def test_a_local_closure_may_fall_on_a_make_up_day(self, folder: Path) -> None:
        """A make-up Saturday is a working day, so a jurisdiction may close it."""
        text = LOCAL.replace("2024-07-25", "2026-02-14")
        assert not load_calendar(write(folder, text)).is_working_day(d("2026-02-14"))

    def test_blank_override_lists_mean_none(self, folder: Path, cal: WorkingCalendar) -> None:
        """``closures:`` left blank is an empty list, not a mistake."""
        text = "id: blank\nname: {zh: 空}\nbase: national\nclosures:\nextra_working_days:\n"
        assert load_calendar(write(folder, text)).version == cal.version

    def test_the_example_file_loads(self) -> None:
        """The example in rules/calendars/ is a valid local file."""
        example = load_calendar(CALENDARS / "example-local.yaml")
        assert example.id == "example-local"
        assert not example.is_working_day(d("2024-07-25"))


class TestVersion:
    def test_overrides_change_the_version(self, folder: Path, cal: WorkingCalendar) -> None:
        """Any change that can move a deadline gives a new version."""
        first = load_calendar(write(folder, LOCAL))
        second = load_calendar(write(folder, LOCAL.replace("2024-07-25", "2024-07-24"), "b.yaml"))
        assert len({cal.version, first.version, second.version}) == 3
        assert all(len(v) == 64 and int(v, 16) >= 0 for v in (first.version, second.version))

    def test_layout_and_key_order_do_not(self, folder: Path) -> None:
        """Whitespace, comments, key order and entry order leave the version unchanged."""
        reordered = """\
# the same calendar, written differently
extra_working_days:
  - cite: local notice 2
    reason: swapped working day
    date: 2024-07-27

base:    national
closures:
  -   date:   "2024-07-25"
      cite: local notice 1
      reason: typhoon closure
name:
  en: Test calendar
  zh: 测试日历
id: test-local
"""
        first = load_calendar(write(folder, LOCAL))
        second = load_calendar(write(folder, reordered, "b.yaml"))
        assert second.version == first.version
        assert second is first

    def test_reasons_and_citations_do_not(self, folder: Path) -> None:
        """Only what changes the days is hashed, not the wording of a reason."""
        first = load_calendar(write(folder, LOCAL))
        second = load_calendar(write(folder, LOCAL.replace("typhoon closure", "台风"), "b.yaml"))
        assert second.version == first.version

    def test_a_local_file_without_overrides_has_the_national_version(
        self, folder: Path, cal: WorkingCalendar
    ) -> None:
        """Same data, same version: the version identifies days, not files."""
        bare = "id: bare\nname: {zh: 空}\nbase: national\n"
        assert load_calendar(write(folder, bare)).version == cal.version


def problems_of(path: Path) -> list[tuple[int | None, str, str]]:
    with pytest.raises(RuleFileError) as info:
        load_calendar(path)
    assert all(p.file == str(path) for p in info.value.problems)
    return [(p.line, p.path, p.message) for p in info.value.problems]


class TestMalformedFiles:
    def test_a_missing_field_is_reported_at_its_entry(self, folder: Path) -> None:
        """A closure without a cite is reported on the closure's line."""
        text = LOCAL.replace(", cite: local notice 1", "")
        [(line, path, message)] = problems_of(write(folder, text))
        assert (line, path) == (5, "closures[0].cite")
        assert "required" in message.lower()

    def test_an_impossible_date_is_reported(self, folder: Path) -> None:
        """30 February is not a date."""
        text = LOCAL.replace("2024-07-25", "2024-02-30")
        [(line, path, message)] = problems_of(write(folder, text))
        assert (line, path) == (5, "closures[0].date")
        assert "YYYY-MM-DD" in message

    def test_every_finding_is_reported_at_once(self, folder: Path) -> None:
        """Duplicates, out-of-range dates and overrides that change nothing are all findings."""
        text = """\
id: test-local
name: {zh: 测试}
base: national
closures:
  - {date: 2024-10-01, reason: already a holiday, cite: x}
  - {date: 2070-01-02, reason: beyond the range, cite: x}
  - {date: 2024-07-25, reason: fine, cite: x}
extra_working_days:
  - {date: 2024-07-24, reason: already working, cite: x}
  - {date: 2024-07-25, reason: listed twice, cite: x}
"""
        found = problems_of(write(folder, text))
        assert [(line, path) for line, path, _ in found] == [
            (5, "closures[0].date"),
            (6, "closures[1].date"),
            (9, "extra_working_days[0].date"),
            (10, "extra_working_days[1].date"),
        ]
        messages = [m for _, _, m in found]
        assert "already a day off" in messages[0]
        assert "2000-01-01..2060-12-31" in messages[1]
        assert "already a working day" in messages[2]
        assert "already listed at closures[2].date" in messages[3]

    @pytest.mark.parametrize(
        ("text", "line", "path"),
        [
            (LOCAL.replace("base: national", "base: provincial"), 3, "base"),
            (LOCAL + "holidays: []\n", 8, "holidays"),
            (LOCAL.replace("id: test-local", "id: Test Local"), 1, "id"),
            (LOCAL + "id: again\n", 8, "id"),
            (LOCAL.replace("id: test-local", "id: national"), 1, "id"),
        ],
        ids=["unknown base", "unknown key", "bad id", "duplicate key", "national id"],
    )
    def test_structural_mistakes_are_located(
        self, folder: Path, text: str, line: int, path: str
    ) -> None:
        """Wrong values, unknown keys and repeated keys are reported with their line."""
        assert [(ln, p) for ln, p, _ in problems_of(write(folder, text))] == [(line, path)]

    def test_invalid_yaml_is_located(self, folder: Path) -> None:
        """A YAML syntax error is reported with its line."""
        text = LOCAL.replace("base: national", "base: [national")
        [(line, _, message)] = problems_of(write(folder, text))
        assert line is not None
        assert line >= 3
        assert "YAML" in message

    @pytest.mark.parametrize("text", ["", "- just\n- a list\n"])
    def test_an_empty_or_list_file_is_refused(self, folder: Path, text: str) -> None:
        """A calendar file is a mapping of keys to values."""
        assert len(problems_of(write(folder, text))) == 1

    def test_a_local_file_needs_the_national_file_beside_it(self, tmp_path: Path) -> None:
        """``base: national`` means national.yaml in the same folder."""
        [(line, path, message)] = problems_of(write(tmp_path, LOCAL))
        assert (line, path) == (3, "base")
        assert "national.yaml" in message

    def test_a_refused_file_writes_nothing(self, folder: Path) -> None:
        """Loading is read-only, even when the file is refused."""
        path = write(folder, LOCAL.replace("2024-07-25", "2024-10-01"))
        before = sorted(p.name for p in folder.iterdir())
        problems_of(path)
        assert sorted(p.name for p in folder.iterdir()) == before

    def test_a_year_listed_twice_in_the_national_file(self, tmp_path: Path) -> None:
        """The national file lists each published year once."""
        text = (CALENDARS / "national.yaml").read_text(encoding="utf-8")
        text = text.replace("  - year: 2021\n", "  - year: 2020\n")
        [(line, path, message)] = problems_of(write(tmp_path, text, "national.yaml"))
        assert path == "published[2].year"
        assert line is not None
        assert "listed twice" in message


# -- locating the files -------------------------------------------------------------------


class TestRulesRoot:
    def test_the_source_checkout_is_found(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without GRIDCASE_RULES, the calendars come from the bundled or checked-out rules/."""
        monkeypatch.delenv(RULES_ENV, raising=False)
        assert (rules_root() / "calendars" / "national.yaml").is_file()

    def test_the_environment_variable_wins(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        """GRIDCASE_RULES points the national calendar at another directory."""
        (tmp_path / "calendars").mkdir()
        text = (CALENDARS / "national.yaml").read_text(encoding="utf-8")
        text = text.replace(
            "  - year: 2019\n", "  - year: 2018\n    notices: [{title: t}]\n  - year: 2019\n"
        )
        (tmp_path / "calendars" / "national.yaml").write_text(text, encoding="utf-8")
        monkeypatch.setenv(RULES_ENV, str(tmp_path))
        assert rules_root() == tmp_path
        assert 2018 in national_calendar().published_years


# -- properties ---------------------------------------------------------------------------


class TestProperties:
    @given(start=aware_datetimes(), n=working_day_counts)
    def test_a_deadline_ends_on_a_working_day(self, start: datetime, n: int) -> None:
        """The due date of N working days is always a working day."""
        cal = national_calendar()
        assert cal.is_working_day(cal.add_working_days(start, n).due_date)

    @given(start=aware_datetimes(), n=short_working_day_counts)
    def test_agrees_with_counting_day_by_day(self, start: datetime, n: int) -> None:
        """The O(1) lookup agrees with the definition counted one day at a time."""
        cal = national_calendar()
        assert cal.add_working_days(start, n).due_date == naive_add(cal, start, n)

    @given(start=aware_datetimes(2020, 2027), n=working_day_counts, m=working_day_counts)
    def test_adding_n_then_m_is_adding_n_plus_m(self, start: datetime, n: int, m: int) -> None:
        """Counting m more days from the first due date lands where n + m lands."""
        cal = national_calendar()
        first = cal.add_working_days(start, n)
        then = cal.add_working_days(datetime.combine(first.due_date, time(0), CST), m)
        assert then.due_date == cal.add_working_days(start, n + m).due_date

    @given(start=aware_datetimes(2020, 2028), n=working_day_counts)
    def test_elapsed_inverts_add(self, start: datetime, n: int) -> None:
        """By the deadline of N working days, exactly N working days have elapsed."""
        cal = national_calendar()
        assert cal.working_days_elapsed(start, cal.add_working_days(start, n).deadline) == n

    @given(a=aware_datetimes(), b=aware_datetimes(), n=working_day_counts)
    def test_deadlines_are_monotonic_in_the_start(self, a: datetime, b: datetime, n: int) -> None:
        """A later start never gives an earlier deadline."""
        cal = national_calendar()
        early, late = sorted((a, b))
        assert cal.add_working_days(early, n).deadline <= cal.add_working_days(late, n).deadline

    @given(start=aware_datetimes(2020, 2027), n=working_day_counts)
    def test_provisional_iff_an_unpublished_year_is_touched(self, start: datetime, n: int) -> None:
        """The flag is set exactly when the period touches a year outside 2019..2026."""
        cal = national_calendar()
        result = cal.add_working_days(start, n)
        assert result.provisional == touches_unpublished(to_cst(start).date(), result.due_date)

    @given(start=aware_datetimes(), at=st.times())
    def test_next_working_day_at_skips_no_working_day(self, start: datetime, at: time) -> None:
        """The next working day at a time is the first working day after the start's date."""
        cal = national_calendar()
        result = cal.next_working_day_at(start, at)
        assert cal.is_working_day(result.due_date)
        assert result.due_date > to_cst(start).date()
        assert cal.working_days_elapsed(start, datetime.combine(result.due_date, time(0), CST)) == 0

    @given(start=aware_datetimes(), n=working_day_counts)
    def test_the_timezone_of_the_start_does_not_matter(self, start: datetime, n: int) -> None:
        """The same instant written in another zone gives the same deadline."""
        cal = national_calendar()
        assert cal.add_working_days(start, n) == cal.add_working_days(start.astimezone(UTC), n)
