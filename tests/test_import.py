"""Importing an enterprise roster from CSV and Excel: every bad row named by line, all or nothing.

The imports into a prepared roster run on SQLite and PostgreSQL (the ``engine`` and
``roster`` fixtures); a large file goes in bounded batches on PostgreSQL too.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from tests.builders import RosterBuilder
from tests.support import FIXTURE_RULES, credit_code, cst, engine_on

from gridcase.application.engine import Engine
from gridcase.application.importer import ImportRefused, import_roster, read_roster
from gridcase.kernel.errors import InvalidInput

D = date(2026, 1, 5)
ZH = ["序号", "统一社会信用代码", "企业名称", "网格", "负责人", "地图编号"]


def write_csv(
    path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8-sig"
) -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def notifications(e: Engine) -> int:
    return e.log.count()


@pytest.fixture
def staff(roster: RosterBuilder) -> None:
    """Officers li and wang, chief chen and grids G1 (vertical) and H1 (horizontal) in
    twogrids; department-level commissioner ting in commissioners."""
    roster.person("li", "officer").person("wang", "officer").person("chen", "chief")
    roster.grid("G1", "vertical").grid("H1", "horizontal")
    roster.of("commissioners").person("ting", "commissioner", rank="department_level")


def run(e: Engine, path: Path, jurisdiction: str = "twogrids", **kw: object) -> object:
    return import_roster(
        e, path, jurisdiction=jurisdiction, command_id=f"import/{path.name}", in_scope_from=D, **kw
    )  # type: ignore[arg-type]


@pytest.mark.usefixtures("staff")
class TestValidFiles:
    def test_chinese_headers(self, engine: Engine, tmp_path: Path) -> None:
        """A CSV with Chinese headers registers enterprises, their two grids, officers and map numbers."""
        rows = [
            ["1", credit_code(1), "甲公司", "G1;H1", "li;wang", "7"],
            ["2", credit_code(2), "乙公司", "H1", "wang", "8"],
        ]
        report = run(engine, write_csv(tmp_path / "a.csv", ZH, rows))
        assert (report.rows, report.imported, report.problems) == (2, 2, ())  # type: ignore[attr-defined]
        assert report.ignored_columns == ("序号",)  # type: ignore[attr-defined]
        ent = engine.roster.enterprise("twogrids", credit_code(1))
        assert ent.name == "甲公司"
        assert ent.map_number == "7"
        assert ent.in_scope_on(D)
        assert sorted(s.holder for s in ent.grids_on(D)) == ["G1", "H1"]
        assert engine.roster.responsible_on(
            jurisdiction="twogrids", credit_code=credit_code(1), day=D, grid="H1"
        ) == ["wang"]
        assert engine.roster.person("twogrids", "wang").load_from(D, "enterprise") == {
            credit_code(1),
            credit_code(2),
        }
        assert [
            m.credit_code for m in engine.roster.coverage("twogrids", "2026-02", "H1").missed
        ] == [credit_code(1), credit_code(2)]

    def test_gb18030_csv(self, engine: Engine, tmp_path: Path) -> None:
        """A CSV saved by Chinese Excel (GB 18030) is read too."""
        path = write_csv(
            tmp_path / "gbk.csv",
            ZH,
            [["1", credit_code(3), "丙公司", "", "", ""]],
            encoding="gb18030",
        )
        run(engine, path)
        assert engine.roster.enterprise("twogrids", credit_code(3)).name == "丙公司"

    def test_excel_with_english_headers(self, engine: Engine, tmp_path: Path) -> None:
        """An .xlsx with English headers, dates as cells and numbers as numbers is read."""
        book = Workbook()
        sheet = book.active
        sheet.append(["credit_code", "name", "tier", "responsible", "in_scope_from"])
        sheet.append([credit_code(4), "Weifang Steel", "industrial", "ting", date(2026, 2, 1)])
        sheet.append([None, None, None, None, None])
        sheet.append([credit_code(5), "Weifang Build", "construction", "", None])
        path = tmp_path / "w.xlsx"
        book.save(path)
        report = run(engine, path, "commissioners")
        assert report.imported == 2  # type: ignore[attr-defined]
        ent = engine.roster.enterprise("commissioners", credit_code(4))
        assert (
            ent.tier,
            ent.in_scope_on(date(2026, 1, 31)),
            ent.in_scope_on(date(2026, 2, 1)),
        ) == ("industrial", False, True)
        assert engine.roster.responsible_on(
            jurisdiction="commissioners", credit_code=credit_code(4), day=date(2026, 2, 1)
        ) == ["ting"]

    def test_batches_and_progress(self, engine: Engine, tmp_path: Path) -> None:
        """Saving goes in bounded batches, and progress is reported for each stage."""
        rows = [["", credit_code(100 + i), f"e{i}", "", "", ""] for i in range(25)]
        seen: list[tuple[str, int, int]] = []
        report = run(
            engine,
            write_csv(tmp_path / "b.csv", ZH, rows),
            batch_size=10,
            progress=lambda *a: seen.append(a),
        )
        assert report.batches == 3  # type: ignore[attr-defined]
        assert ("save", 25, 25) in seen
        assert ("validate", 25, 25) in seen

    def test_same_import_twice(self, engine: Engine, tmp_path: Path) -> None:
        """Re-running the same import command writes nothing new."""
        path = write_csv(tmp_path / "c.csv", ZH, [["", credit_code(6), "x", "", "", ""]])
        run(engine, path)
        count = notifications(engine)
        assert run(engine, path).duplicate  # type: ignore[attr-defined]
        assert notifications(engine) == count


BAD_ROWS = [
    (["", "91310114XXXXXXXXXX", "bad code", "", "", ""], "check character", "credit_code"),
    (["", credit_code(11), "", "", "", ""], "name is empty", "name"),
    (
        ["", credit_code(12, prefix="92"), "个体户", "", "", ""],
        "scope.exclude_organisation_types",
        "credit_code",
    ),
    (["", credit_code(13), "x", "G9", "", ""], "no grid 'G9'", "grid"),
    (["", credit_code(14), "x", "G1", "ghost", ""], "not in the twogrids roster", "responsible"),
    (
        ["", credit_code(15), "x", "G1", "chen", ""],
        "does not hold the role 'officer'",
        "responsible",
    ),
    (["", credit_code(16), "x", "G1;H1", "li", ""], "write person@grid", "responsible"),
    (["", credit_code(1), "again", "", "", ""], "appears again (first on line 2)", "credit_code"),
    (["", credit_code(17), "x", "", "", "7"], "map number 7 is also on line 2", "map_number"),
]


@pytest.mark.usefixtures("staff")
class TestBadRows:
    def test_every_bad_row_reported_and_nothing_written(
        self, engine: Engine, tmp_path: Path
    ) -> None:
        """Each bad row is named by its line and reason; by default nothing is imported."""
        rows = [["", credit_code(1), "good", "G1", "li", "7"], *[r for r, _, _ in BAD_ROWS]]
        before = notifications(engine)
        with pytest.raises(ImportRefused) as info:
            run(engine, write_csv(tmp_path / "bad.csv", ZH, rows))
        problems = info.value.problems
        assert [p.line for p in problems] == list(range(3, 3 + len(BAD_ROWS)))
        for p, (_, text, column) in zip(problems, BAD_ROWS, strict=True):
            assert text in p.message, p
            assert p.column == column
        assert notifications(engine) == before

    def test_valid_only_imports_the_rest(self, engine: Engine, tmp_path: Path) -> None:
        """With valid_only the good rows are imported and the bad ones reported."""
        rows = [["", credit_code(1), "good", "G1", "li", "7"], *[r for r, _, _ in BAD_ROWS]]
        report = run(engine, write_csv(tmp_path / "bad.csv", ZH, rows), valid_only=True)
        assert report.imported == 1
        assert len(report.problems) == len(BAD_ROWS)
        assert engine.roster.enterprise("twogrids", credit_code(1)).name == "good"

    def test_already_registered(self, engine: Engine, tmp_path: Path) -> None:
        """A row for an enterprise already in the registry is bad."""
        run(engine, write_csv(tmp_path / "one.csv", ZH, [["", credit_code(1), "x", "", "", ""]]))
        with pytest.raises(ImportRefused, match="already registered"):
            run(
                engine, write_csv(tmp_path / "two.csv", ZH, [["", credit_code(1), "x", "", "", ""]])
            )

    def test_quota_counts_the_file_too(self, engine: Engine, tmp_path: Path) -> None:
        """A fifth enterprise for a department-level cadre within one file is refused naming the quota."""
        header = ["统一社会信用代码", "企业名称", "服务专员"]
        rows = [[credit_code(200 + i), f"e{i}", "ting"] for i in range(5)]
        with pytest.raises(ImportRefused) as info:
            run(engine, write_csv(tmp_path / "q.csv", header, rows), "commissioners")
        (problem,) = info.value.problems
        assert problem.line == 6
        assert "roster.quotas.department_level.enterprises" in problem.message

    def test_invalid_code_deep_in_a_large_file(self, engine: Engine, tmp_path: Path) -> None:
        """An invalid credit code on line 1,734 of a 2,000-row file is reported with that line."""
        rows = [["", credit_code(10_000 + i), f"e{i}", "", "", ""] for i in range(2000)]
        bad = rows[1732][1]
        rows[1732][1] = bad[:10] + ("0" if bad[10] != "0" else "1") + bad[11:]
        with pytest.raises(ImportRefused) as info:
            run(engine, write_csv(tmp_path / "big.csv", ZH, rows))
        assert [(p.line, p.column) for p in info.value.problems] == [(1734, "credit_code")]


class TestFiles:
    def test_missing_required_column(self, tmp_path: Path) -> None:
        """A header without the credit code column is refused, naming the accepted headers."""
        with pytest.raises(InvalidInput, match="统一社会信用代码"):
            read_roster(write_csv(tmp_path / "h.csv", ["企业名称"], [["x"]]))

    def test_other_formats_refused(self, tmp_path: Path) -> None:
        """Only .csv and .xlsx are read."""
        path = tmp_path / "a.txt"
        path.write_text("x")
        with pytest.raises(InvalidInput, match=r"\.csv or \.xlsx"):
            read_roster(path)

    def test_lines_count_from_the_header(self, tmp_path: Path) -> None:
        """Line numbers are the file's own: the header is line 1, blank lines are skipped but counted."""
        path = tmp_path / "l.csv"
        path.write_text(
            f"统一社会信用代码,企业名称\n{credit_code(1)},a\n,\n{credit_code(2)},b\n",
            encoding="utf-8",
        )
        rows, _ = read_roster(path)
        assert [r.line for r in rows] == [2, 4]


