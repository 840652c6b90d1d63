"""What gridcase adds to an event recorder, on any database: one protocol, two backends."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable
from uuid import UUID

from gridcase.storage.rows import CaseRow, CommandRow

__all__ = ["GridcaseRecorder"]


@runtime_checkable
class GridcaseRecorder(Protocol):
    """What gridcase adds to an event recorder, on any database."""

    def lookup_command(self, command_id: str) -> CommandRow | None:
        """The record of a command already carried out, if it was."""

    def due_cases(self, until: int, limit: int) -> list[UUID]:
        """Cases with an open clock whose deadline is at or before ``until`` (epoch seconds)."""

    def select_cases(self, jurisdiction: str | None = None) -> list[CaseRow]:
        """The case index, oldest submission first."""

    def replace_case_rows(self, rows: Sequence[CaseRow]) -> None:
        """Rebuild the case index from scratch (rows computed from the events)."""
