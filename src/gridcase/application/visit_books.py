"""The visit ledger, grid ledger, ledger submissions and roster findings of one engine.

Everything here reads the visit tables (:mod:`gridcase.projections.visit_tables`),
caught up first with what was recorded since the runner last ran (nothing, when a
``gridcase project --follow`` keeps them up), so no query folds the roster log from
position 0. A ledger *as of* a past moment is still folded from the log
(:class:`~gridcase.projections.visit_ledger.VisitLedger`): the tables hold the ledger as
of now.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from threading import Lock
from uuid import UUID

from gridcase.application.rulebook import RuleService
from gridcase.calendar import to_cst
from gridcase.kernel.errors import NotFound
from gridcase.projections.coverage import Month, scope_spans
from gridcase.projections.runner import ProjectionRunner, read_model_engine
from gridcase.projections.visit_findings import (
    MonthRules,
    VisitFinding,
    cadence_findings,
    ledger_findings,
)
from gridcase.projections.visit_ledger import LedgerPeriod, VisitLedger, VisitLedgerRow, ledger_due
from gridcase.projections.visit_reads import (
    GridLedgerRow,
    Replayed,
    SubmissionRow,
    TableRoster,
    read_grid_ledger,
    read_submissions,
    read_visit_ledger,
    roster_of,
)
from gridcase.projections.visit_tables import VisitTables
from gridcase.storage.log import EventLog
from gridcase.storage.url import StoreLocation

__all__ = ["VisitBooks"]


class VisitBooks:
    """The visit tables' runner (one per engine) and the questions asked of them."""

    def __init__(
        self,
        log: EventLog,
        location: StoreLocation,
        rules: RuleService,
        now: Callable[[], datetime],
    ) -> None:
        self._log = log
        self._location = location
        self._rules = rules
        self._now = now
        self._runner: ProjectionRunner | None = None
        self._lock = Lock()
        self._replayed: dict[UUID, Replayed] = {}
        """Enterprises and grids replayed for coverage and findings, by id, at a version."""

    def runner(self, url: str | None = None) -> ProjectionRunner:
        """The runner keeping the visit tables (the store's database, or ``url`` on the first call)."""
        with self._lock:
            if self._runner is None:
                self._runner = ProjectionRunner(
                    self._log,
                    read_model_engine(self._location, url),
                    projection=VisitTables.on(self._log),
                )
            return self._runner

    def close(self) -> None:
        if self._runner is not None:
            self._runner.close()

    def _caught_up(self) -> ProjectionRunner:
        runner = self.runner()
        runner.catch_up()
        return runner

    def visit_ledger(
        self,
        jurisdiction: str,
        period: LedgerPeriod | Month | str | tuple[int, int],
        grid: str | None = None,
        *,
        as_of: datetime | None = None,
    ) -> list[VisitLedgerRow]:
        """The visit ledger of ``period`` (in ``grid``), from the tables; ``as_of`` folds the log."""
        self._rules.known(jurisdiction)
        if as_of is not None:
            return VisitLedger.build(self._log, as_of=as_of).for_period(jurisdiction, period, grid)
        with self._caught_up().engine.connect() as conn:
            return read_visit_ledger(conn, jurisdiction, period, grid)

    def grid_ledger(self, jurisdiction: str, grid: str | None = None) -> list[GridLedgerRow]:
        """Yingkou's grid ledger (网格化管理台账): one row per enterprise (in ``grid`` now)."""
        self._rules.known(jurisdiction)
        with self._caught_up().engine.connect() as conn:
            return read_grid_ledger(conn, jurisdiction, grid)

    def submissions(self, jurisdiction: str | None = None) -> list[SubmissionRow]:
        """The monthly ledgers sent, by jurisdiction, month and grid."""
        with self._caught_up().engine.connect() as conn:
            return read_submissions(conn, jurisdiction)

    def roster(self, jurisdiction: str, first: date, last: date) -> TableRoster:
        """The jurisdiction's enterprises and grids, and the visits of ``first``..``last``."""
        with self._caught_up().engine.connect() as conn, self._lock:
            return roster_of(conn, self._log, jurisdiction, first, last, replayed=self._replayed)

    # -- findings ------------------------------------------------------------------------

    def findings(self, jurisdiction: str | None = None) -> list[VisitFinding]:
        """Enterprises or grids not visited on cadence, ledgers not sent on time, judged now."""
        now = to_cst(self._now())
        names = [jurisdiction] if jurisdiction is not None else self._rules.book.jurisdictions
        found: list[VisitFinding] = []
        for name in names:
            found.extend(self._findings_of(name, now))
        return found

    def _findings_of(self, jurisdiction: str, now: datetime) -> list[VisitFinding]:
        today = now.date()
        roster = self.roster(jurisdiction, date(1, 1, 1), today)
        starts = [
            start
            for ent in roster.enterprises(jurisdiction).values()
            for start, _ in scope_spans(ent)
        ]
        if not starts:
            return []
        months = self._months(jurisdiction, Month(min(starts).year, min(starts).month), today)
        over = [m for m in months if m.month.last < today]
        found = cadence_findings(jurisdiction, over, roster)
        found.extend(
            ledger_findings(
                jurisdiction,
                months,
                roster.enterprises(jurisdiction).values(),
                self.submissions(jurisdiction),
                now,
            )
        )
        return found

    def _months(self, jurisdiction: str, first: Month, today: date) -> list[MonthRules]:
        """Each month from ``first`` to today's, with the rules in force on its last day."""
        months: list[MonthRules] = []
        month = first
        while month.first <= today:
            try:
                rules = self._rules.in_force(jurisdiction, month.last)
            except NotFound:  # before the jurisdiction's first rules took effect
                month = month.shift(1)
                continue
            visits = rules.rules.visits
            if visits is not None:
                start = visits.cadence.from_
                if start is None or month.first >= Month(start.year, start.month).first:
                    due = None
                    if visits.ledger_due is not None and visits.ledger_submission is not None:
                        due = ledger_due(visits.ledger_due, month, self._rules.calendar_for(rules))
                    months.append(
                        MonthRules(
                            month,
                            f"{rules.jurisdiction}@{rules.version}",
                            visits.cadence,
                            rules.rules.roster,
                            due,
                        )
                    )
            month = month.shift(1)
        return months
