"""The problem ledger at a past moment: as of it (as claimed), or as known at it (as recorded).

Every step carries two moments: when it happened as claimed (``timestamp``, the
command's ``at``) and when it was recorded (``recorded_at``, the engine's clock). A step
entered late and back-dated is part of the ledger *as of* any moment after it happened,
but of the ledger *as known at* a moment only once it was recorded: the first is what
the records now say about the past, the second what anyone could have seen then.

As of a moment is answered from the row versions in one query when the runner keeps
them (``history``), else by folding the log in memory up to it; as known at a moment
is always folded in memory (docs/read-models.md measures both ways).
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from gridcase.calendar import to_cst
from gridcase.domain.case import Case
from gridcase.kernel.errors import InvalidInput
from gridcase.projections.ledger import CalendarOf, LedgerRow, ProblemLedger, apply_case_event
from gridcase.projections.runner import ProjectionRunner
from gridcase.storage.log import EventLog

__all__ = ["past_ledger"]


def past_ledger(
    runner: ProjectionRunner,
    log: EventLog,
    jurisdiction: str | None = None,
    *,
    as_of: datetime | None = None,
    as_known_at: datetime | None = None,
    grid: str | None = None,
) -> list[LedgerRow]:
    """The ledger as of ``as_of`` or as known at ``as_known_at`` (exactly one), oldest
    submission first (of one jurisdiction; of the cases received in ``grid``).

    Raises:
        InvalidInput: both moments or neither given, or a moment without its zone.
    """
    if (as_of is None) == (as_known_at is None):
        raise InvalidInput("ask for the ledger as of a moment, or as known at one, not both")
    if as_known_at is not None:
        known = to_cst(as_known_at, field="as_known_at")
        rows = ProblemLedger.build(log, as_known_at=known).for_jurisdiction(jurisdiction)
    else:
        assert as_of is not None
        moment = to_cst(as_of, field="as_of")
        if runner.keeps_history:
            runner.catch_up()
            rows, late = runner.ledger_as_of(moment, jurisdiction, grid=grid)
            cal = runner.projection.calendar_of
            return [_refolded(log, r, moment, cal) if r.case_id in late else r for r in rows]
        rows = ProblemLedger.build(log, as_of=moment).for_jurisdiction(jurisdiction)
    return [r for r in rows if grid is None or grid in r.grids]


def _refolded(log: EventLog, row: LedgerRow, as_of: datetime, cal: CalendarOf) -> LedgerRow:
    """A case with a back-dated step, as of ``as_of``: its steps dated by then, folded in
    the order recorded (its grids are those fixed at its submission, as on every row)."""
    rows: dict[UUID, LedgerRow] = {}
    grids = row.grids
    for event in log.events_of(row.case_id):
        if isinstance(event, Case.Event) and event.timestamp <= as_of:
            apply_case_event(rows, event, cal, lambda *_: grids)
    return rows[row.case_id]
