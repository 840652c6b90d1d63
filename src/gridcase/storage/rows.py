"""The rows gridcase keeps beside the events, in the same transaction as them.

``gridcase_commands``
    every command id with the aggregate and versions it produced, so a re-sent
    command is recognised (and a second writer of the same command id fails cleanly);
``gridcase_cases``
    one row per case with its state, owner and next deadline, so ``advance(now)`` finds
    the cases whose clocks ran out without reading every event. It is a projection of
    the case events and can be rebuilt from them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from gridcase.domain.case_state import CaseState

__all__ = [
    "CASE_COLUMNS",
    "COMMAND_COLUMNS",
    "CaseRow",
    "CommandRow",
    "case_params",
    "case_row",
    "case_row_of",
    "rows_from_kwargs",
]


@dataclass(frozen=True)
class CommandRow:
    """A command that was carried out: which aggregate it changed, from which version to which."""

    command_id: str
    originator_id: UUID
    first_version: int
    last_version: int
    kind: str | None = None
    """What the command was (``act:dispatch``, ``register_person`` …); None in rows
    written before release 0.2, which did not record it."""
    fingerprint: str | None = None
    """SHA-256 of the command's content, so that an id re-used for other content is
    refused instead of answered as a duplicate; None in rows written before 0.2."""

    def params(self) -> tuple[Any, ...]:
        return (
            self.command_id,
            self.originator_id,
            self.first_version,
            self.last_version,
            self.kind,
            self.fingerprint,
        )


COMMAND_COLUMNS = "command_id, originator_id, first_version, last_version, kind, fingerprint"


@dataclass(frozen=True)
class CaseRow:
    """The case index row written with a case's events."""

    case_id: UUID
    jurisdiction: str
    enterprise: str
    category: str
    state: str
    final: bool
    level: int
    owner_role: str | None
    owner_party: str | None
    unit: str | None
    next_deadline: int | None
    """Epoch seconds of the earliest open deadline, or None."""
    submitted_at: int
    last_at: int
    version: int


CASE_COLUMNS = (
    "case_id, jurisdiction, enterprise, category, state, final, level, owner_role, owner_party, "
    "unit, next_deadline, submitted_at, last_at, version"
)


def case_params(row: CaseRow) -> tuple[Any, ...]:
    return (
        row.case_id.hex,
        row.jurisdiction,
        row.enterprise,
        row.category,
        row.state,
        int(row.final),
        row.level,
        row.owner_role,
        row.owner_party,
        row.unit,
        row.next_deadline,
        row.submitted_at,
        row.last_at,
        row.version,
    )


def case_row(r: Mapping[str, Any]) -> CaseRow:
    return CaseRow(
        case_id=UUID(r["case_id"]),
        jurisdiction=r["jurisdiction"],
        enterprise=r["enterprise"],
        category=r["category"],
        state=r["state"],
        final=bool(r["final"]),
        level=r["level"],
        owner_role=r["owner_role"],
        owner_party=r["owner_party"],
        unit=r["unit"],
        next_deadline=r["next_deadline"],
        submitted_at=r["submitted_at"],
        last_at=r["last_at"],
        version=r["version"],
    )


def rows_from_kwargs(kwargs: Mapping[str, Any]) -> tuple[list[CommandRow], list[CaseRow]]:
    commands = list(kwargs.get("gridcase_commands", ()))
    cases = sorted(kwargs.get("gridcase_cases", ()), key=lambda r: r.case_id)
    return commands, cases


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def case_row_of(state: CaseState, version: int) -> CaseRow:
    """The index row of a case as its events leave it."""
    nxt = state.next_deadline()
    return CaseRow(
        case_id=state.case_id,
        jurisdiction=state.jurisdiction,
        enterprise=state.enterprise,
        category=state.category,
        state=state.state,
        final=state.final,
        level=state.level,
        owner_role=state.owner.role if state.owner else None,
        owner_party=state.owner.party if state.owner else None,
        unit=state.unit,
        next_deadline=_epoch(nxt.deadline.deadline) if nxt else None,
        submitted_at=_epoch(state.submitted_at),
        last_at=_epoch(state.last_at),
        version=version,
    )
