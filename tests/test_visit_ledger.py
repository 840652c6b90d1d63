"""The visit ledger (走访台账): the recorded visits of a month, per grid, as of a moment, as files.

Bijie's townships and industry authorities send their visit ledger to the district office
before the 27th of every month (五(五)); Yingkou's officer keeps the grid ledger of the
visits' findings (三(二)1). The ledger is folded from the same events the visits are, so
these tests record visits once and read the ledger back, on SQLite and PostgreSQL (the ``engine`` and
``roster`` fixtures); the property runs on SQLite in memory for its number of examples.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from tests.builders import RosterBuilder
from tests.strategies import timezones
from tests.support import FIXTURE_RULES, RULES, credit_code, cst, engine_on, rule_book

from gridcase import RuleBook
from gridcase.application.engine import Engine
from gridcase.calendar import national_calendar, to_cst
from gridcase.cli import main
from gridcase.domain.policy import LedgerDue
from gridcase.interfaces.export import (
    VISIT_LEDGER_COLUMNS,
    visit_ledger_table,
    write_csv,
    write_xlsx,
)
from gridcase.kernel.clock import ManualClock
from gridcase.kernel.errors import InvalidInput, NotFound, RuleFileError
from gridcase.projections import Month
from gridcase.projections.visit_ledger import LedgerPeriod, VisitLedger, VisitLedgerRow, ledger_due
from gridcase.workflow.loader import load_rules, parse_rules

B = "bijie"
A = credit_code(61, division="520502")
C = credit_code(62, division="520502")
HEADERS = [c.header for c in VISIT_LEDGER_COLUMNS]


@dataclass
class Bijie:
    engine: Engine
    clock: ManualClock
    url: str
    roster: RosterBuilder


@pytest.fixture
def rules() -> RuleBook:
    """The bundled rules: Bijie sends its ledger before the 27th."""
    return rule_book(RULES)


@pytest.fixture
def clock_start() -> datetime:
    """The roster is set up from 2 January 2026."""
    return cst(2026, 1, 2, 9)


@pytest.fixture
def bijie(engine: Engine, clock: ManualClock, store_url: str, roster: RosterBuilder) -> Bijie:
    """Qixingguan: enterprise A in the industry grid and township 1 from 5 January 2026, moved
    to township 2 on 16 March; C in township 2 from 5 January. Officers li (on the industry
    grid's team, so A's problems are theirs to register) and wang."""
    b = roster.of(B).person("li", "officer", name="李四").person("wang", "officer", name="王五")
    b.grid("industry-1", "vertical", name="区工业和信息化局")
    b.grid("town-1", "horizontal", name="洪山街道").grid("town-2", "horizontal", name="碧阳街道")
    clock.set(cst(2026, 1, 5, 9))
    b.member("industry-1", "li", "officer", date(2026, 1, 5))
    b.enterprise(A, date(2026, 1, 5), name="毕节某某制造有限公司")
    b.enterprise(C, date(2026, 1, 5), name="毕节某某商贸有限公司")
    b.in_grid(A, "industry-1", date(2026, 1, 5)).in_grid(A, "town-1", date(2026, 1, 5))
    b.in_grid(C, "town-2", date(2026, 1, 5))
    clock.set(cst(2026, 3, 16, 9))
    b.in_grid(A, "town-2", date(2026, 3, 16))
    return Bijie(engine, clock, store_url, b)


def visit(
    b: Bijie,
    vid: str,
    visited_at: datetime,
    code: str = A,
    who: str = "li",
    recorded: datetime | None = None,
    **findings: str,
) -> None:
    """Record a visit; the clock moves to the moment it is recorded (default: an hour later).

    A moment the clock has already passed is a late entry, and says so.
    """
    moment = recorded or visited_at + timedelta(hours=1)
    late = moment < b.clock.now() - timedelta(minutes=10)
    if moment > b.clock.now():
        b.clock.set(moment)
    b.roster.visit(
        code,
        who,
        visited_at,
        findings=findings or {"operations": "正常生产"},
        visit_id=vid,
        recorded=moment,
        late_reason="entered from the paper ledger" if late else None,
    )


def ledger(
    b: Bijie, period: Any = "2026-03", grid: str | None = None, as_of: datetime | None = None
) -> list[VisitLedgerRow]:
    """The ledger as folded from the log; without ``as_of``, also read from the visit
    tables, which must give the same rows."""
    folded = VisitLedger.build(b.engine.log, as_of=as_of).for_period(B, period, grid)
    if as_of is None:
        assert b.engine.visit_ledger(B, period, grid) == folded
    return folded


def ids(rows: list[VisitLedgerRow]) -> list[str]:
    return [r.visit_id for r in rows]


class TestWhichVisits:
    def test_a_visit_is_in_the_ledger_of_the_grid_the_enterprise_was_in_that_day(
        self, bijie: Bijie
    ) -> None:
        """A moved from township 1 to township 2 on 16 March: its visit of the 10th is township 1's, of the 20th township 2's; the industry grid has both."""
        visit(bijie, "V-0310", cst(2026, 3, 10, 10))
        visit(bijie, "V-0320", cst(2026, 3, 20, 15, 30))
        assert ids(ledger(bijie, grid="town-1")) == ["V-0310"]
        assert ids(ledger(bijie, grid="town-2")) == ["V-0320"]
        assert ids(ledger(bijie, grid="industry-1")) == ["V-0310", "V-0320"]
        first, second = ledger(bijie)
        assert [(g.grid, g.name, g.kind) for g in first.grids] == [
            ("industry-1", "区工业和信息化局", "vertical"),
            ("town-1", "洪山街道", "horizontal"),
        ]
        assert [g.grid for g in second.grids] == ["industry-1", "town-2"]

    def test_not_in_the_ledger_of_a_grid_it_joined_later(self, bijie: Bijie) -> None:
        """C joins the industry grid on 20 March: its visit of the 12th is not in that grid's March ledger."""
        visit(bijie, "V-C12", cst(2026, 3, 12, 9), code=C, who="wang")
        bijie.roster.in_grid(C, "industry-1", date(2026, 3, 20))
        assert ids(ledger(bijie, grid="town-2")) == ["V-C12"]
        assert ids(ledger(bijie, grid="industry-1")) == []

    def test_rows_say_who_went_where_how_and_what_was_found(self, bijie: Bijie) -> None:
        """A row carries the China date and time, the enterprise and visitor with names, the channel, the findings, the evidence count and the cases opened."""
        visit(
            bijie,
            "V-1",
            cst(2026, 3, 10, 10, 5),
            operations="满负荷生产",
            investment_intent="拟扩建二期",
            tax_status="按期申报",
            difficulties="用工紧张",
            note="企业负责人在场",
        )
        bijie.engine.roster.raise_demand(
            jurisdiction=B,
            visit_id="V-1",
            category="problem",
            title="用工紧张",
            actor="li",
            role="officer",
            command_id="demand/1",
        )
        (row,) = ledger(bijie)
        assert (row.at, row.day) == (cst(2026, 3, 10, 10, 5), date(2026, 3, 10))
        assert (row.enterprise, row.enterprise_name) == (A, "毕节某某制造有限公司")
        assert (row.visitor, row.visitor_name, row.channel, row.purpose) == (
            "li",
            "李四",
            "on_site",
            "service",
        )
        assert (row.operations, row.investment_intent, row.tax_status) == (
            "满负荷生产",
            "拟扩建二期",
            "按期申报",
        )
        assert (row.difficulties, row.note, row.evidence) == ("用工紧张", "企业负责人在场", 1)
        (case_id,) = row.cases
        assert bijie.engine.case(case_id).submission.visit_id == "V-1"

    def test_ordered_by_the_moment_of_the_visit_not_of_its_recording(self, bijie: Bijie) -> None:
        """A visit recorded late still takes its place by when it happened."""
        visit(bijie, "late", cst(2026, 3, 3, 9), recorded=cst(2026, 3, 30, 9))
        bijie.roster.visit(
            C,
            "wang",
            cst(2026, 3, 5, 9),
            channel="phone",
            visit_id="early-recorded",
            recorded=cst(2026, 3, 30, 9),
        )
        visit(bijie, "first", cst(2026, 3, 1, 8), recorded=cst(2026, 3, 30, 9))
        rows = ledger(bijie)
        assert ids(rows) == ["first", "late", "early-recorded"]
        assert rows[1].recorded_at == cst(2026, 3, 30, 9)

    def test_the_china_date_decides_the_month(self, bijie: Bijie) -> None:
        """17:30 UTC on 28 February is 01:30 on 1 March in China: March's ledger, not February's."""
        visit(bijie, "midnight", datetime(2026, 2, 28, 17, 30, tzinfo=UTC))
        assert ids(ledger(bijie, "2026-02")) == []
        (row,) = ledger(bijie, "2026-03")
        assert (row.day, row.at.hour) == (date(2026, 3, 1), 1)

    def test_a_period_of_days(self, bijie: Bijie) -> None:
        """From and to are China dates, both included; a whole month is recognised as that month."""
        for day in (9, 10, 16, 17):
            visit(bijie, f"d{day}", cst(2026, 3, day, 23, 30))
        period = LedgerPeriod.between(date(2026, 3, 10), date(2026, 3, 16))
        assert ids(ledger(bijie, period)) == ["d10", "d16"]
        assert str(period) == "2026-03-10..2026-03-16"
        assert LedgerPeriod.between(date(2026, 3, 1), date(2026, 3, 31)).month == Month(2026, 3)
        with pytest.raises(InvalidInput, match="after its end"):
            LedgerPeriod.between(date(2026, 3, 16), date(2026, 3, 10))

    def test_an_unknown_grid_is_refused(self, bijie: Bijie) -> None:
        """Asking for the ledger of a grid that does not exist is an error, not an empty ledger."""
        with pytest.raises(NotFound, match="no grid 'nowhere'"):
            ledger(bijie, grid="nowhere")


