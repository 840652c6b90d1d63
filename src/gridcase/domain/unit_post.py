"""A post that one person holds for a unit at a time (Qingdao's liaison, 联络员).

Qingdao asks every department to keep one fixed liaison (各部门 … 应相对固定1名联络员,
做到一门受理、专人负责). Checking the roster for another holder before registering a
person is not enough: two registrations at once would both find the post free. So the
post is an aggregate of its own, keyed by jurisdiction, role and unit, and changed in
the same save as the person: of two concurrent claims, the second fails as a conflict
and, decided again, finds the post taken.

Module path and class names are part of the stored events' topics.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import event

from gridcase.domain.ids import NAMESPACE
from gridcase.domain.recorded import RecordedAggregate

__all__ = ["UnitPost", "unit_post_key"]


def unit_post_key(jurisdiction: str, role: str, unit: str) -> UUID:
    """The post of ``role`` for ``unit`` in one jurisdiction."""
    return uuid5(NAMESPACE, f"unit-post/{jurisdiction}/{role}/{unit}")


class UnitPost(RecordedAggregate):
    """Who holds ``role`` for ``unit`` now, or nobody."""

    @staticmethod
    def create_id(jurisdiction: str, role: str, unit: str, **_: Any) -> Any:
        return unit_post_key(jurisdiction, role, unit)

    @event("Taken")
    def __init__(self, jurisdiction: str, role: str, unit: str, person_id: str) -> None:
        self.jurisdiction = jurisdiction
        self.role = role
        self.unit = unit
        self.holder: str | None = person_id

    @event("Retaken")
    def retake(self, person_id: str) -> None:
        self.holder = person_id

    @event("Vacated")
    def vacate(self, reason: str) -> None:
        self.holder = None