class TestCommandLine:
    def test_register_import_visit_and_cover(self, tmp_path: Path) -> None:
        """The CLI registers people and grids, imports a file, records a visit and reports coverage."""
        import json

        from click.testing import CliRunner

        from gridcase.cli import main

        url = f"sqlite:///{tmp_path / 'cli.db'}"
        common = ["--url", url, "--rules", str(FIXTURE_RULES)]
        runner = CliRunner()

        def ok(*args: str, code: int = 0) -> str:
            result = runner.invoke(main, ["--actor", "admin", *args, *common])
            assert result.exit_code == code, result.output
            return result.output

        ok("people", "bootstrap", "admin", "-j", "twogrids", "--name", "名册管理员")
        ok("people", "add", "li", "-j", "twogrids", "--name", "李四", "--role", "officer")
        ok("grids", "add", "G1", "-j", "twogrids", "--kind", "vertical", "--name", "工信局")
        path = write_csv(
            tmp_path / "r.csv",
            ZH,
            [
                ["1", credit_code(1), "甲", "G1", "li", "1"],
                ["2", credit_code(2), "乙", "G1", "li", "2"],
            ],
        )
        assert "imported 2 of 2" in ok(
            "enterprises", "import", str(path), "-j", "twogrids", "--in-scope-from", "2026-01-05"
        )
        assert "nothing new" in ok(
            "enterprises", "import", str(path), "-j", "twogrids", "--in-scope-from", "2026-01-05"
        )
        evidence = tmp_path / "photo.jpg"
        evidence.write_bytes(b"jpeg")
        ok(
            "visits",
            "record",
            "-j",
            "twogrids",
            "--enterprise",
            credit_code(1),
            "--officer",
            "li",
            "--at",
            "2026-02-03T10:00",
            "--channel",
            "on_site",
            "--evidence-file",
            str(evidence),
        )
        report = json.loads(
            ok("coverage", "-j", "twogrids", "--grid", "G1", "--month", "2026-02", "--json", code=1)
        )  # one enterprise missed: exit 1
        assert [m["credit_code"] for m in report["missed"]] == [credit_code(2)]
        assert report["missed"][0]["responsible"] == ["li"]

        bad = write_csv(tmp_path / "bad.csv", ZH, [["1", "91310114XXXXXXXXXX", "x", "", "", ""]])
        result = runner.invoke(
            main, ["--actor", "admin", "enterprises", "import", str(bad), "-j", "twogrids", *common]
        )
        assert result.exit_code == 1
        assert "line 2 [credit_code]" in result.output


@pytest.mark.postgres
class TestOnPostgres:
    def test_import_in_batches_and_cover(self, pg_url: str, tmp_path: Path) -> None:
        """On PostgreSQL a 2,500-row file goes in bounded batches and coverage reads it back from the log."""
        with engine_on(pg_url, cst(2026, 3, 2, 9), rules=FIXTURE_RULES) as (e, _):
            RosterBuilder(e, "twogrids").person("li", "officer").grid("G1", "vertical")
            rows = [["", credit_code(5000 + i), f"e{i}", "G1", "li", str(i)] for i in range(2500)]
            report = run(e, write_csv(tmp_path / "pg.csv", ZH, rows), batch_size=1000)
            # two aggregates a row (the enterprise and its map-number claim), plus li once
            assert report.batches == 6  # type: ignore[attr-defined]
            coverage = e.roster.coverage("twogrids", "2026-02", "G1")
            assert len(coverage.missed) == 2500
            assert {m.responsible for m in coverage.missed} == {("li",)}