class TestAsOf:
    def test_a_visit_recorded_later_is_not_in_the_ledger_as_it_stood(self, bijie: Bijie) -> None:
        """The visit of 25 March recorded on the 28th is not in the ledger as of the 26th's end; it is from the 28th."""
        visit(bijie, "on-time", cst(2026, 3, 20, 10))
        visit(bijie, "late", cst(2026, 3, 25, 10), recorded=cst(2026, 3, 28, 9))
        sent = cst(2026, 3, 26, 23, 59)
        assert ids(ledger(bijie, as_of=sent)) == ["on-time"]
        assert ids(ledger(bijie, as_of=cst(2026, 3, 28, 9))) == ["on-time", "late"]
        assert ids(ledger(bijie)) == ["on-time", "late"]

    def test_a_grid_move_recorded_later_does_not_rewrite_the_ledger_as_sent(
        self, bijie: Bijie
    ) -> None:
        """C is put into the industry grid from 1 March on the 30th: the ledger as of the 26th shows the grids known then."""
        visit(bijie, "V-C", cst(2026, 3, 12, 9), code=C, who="wang")
        bijie.clock.set(cst(2026, 3, 30, 9))
        bijie.roster.in_grid(C, "industry-1", date(2026, 3, 1))
        (then,) = ledger(bijie, as_of=cst(2026, 3, 26, 23, 59))
        assert [g.grid for g in then.grids] == ["town-2"]
        assert ids(ledger(bijie, grid="industry-1", as_of=cst(2026, 3, 26, 23, 59))) == []
        assert ids(ledger(bijie, grid="industry-1")) == ["V-C"]

    def test_a_case_opened_later_is_not_linked_yet(self, bijie: Bijie) -> None:
        """The case raised from a visit on the 27th is not on the visit's row as of the 26th."""
        visit(bijie, "V-1", cst(2026, 3, 10, 10))
        bijie.clock.set(cst(2026, 3, 27, 9))
        bijie.engine.roster.raise_demand(
            jurisdiction=B,
            visit_id="V-1",
            category="problem",
            title="融资难",
            actor="li",
            role="officer",
            command_id="demand/1",
        )
        assert ledger(bijie, as_of=cst(2026, 3, 26, 18))[0].cases == ()
        assert len(ledger(bijie, as_of=cst(2026, 3, 27, 9))[0].cases) == 1

    def test_a_naive_moment_is_refused(self) -> None:
        """as_of without a timezone could be server time or China time: it is refused."""
        with pytest.raises(InvalidInput, match="as_of"):
            VisitLedger(as_of=datetime(2026, 3, 26, 23, 59))


