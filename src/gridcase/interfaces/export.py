"""Tables as files: every CSV, JSON and XLSX gridcase writes is laid out here, and only here.

Projections answer rows (data); this module turns them into a :class:`Table` (column
keys, Chinese and English headers, rows of primitive values) and the table into a
file. One writer per format means one place where a file can be made safe to open, and
one place to read to know what a ledger file looks like.

The rules:

* **Headers**: a column named in Chinese and English is headed ``走访日期 (date)``
  (Chinese first, the same for every jurisdiction: docs/ledgers.md says why); a column
  with only a key (the problem ledger, which scripts read from standard output) is
  headed by its key.
* **CSV**: one header row, then one line per row, in the ``csv`` module's Excel dialect.
  A file (:func:`write_csv`) is UTF-8 with a byte-order mark, which is what makes Excel,
  the tool the offices open ledgers with, read it as UTF-8 rather than the local code
  page (GBK); text for a stream (:func:`csv_text`) has no mark, which would otherwise end
  up in the first field name of every script reading it. Dates are ``YYYY-MM-DD``, times
  ``HH:MM``, moments ``YYYY-MM-DD HH:MM`` (a table holds China time to the minute), an
  absent value an empty cell.
* **Formula injection (OWASP's CSV injection)**: Excel and LibreOffice take a CSV cell
  that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return for a formula,
  and a formula can fetch a URL or start a program on the official's machine. Every
  *text* cell of a CSV that begins with one of them is written with a single quote in
  front (``'=HYPERLINK(…)``), as OWASP recommends. The rule looks at the first character
  only and never at what follows, so a text ``-3`` becomes ``'-3`` too: a finding typed as
  ``-3`` cannot be told from ``-1+2`` without guessing, and OWASP asks for both to be
  escaped. Values the table holds as numbers (``int``, ``float``) are written as they are,
  ``-3`` included, since a number is never a formula; the ledgers' own numbers (row
  numbers, evidence counts) are such numbers, so they are never quoted.
* **XLSX**: one sheet, the header row in bold and frozen, a filter on every column;
  dates, times and moments are real date and time cells, numbers are numbers, and every
  text is a text cell (an inline string, data type ``s``) whatever it begins with, so no
  cell is ever a formula, an error value or a number that was text. A text cell cannot be
  evaluated, so XLSX text is kept exactly as recorded, without the CSV's quote. Control
  characters, which a workbook cannot hold, are left out of its cells (the CSV keeps
  them).
* **JSON**: a list of objects keyed by column key, in column order; dates and moments as
  ISO 8601 text. It is data for programs, so nothing in it is altered.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from gridcase.kernel.clock import CST
from gridcase.projections.ledger import LedgerRow
from gridcase.projections.performance import Finding, PerformanceRow
from gridcase.projections.visit_findings import VisitFinding
from gridcase.projections.visit_ledger import VisitLedgerRow
from gridcase.projections.visit_reads import GridLedgerRow

__all__ = [
    "CHANNEL_LABELS",
    "FINDING_COLUMNS",
    "FORMULA_START",
    "PERFORMANCE_COLUMNS",
    "PROBLEM_LEDGER_COLUMNS",
    "PROBLEM_LEDGER_LABELS",
    "PURPOSE_LABELS",
    "VISIT_LEDGER_COLUMNS",
    "Cell",
    "Column",
    "Table",
    "csv_text",
    "findings_table",
    "grid_ledger_table",
    "json_text",
    "jsonl_text",
    "neutralised",
    "performance_table",
    "problem_ledger_table",
    "visit_ledger_table",
    "write_csv",
    "write_xlsx",
]

Cell = str | int | float | bool | date | time | None
"""A primitive value a table holds (``datetime`` is a ``date``): naive China time for
moments and times, since a workbook cell cannot hold an offset."""


@dataclass(frozen=True)
class Column:
    """A column of a table: its key, its header in Chinese and English, its XLSX width."""

    key: str
    zh: str | None = None
    en: str | None = None
    width: int = 16
    """Characters, for the workbook's column; CSV and JSON have no widths."""

    @property
    def header(self) -> str:
        return f"{self.zh} ({self.en})" if self.zh and self.en else self.key


