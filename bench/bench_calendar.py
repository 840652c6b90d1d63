"""Benchmark: ``add_working_days`` by index lookup against a day-by-day loop.

Both run in the same process on the same random inputs (starts across 2020-2026, n in
1..30 and in 1..250), use the same ``is_working_day`` predicate and produce the same
``Deadline``; the run checks that every answer agrees before it prints any rate. It also
prints the one-off cost of building a calendar.

Run from the repository root::

    .venv/bin/python bench/bench_calendar.py [--inputs 5000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta

from gridcase.calendar import Deadline, WorkingCalendar, load_calendar, national_calendar, to_cst
from gridcase.calendar._calendar import _calendar, _national_at  # only to empty the caches
from gridcase.calendar._days import day_table, statutory_days
from gridcase.kernel.clock import CST
from gridcase.kernel.resources import rules_root

ONE_DAY = timedelta(days=1)
Inputs = Sequence[tuple[datetime, int]]


def day_by_day(cal: WorkingCalendar, start: datetime, n: int) -> Deadline:
    """The definition walked one day at a time: the n-th working day after the China date."""
    s = to_cst(start, field="start")
    day, count = s.date(), 0
    while count < n:
        day += ONE_DAY
        if cal.is_working_day(day):
            count += 1
    return cal.deadline_on(s, day)


def random_inputs(rng: random.Random, count: int, max_n: int) -> list[tuple[datetime, int]]:
    first = date(2020, 1, 1).toordinal()
    last = date(2026, 12, 31).toordinal()
    out = []
    for _ in range(count):
        day = date.fromordinal(rng.randint(first, last))
        hour, minute = rng.randint(0, 23), rng.randint(0, 59)
        moment = datetime(day.year, day.month, day.day, hour, minute, tzinfo=CST)
        out.append((moment, rng.randint(1, max_n)))
    return out


def best_rate(
    fn: Callable[[WorkingCalendar, datetime, int], Deadline],
    cal: WorkingCalendar,
    inputs: Inputs,
    repeat: int,
) -> float:
    """Operations per second, best of ``repeat`` passes over all inputs."""
    best = float("inf")
    for _ in range(repeat):
        began = time.perf_counter()
        for start, n in inputs:
            fn(cal, start, n)
        best = min(best, time.perf_counter() - began)
    return len(inputs) / best


def cold_build_ms() -> float:
    """Building the national calendar from nothing: holidays data, table, indexes, hash."""
    for cached in (statutory_days, day_table, _calendar, _national_at):
        cached.cache_clear()
    began = time.perf_counter()
    national_calendar()
    return (time.perf_counter() - began) * 1000


def warm_load_ms(repeat: int = 20) -> float:
    """Re-reading the national file when its content is already built (parse + validate)."""
    path = rules_root() / "calendars" / "national.yaml"
    load_calendar(path)
    began = time.perf_counter()
    for _ in range(repeat):
        load_calendar(path)
    return (time.perf_counter() - began) * 1000 / repeat


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--inputs", type=int, default=5000, help="random inputs per n range")
    parser.add_argument("--repeat", type=int, default=3, help="passes; the best is kept")
    parser.add_argument("--seed", type=int, default=20260213)
    args = parser.parse_args()

    build = cold_build_ms()
    cal = national_calendar()
    print(f"calendar {cal.id} {cal.version[:12]} covering {cal.first_day}..{cal.last_day}")
    print(f"  one-off build (cold, incl. holidays data): {build:8.1f} ms")
    print(f"  load_calendar of an already-built file:    {warm_load_ms():8.1f} ms")

    rng = random.Random(args.seed)
    for max_n in (30, 250):
        inputs = random_inputs(rng, args.inputs, max_n)
        for start, n in inputs:
            assert cal.add_working_days(start, n) == day_by_day(cal, start, n), (start, n)
        indexed = best_rate(WorkingCalendar.add_working_days, cal, inputs, args.repeat)
        naive = best_rate(day_by_day, cal, inputs, args.repeat)
        print(f"add_working_days, n in 1..{max_n}, {len(inputs)} inputs (answers agree):")
        print(f"  indexed:     {indexed:12,.0f} ops/s")
        print(f"  day-by-day:  {naive:12,.0f} ops/s")
        print(f"  ratio:       {indexed / naive:12.1f} x")


if __name__ == "__main__":
    main()
