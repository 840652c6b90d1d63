"""One case as the case index keeps it: what a list of cases shows without replaying any.

The index row is written in the same transaction as the case's events
(:mod:`gridcase.storage.rows`); its moments are kept as epoch seconds and given back in
China time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from gridcase.kernel.clock import CST
from gridcase.storage.rows import CaseRow

__all__ = ["CaseSummary"]


@dataclass(frozen=True)
class CaseSummary:
    """One case as the case index keeps it (written with the case's events)."""

    case_id: UUID
    jurisdiction: str
    enterprise: str
    category: str
    state: str
    final: bool
    level: int
    """The escalation level (0: not escalated)."""
    owner_role: str | None
    owner_party: str | None
    unit: str | None
    next_deadline: datetime | None
    """The earliest open deadline (24:00 of its last day is 00:00 of the next), or None."""
    submitted_at: datetime
    last_at: datetime
    version: int

    @classmethod
    def of(cls, row: CaseRow) -> CaseSummary:
        def moment(seconds: int) -> datetime:
            return datetime.fromtimestamp(seconds, CST)

        return cls(
            case_id=row.case_id,
            jurisdiction=row.jurisdiction,
            enterprise=row.enterprise,
            category=row.category,
            state=row.state,
            final=row.final,
            level=row.level,
            owner_role=row.owner_role,
            owner_party=row.owner_party,
            unit=row.unit,
            next_deadline=None if row.next_deadline is None else moment(row.next_deadline),
            submitted_at=moment(row.submitted_at),
            last_at=moment(row.last_at),
            version=row.version,
        )
