"""The visit ledger (走访台账 / 服务台账): one row per recorded visit, for a period and a grid.

Yingkou's officer keeps a grid ledger of every enterprise's production and operation,
investment intent, tax status and difficulties (三(二)1); Bijie's townships and industry
authorities send a ledger of their service visits (附件3) to the district office before
the 27th of every month (五(五)). Both are what the visits already say, so the ledger is
folded from the log and never typed a second time: an officer records a visit once
(:meth:`gridcase.Roster.record_visit`) and the ledger follows; its CSV and XLSX files
are laid out by :mod:`gridcase.interfaces.export`, since a projection answers rows and
formatting them for a spreadsheet is the edge's business.

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
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
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
    "LedgerGrid",
    "LedgerPeriod",
    "VisitLedger",
    "VisitLedgerRow",
    "ledger_due",
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
