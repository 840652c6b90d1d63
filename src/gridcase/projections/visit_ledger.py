"""The visit ledger (走访台账 / 服务台账): one row per recorded visit, for a period and a grid.

Yingkou's officer keeps a grid ledger of every enterprise's production and operation,
investment intent, tax status and difficulties (三(二)1); Bijie's townships and industry
authorities send a ledger of their service visits (附件3) to the district office before
the 27th of every month (五(五)). Both are what the visits already say, so the ledger is
folded from the log and never typed a second time: an officer records a visit once
(:meth:`gridcase.Roster.record_visit`) and the ledger, its CSV and its XLSX follow.

The rules, stated once here and in docs/ledgers.md:

* A ledger names a jurisdiction, a period (a calendar month, or the days ``first`` to
  ``last``) and optionally a grid. A visit is in it when its China date lies in the
  period and, for a grid, when the enterprise was in that grid on that date (grid
  memberships are spans of days): a visit made before the enterprise joined a grid is
  in the ledger of the grid it was in then, never of the one it joined later.
* Rows are in the order of the visits' moments (then their ids), and each names every
  grid the enterprise was in that day (Bijie's enterprises sit in two).
* ``as_of`` shows the ledger as the records stood at that moment: each aggregate
  (visit, enterprise, grid, person) is read up to its first event recorded after it,
  as :meth:`gridcase.Engine.case` reads a case. A visit recorded later is not there,
  nor a grid move or a case link recorded later. Every event carries its command's
  moment, so this is the moment the office could have seen it.
* Names (enterprise, visitor, grid) are the latest the records give by ``as_of``; the
  credit code and the ids are what identify a row.
"""

from __future__ import annotations

import calendar as _gregorian
import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from gridcase.calendar import Deadline, WorkingCalendar, to_cst
from gridcase.domain.enterprise import Enterprise
from gridcase.domain.grid import Grid
from gridcase.domain.person import Person
from gridcase.domain.policy import LedgerDue
from gridcase.domain.visit import Visit
from gridcase.kernel.clock import CST
from gridcase.kernel.errors import InvalidInput, NotFound
from gridcase.projections.coverage import Month
from gridcase.projections.log import Projection, event_topics
from gridcase.projections.roster import RosterProjection
from gridcase.storage.log import EventLog

__all__ = [
    "CHANNEL_LABELS",
    "COLUMNS",
    "PURPOSE_LABELS",
    "Column",
    "LedgerGrid",
    "LedgerPeriod",
    "VisitLedger",
    "VisitLedgerRow",
    "ledger_due",
    "write_csv",
    "write_xlsx",
]


@dataclass(frozen=True)
class LedgerPeriod:
    """The days ``first`` to ``last`` (inclusive, China dates) a ledger covers."""

    first: date
    last: date
    month: Month | None = None
    """The calendar month, when the period is one (what a due date is reckoned from)."""

    def __post_init__(self) -> None:
        for name in ("first", "last"):
            value = getattr(self, name)
            if isinstance(value, datetime) or not isinstance(value, date):
                raise InvalidInput(f"{name} must be a date, got {value!r}", field=name)
        if self.first > self.last:
            raise InvalidInput(
                f"the period starts on {self.first.isoformat()}, after its end {self.last.isoformat()}",
                field="first",
            )

    @classmethod
    def of(cls, value: LedgerPeriod | Month | str | tuple[int, int]) -> LedgerPeriod:
        """A period as given, or the calendar month ``2026-03`` / ``(2026, 3)`` / a Month."""
        if isinstance(value, LedgerPeriod):
            return value
        month = Month.parse(value)
        return cls(month.first, month.last, month)

    @classmethod
    def between(cls, first: date, last: date) -> LedgerPeriod:
        """The days ``first`` to ``last``; a whole calendar month is recognised as one."""
        period = cls(first, last)
        month = Month(first.year, first.month)
        return cls(first, last, month) if (first, last) == (month.first, month.last) else period

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first <= day <= self.last

    def __str__(self) -> str:
        if self.month is not None:
            return str(self.month)
        return f"{self.first.isoformat()}..{self.last.isoformat()}"


@dataclass(frozen=True)
class LedgerGrid:
    """A grid the enterprise was in on the day of the visit."""

    grid: str
    name: str
    kind: str


