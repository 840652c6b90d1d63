"""Benchmark: importing a 21,000-row enterprise roster (Weifang's scale) on SQLite.

It generates a roster of valid credit codes, each enterprise with a map number and a
commissioner (5,250 department-level commissioners, four enterprises each: the quota),
and in the same run measures

* bare validation: parsing and checking 21,000 credit codes, nothing else;
* raw eventsourcing saves: the same 21,000 enterprises (registered, entered the scope),
  with nothing checked, saved straight through the application in batches of 1,000;
* the import: read the CSV, validate every row against the registry and the rules
  (scope, tier, map numbers, known commissioner, quota), then save in batches;
* the refusal: the same file with an invalid credit code on line 17,342, on a fresh
  store, reported by line with nothing written.

Run from the repository root::

    .venv/bin/python bench/bench_import.py [--rows 21000] [--bad-line 17342]
"""

from __future__ import annotations

import argparse
import csv
import random
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

from gridcase.application.engine import Engine
from gridcase.application.importer import ImportRefused, import_roster
from gridcase.domain.credit_code import ALPHABET, check_character, parse_credit_code
from gridcase.domain.enterprise import Enterprise
from gridcase.domain.recorded import recorded_at
from gridcase.kernel.clock import CST, ManualClock
from gridcase.storage.application import GridcaseApplication
from gridcase.storage.url import parse_url

RULES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "rules"
JURISDICTION = "commissioners"
SINCE = date(2026, 1, 1)
NOW = datetime(2026, 3, 2, 9, tzinfo=CST)


def codes(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    out: set[str] = set()
    while len(out) < n:
        first17 = "91370700" + "".join(rng.choice(ALPHABET) for _ in range(9))
        out.add(first17 + check_character(first17))
    return sorted(out)


def write_roster(path: Path, all_codes: list[str], bad_line: int | None = None) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["统一社会信用代码", "企业名称", "层级", "服务专员", "地图编号"])
        for i, code in enumerate(all_codes):
            line = i + 2
            if line == bad_line:
                code = code[:17] + ALPHABET[(ALPHABET.index(code[17]) + 1) % 31]
            w.writerow([code, f"潍坊企业{i:05d}", "industrial", f"c{i // 4:05d}", str(i + 1)])


def engine_with_commissioners(db: Path, commissioners: int) -> Engine:
    engine = Engine(f"sqlite:///{db}", rules=RULES, clock=ManualClock(NOW), roster_actor="admin")
    engine.bootstrap_administrator(
        jurisdiction=JURISDICTION, person_id="admin", name="admin", command_id="admin"
    )
    for k in range(commissioners):
        engine.roster.register_person(
            jurisdiction=JURISDICTION,
            person_id=f"c{k:05d}",
            name=f"专员{k}",
            roles=["commissioner"],
            rank="department_level",
            command_id=f"person/{k}",
        )
    return engine


def rate(n: int, seconds: float) -> str:
    return f"{n / seconds:>10,.0f} rows/s  ({seconds:.2f} s)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=21_000)
    parser.add_argument("--bad-line", type=int, default=17_342)
    args = parser.parse_args()
    n = args.rows
    all_codes = codes(n)
    commissioners = (n + 3) // 4
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        good, bad = folder / "roster.csv", folder / "roster-bad.csv"
        write_roster(good, all_codes)
        write_roster(bad, all_codes, bad_line=args.bad_line)

        t = time.perf_counter()
        for code in all_codes:
            parse_credit_code(code)
        validation = time.perf_counter() - t

        raw = GridcaseApplication(env=dict(parse_url(f"sqlite:///{folder / 'raw.db'}").env))
        t = time.perf_counter()
        with recorded_at(NOW):  # the events carry a command's moment, as in the engine
            for start in range(0, n, 1000):
                batch = []
                for i, code in enumerate(all_codes[start : start + 1000], start=start):
                    ent = Enterprise(
                        jurisdiction=JURISDICTION,
                        credit_code=code,
                        name=f"潍坊企业{i:05d}",
                        organisation_type="enterprise",
                        industry=None,
                        location=None,
                        tier="industrial",
                    )
                    ent.enter_scope(on=SINCE, basis="listed", reason="bench")
                    batch.append(ent)
                raw.save(*batch)
        raw_saves = time.perf_counter() - t
        raw.close()

        t = time.perf_counter()
        engine = engine_with_commissioners(folder / "import.db", commissioners)
        people = time.perf_counter() - t
        t = time.perf_counter()
        report = import_roster(
            engine, good, jurisdiction=JURISDICTION, command_id="bench", in_scope_from=SINCE
        )
        imported = time.perf_counter() - t
        assert report.imported == n, report
        t = time.perf_counter()
        coverage = engine.roster.coverage(JURISDICTION, "2026-02")
        first_coverage = time.perf_counter() - t
        assert len(coverage.missed) == n
        events = engine.log.count() - commissioners
        engine.close()

        checker = engine_with_commissioners(folder / "refused.db", commissioners)
        t = time.perf_counter()
        try:
            import_roster(
                checker, bad, jurisdiction=JURISDICTION, command_id="bench-bad", in_scope_from=SINCE
            )
        except ImportRefused as exc:
            refused = time.perf_counter() - t
            problems = exc.problems
        else:  # pragma: no cover - the file is built to be refused
            raise SystemExit("the bad file was imported")
        written = checker.log.count()
        checker.close()

    print(
        f"roster: {n:,} rows, {commissioners:,} commissioners (department level, quota 4), SQLite"
    )
    print(f"bare validation (credit codes only)  {rate(n, validation)}")
    print(f"raw eventsourcing saves (2 events)   {rate(n, raw_saves)}")
    print(f"import (read, validate, save)        {rate(n, imported)}  in {report.batches} batches")
    print(
        f"  import / raw saves: {raw_saves / imported:.2f}× the rows/s; per event "
        f"{events / imported:,.0f} against {2 * n / raw_saves:,.0f} events/s "
        f"(the import writes {events / n:.1f} events a row: registered, in scope, map number and its claim, "
        "the commissioner on both sides)"
    )
    print(
        f"  registering the commissioners first took {people:.2f} s; first coverage query {first_coverage:.2f} s"
    )
    print(
        f"refused file: {len(problems)} problem(s) in {refused:.2f} s, nothing written beyond the roster of people "
        f"({written:,} events = the {commissioners:,} registrations)"
    )
    for p in problems:
        print(f"  {p}")


if __name__ == "__main__":
    main()
