"""What gridcase adds to an event recorder, on any database: one protocol, two backends."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable
from uuid import UUID

from eventsourcing.persistence import Notification, StoredEvent

from gridcase.storage.chain import ChainLink
from gridcase.storage.rows import CaseRow, CommandRow
from gridcase.storage.security import SecurityEntry

__all__ = ["GridcaseRecorder"]


@runtime_checkable
class GridcaseRecorder(Protocol):
    """What gridcase adds to an event recorder, on any database."""

    def lookup_command(self, command_id: str) -> CommandRow | None:
        """The record of a command already carried out, if it was."""

    def select_events_after(self, wanted: Sequence[tuple[UUID, int]]) -> list[StoredEvent]:
        """The events of several aggregates, each after the version given, in one read."""

    def load_key(self, owner: str) -> bytes | None:
        """An enterprise's sealing key as kept (wrapped where a master key is set)."""

    def save_key(self, owner: str, key: bytes) -> bytes:
        """Keep a new key unless one is kept already; returns the one kept."""

    def delete_key(self, owner: str) -> bool:
        """Destroy an enterprise's key; True if there was one."""

    def insert_security(self, entry: SecurityEntry) -> None:
        """Add one entry to the security log, in a transaction of its own."""

    def select_security(self, *, after: int, limit: int) -> list[SecurityEntry]:
        """The security log after position ``after``, oldest first."""

    def due_cases(self, until: int, limit: int) -> list[UUID]:
        """Cases with an open clock whose deadline is at or before ``until`` (epoch seconds)."""

    def select_cases(self, jurisdiction: str | None = None) -> list[CaseRow]:
        """The case index, oldest submission first."""

    def replace_case_rows(self, rows: Sequence[CaseRow]) -> None:
        """Rebuild the case index from scratch (rows computed from the events)."""

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Notification]:
        """eventsourcing's own: the stored events in position order."""

    def max_notification_id(self) -> int | None:
        """eventsourcing's own: the last position, or None for an empty log."""

    def meta(self) -> dict[str, str]:
        """What the store records about itself (chain algorithm, schema version)."""

    def set_meta_default(self, key: str, value: str) -> str:
        """Record ``key`` unless the store has it already; returns the value it holds."""

    def seal_unlinked(self) -> int:
        """Link events stored before the chain existed; returns how many."""

    def select_links(self, *, after: int, limit: int) -> list[ChainLink]:
        """The chain's links after position ``after``, in position order."""

    def links_of(self, originator_id: UUID) -> list[ChainLink]:
        """One aggregate's links, in version order."""
