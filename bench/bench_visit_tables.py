"""The visit tables against the fold they replace, in one run.

Prints figures, asserts nothing. A Bijie store is filled through the engine: ``--enterprises``
enterprises in ten township grids and one industry grid, each visited once a month from
January to ``--months`` (2026), by an officer on every grid's team. Then it prints, each
the best of ``--repeat`` runs:

* a month's visit ledger of one grid (``engine.visit_ledger``, from the tables, caught up
  first) vs the fold from position 0 (``VisitLedger.build(log).for_period``), as
  ``gridcase visits ledger`` did before;
* a month's coverage of the whole district (``engine.roster.coverage``: enterprises and
  grids replayed from their own events, visits from the table), on the engine's first call
  (what one CLI call costs) and again (a portal's later calls reuse what it replayed,
  while the tables' versions have not moved), vs the roster projection folded from
  position 0, as every call did before;
* a rebuild of the visit tables (events/s) vs merely reading and decoding the same events;
* the roster findings (not visited on cadence, ledgers not sent) of the district.

    .venv/bin/python bench/bench_visit_tables.py [--enterprises 300] [--months 3] [--repeat 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from gridcase import Engine, ManualClock
from gridcase.application.coverage import coverage
from gridcase.application.rulebook import RuleService
from gridcase.domain.credit_code import ALPHABET, check_character
from gridcase.kernel.clock import CST
from gridcase.projections.roster import RosterProjection
from gridcase.projections.visit_ledger import VisitLedger
from gridcase.projections.visit_tables import VisitTables

RULES = Path(__file__).resolve().parents[1] / "rules"
B = "bijie"
EVIDENCE = {"sha256": "a" * 64, "size": 2048, "media_type": "image/jpeg"}
T = TypeVar("T")


def code(i: int) -> str:
    body = "".join(ALPHABET[(i // 31**k) % 31] for k in range(9))
    first17 = f"91520502{body}"
    return first17 + check_character(first17)


def best(repeat: int, run: Callable[[], T]) -> tuple[float, T]:
    times: list[float] = []
    result: T | None = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - t0)
    assert result is not None
    return min(times), result


def fill(engine: Engine, clock: ManualClock, enterprises: int, months: int) -> None:
    engine.bootstrap_administrator(jurisdiction=B, person_id="admin", name="admin", command_id="a")
    r = engine.roster
    r.register_person(
        jurisdiction=B, person_id="li", name="李四", roles=["officer"], command_id="p"
    )
    grids = [f"town-{g}" for g in range(10)]
    for g in [*grids, "industry-1"]:
        kind = "vertical" if g == "industry-1" else "horizontal"
        r.register_grid(jurisdiction=B, grid_id=g, kind=kind, name=g, command_id=f"g/{g}")
        r.add_grid_member(
            jurisdiction=B,
            grid_id=g,
            person_id="li",
            position="officer",
            on=date(2026, 1, 1),
            command_id=f"m/{g}",
        )
    for i in range(enterprises):
        c = code(i)
        r.register_enterprise(
            jurisdiction=B,
            credit_code=c,
            name=f"企业{i}",
            in_scope_from=date(2026, 1, 1),
            command_id=f"e{i}",
        )
        for g in (grids[i % 10], "industry-1"):
            r.assign_grid(
                jurisdiction=B,
                credit_code=c,
                grid_id=g,
                on=date(2026, 1, 1),
                command_id=f"in/{i}/{g}",
            )
    visits = sorted(
        (datetime(2026, m, 1 + i % 25, 10, tzinfo=CST), m, i)
        for m in range(1, months + 1)
        for i in range(enterprises)
    )
    for at, m, i in visits:
        clock.set(max(clock.now(), at + timedelta(hours=1)))
        r.record_visit(
            jurisdiction=B,
            enterprise=code(i),
            visitor="li",
            visited_at=at,
            channel="on_site",
            findings={"operations": f"第{m}月正常"},
            evidence=[EVIDENCE],
            command_id=f"v/{m}/{i}",
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=300)
    parser.add_argument("--months", type=int, default=3, choices=range(1, 13))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    month = f"2026-{args.months:02d}"
    with tempfile.TemporaryDirectory() as folder:
        clock = ManualClock(datetime(2026, 1, 1, 9, tzinfo=CST))
        url = f"sqlite:///{folder}/bench.db"
        with Engine(url, rules=RULES, clock=clock, roster_actor="admin") as engine:
            t0 = time.perf_counter()
            fill(engine, clock, args.enterprises, args.months)
            head = engine.log.head()
            print(f"log {head} events ({time.perf_counter() - t0:.0f} s to fill)")
            engine.visit_ledger(B, month)  # the tables catch up once
            t_table, rows = best(args.repeat, lambda: engine.visit_ledger(B, month, "town-0"))
            t_fold, folded = best(
                args.repeat,
                lambda: VisitLedger.build(engine.log).for_period(B, month, "town-0"),
            )
            assert rows == folded
            print(
                f"visit ledger {month} town-0 ({len(rows)} rows): table {t_table * 1000:7.1f} ms, "
                f"fold {t_fold * 1000:7.1f} ms, ratio fold/table {t_fold / t_table:5.1f}"
            )
            service = RuleService(engine.rules, RULES)

            def folded_coverage() -> object:
                view = RosterProjection()
                view.catch_up(engine.log)
                return coverage(service, lambda first, last: view, B, month)

            def cold_coverage() -> object:
                engine.visit_books._replayed.clear()  # as a fresh process (one CLI call) finds it
                return engine.roster.coverage(B, month)

            t_cold, report = best(args.repeat, cold_coverage)
            t_cov, report = best(args.repeat, lambda: engine.roster.coverage(B, month))
            t_cov_fold, report_fold = best(args.repeat, folded_coverage)
            assert report == report_fold
            print(
                f"coverage {month} (every enterprise): table cold {t_cold * 1000:7.1f} ms "
                f"(ratio fold/table {t_cov_fold / t_cold:5.1f}), again {t_cov * 1000:7.1f} ms "
                f"(ratio fold/table {t_cov_fold / t_cov:5.1f}), fold {t_cov_fold * 1000:7.1f} ms"
            )
            runner = engine.visit_books.runner()
            t_rebuild, n = best(1, runner.rebuild)
            t_read, m = best(1, lambda: engine.log.count(topics=VisitTables.topics))
            assert n == m
            print(
                f"rebuild {n / t_rebuild:8.0f} ev/s, read+decode {m / t_read:8.0f} ev/s, "
                f"ratio rebuild : read {t_read / t_rebuild:4.2f}"
            )
            after = date(2026, args.months, 28) + timedelta(days=31)
            clock.set(datetime(after.year, after.month, 28, 9, tzinfo=CST))
            t_find, found = best(1, lambda: engine.visit_books.findings(B))
            print(f"roster findings: {len(found)} in {t_find * 1000:.0f} ms")


if __name__ == "__main__":
    main()