@dataclass(frozen=True)
class VisitLedgerRow:
    """One visit as the ledger shows it."""

    visit_id: str
    at: datetime
    """When the visit took place, China time."""
    grids: tuple[LedgerGrid, ...]
    """Every grid the enterprise was in on the visit's China date, by grid id."""
    enterprise: str
    enterprise_name: str
    visitor: str
    visitor_name: str
    channel: str
    purpose: str
    operations: str | None
    investment_intent: str | None
    tax_status: str | None
    difficulties: str | None
    note: str | None
    evidence: int
    """How many pieces of evidence (notes, photos) the visit refers to."""
    cases: tuple[UUID, ...]
    """Cases opened from the visit (linked by ``as_of``)."""
    recorded_at: datetime
    """When the visit was recorded, China time: a visit recorded after the ledger was
    sent is visible as such."""

    @property
    def day(self) -> date:
        return self.at.date()

    def to_dict(self) -> dict[str, Any]:
        return {
            "visit_id": self.visit_id,
            "at": self.at.isoformat(),
            "date": self.day.isoformat(),
            "grids": [{"grid": g.grid, "name": g.name, "kind": g.kind} for g in self.grids],
            "enterprise": self.enterprise,
            "enterprise_name": self.enterprise_name,
            "visitor": self.visitor,
            "visitor_name": self.visitor_name,
            "channel": self.channel,
            "purpose": self.purpose,
            "findings": {
                "operations": self.operations,
                "investment_intent": self.investment_intent,
                "tax_status": self.tax_status,
                "difficulties": self.difficulties,
                "note": self.note,
            },
            "evidence": self.evidence,
            "cases": [str(c) for c in self.cases],
            "recorded_at": self.recorded_at.isoformat(),
        }


class VisitLedger(Projection):
    """The visits of every jurisdiction with what the ledger needs beside them, folded from the log.

    It keeps a :class:`~gridcase.projections.roster.RosterProjection` of the enterprises,
    grids, people and visits, filtered by ``as_of``; the questions are asked of it.
    """

    topics = event_topics(Enterprise, Grid, Person, Visit)

    def __init__(self, *, as_of: datetime | None = None) -> None:
        super().__init__()
        self.as_of = to_cst(as_of, field="as_of") if as_of is not None else None
        self._roster = RosterProjection()
        self._visited: dict[str, set[str]] = {}
        """Per jurisdiction, the enterprises with at least one visit."""
        self._cut: set[UUID] = set()
        """Aggregates with an event recorded after ``as_of``: their later events are not
        folded either (an aggregate cannot be replayed past a missing event)."""

    @classmethod
    def build(cls, log: EventLog, *, as_of: datetime | None = None) -> VisitLedger:
        """The ledger rebuilt from the start of the log (as the records stood at ``as_of``)."""
        ledger = cls(as_of=as_of)
        ledger.fold_all(log.read(topics=cls.topics))
        return ledger

    def fold(self, event: Any) -> None:
        if self.as_of is not None and (
            event.originator_id in self._cut or event.timestamp > self.as_of
        ):
            self._cut.add(event.originator_id)
            return
        self._roster.fold(event)
        if isinstance(event, Visit.Event) and isinstance(event, Aggregate.Created):
            recorded: Any = event  # Visit.Recorded, made by the @event decorator
            self._visited.setdefault(recorded.jurisdiction, set()).add(recorded.enterprise)

    def for_period(
        self,
        jurisdiction: str,
        period: LedgerPeriod | Month | str | tuple[int, int],
        grid: str | None = None,
    ) -> list[VisitLedgerRow]:
        """The rows of ``jurisdiction``'s ledger for ``period`` (in ``grid``, if given).

        Raises:
            NotFound: ``grid`` is not a grid of the jurisdiction (by ``as_of``).
            InvalidInput: the period is malformed.
        """
        days = LedgerPeriod.of(period)
        view = self._roster
        grids = view.grids(jurisdiction)
        if grid is not None and grid not in grids:
            when = f" as of {self.as_of.isoformat()}" if self.as_of is not None else ""
            raise NotFound(f"no grid {grid!r} in {jurisdiction}{when}")
        people = view.people(jurisdiction)
        rows: list[VisitLedgerRow] = []
        for code in self._visited.get(jurisdiction, ()):
            ent = view.enterprise(jurisdiction, code)
            for visit in view.visits(jurisdiction, code):
                row = _row(visit, ent, grids, people)
                if row.day in days and (grid is None or any(g.grid == grid for g in row.grids)):
                    rows.append(row)
        return sorted(rows, key=lambda r: (r.at, r.visit_id))


def _row(
    visit: Visit, ent: Enterprise | None, grids: dict[str, Grid], people: dict[str, Person]
) -> VisitLedgerRow:
    """``ent`` is None only when the enterprise's registration was recorded after ``as_of``
    although the visit was not (a command given an earlier moment than one before it)."""
    at = to_cst(visit.at)
    day = at.date()
    ids = sorted({s.holder for s in ent.grids_on(day)}) if ent is not None else []
    person = people.get(visit.visitor)
    findings = visit.findings
    return VisitLedgerRow(
        visit_id=visit.visit_id,
        at=at,
        grids=tuple(
            LedgerGrid(g, grids[g].name, grids[g].kind) if g in grids else LedgerGrid(g, g, "")
            for g in ids
        ),
        enterprise=visit.enterprise,
        enterprise_name=ent.name if ent is not None else "",
        visitor=visit.visitor,
        visitor_name=person.name if person is not None else "",
        channel=visit.channel,
        purpose=visit.purpose,
        operations=findings.get("operations"),
        investment_intent=findings.get("investment_intent"),
        tax_status=findings.get("tax_status"),
        difficulties=findings.get("difficulties"),
        note=findings.get("note"),
        evidence=len(visit.evidence),
        cases=tuple(visit.cases),
        recorded_at=to_cst(visit.created_on),
    )