@dataclass(frozen=True)
class Table:
    """Columns, and rows of primitive values keyed by column key."""

    columns: tuple[Column, ...]
    rows: tuple[Mapping[str, Cell], ...]

    def __post_init__(self) -> None:
        keys = {c.key for c in self.columns}
        for n, row in enumerate(self.rows, start=1):
            if row.keys() != keys:
                raise ValueError(f"row {n} has keys {sorted(row)}, the columns {sorted(keys)}")

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def values(self) -> Iterator[list[Cell]]:
        """Each row's values in column order."""
        for row in self.rows:
            yield [row[c.key] for c in self.columns]


# -- CSV ---------------------------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet reads as the start of a formula in a CSV cell (OWASP)."""


def neutralised(text: str) -> str:
    """``text`` with a single quote in front when a spreadsheet would take it for a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text


def _csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralised(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def csv_text(table: Table) -> str:
    """The table as CSV text (no byte-order mark): the header row, then one line per row."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.headers)
    writer.writerows([_csv_cell(v) for v in values] for values in table.values())
    return out.getvalue()


def write_csv(table: Table, path: Path) -> None:
    """Write the table as a CSV file in UTF-8 with a byte-order mark (for Excel)."""
    path.write_bytes(csv_text(table).encode("utf-8-sig"))


# -- JSON --------------------------------------------------------------------------------


def _json_cell(value: Cell) -> str | int | float | bool | None:
    return value.isoformat() if isinstance(value, date | time) else value


def json_text(table: Table) -> str:
    """The table as a JSON list of objects, one per row, keyed by column key."""
    records = [
        {c.key: _json_cell(v) for c, v in zip(table.columns, values, strict=True)}
        for values in table.values()
    ]
    return json.dumps(records, ensure_ascii=False, indent=2)


def jsonl_text(table: Table) -> str:
    """The table as JSON Lines: one object a row, keyed by column key, one per line."""
    return "".join(
        json.dumps(
            {c.key: _json_cell(v) for c, v in zip(table.columns, values, strict=True)},
            ensure_ascii=False,
        )
        + "\n"
        for values in table.values()
    )


# -- XLSX --------------------------------------------------------------------------------


def write_xlsx(table: Table, path: Path, *, title: str) -> None:
    """Write the table as an Excel workbook with one sheet named after ``title``."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _sheet_title(title)
    book.properties.title = title
    bold = Font(bold=True)
    for col, column in enumerate(table.columns, start=1):
        cell = sheet.cell(row=1, column=col, value=column.header)
        cell.font = bold
        sheet.column_dimensions[cell.column_letter].width = column.width
    for n, values in enumerate(table.values(), start=2):
        for col, value in enumerate(values, start=1):
            if value is None:
                continue
            if isinstance(value, str):
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
            cell = sheet.cell(row=n, column=col, value=value)
            # openpyxl makes a text that begins with "=" a formula and "#N/A" an error
            # value; the type is set after the value so that every text stays text.
            if isinstance(value, str):
                cell.data_type = "s"
            elif isinstance(value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(value, time):
                cell.number_format = "hh:mm"
            elif isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    book.save(path)


def _sheet_title(title: str) -> str:
    """Excel refuses ``[]:*?/\\`` in a sheet's name and more than 31 characters."""
    cleaned = "".join("-" if ch in "[]:*?/\\" else ch for ch in title).strip("'")
    return cleaned[:31] or "ledger"


# -- the visit ledger (走访台账) -----------------------------------------------------------

VISIT_LEDGER_COLUMNS: tuple[Column, ...] = (
    Column("no", "序号", "no.", width=6),
    Column("date", "走访日期", "date", width=11),
    Column("time", "走访时间", "time", width=7),
    Column("grid_ids", "网格编号", "grid ids"),
    Column("grid_names", "所属网格", "grids"),
    Column("enterprise", "统一社会信用代码", "credit code", width=21),
    Column("enterprise_name", "企业名称", "enterprise"),
    Column("visitor", "走访人编号", "visitor id"),
    Column("visitor_name", "走访人", "visitor"),
    Column("channel", "走访方式", "channel"),
    Column("purpose", "走访目的", "purpose"),
    Column("operations", "生产经营", "operations"),
    Column("investment_intent", "投资意愿", "investment intent"),
    Column("tax_status", "纳税状况", "tax status"),
    Column("difficulties", "困难需求", "difficulties and needs"),
    Column("note", "备注", "note"),
    Column("evidence", "印证资料数", "evidence"),
    Column("cases", "转办诉求", "cases opened"),
    Column("visit_id", "走访编号", "visit id", width=24),
    Column("recorded_at", "录入时间", "recorded at", width=17),
)
"""The visit ledger's columns, in order. One header row for every jurisdiction, Chinese
first and English in brackets: a second header row would break every tool that takes
the first row as the header."""