class TestTheLog:
    def test_rebuilt_in_small_pages_and_caught_up_it_answers_the_same(self, bijie: Bijie) -> None:
        """A ledger read one event at a time, or caught up after new visits, equals one built afresh."""
        visit(bijie, "V-1", cst(2026, 3, 10, 10))
        live = VisitLedger.build(bijie.engine.log)
        visit(bijie, "V-2", cst(2026, 3, 20, 10))
        live.catch_up(bijie.engine.log)
        paged = VisitLedger()
        paged.fold_all(bijie.engine.log.read(topics=VisitLedger.topics, page=1))
        fresh = ledger(bijie)
        assert ids(fresh) == ["V-1", "V-2"]
        assert live.for_period(B, "2026-03") == paged.for_period(B, "2026-03") == fresh


class TestDueDate:
    """五(五) 于每月27日前将贵人服务走访服务企业台账（附件3）报区优化营商环境工作领导小组办公室."""

    def test_bijies_ledger_is_due_before_the_27th(self) -> None:
        """Bijie's rule says before the 27th of the same month: March 2026's ledger is due by 24:00 on Thursday the 26th."""
        visits = load_rules(RULES / "bijie.yaml").rules.visits
        assert visits is not None
        rule = visits.ledger_due
        assert rule is not None
        assert (rule.day_of_month, rule.before, rule.month, rule.roll) == (27, True, "same", "none")
        assert rule.cite is not None
        assert "27日前" in rule.cite
        due = ledger_due(rule, Month(2026, 3), national_calendar())
        assert due.due_date == date(2026, 3, 26)
        assert due.deadline == cst(2026, 3, 27)
        assert due.start == cst(2026, 3, 1)

    def test_a_calendar_day_whatever_the_weekday(self) -> None:
        """Before the 27th is a calendar day: 26 July 2026 is a Sunday, and the ledger is still due that day."""
        rule = LedgerDue(day_of_month=27, before=True, cite="t")
        assert not national_calendar().is_working_day(date(2026, 7, 26))
        assert ledger_due(rule, Month(2026, 7), national_calendar()).due_date == date(2026, 7, 26)

    def test_where_the_source_speaks_of_working_days_the_day_rolls(self) -> None:
        """A rule that rolls moves Sunday 26 July 2026 back to Friday the 24th, or on to Monday the 27th."""
        cal = national_calendar()
        back = LedgerDue(day_of_month=27, before=True, roll="backward", cite="t")
        forward = LedgerDue(day_of_month=26, roll="forward", cite="t")
        assert ledger_due(back, Month(2026, 7), cal).due_date == date(2026, 7, 24)
        assert ledger_due(forward, Month(2026, 7), cal).due_date == date(2026, 7, 27)

    def test_the_next_month_and_short_months(self) -> None:
        """Due in the next month: July's ledger on 26 August; by the 31st in a 30-day month is by the 30th; before the 1st of the next month is the month's last day."""
        cal = national_calendar()
        nxt = LedgerDue(day_of_month=27, before=True, month="next", cite="t")
        assert ledger_due(nxt, Month(2026, 7), cal).due_date == date(2026, 8, 26)
        by_31st = LedgerDue(day_of_month=31, cite="t")
        assert ledger_due(by_31st, Month(2026, 4), cal).due_date == date(2026, 4, 30)
        month_end = LedgerDue(day_of_month=1, before=True, month="next", cite="t")
        assert ledger_due(month_end, Month(2026, 2), cal).due_date == date(2026, 2, 28)


