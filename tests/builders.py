"""A roster set up in a few lines: people, enterprises, grids, teams, responsibilities, visits.

Tests say what their roster holds, not how each registration is spelt::

    roster.person("li", "officer").grid("town", "horizontal")
    roster.enterprise(code).in_grid(code, "town", officer="li")
    roster.visit(code, "li", date(2026, 2, 10))

Every step sends one roster command through the public ``engine.roster`` and raises what
the engine raises, so a refusal can be the behaviour under test
(``with pytest.raises(QuotaExceeded): roster.responsible(code, "ting")``). Each command id
is derived from what the command says, so the same step twice is the same command (a
duplicate, writing nothing) and two different steps never share an id. Dates default to
the builder's ``since``. A builder is bound to one jurisdiction; ``roster.of("zones")``
works in another on the same engine.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from typing import Any, Self

from gridcase import CommandResult, Engine, ScopeEntry
from gridcase.kernel.clock import CST

SINCE = date(2026, 1, 5)
"""The day enterprises enter the scope and assignments begin, unless a step says otherwise."""

DIGEST = "a" * 64
EVIDENCE: Mapping[str, Any] = {"sha256": DIGEST, "size": 2048, "media_type": "image/jpeg"}
"""One photo's reference, by digest: enough for rules that require evidence of a visit."""

VISIT_TIME = time(10)
"""A visit given by its day alone took place at 10:00 China time."""


@dataclass
class RosterBuilder:
    """Roster commands for one jurisdiction, with sensible defaults and derived command ids."""

    engine: Engine
    jurisdiction: str
    since: date = SINCE
    results: list[CommandResult] = field(default_factory=list)
    """What every step returned, in order (shared with the builders ``of`` makes)."""

    def of(self, jurisdiction: str) -> RosterBuilder:
        """The same engine, another jurisdiction."""
        return replace(self, jurisdiction=jurisdiction)

    @property
    def last(self) -> CommandResult:
        """What the last step returned."""
        return self.results[-1]

    def _done(self, result: CommandResult) -> Self:
        self.results.append(result)
        return self

    def _id(self, kind: str, *parts: object) -> str:
        """``kind/jurisdiction/part/…``: the same step, the same id; another step, another."""
        return "/".join([kind, self.jurisdiction, *map(str, parts)])

    # -- people --------------------------------------------------------------------

    def person(
        self,
        person_id: str,
        *roles: str,
        rank: str | None = None,
        units: Sequence[str] = (),
        name: str | None = None,
    ) -> Self:
        """Register a person holding ``roles`` (in ``units``, of ``rank``)."""
        return self._done(
            self.engine.roster.register_person(
                jurisdiction=self.jurisdiction,
                person_id=person_id,
                name=name or f"name of {person_id}",
                roles=list(roles),
                units=list(units),
                rank=rank,
                command_id=self._id("person", person_id),
            )
        )

    # -- enterprises ---------------------------------------------------------------

    def enterprise(
        self,
        code: str,
        since: date | None = None,
        *,
        name: str | None = None,
        tier: str | None = None,
        basis: ScopeEntry = ScopeEntry.LISTED,
        reason: str = "listed",
    ) -> Self:
        """Register an enterprise, in scope from ``since``."""
        return self._done(
            self.engine.roster.register_enterprise(
                jurisdiction=self.jurisdiction,
                credit_code=code,
                name=name or f"enterprise {code[-6:]}",
                in_scope_from=since or self.since,
                tier=tier,
                basis=basis,
                reason=reason,
                command_id=self._id("enterprise", code),
            )
        )

    def enterprises(self, *codes: str, since: date | None = None) -> Self:
        """Register several enterprises, all in scope from ``since``."""
        for code in codes:
            self.enterprise(code, since)
        return self

    def project(self, project_id: str, *, name: str | None = None) -> Self:
        """Register a project (项目) that commissioners can be assigned to."""
        return self._done(
            self.engine.roster.register_project(
                jurisdiction=self.jurisdiction,
                project_id=project_id,
                name=name or f"project {project_id}",
                command_id=self._id("project", project_id),
            )
        )

    # -- grids and teams -----------------------------------------------------------

    def grid(self, grid_id: str, kind: str, *, name: str | None = None) -> Self:
        """Register a grid of ``kind``."""
        return self._done(
            self.engine.roster.register_grid(
                jurisdiction=self.jurisdiction,
                grid_id=grid_id,
                kind=kind,
                name=name or f"grid {grid_id}",
                command_id=self._id("grid", grid_id),
            )
        )

    def member(self, grid_id: str, person_id: str, position: str, on: date | None = None) -> Self:
        """Put a person into a grid's team, in ``position`` (chief, deputy, officer …)."""
        on = on or self.since
        return self._done(
            self.engine.roster.add_grid_member(
                jurisdiction=self.jurisdiction,
                grid_id=grid_id,
                person_id=person_id,
                position=position,
                on=on,
                command_id=self._id("member", grid_id, person_id, position, on),
            )
        )

    def in_grid(
        self, code: str, grid_id: str, on: date | None = None, *, officer: str | None = None
    ) -> Self:
        """Put an enterprise into a grid; with ``officer``, make them responsible there too."""
        on = on or self.since
        self._done(
            self.engine.roster.assign_grid(
                jurisdiction=self.jurisdiction,
                credit_code=code,
                grid_id=grid_id,
                on=on,
                command_id=self._id("in-grid", code, grid_id, on),
            )
        )
        if officer is not None:
            self.responsible(code, officer, grid=grid_id, on=on)
        return self

    def responsible(
        self, code: str, person_id: str, *, grid: str | None = None, on: date | None = None
    ) -> Self:
        """Make a person responsible for an enterprise (in ``grid``, where grids matter)."""
        on = on or self.since
        return self._done(
            self.engine.roster.assign_responsible(
                jurisdiction=self.jurisdiction,
                credit_code=code,
                person_id=person_id,
                grid=grid,
                on=on,
                command_id=self._id("responsible", code, person_id, grid or "-", on),
            )
        )

    def project_responsible(self, project_id: str, person_id: str, on: date | None = None) -> Self:
        """Make a commissioner responsible for a project."""
        on = on or self.since
        return self._done(
            self.engine.roster.assign_project(
                jurisdiction=self.jurisdiction,
                project_id=project_id,
                person_id=person_id,
                on=on,
                command_id=self._id("project-of", project_id, person_id, on),
            )
        )

    # -- visits --------------------------------------------------------------------

    def visit(
        self,
        code: str,
        visitor: str,
        when: date | datetime,
        *,
        channel: str = "on_site",
        evidence: Sequence[Mapping[str, Any]] = (EVIDENCE,),
        findings: Mapping[str, str] | None = None,
        purpose: str = "service",
        visit_id: str | None = None,
        recorded: datetime | None = None,
        late_reason: str | None = None,
    ) -> Self:
        """Record a visit; a day alone means 10:00 China time. ``recorded`` is the command's
        moment (one the clock has passed is a late entry: give ``late_reason``)."""
        moment = when if isinstance(when, datetime) else datetime.combine(when, VISIT_TIME, CST)
        return self._done(
            self.engine.roster.record_visit(
                jurisdiction=self.jurisdiction,
                enterprise=code,
                visitor=visitor,
                visited_at=moment,
                channel=channel,
                evidence=evidence,
                findings=findings,
                purpose=purpose,
                visit_id=visit_id,
                at=recorded,
                late_reason=late_reason,
                command_id=(
                    self._id("visit", visit_id)
                    if visit_id
                    else self._id("visit", code, visitor, moment.isoformat(), channel)
                ),
            )
        )
