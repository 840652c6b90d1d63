"""``gridcase people|grids|enterprises|visits list|show``: the roster visible from the CLI."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any

import pytest
from click.testing import CliRunner, Result
from tests.builders import RosterBuilder
from tests.support import FIXTURE_RULES, credit_code, cst, engine_on

from gridcase.cli import main
from gridcase.interfaces.table import display_width

A, B, C = credit_code(1601), credit_code(1602), credit_code(1603)


@pytest.fixture
def url(tmp_path: Any) -> str:
    """twogrids: 王五 and li answer for enterprises in G1 and H1; C left the scope on March 1."""
    url = f"sqlite:///{tmp_path / 'roster.db'}"
    with engine_on(url, cst(2026, 3, 20, 9), FIXTURE_RULES) as (engine, _):
        roster = RosterBuilder(engine, "twogrids")
        roster.person("王五", "officer", name="王五").person("li", "officer", name="李四")
        roster.person("chen", "chief", name="陈")
        roster.grid("G1", "vertical").grid("H1", "horizontal")
        roster.enterprise(A, name="上海马陆示例科技有限公司").enterprise(B).enterprise(C)
        roster.in_grid(A, "G1", officer="王五").in_grid(B, "G1", officer="li")
        roster.in_grid(C, "H1", officer="li").member("G1", "chen", "chief")
        roster.visit(A, "王五", date(2026, 2, 10)).visit(B, "li", date(2026, 3, 2))
        engine.roster.leave_scope(
            jurisdiction="twogrids", credit_code=C, on=date(2026, 3, 1), basis="deregistered",
            reason="注销", command_id="leave-c",
        )  # fmt: skip
    return url


def gridcase(url: str, *args: str, code: int = 0) -> Result:
    result = CliRunner().invoke(main, ["--url", url, "--rules", str(FIXTURE_RULES), *args])
    assert result.exit_code == code, (result.output, result.stderr)
    return result


def records(result: Result) -> list[dict[str, Any]]:
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_enterprises_of_a_grid_on_a_day(url: str) -> None:
    rows = records(gridcase(url, "enterprises", "list", "-j", "twogrids", "--grid", "G1",
                            "--on", "2026-03-20", "--format", "json"))  # fmt: skip
    assert [(r["credit_code"], r["responsible"]) for r in rows] == sorted([(A, "王五"), (B, "li")])


def test_scope_on_a_day(url: str) -> None:
    """C is in scope on February 28 and out of it from March 1."""
    args = ["enterprises", "list", "-j", "twogrids", "--format", "jsonl", "--scope"]
    before = gridcase(url, *args, "in", "--on", "2026-02-28").stdout.splitlines()
    after = gridcase(url, *args, "out", "--on", "2026-03-01").stdout.splitlines()
    assert C in "".join(before)
    assert [json.loads(line)["credit_code"] for line in after] == [C]


def test_people_by_grid_and_role(url: str) -> None:
    team = records(gridcase(url, "people", "list", "-j", "twogrids", "--grid", "G1",
                            "--on", "2026-03-20", "--format", "json"))  # fmt: skip
    assert [p["person"] for p in team] == ["chen"]

    def officers(on: str) -> dict[str, int]:
        rows = records(gridcase(url, "people", "list", "-j", "twogrids", "--role", "officer",
                                "--on", on, "--format", "json"))  # fmt: skip
        return {p["person"]: p["enterprises"] for p in rows}

    assert officers("2026-02-20") == {"li": 2, "王五": 1}
    assert officers("2026-03-20") == {"li": 1, "王五": 1}  # C left the scope on March 1


def test_the_people_table_is_aligned_with_chinese_ids(url: str) -> None:
    lines = gridcase(url, "people", "list", "-j", "twogrids", "--on", "2026-03-20").stdout
    widths = {display_width(line) for line in lines.splitlines()}
    assert len(widths) == 1


def test_visits_between_two_days_and_by_grid(url: str) -> None:
    args = ["visits", "list", "-j", "twogrids", "--format", "csv"]
    march = list(csv.DictReader(io.StringIO(gridcase(url, *args, "--from", "2026-03-01").stdout)))
    assert [r["企业 (enterprise)"] for r in march] == [B]
    g1 = gridcase(url, *args, "--grid", "G1").stdout
    assert A in g1
    assert B in g1


def test_show_one_record_of_each(url: str) -> None:
    person = json.loads(gridcase(url, "people", "show", "li", "-j", "twogrids", "--json").stdout)
    assert {r["holder"] for r in person["responsible_for"]} == {B, C}
    grid = json.loads(gridcase(url, "grids", "show", "G1", "-j", "twogrids", "--on",
                               "2026-03-20", "--json").stdout)  # fmt: skip
    assert grid["enterprise_codes"] == sorted([A, B])
    ent = gridcase(url, "enterprises", "show", A, "-j", "twogrids").stdout
    assert "上海马陆示例科技有限公司" in ent
    visit_id = json.loads(gridcase(url, "enterprises", "show", A, "-j", "twogrids",
                                   "--json").stdout)["visits"][0]  # fmt: skip
    visit = json.loads(gridcase(url, "visits", "show", visit_id, "-j", "twogrids", "--json").stdout)
    assert visit["visitor"] == "王五"


def test_grids_list(url: str) -> None:
    rows = records(gridcase(url, "grids", "list", "-j", "twogrids", "--on", "2026-03-20",
                            "--format", "json"))  # fmt: skip
    assert {r["grid"]: r["enterprises"] for r in rows} == {"G1": 2, "H1": 1}


def test_an_unknown_jurisdiction_is_bad_usage(url: str) -> None:
    result = gridcase(url, "people", "list", "-j", "nowhere", code=2)
    assert "unknown jurisdiction 'nowhere'" in result.stderr
    assert gridcase(url, "cases", "list", "--jurisdiction", "nowhere", code=2)


def test_a_record_that_is_not_there_is_not_found(url: str) -> None:
    assert "NotFound" in gridcase(url, "people", "show", "nobody", "-j", "twogrids", code=1).stderr


def test_xlsx_needs_an_output_file(url: str, tmp_path: Any) -> None:
    gridcase(url, "grids", "list", "-j", "twogrids", "--format", "xlsx", code=2)
    out = tmp_path / "grids.xlsx"
    gridcase(url, "grids", "list", "-j", "twogrids", "--format", "xlsx", "--output", str(out))
    assert out.read_bytes()[:2] == b"PK"


def test_the_visit_ledger_takes_the_output_convention(url: str) -> None:
    args = ["visits", "ledger", "-j", "twogrids", "--month", "2026-02"]
    lines = gridcase(url, *args, "--format", "jsonl").stdout.splitlines()
    assert [json.loads(line)["enterprise"] for line in lines] == [A]
    assert "--format" in gridcase(url, *args, "--format", "csv", "--json", code=2).stderr