class TestRuleFile:
    def test_a_due_date_needs_a_citation(self) -> None:
        """visits.ledger_due without cite or assumption is refused where it is written."""
        text = (FIXTURE_RULES / "twogrids.yaml").read_text(encoding="utf-8")
        edited = text.replace(
            "  require_evidence: true\n",
            "  require_evidence: true\n  ledger_due: {day_of_month: 27, before: true}\n",
            1,
        )
        assert edited != text
        with pytest.raises(RuleFileError) as info:
            parse_rules(edited, name="twogrids.yaml")
        assert [p.path for p in info.value.problems] == ["visits.ledger_due"]
        assert "cite" in info.value.problems[0].message

    def test_due_before_its_month_begins_is_refused(self) -> None:
        """Before the 1st of the ledger's own month would be due before any visit of it: refused."""
        text = (FIXTURE_RULES / "twogrids.yaml").read_text(encoding="utf-8")
        edited = text.replace(
            "  require_evidence: true\n",
            "  require_evidence: true\n  ledger_due: {day_of_month: 1, before: true, cite: t}\n",
            1,
        )
        with pytest.raises(RuleFileError) as info:
            parse_rules(edited, name="twogrids.yaml")
        assert [p.path for p in info.value.problems] == ["visits.ledger_due"]

    def test_an_unknown_month_is_refused(self) -> None:
        """month is same or next; anything else is a schema error."""
        text = (FIXTURE_RULES / "twogrids.yaml").read_text(encoding="utf-8")
        edited = text.replace(
            "  require_evidence: true\n",
            "  require_evidence: true\n  ledger_due: {day_of_month: 27, month: previous, cite: t}\n",
            1,
        )
        with pytest.raises(RuleFileError, match="ledger_due"):
            parse_rules(edited, name="twogrids.yaml")


