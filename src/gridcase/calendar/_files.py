"""Calendar files: the national file and local override files, read and checked.

Officials maintain these files by hand, so every finding names the file, the line and
the entry, and all findings are reported at once rather than one per attempt. A file is
either accepted whole or refused whole: nothing half-read is ever used.

The national file (``national.yaml``) says where the day data comes from (the
``holidays`` package's ``China`` calendar), which years have a State Council notice
behind them, and the range of dates covered. A local file (``base: national``) adds
closures and extra working days for one jurisdiction.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from gridcase.calendar._days import CalendarData, OverrideLayer, day_table, statutory_days
from gridcase.kernel.errors import Problem, RuleFileError
from gridcase.kernel.yamldata import Loc, YamlDocument, location_of, read_yaml_file

__all__ = ["NATIONAL_FILE", "LoadedFile", "read_calendar_file"]

NATIONAL_FILE = "national.yaml"
"""The national file's name; a local file's ``base: national`` means this file beside it."""

_FIRST_SUPPORTED_YEAR = 2000
"""``holidays`` applies China's make-up rules from 2000 on (its ``observed_since``)."""
_LAST_SUPPORTED_YEAR = 2099
"""``holidays`` computes the lunar festivals up to 2099."""


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


# -- the models ---------------------------------------------------------------------


def _calendar_day(value: object) -> object:
    """A calendar day, written ``2024-07-25``; a moment or a number is a mistake, not a date."""
    if isinstance(value, dt.datetime):
        raise ValueError("give a date (YYYY-MM-DD), not a date and time")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"no such date: {value!r} (YYYY-MM-DD)") from None
    raise ValueError(f"not a date in the form YYYY-MM-DD: {value!r}")


def _none_as_empty(value: object) -> object:
    """``closures:`` left blank means no closures, not a mistake."""
    return () if value is None else value


Day = Annotated[dt.date, BeforeValidator(_calendar_day)]
Text = Annotated[str, Field(min_length=1)]
CalendarId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_M = TypeVar("_M", bound=_Strict)


class Name(_Strict):
    zh: Text
    en: Text | None = None


class Override(_Strict):
    """One closure or extra working day, with why and on whose authority."""

    date: Day
    reason: Text
    cite: Text


Overrides = Annotated[tuple[Override, ...], BeforeValidator(_none_as_empty)]


class Notice(_Strict):
    """A State Council (General Office) notice fixing a year's days off and make-up days."""

    title: Text
    issued: Day | None = None
    number: Text | None = None
    url: Text | None = None
    summary: Text | None = None


class PublishedYear(_Strict):
    year: Annotated[int, Field(ge=_FIRST_SUPPORTED_YEAR, le=_LAST_SUPPORTED_YEAR)]
    notices: Annotated[tuple[Notice, ...], Field(min_length=1)]


class DaySource(_Strict):
    """Where the statutory days come from; only one source exists today."""

    package: Literal["holidays"]
    calendar: Literal["China"]


class Covers(_Strict):
    first_day: Day
    last_day: Day

    @model_validator(mode="after")
    def _ordered(self) -> Covers:
        if self.first_day > self.last_day:
            raise ValueError("first_day is after last_day")
        for day in (self.first_day, self.last_day):
            if not _FIRST_SUPPORTED_YEAR <= day.year <= _LAST_SUPPORTED_YEAR:
                raise ValueError(
                    f"{day} is outside the years the holidays package can compute "
                    f"({_FIRST_SUPPORTED_YEAR}..{_LAST_SUPPORTED_YEAR})"
                )
        return self


class NationalFile(_Strict):
    id: Literal["national"]
    name: Name
    days: DaySource
    covers: Covers
    published: Annotated[tuple[PublishedYear, ...], Field(min_length=1)]
    closures: Overrides = ()
    """Corrections where the ``holidays`` package lags a notice (normally empty)."""
    extra_working_days: Overrides = ()


class LocalFile(_Strict):
    id: CalendarId
    name: Name
    base: Literal["national"]
    closures: Overrides = ()
    extra_working_days: Overrides = ()

    @field_validator("id")
    @classmethod
    def _not_national(cls, value: str) -> str:
        if value == "national":
            raise ValueError("'national' is the national calendar's id; choose another")
        return value


