"""The roster as a read model: enterprises, grids, people, projects and visits, by jurisdiction.

It folds the registry's events from the log by replaying them onto the same aggregate
classes the commands use (``event.mutate``), so the read side can never disagree with
the write side about what an event means; on top of that it keeps the indexes the
questions need (enterprises of a jurisdiction, visits of an enterprise, grids by id).
Like every projection it can be thrown away and rebuilt from position 0.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from gridcase.domain.enterprise import Enterprise, MapNumberClaim
from gridcase.domain.grid import Grid
from gridcase.domain.person import Person
from gridcase.domain.project import Project
from gridcase.domain.visit import Visit
from gridcase.projections.log import Projection, event_topics

__all__ = ["RosterProjection"]


class RosterProjection(Projection):
    """Everything the coverage query and the importer need to know, in memory."""

    topics = event_topics(Enterprise, MapNumberClaim, Grid, Person, Project, Visit)

    def __init__(self) -> None:
        super().__init__()
        self._aggregates: dict[UUID, Aggregate] = {}
        self._enterprises: dict[str, dict[str, Enterprise]] = defaultdict(dict)
        self._grids: dict[str, dict[str, Grid]] = defaultdict(dict)
        self._people: dict[str, dict[str, Person]] = defaultdict(dict)
        self._projects: dict[str, dict[str, Project]] = defaultdict(dict)
        self._map_numbers: dict[str, dict[str, MapNumberClaim]] = defaultdict(dict)
        self._visits: dict[tuple[str, str], list[Visit]] = defaultdict(list)
        self._staff: dict[tuple[str, str], int] = defaultdict(int)
        """Active people per (jurisdiction, unit): a dispatch asks whether a unit is staffed."""

    def fold(self, event: Any) -> None:
        current = self._aggregates.get(event.originator_id)
        before = _staffing(current)
        agg = event.mutate(current)
        if agg is None:  # pragma: no cover - no event here discards its aggregate
            return
        self._aggregates[event.originator_id] = agg
        if isinstance(agg, Person):
            for key in before:
                self._staff[key] -= 1
            for key in _staffing(agg):
                self._staff[key] += 1
        if current is not None:
            return
        if isinstance(agg, Enterprise):
            self._enterprises[agg.jurisdiction][agg.credit_code] = agg
        elif isinstance(agg, Grid):
            self._grids[agg.jurisdiction][agg.grid_id] = agg
        elif isinstance(agg, Person):
            self._people[agg.jurisdiction][agg.person_id] = agg
        elif isinstance(agg, Project):
            self._projects[agg.jurisdiction][agg.project_id] = agg
        elif isinstance(agg, MapNumberClaim):
            self._map_numbers[agg.jurisdiction][agg.number] = agg
        elif isinstance(agg, Visit):
            self._visits[(agg.jurisdiction, agg.enterprise)].append(agg)

    # -- questions (read-only views: do not change what they return) -----------------

    def enterprises(self, jurisdiction: str) -> dict[str, Enterprise]:
        return self._enterprises.get(jurisdiction, {})

    def enterprise(self, jurisdiction: str, credit_code: str) -> Enterprise | None:
        return self._enterprises.get(jurisdiction, {}).get(credit_code)

    def grids(self, jurisdiction: str) -> dict[str, Grid]:
        return self._grids.get(jurisdiction, {})

    def people(self, jurisdiction: str) -> dict[str, Person]:
        return self._people.get(jurisdiction, {})

    def staffed(self, jurisdiction: str, unit: str) -> bool:
        """Whether anyone active belongs to ``unit`` (without a scan of every person)."""
        return self._staff.get((jurisdiction, unit), 0) > 0

    def projects(self, jurisdiction: str) -> dict[str, Project]:
        return self._projects.get(jurisdiction, {})

    def map_number_holder(self, jurisdiction: str, number: str) -> str | None:
        claim = self._map_numbers.get(jurisdiction, {}).get(number)
        return claim.holder if claim is not None else None

    def visits(self, jurisdiction: str, credit_code: str) -> list[Visit]:
        return self._visits.get((jurisdiction, credit_code), [])


def _staffing(agg: Aggregate | None) -> tuple[tuple[str, str], ...]:
    """The (jurisdiction, unit) places an active person fills; none for anything else."""
    if isinstance(agg, Person) and agg.active:
        return tuple((agg.jurisdiction, unit) for unit in dict.fromkeys(agg.units))
    return ()