# -- the files ---------------------------------------------------------------------------


def recorded_rows(b: Bijie) -> list[VisitLedgerRow]:
    visit(
        b,
        "V-1",
        cst(2026, 3, 10, 10, 5),
        operations="满负荷生产, 订单排到6月",
        difficulties='用工紧张; "技工"难招\n夜班缺人',
    )
    visit(b, "V-2", cst(2026, 3, 20, 15, 30), note="=SUM(A1:A9) 不是公式")
    return ledger(b)


class TestFiles:
    def test_csv_round_trip(self, bijie: Bijie, tmp_path: Path) -> None:
        """The CSV starts with a UTF-8 byte-order mark, has one bilingual header row, and reads back cell for cell, a text a spreadsheet would take for a formula behind a quote."""
        rows = recorded_rows(bijie)
        path = tmp_path / "ledger.csv"
        write_csv(visit_ledger_table(rows), path)
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")
        with path.open(encoding="utf-8-sig", newline="") as f:
            header, *lines = list(csv.reader(f))
        assert header == HEADERS
        assert header[1] == "走访日期 (date)"
        got = [dict(zip(header, line, strict=True)) for line in lines]
        assert [g["序号 (no.)"] for g in got] == ["1", "2"]
        assert got[0]["走访日期 (date)"] == "2026-03-10"
        assert got[0]["走访时间 (time)"] == "10:05"
        assert got[0]["网格编号 (grid ids)"] == "industry-1; town-1"
        assert got[0]["所属网格 (grids)"] == "区工业和信息化局; 洪山街道"
        assert got[0]["企业名称 (enterprise)"] == "毕节某某制造有限公司"
        assert got[0]["走访方式 (channel)"] == "实地走访 (on_site)"
        assert got[0]["生产经营 (operations)"] == "满负荷生产, 订单排到6月"
        assert got[0]["困难需求 (difficulties and needs)"] == '用工紧张; "技工"难招\n夜班缺人'
        assert got[1]["备注 (note)"] == "'=SUM(A1:A9) 不是公式"
        assert got[1]["印证资料数 (evidence)"] == "1"
        assert [g["走访编号 (visit id)"] for g in got] == ["V-1", "V-2"]

    def test_xlsx_round_trip(self, bijie: Bijie, tmp_path: Path) -> None:
        """The workbook has one sheet, the bilingual header row, dates and times as such, and every text as text."""
        from openpyxl import load_workbook

        rows = recorded_rows(bijie)
        path = tmp_path / "ledger.xlsx"
        write_xlsx(visit_ledger_table(rows), path, title="毕节市七星关区 走访台账 2026-03")
        book = load_workbook(path)
        assert book.sheetnames == ["毕节市七星关区 走访台账 2026-03"]
        sheet = book.active
        assert sheet is not None
        header, *lines = [list(r) for r in sheet.iter_rows(values_only=True)]
        assert header == HEADERS
        got = [dict(zip(header, line, strict=True)) for line in lines]
        assert got[0]["走访日期 (date)"] == datetime(2026, 3, 10)
        assert got[0]["走访时间 (time)"] == time(10, 5)
        assert got[0]["序号 (no.)"] == 1
        assert got[0]["印证资料数 (evidence)"] == 1
        assert got[0]["困难需求 (difficulties and needs)"] == '用工紧张; "技工"难招\n夜班缺人'
        assert got[1]["网格编号 (grid ids)"] == "industry-1; town-2"
        assert got[1]["备注 (note)"] == "=SUM(A1:A9) 不是公式"
        assert sheet.cell(row=3, column=HEADERS.index("备注 (note)") + 1).data_type == "s"
        assert got[1]["录入时间 (recorded at)"] == datetime(2026, 3, 20, 16, 30)

    def test_an_empty_ledger_still_has_its_header(self, tmp_path: Path) -> None:
        """A month without visits gives files with the header row only."""
        from openpyxl import load_workbook

        write_csv(visit_ledger_table([]), tmp_path / "e.csv")
        write_xlsx(visit_ledger_table([]), tmp_path / "e.xlsx", title="t")
        with (tmp_path / "e.csv").open(encoding="utf-8-sig", newline="") as f:
            assert list(csv.reader(f)) == [HEADERS]
        sheet = load_workbook(tmp_path / "e.xlsx").active
        assert sheet is not None
        assert [list(r) for r in sheet.iter_rows(values_only=True)] == [HEADERS]


