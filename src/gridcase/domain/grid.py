"""Grids (网格) and their teams.

A grid is a group of enterprises served by one team: one of Yingkou's 14 department
grids, one of Bijie's vertical (industry authority) or horizontal (township) grids, one
of Qingdao's incubator or location grids. Its kind comes from the rule file
(``roster.grid_kinds``); its team (grid chief, deputies, officers) are people of the
roster holding positions from ``roster.team``, each for a span of days. Which
enterprises sit in a grid is recorded on the enterprises (their memberships), so that
moving an enterprise touches one aggregate and a grid of 1,200 enterprises is not one
ever-growing stream.

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

__all__ = ["Grid", "grid_key"]


def grid_key(jurisdiction: str, grid_id: str) -> UUID:
    return uuid5(NAMESPACE, f"grid/{jurisdiction}/{grid_id}")


class Grid(RecordedAggregate):
    """One grid of a jurisdiction, with its team over time."""

    @staticmethod
    def create_id(jurisdiction: str, grid_id: str, **_: Any) -> Any:
        return grid_key(jurisdiction, grid_id)

    @event("Registered")
    def __init__(
        self, jurisdiction: str, grid_id: str, kind: str, name: str, unit: str | None
    ) -> None:
        self.jurisdiction = jurisdiction
        self.grid_id = grid_id
        self.kind = kind
        self.name = name
        self.unit = unit
        """The department or township that runs the grid (Yingkou: the committee
        department; Qingdao: 科技创新部 or 经济发展部)."""
        self.team: list[Stint] = []
        """``holder`` is the person, ``kind`` the position."""

    def add_member(self, person_id: str, position: str, on: date) -> None:
        """Put a person into the team from ``on``; one place per person in a grid at a time."""
        if any(s.holder == person_id for s in self.open_members()):
            raise InvalidInput(
                f"{person_id} is already in the team of grid {self.grid_id}", field="person_id"
            )
        self._member_joined(person_id=person_id, position=position, on=on)

    @event("MemberJoined")
    def _member_joined(self, person_id: str, position: str, on: date) -> None:
        self.team.append(Stint(person_id, on, kind=position))

    def remove_member(self, person_id: str, on: date, reason: str) -> None:
        stints = [s for s in self.open_members() if s.holder == person_id]
        if not stints:
            raise InvalidInput(
                f"{person_id} is not in the team of grid {self.grid_id}", field="person_id"
            )
        not_before(on, stints[0].start, f"{person_id} leaving grid {self.grid_id}")
        self._member_left(person_id=person_id, on=on, reason=reason)

    @event("MemberLeft")
    def _member_left(self, person_id: str, on: date, reason: str) -> None:
        end_open(self.team, on, lambda s: s.holder == person_id)

    def members_on(self, day: date) -> list[Stint]:
        return [s for s in self.team if s.covers(day)]

    def open_members(self) -> list[Stint]:
        return [s for s in self.team if s.is_open]
