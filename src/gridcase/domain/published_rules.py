"""The text of every rule version a case was ever handled under, kept with the events.

A case is pinned at submission to the rule version in force and to its content hash.
Keeping the rule text itself in the event store means a case stays decidable, and its
history auditable, after the file on disk has been edited or removed.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from eventsourcing.domain import event

from gridcase.domain.ids import rules_key
from gridcase.domain.recorded import RecordedAggregate

__all__ = ["PublishedRules"]


class PublishedRules(RecordedAggregate):
    @staticmethod
    def create_id(content_hash: str, **_: Any) -> Any:
        return rules_key(content_hash)

    @event("Published")
    def __init__(
        self,
        content_hash: str,
        jurisdiction: str,
        version: str,
        effective: date,
        source_name: str,
        text: str,
    ) -> None:
        self.content_hash = content_hash
        self.jurisdiction = jurisdiction
        self.rules_version = version
        self.effective = effective
        self.source_name = source_name
        self.text = text