class TestCommandLine:
    def invoke(self, b: Bijie, *args: str) -> Any:
        b.engine.close()
        return CliRunner().invoke(
            main, ["visits", "ledger", "-j", B, *args, "--url", b.url, "--rules", str(RULES)]
        )

    def test_the_command_line_writes_both_files_and_says_when_it_is_due(
        self, bijie: Bijie, tmp_path: Path
    ) -> None:
        """`gridcase visits ledger --grid town-1 --csv` and `--xlsx` write the township's March ledger and say it is due by 24:00 on the 26th."""
        from openpyxl import load_workbook

        recorded_rows(bijie)
        out_csv, out_xlsx = tmp_path / "t1.csv", tmp_path / "t1.xlsx"
        common = ["--month", "2026-03", "--grid", "town-1"]
        done = self.invoke(bijie, *common, "--csv", str(out_csv))
        assert done.exit_code == 0, done.output
        assert "bijie, grid town-1, 2026-03: 1 visit(s)." in done.output
        assert "Due by 24:00 on 2026-03-26 (Thu 周四), China time" in done.output
        assert "bijie@2021.1 visits.ledger_due" in done.output
        assert f"wrote {out_csv}" in done.output
        with out_csv.open(encoding="utf-8-sig", newline="") as f:
            header, *lines = list(csv.reader(f))
        assert header == HEADERS
        assert [line[HEADERS.index("走访编号 (visit id)")] for line in lines] == ["V-1"]
        done = self.invoke(bijie, *common, "--xlsx", str(out_xlsx))
        assert done.exit_code == 0, done.output
        sheet = load_workbook(out_xlsx).active
        assert sheet is not None
        assert sheet.title == "毕节市七星关区 town-1 走访台账 2026-03"
        values = [list(r) for r in sheet.iter_rows(values_only=True)]
        assert values[0] == HEADERS
        assert [v[HEADERS.index("走访编号 (visit id)")] for v in values[1:]] == ["V-1"]

    def test_json_and_as_of(self, bijie: Bijie) -> None:
        """--json gives the rows and the due date; --as-of leaves out a visit recorded later."""
        recorded_rows(bijie)
        visit(bijie, "V-late", cst(2026, 3, 25, 9), recorded=cst(2026, 3, 28, 9))
        done = self.invoke(bijie, "--month", "2026-03", "--as-of", "2026-03-26T23:59", "--json")
        assert done.exit_code == 0, done.output
        data = json.loads(done.output)
        assert [r["visit_id"] for r in data["rows"]] == ["V-1", "V-2"]
        assert data["as_of"] == "2026-03-26T23:59:00+08:00"
        assert data["due"]["due_date"] == "2026-03-26"
        assert data["due"]["deadline"] == "2026-03-27T00:00:00+08:00"
        assert data["rows"][0]["findings"]["operations"] == "满负荷生产, 订单排到6月"
        assert data["rows"][0]["grids"][1] == {
            "grid": "town-1",
            "name": "洪山街道",
            "kind": "horizontal",
        }

    def test_a_table_by_default_and_a_period_of_days(self, bijie: Bijie) -> None:
        """Without a file the ledger is printed; --from/--to gives no due date, which is per month."""
        recorded_rows(bijie)
        done = self.invoke(bijie, "--from", "2026-03-15", "--to", "2026-03-31")
        assert done.exit_code == 0, done.output
        assert "bijie, all grids, 2026-03-15..2026-03-31: 1 visit(s)." in done.output
        assert "Due" not in done.output
        assert "2026-03-20 15:30" in done.output
        assert "V-1" not in done.output

    @pytest.mark.parametrize(
        "args",
        [
            [],
            ["--month", "2026-03", "--from", "2026-03-01", "--to", "2026-03-02"],
            ["--from", "2026-03-01"],
            ["--month", "2026-03", "--json", "--csv", "x.csv"],
            ["--month", "2026-3"],
        ],
    )
    def test_malformed_arguments_exit_2(self, bijie: Bijie, args: list[str]) -> None:
        """A month and days at once, half a period, two outputs, or a malformed month are usage errors."""
        assert self.invoke(bijie, *args).exit_code == 2

    def test_a_jurisdiction_without_a_due_date_says_none(self, tmp_path: Path) -> None:
        """Yingkou keeps its grid ledger but sets no date to send it: no due line."""
        url = f"sqlite:///{tmp_path / 'y.db'}"
        with engine_on(url, cst(2026, 4, 1, 9)):
            pass
        done = CliRunner().invoke(
            main, ["visits", "ledger", "-j", "yingkou", "--month", "2026-03", "--url", url]
        )
        assert done.exit_code == 0, done.output
        assert done.output == "yingkou, all grids, 2026-03: 0 visit(s).\n"
        unknown = CliRunner().invoke(
            main, ["visits", "ledger", "-j", "atlantis", "--month", "2026-03", "--url", url]
        )
        assert unknown.exit_code == 1
        assert "unknown jurisdiction" in unknown.output