CHANNEL_LABELS = {
    "on_site": "实地走访",
    "phone": "电话回访",
    "wechat": "微信",
    "questionnaire": "问卷调查",
}
PURPOSE_LABELS = {"service": "走访服务", "inspection": "检查"}

_SEP = "; "


def _label(labels: Mapping[str, str], code: str) -> str:
    zh = labels.get(code)
    return f"{zh} ({code})" if zh else code


def _visit_cells(row: VisitLedgerRow, number: int) -> dict[str, Cell]:
    """Dates and times as such (China time, to the minute), counts as numbers, the rest
    text; an empty finding is an empty text, so that it is a blank cell everywhere."""
    return {
        "no": number,
        "date": row.day,
        "time": row.at.time().replace(second=0, microsecond=0, tzinfo=None),
        "grid_ids": _SEP.join(g.grid for g in row.grids),
        "grid_names": _SEP.join(g.name for g in row.grids),
        "enterprise": row.enterprise,
        "enterprise_name": row.enterprise_name,
        "visitor": row.visitor,
        "visitor_name": row.visitor_name,
        "channel": _label(CHANNEL_LABELS, row.channel),
        "purpose": _label(PURPOSE_LABELS, row.purpose),
        "operations": row.operations or "",
        "investment_intent": row.investment_intent or "",
        "tax_status": row.tax_status or "",
        "difficulties": row.difficulties or "",
        "note": row.note or "",
        "evidence": row.evidence,
        "cases": _SEP.join(str(c) for c in row.cases),
        "visit_id": row.visit_id,
        "recorded_at": row.recorded_at.replace(second=0, microsecond=0, tzinfo=None),
    }


def visit_ledger_table(rows: Iterable[VisitLedgerRow]) -> Table:
    """The visit ledger's rows as the table its CSV and XLSX files show, numbered from 1."""
    return Table(
        VISIT_LEDGER_COLUMNS,
        tuple(_visit_cells(row, n) for n, row in enumerate(rows, start=1)),
    )


# -- the grid ledger (网格化管理台账) --------------------------------------------------------

GRID_LEDGER_COLUMNS: tuple[Column, ...] = (
    Column("no", "序号", "no.", width=6),
    Column("map_number", "地图编号", "map number", width=10),
    Column("enterprise", "统一社会信用代码", "credit code", width=21),
    Column("enterprise_name", "企业名称", "enterprise"),
    Column("in_scope", "在服务范围", "in scope", width=8),
    Column("grid_ids", "网格编号", "grid ids"),
    Column("grid_names", "所属网格", "grids"),
    Column("responsible", "责任人", "responsible"),
    Column("visits", "走访次数", "visits", width=8),
    Column("last_visit", "最近走访", "last visit", width=17),
    Column("operations", "生产经营", "operations"),
    Column("investment_intent", "投资意愿", "investment intent"),
    Column("tax_status", "纳税状况", "tax status"),
    Column("difficulties", "困难需求", "difficulties and needs"),
)
"""The grid ledger's columns (Yingkou 三(二)1): each finding is the latest a visit
recorded, with that visit's date in brackets."""


def _latest(row: GridLedgerRow, name: str) -> str:
    found = row.latest.get(name)
    return f"{found.value} ({found.day.isoformat()})" if found is not None else ""


def grid_ledger_table(rows: Iterable[GridLedgerRow]) -> Table:
    """The grid ledger's rows, one per enterprise, numbered from 1."""
    return Table(
        GRID_LEDGER_COLUMNS,
        tuple(
            {
                "no": n,
                "map_number": r.map_number or "",
                "enterprise": r.credit_code,
                "enterprise_name": r.name,
                "in_scope": r.in_scope,
                "grid_ids": _SEP.join(g.grid for g in r.grids),
                "grid_names": _SEP.join(g.name for g in r.grids),
                "responsible": _SEP.join(f"{p} {name}".strip() for p, name in r.responsible),
                "visits": r.visits,
                "last_visit": (
                    r.last_visit_at.replace(second=0, microsecond=0, tzinfo=None)
                    if r.last_visit_at
                    else None
                ),
                **{k: _latest(r, k) for k in _GRID_FINDINGS},
            }
            for n, r in enumerate(rows, start=1)
        ),
    )


