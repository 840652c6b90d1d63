"""Performance figures and compliance findings, computed from the problem ledger's rows.

Both read the rows the ledger table holds (:meth:`ProjectionRunner.ledger`), never the
log. The figures are what the sources judge the work by: Qingdao's on-time handling and
satisfaction (efficiency, attitude, quality), the 12345 / 接诉即办 response, resolution
and satisfaction rates, Bijie's and Malu's returns and escalations. The findings are
what the oversight bodies look for, each with the steps that prove it.

Definitions (docs/read-models.md repeats them):

* **on time**: a closed case none of whose clocks ran out; the rate is over closed cases;
* **returned**: a case a unit asked to return at least once; the rate is over all cases;
* **working days to resolve**: fully completed working days from receipt to the last
  resolution, in the jurisdiction's calendar; mean and 90th percentile over the resolved;
* **response rate**: cases that went past receipt (any step after the submission);
  **resolution rate**: cases resolved or closed; **satisfaction rate**: satisfied or
  basically satisfied among the rated;
* a case counts to the **unit** that resolved it (else the unit holding it), to the
  **officer** who resolved it, to the **month** it was received in (China time) and to
  each **grid** its enterprise was in on the day it was received (an enterprise in two
  grids counts to both, so the grids' cases add up to more than the jurisdiction's; a
  case of an enterprise in no grid counts to none).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal
from uuid import UUID

from gridcase.domain.actions import Action, Satisfaction
from gridcase.domain.case_state import CLOCK_EXPIRED
from gridcase.kernel.clock import CST
from gridcase.projections.ledger import CalendarOf, LedgerRow, national_calendar_of

__all__ = [
    "DIMENSIONS",
    "FINDING_KINDS",
    "Dimension",
    "Finding",
    "PerformanceRow",
    "YearView",
    "findings",
    "performance",
    "progress_reports_due",
    "year_view",
]

Dimension = Literal["jurisdiction", "unit", "officer", "month", "grid"]
DIMENSIONS: tuple[Dimension, ...] = ("jurisdiction", "unit", "officer", "month", "grid")

_SATISFIED = {Satisfaction.SATISFIED.value, Satisfaction.BASICALLY_SATISFIED.value}


@dataclass(frozen=True)
class PerformanceRow:
    """The figures of one unit, officer, month, jurisdiction or grid."""

    dimension: Dimension
    key: str
    jurisdiction: str
    cases: int
    closed: int
    on_time_rate: float | None
    return_rate: float | None
    mean_days_to_resolve: float | None
    p90_days_to_resolve: float | None
    overdue: int
    escalations: int
    rated: int
    satisfaction_rate: float | None
    efficiency: float | None
    attitude: float | None
    quality: float | None
    response_rate: float | None
    resolution_rate: float | None


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _mean(values: Sequence[float]) -> float | None:
    return round(statistics.fmean(values), 2) if values else None


def _p90(values: Sequence[int]) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return float(values[0])
    return round(statistics.quantiles(values, n=10, method="inclusive")[-1], 2)


def _keys(row: LedgerRow, dimension: Dimension) -> Sequence[str | None]:
    """The groups a case counts to: one, but for a case whose enterprise was in several
    grids on the day received, which counts to each of them."""
    if dimension == "jurisdiction":
        return (row.jurisdiction,)
    if dimension == "unit":
        return (row.resolved_unit or (row.unit_turns[-1].unit if row.unit_turns else row.unit),)
    if dimension == "officer":
        return (row.resolved_by,)
    if dimension == "grid":
        return row.grids
    return (row.submitted_at.astimezone(CST).strftime("%Y-%m"),)


def _figures(
    dimension: Dimension, key: str, jurisdiction: str, rows: Sequence[LedgerRow], cal: CalendarOf
) -> PerformanceRow:
    closed = [r for r in rows if r.final]
    days = [
        cal(r.jurisdiction).working_days_elapsed(r.submitted_at, r.resolved_at)
        for r in rows
        if r.resolved_at is not None
    ]
    rated = [r for r in rows if r.satisfaction is not None]

    def score(name: str) -> float | None:
        return _mean([r.scores[name] for r in rows if name in r.scores])

    return PerformanceRow(
        dimension=dimension,
        key=key,
        jurisdiction=jurisdiction,
        cases=len(rows),
        closed=len(closed),
        on_time_rate=_rate(sum(1 for r in closed if not r.overdue), len(closed)),
        return_rate=_rate(sum(1 for r in rows if r.returns), len(rows)),
        mean_days_to_resolve=_mean(days),
        p90_days_to_resolve=_p90(days),
        overdue=sum(1 for r in rows if r.overdue),
        escalations=sum(r.escalations for r in rows),
        rated=len(rated),
        satisfaction_rate=_rate(sum(1 for r in rated if r.satisfaction in _SATISFIED), len(rated)),
        efficiency=score("efficiency"),
        attitude=score("attitude"),
        quality=score("quality"),
        response_rate=_rate(sum(1 for r in rows if r.steps > 1), len(rows)),
        resolution_rate=_rate(
            sum(1 for r in rows if r.resolved_at is not None or r.final), len(rows)
        ),
    )


def performance(
    rows: Iterable[LedgerRow],
    dimension: Dimension,
    *,
    calendar_of: CalendarOf | None = None,
) -> list[PerformanceRow]:
    """The figures per ``dimension`` value (within each jurisdiction), in key order."""
    cal = calendar_of or national_calendar_of
    groups: dict[tuple[str, str], list[LedgerRow]] = defaultdict(list)
    for row in rows:
        for key in _keys(row, dimension):
            if key is not None:
                groups[(row.jurisdiction, key)].append(row)
    return [
        _figures(dimension, key, jurisdiction, members, cal)
        for (jurisdiction, key), members in sorted(groups.items())
    ]


# -- compliance findings ------------------------------------------------------------------

FINDING_KINDS: dict[str, tuple[str, str]] = {
    "late_without_reason": ("超时未说明理由", "late without a recorded reason"),
    "missing_progress_report": ("未按月填报进展", "monthly progress report missing"),
    "unsatisfied_unanswered": ("不满意事项逾期未书面回复", "unsatisfied, no written reply in time"),
    "sign_off_without_rating": ("未评价即销号", "signed off without a rating"),
}
"""Each finding's kind with its Chinese and English name."""

