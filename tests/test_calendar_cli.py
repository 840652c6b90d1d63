"""``gridcase calendar``: the working-day calendar from the command line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from gridcase.calendar import national_calendar
from gridcase.cli import main

CALENDARS = Path(__file__).resolve().parents[1] / "rules" / "calendars"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def run_json(*args: str) -> dict[str, Any]:
    result = run(*args, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert isinstance(data, dict)
    return data


class TestRoot:
    def test_version(self) -> None:
        """``--version`` prints the package version."""
        result = run("--version")
        assert result.exit_code == 0
        assert "gridcase, version" in result.stdout


class TestDeadline:
    def test_json_shape(self) -> None:
        """``--json`` prints one object with the deadline, its flag, version and calendar."""
        data = run_json("calendar", "deadline", "2026-02-13T09:30", "--working-days", "1")
        assert data == {
            "calendar": "national",
            "start": "2026-02-13T09:30:00+08:00",
            "due_date": "2026-02-14",
            "deadline": "2026-02-15T00:00:00+08:00",
            "provisional": False,
            "calendar_version": national_calendar().version,
            "working_days": 1,
        }

    def test_a_bare_date_is_midnight_china_time(self) -> None:
        """A date without a time starts at 00:00 China time."""
        data = run_json("calendar", "deadline", "2025-09-30", "--working-days", "1")
        assert data["start"] == "2025-09-30T00:00:00+08:00"
        assert data["due_date"] == "2025-10-09"

    def test_an_offset_is_converted_to_china_time(self) -> None:
        """17:00 UTC on Friday 13 Feb 2026 is Saturday in China, so the count starts later."""
        data = run_json("calendar", "deadline", "2026-02-13T17:00Z", "--working-days", "1")
        assert data["start"] == "2026-02-14T01:00:00+08:00"
        assert data["due_date"] == "2026-02-24"

    def test_a_period_reaching_2027_is_provisional(self) -> None:
        """The JSON flags a period reaching 2027, and the human output says why."""
        data = run_json("calendar", "deadline", "2026-12-20", "--working-days", "10")
        assert data["provisional"] is True
        assert data["due_date"] == "2027-01-04"
        text = run("calendar", "deadline", "2026-12-20", "--working-days", "10").stdout
        assert "Provisional" in text
        assert "2027" in text
        assert "State Council" in text

    def test_human_output(self) -> None:
        """Without ``--json`` the answer is a short sentence with the due date and the calendar."""
        result = run("calendar", "deadline", "2026-02-13", "--working-days", "2")
        assert result.exit_code == 0
        assert "due by 24:00 on 2026-02-24" in result.stdout
        assert "Provisional" not in result.stdout
        assert "national" in result.stdout

    def test_a_local_calendar_file(self, tmp_path: Path) -> None:
        """``--calendar`` applies a local file's closures."""
        data = run_json(
            "calendar",
            "deadline",
            "2024-07-24",
            "--working-days",
            "1",
            "--calendar",
            str(CALENDARS / "example-local.yaml"),
        )
        assert data["calendar"] == "example-local"
        assert data["due_date"] == "2024-07-26"

    def test_a_malformed_calendar_file_is_reported_with_its_line(self, tmp_path: Path) -> None:
        """A refused calendar file exits 1 and names the file and line."""
        shutil.copy(CALENDARS / "national.yaml", tmp_path / "national.yaml")
        bad = tmp_path / "bad.yaml"
        bad.write_text("id: bad\nname: {zh: 坏}\nbase: provincial\n", encoding="utf-8")
        result = run(
            "calendar", "deadline", "2026-01-05", "--working-days", "1", "--calendar", str(bad)
        )
        assert result.exit_code == 1
        assert f"{bad}:3" in result.output

    @pytest.mark.parametrize("start", ["yesterday", "2026-13-01", "2026-02-30T09:00", ""])
    def test_a_malformed_start_exits_2(self, start: str) -> None:
        """START must be an ISO 8601 date or moment."""
        result = run("calendar", "deadline", start, "--working-days", "1")
        assert result.exit_code == 2
        assert "START" in result.output

    @pytest.mark.parametrize("n", ["0", "-1", "three", "1.5"])
    def test_a_malformed_n_exits_2(self, n: str) -> None:
        """N must be a positive whole number."""
        result = run("calendar", "deadline", "2026-01-05", "--working-days", n)
        assert result.exit_code == 2
        assert "--working-days" in result.output

    def test_a_start_outside_the_covered_range_exits_2(self) -> None:
        """A start the calendar has no data for is a usage error naming the range."""
        result = run("calendar", "deadline", "2099-01-01", "--working-days", "1")
        assert result.exit_code == 2
        assert "2000-01-01..2060-12-31" in result.output


