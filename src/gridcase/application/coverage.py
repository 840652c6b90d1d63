"""Coverage: which enterprises, or grids, were not visited as the rules require in a month."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Protocol

from gridcase.application.rulebook import RuleService
from gridcase.domain.enterprise import Enterprise
from gridcase.domain.grid import Grid
from gridcase.domain.policy import CadencePer
from gridcase.kernel.errors import NotFound
from gridcase.projections.coverage import (
    AnyCoverageReport,
    Month,
    VisitLike,
    cadence_windows,
    compute_coverage,
    compute_grid_coverage,
)

__all__ = ["CoverageSource", "coverage"]


class CoverageSource(Protocol):
    """Where coverage reads the roster: the visit tables
    (:class:`~gridcase.projections.visit_reads.TableRoster`), or the roster projection."""

    def enterprises(self, jurisdiction: str) -> Mapping[str, Enterprise]: ...
    def grids(self, jurisdiction: str) -> Mapping[str, Grid]: ...
    def visits(self, jurisdiction: str, credit_code: str) -> Sequence[VisitLike]: ...


def coverage(
    rules_service: RuleService,
    read: Callable[[date, date], CoverageSource],
    jurisdiction: str,
    month: Month | str | tuple[int, int],
    grid: str | None = None,
) -> AnyCoverageReport:
    """Which enterprises, or grids, (in ``grid``, or anywhere) were not visited as required.

    ``read(first, last)`` gives the roster with the visits of those days (the windows the
    month is judged by): the visit tables, or a roster projection.

    The cadence is the ``visits.cadence`` of the rules in force on the month's last day;
    the semantics are those of :mod:`gridcase.projections.coverage`. A cadence per
    enterprise answers a :class:`CoverageReport`, one per grid a
    :class:`GridCoverageReport` (``per`` tells them apart): the questions differ, so the
    answers do too.
    """
    period = Month.parse(month)
    rules = rules_service.in_force(jurisdiction, period.last)
    if rules.rules.visits is None:
        raise NotFound(f"{jurisdiction}@{rules.version} sets no visit cadence ('visits' section)")
    cadence = rules.rules.visits.cadence
    windows = cadence_windows(cadence, period)
    view = read(min(w.first for w in windows), period.last)
    the_grid = None
    if grid is not None:
        the_grid = view.grids(jurisdiction).get(grid)
        if the_grid is None:
            raise NotFound(f"no grid {grid!r} in {jurisdiction}")
    if cadence.per is CadencePer.GRID:
        roster = rules.rules.roster
        return compute_grid_coverage(
            jurisdiction=jurisdiction,
            month=period,
            cadence=cadence,
            grids=view.grids(jurisdiction).values(),
            enterprises=view.enterprises(jurisdiction).values(),
            visits_of=lambda code: view.visits(jurisdiction, code),
            grid=grid,
            positions=tuple(roster.team) if roster is not None else (),
        )
    return compute_coverage(
        jurisdiction=jurisdiction,
        month=period,
        cadence=cadence,
        enterprises=view.enterprises(jurisdiction).values(),
        visits_of=lambda code: view.visits(jurisdiction, code),
        grid=the_grid,
        roster=rules.rules.roster,
    )