# -- reading --------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadedFile:
    """A calendar file that passed every check: its id and its canonical data."""

    id: str
    data: CalendarData


def read_calendar_file(path: Path) -> LoadedFile:
    """Read and check a national or local calendar file.

    Raises:
        RuleFileError: every finding in the file (and, for a local file, in the national
            file it builds on).
    """
    doc = read_yaml_file(path)
    if not isinstance(doc.data, dict):
        raise RuleFileError([doc.problem((), "the file must be a mapping of keys to values")])
    if "published" in doc.data and "base" not in doc.data:
        national = _validate(doc, NationalFile)
        return LoadedFile("national", _national_data(doc, national))
    local = _validate(doc, LocalFile)
    base_path = path.parent / NATIONAL_FILE
    if not base_path.is_file():
        raise RuleFileError([doc.problem(("base",), f"no {NATIONAL_FILE} beside this file")])
    base = read_calendar_file(base_path).data
    layer = _checked_layer(doc, local.closures, local.extra_working_days, base)
    data = CalendarData(base.first_day, base.last_day, base.published_years, (*base.layers, layer))
    return LoadedFile(local.id, data)


def _validate(doc: YamlDocument, model: type[_M]) -> _M:
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        problems = [doc.problem(tuple(e["loc"]), _message(e["msg"])) for e in exc.errors()]
        raise RuleFileError(problems) from None


def _message(msg: str) -> str:
    """pydantic's wording, minus the ``Value error, `` prefix our own validators get."""
    return msg.removeprefix("Value error, ")


def _national_data(doc: YamlDocument, national: NationalFile) -> CalendarData:
    first, last = national.covers.first_day, national.covers.last_day
    problems: list[Problem] = []
    years: set[int] = set()
    for i, entry in enumerate(national.published):
        if entry.year in years:
            problems.append(doc.problem(("published", i, "year"), f"{entry.year} is listed twice"))
        elif not first.year <= entry.year <= last.year:
            problems.append(
                doc.problem(
                    ("published", i, "year"),
                    f"{entry.year} is outside the covered range {first}..{last}",
                )
            )
        years.add(entry.year)
    if problems:
        raise RuleFileError(problems)
    base = CalendarData(first, last, frozenset(years), ())
    layer = _checked_layer(doc, national.closures, national.extra_working_days, base)
    return CalendarData(first, last, frozenset(years), (layer,))


def _checked_layer(
    doc: YamlDocument,
    closures: Sequence[Override],
    extra_working_days: Sequence[Override],
    base: CalendarData,
) -> OverrideLayer:
    """The overrides, once each is shown to be in range, unique and to change something.

    An override that changes nothing (closing a day already off) is refused because it
    usually means the wrong date was typed.
    """
    base_table = (
        day_table(base).table if base.layers else statutory_days(base.first_day, base.last_day)
    )
    first = base.first_day.toordinal()
    problems: list[Problem] = []
    seen: dict[dt.date, str] = {}
    entries = [("closures", i, o) for i, o in enumerate(closures)] + [
        ("extra_working_days", i, o) for i, o in enumerate(extra_working_days)
    ]
    for key, i, override in entries:
        loc: Loc = (key, i, "date")
        day = override.date
        if day in seen:
            problems.append(doc.problem(loc, f"{day} is already listed at {seen[day]}"))
            continue
        seen[day] = location_of(loc)
        if not base.first_day <= day <= base.last_day:
            problems.append(
                doc.problem(
                    loc, f"{day} is outside the covered range {base.first_day}..{base.last_day}"
                )
            )
            continue
        working = bool(base_table[day.toordinal() - first])
        if key == "closures" and not working:
            problems.append(
                doc.problem(loc, f"{day} is already a day off: a closure would change nothing")
            )
        if key == "extra_working_days" and working:
            problems.append(
                doc.problem(
                    loc,
                    f"{day} is already a working day: an extra working day would change nothing",
                )
            )
    if problems:
        raise RuleFileError(problems)
    return OverrideLayer.of((o.date for o in closures), (o.date for o in extra_working_days))
