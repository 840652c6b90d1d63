"""A month's visit ledger sent to the office it is reported to (台账报送).

Bijie 五(五): each township's and industry authority's liaison sends the month's visit
ledger (贵人服务走访服务企业台账, 附件3) to the district office before the 27th. The
ledger itself is a view of the recorded visits; what gridcase records here is the act of
sending it: which grid's ledger, of which month, by whom, when. Whether it was on time
is the read side's question (``visits.ledger_due``), never stored.

One submission per grid and month: the aggregate's id is derived from the three, so a
second submission of the same ledger finds the first.

Module path and class names are part of the stored events' topics.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID, uuid5

from eventsourcing.domain import event

from gridcase.domain.ids import NAMESPACE
from gridcase.domain.recorded import RecordedAggregate

__all__ = ["LedgerSubmission", "ledger_submission_key"]


def ledger_submission_key(jurisdiction: str, grid: str, month: str) -> UUID:
    """The id of ``grid``'s ledger of ``month`` (``YYYY-MM``) in ``jurisdiction``."""
    return uuid5(NAMESPACE, f"ledger-submission/{jurisdiction}/{grid}/{month}")


class LedgerSubmission(RecordedAggregate):
    """One grid's visit ledger of one month, as sent."""

    @staticmethod
    def create_id(jurisdiction: str, grid: str, month: str, **_: Any) -> Any:
        return ledger_submission_key(jurisdiction, grid, month)

    class Submitted(RecordedAggregate.Created):
        """The ledger was sent. Version 1: the class is new in 0.2 and was always stored
        with ``recorded_at`` and ``late_reason``, so nothing older needs upcasting."""

        class_version: ClassVar[int] = 1
        jurisdiction: str
        grid: str
        month: str
        submitted_by: str
        role: str
        submitted_at: datetime
        visits: int
        command_id: str | None

    @event(Submitted)
    def __init__(
        self,
        jurisdiction: str,
        grid: str,
        month: str,
        submitted_by: str,
        role: str,
        submitted_at: datetime,
        visits: int,
        command_id: str | None,
    ) -> None:
        self.jurisdiction = jurisdiction
        self.grid = grid
        self.month = month
        """The ledger's month, ``YYYY-MM``."""
        self.submitted_by = submitted_by
        """The person who sent it (the township's or authority's liaison)."""
        self.role = role
        self.submitted_at = submitted_at
        """When it was sent (China time): what the due day is judged against."""
        self.visits = visits
        """How many visits the ledger held when it was sent (the rows the office received)."""
        self.command_id = command_id