_GRID_FINDINGS = ("operations", "investment_intent", "tax_status", "difficulties")


# -- the problem ledger (问题台账) ---------------------------------------------------------

PROBLEM_LEDGER_LABELS: dict[str, tuple[str, str]] = {
    "case_id": ("案件编号", "case id"),
    "jurisdiction": ("辖区", "jurisdiction"),
    "enterprise": ("企业", "enterprise"),
    "title": ("诉求", "title"),
    "category": ("类别", "category"),
    "channel": ("渠道", "channel"),
    "submitted_at": ("受理时间", "received"),
    "state": ("状态", "state"),
    "final": ("已办结", "closed"),
    "owner_role": ("当前承办角色", "held by role"),
    "owner_party": ("当前承办人", "held by"),
    "unit": ("承办单位", "unit"),
    "level": ("层级", "level"),
    "next_due": ("最近期限", "next deadline"),
    "misses": ("超时", "missed clocks"),
    "delay_reasons": ("延期理由", "delay reasons"),
    "responsible_leader": ("责任领导", "responsible leader"),
    "measures": ("整改措施", "measures"),
    "time_limit_working_days": ("时限(工作日)", "time limit (working days)"),
    "result": ("办理结果", "result"),
    "satisfaction": ("满意度", "satisfaction"),
    "escalations": ("上报次数", "escalations"),
    "returns": ("退回次数", "returns"),
    "closed_at": ("办结时间", "closed"),
    "late_entries": ("补录", "late entries"),
    "last_recorded_at": ("最后录入时间", "last recorded"),
    "progress": ("办理进展", "progress"),
    "progress_at": ("进展时间", "progress reported"),
    "unit_turns": ("各单位用时(工作日)", "working days by unit in turn"),
    "grids": ("所属网格", "grid(s) when received"),
}
"""The problem ledger's columns in order, with their Chinese and English headers."""

PROBLEM_LEDGER_COLUMNS: tuple[Column, ...] = tuple(Column(key) for key in PROBLEM_LEDGER_LABELS)
"""The problem ledger's columns, headed by their keys: it is read by scripts from
``gridcase cases list --format csv|json`` (a workbook heads them in Chinese and English)."""

PROBLEM_LEDGER_LABELLED: tuple[Column, ...] = tuple(
    Column(key, zh, en, width=24 if key in {"title", "unit_turns", "case_id"} else 14)
    for key, (zh, en) in PROBLEM_LEDGER_LABELS.items()
)


def _turns(r: LedgerRow) -> str:
    """``planning 3 | economy …``: each unit's turn in order, a running one with ``…``."""
    return " | ".join(
        f"{t.unit} {t.working_days if t.working_days is not None else '…'}" for t in r.unit_turns
    )


def _case_cells(r: LedgerRow) -> dict[str, Cell]:
    """Moments in ISO 8601 with their offset, as the JSON has always given them."""
    return {
        "case_id": str(r.case_id),
        "jurisdiction": r.jurisdiction,
        "enterprise": r.enterprise,
        "title": r.title,
        "category": r.category,
        "channel": r.channel,
        "submitted_at": r.submitted_at.isoformat(),
        "state": r.state,
        "final": r.final,
        "owner_role": r.owner_role,
        "owner_party": r.owner_party,
        "unit": r.unit,
        "level": r.level,
        "next_due": r.next_due.isoformat() if r.next_due else None,
        "misses": ";".join(f"{k}={v}" for k, v in r.misses.items()),
        "delay_reasons": " | ".join(r.delay_reasons),
        "responsible_leader": r.responsible_leader,
        "measures": r.measures,
        "time_limit_working_days": r.time_limit_working_days,
        "result": r.result,
        "satisfaction": r.satisfaction,
        "escalations": r.escalations,
        "returns": r.returns,
        "closed_at": r.closed_at.isoformat() if r.closed_at else None,
        "late_entries": " | ".join(f"v{v}: {why}" for v, why in r.late_entries),
        "last_recorded_at": r.last_recorded_at.isoformat() if r.last_recorded_at else None,
        "progress": r.progress,
        "progress_at": r.progress_at.isoformat() if r.progress_at else None,
        "unit_turns": _turns(r),
        "grids": " | ".join(r.grids),
    }


