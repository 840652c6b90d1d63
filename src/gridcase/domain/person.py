"""People in a jurisdiction's roster: who may act, in which roles, for which units.

Commands are denied by default: an actor who is not in the roster, or who does not hold
the role they act in, is refused before the rules are even consulted. A person's roles
and units change over time as events, so "who could do this on date D" has an answer.

A person also keeps what they are responsible for (enterprises and projects, as spans
of days). The same fact is recorded on the enterprise or project, in the same save:
the person's side is what makes a quota safe against two concurrent assignments (both
would change this aggregate, so the second fails and is decided again), the
enterprise's side what makes "one butler per enterprise" safe.

Module path and class names are part of the stored events' topics.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from eventsourcing.domain import event

from gridcase.domain.assignment import Stint, end_open
from gridcase.domain.ids import person_key
from gridcase.domain.recorded import RecordedAggregate
from gridcase.kernel.errors import InvalidInput, NotAuthorised

__all__ = ["ENTERPRISE", "PROJECT", "Person"]

ENTERPRISE = "enterprise"
"""The kind of an assignment to an enterprise (on :attr:`Person.assignments`)."""
PROJECT = "project"
"""The kind of an assignment to a project (Weifang's major projects, 重大重点项目)."""


class Person(RecordedAggregate):
    """An officer, grid chief, liaison, leader or dispatcher (网格员、网格长、联络员 …)."""

    @staticmethod
    def create_id(jurisdiction: str, person_id: str, **_: Any) -> Any:
        return person_key(jurisdiction, person_id)

    @event("Registered")
    def __init__(
        self,
        jurisdiction: str,
        person_id: str,
        name: str,
        roles: list[str],
        units: list[str],
        rank: str | None,
    ) -> None:
        self.jurisdiction = jurisdiction
        self.person_id = person_id
        self.name = name
        self.roles = list(roles)
        self.units = list(units)
        self.rank = rank
        self.active = True
        self.assignments: list[Stint] = []
        """What the person is responsible for: ``holder`` is the enterprise's credit code
        or the project's id, ``kind`` says which, ``grid`` the grid it is served in."""

    def change(self, roles: list[str], units: list[str], rank: str | None, reason: str) -> None:
        """Give the person a new set of roles, units and rank (the whole set, not a difference)."""
        self._require_active()
        if (list(roles), list(units), rank) == (self.roles, self.units, self.rank):
            raise InvalidInput(
                f"{self.person_id} already has exactly these roles, units and rank", field="roles"
            )
        self._changed(roles=list(roles), units=list(units), rank=rank, reason=reason)

    @event("Changed")
    def _changed(self, roles: list[str], units: list[str], rank: str | None, reason: str) -> None:
        self.roles = list(roles)
        self.units = list(units)
        self.rank = rank

    def deactivate(self, reason: str) -> None:
        self._require_active()
        self._deactivated(reason=reason)

    @event("Deactivated")
    def _deactivated(self, reason: str) -> None:
        self.active = False

    def _require_active(self) -> None:
        if not self.active:
            raise NotAuthorised(
                f"{self.person_id} is no longer active in {self.jurisdiction}", actor=self.person_id
            )

    def take(self, kind: str, subject: str, grid: str | None, on: date) -> None:
        """Carry an enterprise or project from ``on`` (the same subject in the same grid once)."""
        if any(
            s.kind == kind and s.holder == subject and s.grid == grid and s.is_open
            for s in self.assignments
        ):
            raise InvalidInput(f"{self.person_id} already answers for {subject}", field="person_id")
        self._taken(kind=kind, subject=subject, grid=grid, on=on)

    @event("AssignmentTaken")
    def _taken(self, kind: str, subject: str, grid: str | None, on: date) -> None:
        self.assignments.append(Stint(subject, on, grid=grid, kind=kind))

    @event("AssignmentReleased")
    def release(self, kind: str, subject: str, grid: str | None, on: date) -> None:
        end_open(
            self.assignments,
            on,
            lambda s: s.kind == kind and s.holder == subject and s.grid == grid,
        )

    def load_from(self, day: date, kind: str) -> set[str]:
        """The enterprises or projects the person is responsible for on ``day`` or later.

        An assignment that starts after ``day`` counts too: a quota is a cap on what a
        person carries, and a future assignment is already carried.
        """
        return {
            s.holder for s in self.assignments if s.kind == kind and (s.end is None or s.end > day)
        }