class TestNextWorkingDay:
    def test_json_shape(self) -> None:
        """The deadline is at the given time on the next working day."""
        data = run_json("calendar", "next-working-day", "2025-09-30T17:00", "--at", "10:00")
        assert data["due_date"] == "2025-10-09"
        assert data["deadline"] == "2025-10-09T10:00:00+08:00"
        assert data["provisional"] is False
        assert data["at"] == "10:00"

    @pytest.mark.parametrize("at", ["10", "25:00", "10:60", "ten", "10:5"])
    def test_a_malformed_time_exits_2(self, at: str) -> None:
        """--at must be HH:MM on the 24-hour clock."""
        result = run("calendar", "next-working-day", "2026-01-05", "--at", at)
        assert result.exit_code == 2
        assert "--at" in result.output


class TestFirstWorkingDay:
    @pytest.mark.parametrize(
        ("month", "due"), [("2026-10", "2026-10-08"), ("2026-02", "2026-02-02")]
    )
    def test_json_shape(self, month: str, due: str) -> None:
        """The first working day of the month ends at 24:00."""
        data = run_json("calendar", "first-working-day", month)
        assert data["due_date"] == due
        assert data["start"] == f"{month}-01T00:00:00+08:00"
        assert data["month"] == month

    @pytest.mark.parametrize("month", ["2026-13", "2026-1", "26-01", "2026/01", "2026-10-01"])
    def test_a_malformed_month_exits_2(self, month: str) -> None:
        """The month must be YYYY-MM."""
        result = run("calendar", "first-working-day", month)
        assert result.exit_code == 2
        assert "YYYY-MM" in result.output


class TestIsWorkingDay:
    @pytest.mark.parametrize(
        ("day", "working"), [("2026-02-14", True), ("2026-02-16", False), ("2020-02-01", False)]
    )
    def test_json_shape(self, day: str, working: bool) -> None:
        """A make-up Saturday is working; a Spring Festival Monday is not (exit status 1)."""
        result = run("calendar", "is-working-day", day, "--json")
        assert result.exit_code == (0 if working else 1)
        data = json.loads(result.stdout)
        assert data == {
            "calendar": "national",
            "date": day,
            "working_day": working,
            "provisional": False,
            "calendar_version": national_calendar().version,
        }

    def test_an_unpublished_year_is_provisional(self) -> None:
        """A day in 2027 is answered, and flagged provisional."""
        assert run_json("calendar", "is-working-day", "2027-03-01")["provisional"] is True

    def test_human_output_names_make_up_days(self) -> None:
        """A make-up working day is called one."""
        assert "make-up working day" in run("calendar", "is-working-day", "2026-02-14").stdout

    def test_a_malformed_date_exits_2(self) -> None:
        """DATE must be YYYY-MM-DD."""
        assert run("calendar", "is-working-day", "14 Feb").exit_code == 2

    def test_a_day_that_does_not_exist_is_called_so(self) -> None:
        """``2026-02-30`` is well formed; the message says February has no 30th."""
        result = run("calendar", "is-working-day", "2026-02-30")
        assert result.exit_code == 2
        assert "day is out of range for month" in result.output
