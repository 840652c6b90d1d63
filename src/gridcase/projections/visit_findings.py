"""The roster's compliance findings: visits not made on cadence, ledgers not sent on time.

Beside the case findings (:mod:`gridcase.projections.performance`), the oversight bodies
look for two things the roster proves:

* **not visited on cadence** (未按频次走访): for each month whose last day has passed,
  coverage (:mod:`gridcase.projections.coverage`, the same rules as ``gridcase
  coverage``) under the cadence in force on that day. A cadence per enterprise gives one
  finding per enterprise and missed window, a cadence per grid one per grid and missed
  window. The proof is the record's events up to the window's end (what put it in
  scope, in the grid, on the team) and the last visit by a counting channel before the
  window ended, if there was one.
* **a ledger not sent by its due day** (台账未按时报送), where the rules say who sends it
  (``visits.ledger_submission``) and by when (``visits.ledger_due``): every grid with an
  enterprise in scope on some day of a month owes that month's ledger (months before
  ``visits.cadence.from`` owe none). Not sent once the deadline has passed is one
  finding (the proof is the deadline); sent after it is another (the proof is the
  submission's event and the deadline).

Both are pure: the caller gives the roster (as the tables hold it), the submissions,
the rules of each month and the moment the findings are judged at.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from gridcase.calendar import Deadline
from gridcase.domain.enterprise import Enterprise
from gridcase.domain.policy import CadencePer, RosterRules, VisitCadence
from gridcase.kernel.clock import CST
from gridcase.projections.coverage import (
    Month,
    Window,
    compute_coverage,
    compute_grid_coverage,
    scope_spans,
)
from gridcase.projections.visit_reads import Proof, SubmissionRow, TableRoster, VisitFact

__all__ = [
    "VISIT_FINDING_KINDS",
    "MonthRules",
    "VisitFinding",
    "cadence_findings",
    "grids_owing",
    "ledger_findings",
]

VISIT_FINDING_KINDS: dict[str, tuple[str, str]] = {
    "not_visited_on_cadence": ("未按频次走访企业", "enterprise not visited on cadence"),
    "grid_not_visited_on_cadence": ("网格未按频次走访", "grid not visited on cadence"),
    "ledger_not_submitted": ("台账逾期未报送", "ledger not submitted by its due day"),
    "ledger_submitted_late": ("台账逾期报送", "ledger submitted late"),
}
"""Each roster finding's kind with its Chinese and English name."""


@dataclass(frozen=True)
class VisitFinding:
    """A roster finding: whose (an enterprise, a grid), for which period, and its proof."""

    kind: str
    jurisdiction: str
    period: str
    """The window missed (``2026-03``, ``2026-W10``) or the ledger's month."""
    enterprise: str | None
    grid: str | None
    evidence: tuple[Proof, ...]
    rule: str
    """The rule judged by (``bijie@2021.1 visits.cadence``)."""

    @property
    def zh(self) -> str:
        return VISIT_FINDING_KINDS[self.kind][0]

    @property
    def en(self) -> str:
        return VISIT_FINDING_KINDS[self.kind][1]

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "jurisdiction": self.jurisdiction,
            "period": self.period,
            "enterprise": self.enterprise,
            "grid": self.grid,
            "rule": self.rule,
            "evidence": [str(p) for p in self.evidence],
        }


@dataclass(frozen=True)
class MonthRules:
    """What a month is judged by: the rules in force on its last day."""

    month: Month
    rule: str
    """``<jurisdiction>@<version>``."""
    cadence: VisitCadence
    roster: RosterRules | None
    ledger_deadline: Deadline | None = None
    """When the month's ledger is due, where the rules send one."""


def _end_of(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=CST)


def _until(trail: Iterable[Proof], day: date) -> tuple[Proof, ...]:
    """The events recorded by the end of ``day``."""
    end = _end_of(day)
    return tuple(p for p in trail if p.at < end)


def _last_visit(visits: Sequence[VisitFact], window: Window, counting: set[str]) -> Proof | None:
    before = [v for v in visits if v.day <= window.last and v.channel in counting]
    if not before:
        return None
    last = max(before, key=lambda v: (v.at, v.visit_id))
    return Proof(
        f"visit {last.visit_id}", 1, "Recorded (the last visit by a counting channel)", last.at
    )