def problem_ledger_table(rows: Sequence[LedgerRow], *, labelled: bool = False) -> Table:
    """The problem ledger's rows as the table ``cases list`` prints as CSV or JSON
    (``labelled``: headed in Chinese and English, as its workbook is)."""
    columns = PROBLEM_LEDGER_LABELLED if labelled else PROBLEM_LEDGER_COLUMNS
    return Table(columns, tuple(_case_cells(r) for r in rows))


# -- performance (绩效) and compliance findings (问题发现) ------------------------------------

PERFORMANCE_COLUMNS: tuple[Column, ...] = (
    Column("dimension", "维度", "dimension", 12),
    Column("key", "对象", "who or when", 20),
    Column("jurisdiction", "辖区", "jurisdiction", 12),
    Column("cases", "件数", "cases", 8),
    Column("closed", "办结数", "closed", 8),
    Column("on_time_rate", "按时办结率", "on-time rate", 10),
    Column("return_rate", "退回率", "return rate", 10),
    Column("mean_days_to_resolve", "平均办理工作日", "mean working days to resolve", 12),
    Column("p90_days_to_resolve", "90%办理工作日", "p90 working days to resolve", 12),
    Column("overdue", "超时件数", "overdue", 8),
    Column("escalations", "上报次数", "escalations", 8),
    Column("rated", "评价数", "rated", 8),
    Column("satisfaction_rate", "满意率", "satisfaction rate", 10),
    Column("efficiency", "服务效率", "efficiency (1-5)", 10),
    Column("attitude", "服务态度", "attitude (1-5)", 10),
    Column("quality", "办理质量", "quality (1-5)", 10),
    Column("response_rate", "响应率", "response rate", 10),
    Column("resolution_rate", "解决率", "resolution rate", 10),
)
"""The performance figures' columns, in Chinese and English (the rates run 0 to 1)."""


def performance_table(rows: Iterable[PerformanceRow]) -> Table:
    """Performance figures as a table (one row per unit, officer, month or jurisdiction)."""
    keys = [c.key for c in PERFORMANCE_COLUMNS]
    return Table(PERFORMANCE_COLUMNS, tuple({k: getattr(r, k) for k in keys} for r in rows))


FINDING_COLUMNS: tuple[Column, ...] = (
    Column("kind", "问题类型", "finding", 24),
    Column("kind_en", "类型(英文)", "finding (English)", 28),
    Column("case_id", "案件编号", "case id", 38),
    Column("jurisdiction", "辖区", "jurisdiction", 12),
    Column("enterprise", "企业", "enterprise", 22),
    Column("evidence", "证据(步骤)", "evidence (steps)", 60),
    Column("grid", "网格", "grid", 16),
    Column("period", "期间", "period", 10),
    Column("rule", "规则", "rule", 30),
)
"""The compliance findings' columns: each finding with the steps that prove it."""


def _evidence(f: Finding) -> str:
    return "; ".join(
        f"v{v} {kind} {at.astimezone(CST):%Y-%m-%d %H:%M}" for v, kind, at in f.evidence
    )


def _finding_cells(f: Finding | VisitFinding) -> dict[str, Cell]:
    if isinstance(f, VisitFinding):
        return {
            "kind": f.zh,
            "kind_en": f.en,
            "case_id": None,
            "jurisdiction": f.jurisdiction,
            "enterprise": f.enterprise,
            "evidence": "; ".join(str(p) for p in f.evidence),
            "grid": f.grid,
            "period": f.period,
            "rule": f.rule,
        }
    return {
        "kind": f.zh,
        "kind_en": f.en,
        "case_id": str(f.case_id),
        "jurisdiction": f.jurisdiction,
        "enterprise": f.enterprise,
        "evidence": _evidence(f),
        "grid": None,
        "period": None,
        "rule": None,
    }


def findings_table(found: Iterable[Finding | VisitFinding]) -> Table:
    """Compliance findings as a table, one row per finding: a case's (with its steps) or
    the roster's (a visit not made on cadence, a ledger not sent on time, with the events)."""
    return Table(FINDING_COLUMNS, tuple(_finding_cells(f) for f in found))
