"""What a command returns: the steps it recorded, or that it had been carried out before."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from gridcase.domain.case_state import Step

__all__ = ["CommandResult", "RecordedStep"]


@dataclass(frozen=True)
class RecordedStep:
    """A step as stored: its position in the case's history and what happened."""

    version: int
    step: Step


@dataclass(frozen=True)
class CommandResult:
    """What one command recorded (including clock firings it caught up on)."""

    aggregate_id: UUID
    steps: tuple[RecordedStep, ...]
    duplicate: bool = False
    """True when the command id had been carried out before: nothing new was written."""

    @property
    def case_id(self) -> UUID:
        return self.aggregate_id
