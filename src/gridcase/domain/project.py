"""Projects served like enterprises (Weifang's ~1,000 major projects, 重大重点项目).

A project has no credit code: the portal names it by its own id. It is assigned to
commissioners like an enterprise, counted against the ``projects`` part of their quota.

Module path and class names are part of the stored events' topics.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import event

from gridcase.domain.assignment import Stint, end_open, not_before
from gridcase.domain.ids import NAMESPACE
from gridcase.domain.recorded import RecordedAggregate
from gridcase.kernel.errors import InvalidInput

__all__ = ["Project", "project_key"]


def project_key(jurisdiction: str, project_id: str) -> UUID:
    return uuid5(NAMESPACE, f"project/{jurisdiction}/{project_id}")


class Project(RecordedAggregate):
    """A major project (重大重点项目) in one jurisdiction."""

    @staticmethod
    def create_id(jurisdiction: str, project_id: str, **_: Any) -> Any:
        return project_key(jurisdiction, project_id)

    @event("Registered")
    def __init__(
        self,
        jurisdiction: str,
        project_id: str,
        name: str,
        location: str | None,
        enterprise: str | None,
    ) -> None:
        self.jurisdiction = jurisdiction
        self.project_id = project_id
        self.name = name
        self.location = location
        self.enterprise = enterprise
        """The credit code of the enterprise carrying the project, where known."""
        self.responsibles: list[Stint] = []

    def assign_responsible(self, person_id: str, on: date, reason: str) -> None:
        if any(s.holder == person_id for s in self.open_responsibles()):
            raise InvalidInput(
                f"{person_id} is already responsible for project {self.project_id}",
                field="person_id",
            )
        self._responsible_assigned(person_id=person_id, on=on, reason=reason)

    @event("ResponsibleAssigned")
    def _responsible_assigned(self, person_id: str, on: date, reason: str) -> None:
        self.responsibles.append(Stint(person_id, on))

    def release_responsible(self, person_id: str, on: date, reason: str) -> None:
        stints = [s for s in self.open_responsibles() if s.holder == person_id]
        if not stints:
            raise InvalidInput(
                f"{person_id} is not responsible for project {self.project_id}", field="person_id"
            )
        not_before(on, stints[0].start, f"releasing {person_id}")
        self._responsible_released(person_id=person_id, on=on, reason=reason)

    @event("ResponsibleReleased")
    def _responsible_released(self, person_id: str, on: date, reason: str) -> None:
        end_open(self.responsibles, on, lambda s: s.holder == person_id)

    def responsible_on(self, day: date) -> list[str]:
        return [s.holder for s in self.responsibles if s.covers(day)]

    def open_responsibles(self) -> list[Stint]:
        return [s for s in self.responsibles if s.is_open]