# -- the property: a month's ledger holds exactly the visits of its China dates ------------

J = "twogrids"
DAY0 = date(2025, 12, 1)


@st.composite
def months_of_visits(draw: st.DrawFn) -> dict[str, Any]:
    """Visits at any moment from December 2025 to April 2026 in any timezone, an enterprise
    that moves from grid G1 to G2 on some day, and a month and grid to ask about."""
    moments = draw(
        st.lists(
            st.datetimes(
                min_value=datetime(2025, 12, 2),
                max_value=datetime(2026, 4, 30),
                timezones=timezones,
            ),
            max_size=8,
        )
    )
    move = DAY0 + timedelta(days=draw(st.integers(1, 150)))
    month = Month(
        *draw(st.sampled_from([(2025, 12), (2026, 1), (2026, 2), (2026, 3), (2026, 4), (2026, 5)]))
    )
    grid = draw(st.sampled_from((None, "G1", "G2")))
    as_of_index = draw(st.none() | st.integers(0, max(len(moments) - 1, 0)))
    return {"moments": moments, "move": move, "month": month, "grid": grid, "as_of": as_of_index}


@given(months_of_visits())
def test_a_months_ledger_holds_exactly_the_visits_of_its_china_dates(sc: dict[str, Any]) -> None:
    """For visits at random moments in random timezones, the ledger of a month (and grid, as of a moment) holds exactly the visits whose China date is in the month, whose enterprise was in the grid that day, and that were recorded by then."""
    code = credit_code(71)
    expected: list[str] = []
    with engine_on("sqlite:///:memory:", cst(2025, 12, 1, 9), rules=FIXTURE_RULES) as (e, clock):
        roster = RosterBuilder(e, J).person("li", "officer", name="李四")
        roster.grid("G1", "vertical", name="G1").grid("G2", "vertical", name="G2")
        roster.enterprise(code, DAY0).in_grid(code, "G1", DAY0).in_grid(code, "G2", sc["move"])
        clock.set(cst(2026, 6, 2, 9))
        as_of: datetime | None = None
        for n, moment in enumerate(sc["moments"]):
            recorded = cst(2026, 6, 1, 9) + timedelta(minutes=n)
            roster.visit(
                code,
                "li",
                moment,
                channel="phone",
                visit_id=f"v{n}",
                recorded=recorded,
                late_reason="entered a day late, from the paper ledger",
            )
            if sc["as_of"] is not None and n == sc["as_of"]:
                as_of = recorded
            day = to_cst(moment).date()
            month: Month = sc["month"]
            grid = None if sc["grid"] is None else ("G1" if day < sc["move"] else "G2")
            in_time = sc["as_of"] is None or n <= sc["as_of"]
            if month.first <= day <= month.last and sc["grid"] in (None, grid) and in_time:
                expected.append(f"v{n}")
        rows = VisitLedger.build(e.log, as_of=as_of).for_period(J, sc["month"], sc["grid"])
    assert sorted(ids(rows)) == sorted(expected)
    assert [r.at for r in rows] == sorted(r.at for r in rows)
    assert all(r.at.utcoffset() == timedelta(hours=8) for r in rows)