# Clocks whose expiry is its own finding, not a late case.
_OWN_FINDING = {
    "progress_report": "missing_progress_report",
    "written_reply": "unsatisfied_unanswered",
}


@dataclass(frozen=True)
class Finding:
    """Something the oversight bodies look for, with the steps that prove it."""

    kind: str
    case_id: UUID
    jurisdiction: str
    enterprise: str
    evidence: tuple[tuple[int, str, datetime], ...]
    """The case's steps that prove it: (version, kind, when)."""

    @property
    def zh(self) -> str:
        return FINDING_KINDS[self.kind][0]

    @property
    def en(self) -> str:
        return FINDING_KINDS[self.kind][1]


def _case_findings(row: LedgerRow) -> list[Finding]:
    found: list[Finding] = []

    def add(kind: str, evidence: Sequence[tuple[int, str, datetime]]) -> None:
        found.append(Finding(kind, row.case_id, row.jurisdiction, row.enterprise, tuple(evidence)))

    late: list[tuple[int, str, datetime]] = []
    own: dict[str, list[tuple[int, str, datetime]]] = defaultdict(list)
    for step in row.trail:
        _version, kind, _at = step
        if kind.startswith(f"{CLOCK_EXPIRED}:"):
            clock = kind.split(":", 1)[1]
            if clock in _OWN_FINDING:
                own[_OWN_FINDING[clock]].append(step)
            else:
                late.append(step)
        elif kind == Action.RECORD_DELAY_REASON.value and late:
            late = []  # the reason answers every miss before it
    if late:
        add("late_without_reason", late)
    for kind, steps in own.items():
        add(kind, steps)
    kinds = [k for _, k, _ in row.trail]
    if Action.SIGN_OFF.value in kinds:
        signed = kinds.index(Action.SIGN_OFF.value)
        before = set(kinds[:signed])
        if not before & {Action.RATE.value, Action.APPROVE_INTERNAL_SIGN_OFF.value}:
            add("sign_off_without_rating", [row.trail[signed]])
    return found


def findings(rows: Iterable[LedgerRow]) -> list[Finding]:
    """Every finding in the rows, case by case in ledger order."""
    return [f for row in rows for f in _case_findings(row)]


# -- periodic reports ----------------------------------------------------------------------


def progress_reports_due(rows: Iterable[LedgerRow], on: date) -> list[LedgerRow]:
    """Open cases whose monthly progress report (the ``progress_report`` clock) is due by
    ``on``: Malu's list for the first working day of each month, soonest first."""
    due = [
        r
        for r in rows
        if not r.final
        and "progress_report" in r.open_deadlines
        and r.open_deadlines["progress_report"] <= on
    ]
    return sorted(due, key=lambda r: (r.open_deadlines["progress_report"], r.submitted_at))


@dataclass(frozen=True)
class YearView:
    """A jurisdiction's year: the figures of each month received and the findings by kind
    (Yingkou's research report each April looks back on the year before)."""

    jurisdiction: str
    year: int
    months: tuple[PerformanceRow, ...]
    whole_year: PerformanceRow | None
    findings: dict[str, int]


def year_view(
    rows: Iterable[LedgerRow],
    jurisdiction: str,
    year: int,
    *,
    calendar_of: CalendarOf | None = None,
) -> YearView:
    """The figures of ``year`` for ``jurisdiction``, by month of receipt and for the year."""
    kept = [
        r
        for r in rows
        if r.jurisdiction == jurisdiction and r.submitted_at.astimezone(CST).year == year
    ]
    months = performance(kept, "month", calendar_of=calendar_of)
    whole = performance(kept, "jurisdiction", calendar_of=calendar_of)
    counts: dict[str, int] = defaultdict(int)
    for f in findings(kept):
        counts[f.kind] += 1
    return YearView(jurisdiction, year, tuple(months), whole[0] if whole else None, dict(counts))