# -- the due date ----------------------------------------------------------------------


def ledger_due(rule: LedgerDue, month: Month, calendar: WorkingCalendar) -> Deadline:
    """When the ledger of ``month`` is due under ``visits.ledger_due``.

    The period runs from 00:00 of the month's first day. The last day on time is the
    rule's day of the month (the month itself or the next), or the day before it when
    ``before``; ``roll`` moves that day to a working day of ``calendar``. The deadline is
    24:00 of the last day, stamped with the calendar's version and provisional flag.

    Raises:
        InvalidInput: the last day falls before the month begins or outside the calendar.
    """
    due_month = month if rule.month == "same" else month.shift(1)
    days_in = _gregorian.monthrange(due_month.year, due_month.month)[1]
    last = date(due_month.year, due_month.month, min(rule.day_of_month, days_in))
    if rule.before:
        last -= timedelta(days=1)
    if rule.roll == "forward":
        last = calendar.working_day_on_or_after(last)
    elif rule.roll == "backward":
        last = calendar.working_day_on_or_before(last)
    return calendar.deadline_on(datetime.combine(month.first, time(0, 0), tzinfo=CST), last)


# -- the files --------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column of the exported ledger: its key and its header in Chinese and English."""

    key: str
    zh: str
    en: str

    @property
    def header(self) -> str:
        return f"{self.zh} ({self.en})"


COLUMNS: tuple[Column, ...] = (
    Column("no", "序号", "no."),
    Column("date", "走访日期", "date"),
    Column("time", "走访时间", "time"),
    Column("grid_ids", "网格编号", "grid ids"),
    Column("grid_names", "所属网格", "grids"),
    Column("enterprise", "统一社会信用代码", "credit code"),
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
    Column("visit_id", "走访编号", "visit id"),
    Column("recorded_at", "录入时间", "recorded at"),
)
"""The exported columns, in order. One header row: Chinese first, English in brackets,
for every jurisdiction (docs/ledgers.md says why)."""

CHANNEL_LABELS = {
    "on_site": "实地走访",
    "phone": "电话回访",
    "wechat": "微信",
    "questionnaire": "问卷调查",
}
PURPOSE_LABELS = {"service": "走访服务", "inspection": "检查"}

_SEP = "; "


def _label(labels: dict[str, str], code: str) -> str:
    zh = labels.get(code)
    return f"{zh} ({code})" if zh else code


def _cells(row: VisitLedgerRow, number: int) -> dict[str, object]:
    """A row's cells, typed: dates and times as such, counts as numbers, the rest text."""
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


def _text(value: object) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def csv_text(rows: Iterable[VisitLedgerRow]) -> str:
    """The ledger as CSV text: the header row, then one line per visit."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.header for c in COLUMNS])
    for n, row in enumerate(rows, start=1):
        cells = _cells(row, n)
        writer.writerow([_text(cells[c.key]) for c in COLUMNS])
    return out.getvalue()


def write_csv(rows: Iterable[VisitLedgerRow], path: Path) -> None:
    """Write the ledger as a CSV file in UTF-8 with a byte-order mark.

    The mark is what makes Excel, the tool the offices open ledgers with, read the file
    as UTF-8 rather than the local code page (GBK), which would garble every Chinese
    cell; ``csv`` and pandas read it with ``encoding="utf-8-sig"``.
    """
    path.write_bytes(csv_text(rows).encode("utf-8-sig"))


_WIDTHS = {"date": 11, "time": 7, "enterprise": 21, "visit_id": 24, "recorded_at": 17, "no": 6}


def write_xlsx(rows: Sequence[VisitLedgerRow], path: Path, *, title: str) -> None:
    """Write the ledger as an Excel workbook with one sheet named ``title`` (cut to 31 characters).

    Dates and times are real date and time cells (China time), so Excel sorts and
    filters them; every text is stored as text, so a finding that begins with ``=`` is
    never taken for a formula. Control characters, which a workbook cannot hold, are
    left out of the cells (the CSV keeps them).
    """
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _sheet_title(title)
    book.properties.title = title
    bold = Font(bold=True)
    for col, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=col, value=column.header)
        cell.font = bold
        letter = cell.column_letter
        sheet.column_dimensions[letter].width = _WIDTHS.get(column.key, 16)
    for n, row in enumerate(rows, start=1):
        cells = _cells(row, n)
        for col, column in enumerate(COLUMNS, start=1):
            value = cells[column.key]
            if isinstance(value, str):
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
            cell = sheet.cell(row=n + 1, column=col, value=value)
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