def cadence_findings(
    jurisdiction: str, months: Iterable[MonthRules], roster: TableRoster
) -> list[VisitFinding]:
    """Enterprises (or grids) not visited on cadence in each of ``months``, month by month."""
    found: list[VisitFinding] = []
    enterprises = roster.enterprises(jurisdiction)
    for judged in months:
        cadence = judged.cadence
        counting = {c.value for c in cadence.counting_channels}
        rule = f"{judged.rule} visits.cadence"
        if cadence.per is CadencePer.GRID:
            report = compute_grid_coverage(
                jurisdiction=jurisdiction,
                month=judged.month,
                cadence=cadence,
                grids=roster.grids(jurisdiction).values(),
                enterprises=enterprises.values(),
                visits_of=lambda code: roster.visits(jurisdiction, code),
                positions=tuple(judged.roster.team) if judged.roster is not None else (),
            )
            for missed_grid in report.missed:
                members = [e for e in enterprises.values() if _ever_in(e, missed_grid.grid)]
                for miss in missed_grid.misses:
                    visits = [
                        v for e in members for v in roster.visits(jurisdiction, e.credit_code)
                    ]
                    last = _last_visit(visits, miss.window, counting)
                    proof = _until(
                        roster.trails.get(f"grid {missed_grid.grid}", ()), miss.window.last
                    )
                    found.append(
                        VisitFinding(
                            "grid_not_visited_on_cadence",
                            jurisdiction,
                            miss.window.label,
                            None,
                            missed_grid.grid,
                            proof + ((last,) if last else ()),
                            rule,
                        )
                    )
            continue
        per_enterprise = compute_coverage(
            jurisdiction=jurisdiction,
            month=judged.month,
            cadence=cadence,
            enterprises=enterprises.values(),
            visits_of=lambda code: roster.visits(jurisdiction, code),
            roster=judged.roster,
        )
        for missed in per_enterprise.missed:
            visits = roster.visits(jurisdiction, missed.credit_code)
            trail = roster.trails.get(f"enterprise {missed.credit_code}", ())
            for window in missed.windows:
                last = _last_visit(visits, window, counting)
                found.append(
                    VisitFinding(
                        "not_visited_on_cadence",
                        jurisdiction,
                        window.label,
                        missed.credit_code,
                        None,
                        _until(trail, window.last) + ((last,) if last else ()),
                        rule,
                    )
                )
    return found


def _ever_in(ent: Enterprise, grid: str) -> bool:
    return any(s.holder == grid for s in ent.grids)


def grids_owing(enterprises: Iterable[Enterprise], month: Month) -> set[str]:
    """The grids with at least one enterprise in scope and in the grid on some day of ``month``."""
    owing: set[str] = set()
    for ent in enterprises:
        spans = scope_spans(ent)
        for stint in ent.grids:
            if stint.holder in owing or not stint.overlaps(month.first, month.last):
                continue
            first = max(stint.start, month.first)
            last = month.last if stint.end is None else min(month.last, stint.end - timedelta(1))
            if any(start <= last and (end is None or end > first) for start, end in spans):
                owing.add(stint.holder)
    return owing


def ledger_findings(
    jurisdiction: str,
    months: Iterable[MonthRules],
    enterprises: Iterable[Enterprise],
    submissions: Iterable[SubmissionRow],
    now: datetime,
) -> list[VisitFinding]:
    """Each grid's ledger of each month not sent by its deadline (once it has passed at
    ``now``), or sent after it."""
    sent: Mapping[tuple[str, Month], SubmissionRow] = {
        (s.grid, s.month): s for s in submissions if s.jurisdiction == jurisdiction
    }
    everyone = list(enterprises)
    found: list[VisitFinding] = []
    for judged in months:
        due = judged.ledger_deadline
        if due is None:
            continue
        rule = f"{judged.rule} visits.ledger_due"
        deadline = Proof(
            rule, None, f"{judged.month} due by 24:00 on {due.due_date.isoformat()}", due.deadline
        )
        for grid in sorted(grids_owing(everyone, judged.month)):
            submission = sent.get((grid, judged.month))
            if submission is None:
                if now >= due.deadline:
                    found.append(
                        VisitFinding(
                            "ledger_not_submitted",
                            jurisdiction,
                            str(judged.month),
                            None,
                            grid,
                            (deadline,),
                            rule,
                        )
                    )
            elif submission.submitted_at > due.deadline:
                proof = Proof(
                    f"ledger {grid} {judged.month}",
                    submission.version,
                    f"Submitted by {submission.submitted_by}",
                    submission.submitted_at,
                )
                found.append(
                    VisitFinding(
                        "ledger_submitted_late",
                        jurisdiction,
                        str(judged.month),
                        None,
                        grid,
                        (proof, deadline),
                        rule,
                    )
                )
    return found
