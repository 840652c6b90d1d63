"""The per-day working table of a calendar, its indexes, and its version hash.

A calendar is decided once, as a table of every day in its covered range (working or
not), and every question afterwards is index arithmetic on two arrays built from that
table: a prefix count of working days and the sorted list of working days. Adding N
working days is then one lookup, and nothing ever walks the calendar day by day.

The version is a hash of what the table *means* (the table itself, the published years
and the overrides), not of any file's bytes, so reformatting a file keeps the version and
any change that can move a deadline changes it.
"""

from __future__ import annotations

import hashlib
import json
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from itertools import accumulate

from holidays import country_holidays

__all__ = ["CalendarData", "DayTable", "OverrideLayer", "day_table", "statutory_days"]

_FORMAT = "gridcase.calendar/1"
"""Names the canonical form that is hashed; bump it if that form ever changes."""


@dataclass(frozen=True)
class OverrideLayer:
    """One file's closures and extra working days, applied on top of the layers below."""

    closures: tuple[date, ...]
    extra_working_days: tuple[date, ...]

    @classmethod
    def of(cls, closures: Iterable[date], extra_working_days: Iterable[date]) -> OverrideLayer:
        """Sorted and de-duplicated, so that the order of a file's entries cannot matter."""
        return cls(tuple(sorted(set(closures))), tuple(sorted(set(extra_working_days))))


@dataclass(frozen=True)
class CalendarData:
    """Everything a calendar's days depend on besides the ``holidays`` package: the cache key.

    Two files that say the same thing (whatever their layout, key order or comments)
    produce equal ``CalendarData`` and therefore share one built table.
    """

    first_day: date
    last_day: date
    published_years: frozenset[int]
    layers: tuple[OverrideLayer, ...]
    """The national file's overrides first, then a local file's."""


@lru_cache(maxsize=4)
def statutory_days(first_day: date, last_day: date) -> bytes:
    """One byte per day of the range: 1 for a working day under the State Council notices.

    The notices reach us through the ``holidays`` package's ``China`` calendar: its
    entries are the days off (a weekend day among them changes nothing) and its
    ``weekend_workdays`` are the make-up working days (调休上班). Only those dates are
    visited; the weekday pattern fills in the rest.
    """
    size = last_day.toordinal() - first_day.toordinal() + 1
    offset = first_day.weekday()
    table = bytearray(1 if (offset + i) % 7 < 5 else 0 for i in range(size))
    china = country_holidays("CN", years=range(first_day.year, last_day.year + 1))
    first = first_day.toordinal()
    for day in china:
        if first_day <= day <= last_day:
            table[day.toordinal() - first] = 0
    for day in china.weekend_workdays:
        if first_day <= day <= last_day:
            table[day.toordinal() - first] = 1
    return bytes(table)


class DayTable:
    """A calendar's working table with the indexes that answer every question in O(1).

    ``prefix[i]`` is the number of working days among the first ``i`` days of the range,
    ``working[k]`` the ordinal of the k-th working day (0-based), and
    ``unpublished_before[y]`` the number of unpublished years in the range before year
    ``first_year + y``.
    """

    __slots__ = (
        "data",
        "first_ordinal",
        "first_year",
        "prefix",
        "size",
        "table",
        "unpublished_before",
        "version",
        "working",
    )

    def __init__(self, data: CalendarData, table: bytes) -> None:
        self.data = data
        self.table = table
        self.size = len(table)
        self.first_ordinal = data.first_day.toordinal()
        self.first_year = data.first_day.year
        self.prefix = array("q", accumulate(table, initial=0))
        self.working = array("q", (self.first_ordinal + i for i, w in enumerate(table) if w))
        years = range(data.first_day.year, data.last_day.year + 1)
        self.unpublished_before = array(
            "q", accumulate((y not in data.published_years for y in years), initial=0)
        )
        self.version = _version(data, table)


def _version(data: CalendarData, table: bytes) -> str:
    """sha256 of the canonical JSON form: readable, so anyone can recompute it."""
    canonical = {
        "format": _FORMAT,
        "first_day": data.first_day.isoformat(),
        "last_day": data.last_day.isoformat(),
        "published_years": sorted(data.published_years),
        "overrides": _declared_overrides(data.layers),
        "working": table.translate(bytes.maketrans(b"\x00\x01", b"01")).decode("ascii"),
    }
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def _declared_overrides(layers: Iterable[OverrideLayer]) -> dict[str, list[str]]:
    """Every override declared, whichever file declared it.

    Which file an override sits in does not change a single day (the table, hashed
    alongside, decides any overlap), so a local file without overrides shares the
    national version, and moving an entry between files keeps it.
    """
    closures: set[date] = set()
    extra: set[date] = set()
    for layer in layers:
        closures.update(layer.closures)
        extra.update(layer.extra_working_days)
    return {
        "closures": [d.isoformat() for d in sorted(closures)],
        "extra_working_days": [d.isoformat() for d in sorted(extra)],
    }


@lru_cache(maxsize=32)
def day_table(data: CalendarData) -> DayTable:
    """Build (once per distinct data) the statutory table with every override layer applied."""
    table = bytearray(statutory_days(data.first_day, data.last_day))
    first = data.first_day.toordinal()
    for layer in data.layers:
        for day in layer.closures:
            table[day.toordinal() - first] = 0
        for day in layer.extra_working_days:
            table[day.toordinal() - first] = 1
    return DayTable(data, bytes(table))
