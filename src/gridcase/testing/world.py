"""The people and the enterprise a rule file's cases are tried with.

For any rule file the kit builds the same small world, registered by an administrator it
bootstraps (:data:`ADMINISTRATOR`): one enterprise in scope; for every role of the file
somebody who holds it (a member in each of two units, ``unit-a`` and ``unit-b``, for a
role of kind ``unit``); a grid of each grid kind the file declares, its team filled from
those people and the enterprise in it; and the holder of the responsible role made
responsible for the enterprise (with a rank where quotas go by rank, a map number where
the file requires one). Every role is held and can act within its scope, so whatever the
kit finds is the rule file's doing and not a gap in the roster.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from gridcase.application.engine import Engine
from gridcase.domain.actions import SYSTEM_ROLE
from gridcase.domain.case_state import CaseState
from gridcase.domain.commands import Actor
from gridcase.domain.credit_code import check_character
from gridcase.domain.policy import GridMembership
from gridcase.workflow.compiler import CompiledRules
from gridcase.workflow.model import RoleKind

__all__ = ["ADMINISTRATOR", "ENTERPRISE", "UNITS", "World"]

_BODY = "91310114MA1GU0001"
ENTERPRISE = _BODY + check_character(_BODY)
"""The enterprise every case of the kit is about (a valid unified social credit code)."""

ADMINISTRATOR = "kit-admin"
"""The roster administrator the kit bootstraps to register its world."""

UNITS = ("unit-a", "unit-b")
"""The two units the kit staffs, so that a redispatch has somewhere else to go."""


@dataclass(frozen=True)
class Person:
    id: str
    roles: tuple[str, ...]
    units: tuple[str, ...] = ()
    rank: str | None = None


@dataclass(frozen=True)
class World:
    """Who is who for one rule file (see the module text)."""

    rules: CompiledRules
    people: tuple[Person, ...]
    enterprise: str = ENTERPRISE

    @classmethod
    def of(cls, rules: CompiledRules, *, holders: int = 1) -> World:
        """The world of ``rules``, with ``holders`` people for every role (per unit, for
        a role of kind ``unit``)."""
        people: list[Person] = []
        roster = rules.rules.roster
        # Where quotas go by rank, the responsible role's holders get the first rank.
        rank = next(iter(roster.quotas), None) if roster is not None else None
        for name, role in rules.rules.roles.items():
            for n in range(1, holders + 1):
                if role.kind is RoleKind.UNIT:
                    people.extend(
                        Person(f"{name}-{u[-1]}{'' if n == 1 else n}", (name,), (u,)) for u in UNITS
                    )
                elif role.kind is not RoleKind.ENTERPRISE:
                    responsible = roster is not None and name == roster.responsible_role
                    people.append(
                        Person(f"{name}-{n}", (name,), rank=rank if responsible else None)
                    )
        return cls(rules, tuple(people))

    def kind(self, role: str) -> RoleKind | None:
        found = self.rules.rules.roles.get(role)
        return found.kind if found is not None else None

    def actor(self, actor_id: str) -> Actor:
        """The actor ``actor_id`` is in this world (as the engine's roster would resolve it)."""
        if actor_id == self.enterprise:
            roles = frozenset(
                r for r, v in self.rules.rules.roles.items() if v.kind is RoleKind.ENTERPRISE
            )
            return Actor(actor_id, roles, enterprise=actor_id)
        if actor_id == SYSTEM_ROLE:
            return Actor.system()
        for p in self.people:
            if p.id == actor_id:
                return Actor(p.id, frozenset(p.roles), frozenset(p.units))
        return Actor(actor_id, frozenset())

    def acting_as(self, role: str, case: CaseState | None) -> str | None:
        """Who takes a step in ``role`` on ``case``: its enterprise, a member of its unit,
        the person holding it, or the role's first holder; None for ``system``."""
        kind = self.kind(role)
        if kind is None:
            return None
        if kind is RoleKind.ENTERPRISE:
            return self.enterprise
        holders = [p for p in self.people if role in p.roles]
        if kind is RoleKind.UNIT and case is not None and case.unit is not None:
            holders = [p for p in holders if case.unit in p.units] or holders
        if case is not None and case.owner and case.owner.role == role and case.owner.party:
            holders = [p for p in holders if p.id == case.owner.party] or holders
        return holders[0].id if holders else None

    def _grids(self) -> list[tuple[str, str, list[tuple[str, str]]]]:
        """The grids the world sets up (id, kind, members as (person, position)): one per
        grid kind (only the first where an enterprise may be in one grid), every team
        position filled by the holders of its role, up to its maximum."""
        roster = self.rules.rules.roster
        if roster is None or not roster.grid_kinds:
            return []
        kinds = list(roster.grid_kinds)
        if roster.grid_membership is GridMembership.ONE_GRID:
            kinds = kinds[:1]
        grids = []
        for kind in kinds:
            members: list[tuple[str, str]] = []
            for position, spec in roster.team.items():
                holders = [p.id for p in self.people if spec.role in p.roles]
                members.extend((h, position) for h in holders[: spec.max or len(holders)])
            grids.append((f"grid-{kind}", kind, members))
        return grids

    def _responsible(self) -> list[tuple[str, str | None]]:
        """Who is made responsible for the enterprise (person, grid): the holder of the
        roster's responsible role, in each grid where grids matter."""
        roster = self.rules.rules.roster
        if roster is None:
            return []
        holders = [p.id for p in self.people if roster.responsible_role in p.roles]
        if not holders:
            return []
        grids = self._grids()
        if not grids:
            return [(holders[0], None)]
        return [(holders[0], gid) for gid, _, members in grids if holders[0] in dict(members)]

    def roster(self, start: date) -> dict[str, Any]:
        """The world as a scenario file's ``roster`` section."""
        tier: str | None = None
        scope = self.rules.rules.scope
        if scope is not None and scope.tiers:
            tier = next(iter(scope.tiers))
        enterprise: dict[str, Any] = {
            "credit_code": self.enterprise,
            "name": "被测企业",
            "in_scope_from": start.isoformat(),
        }
        if tier is not None:
            enterprise["tier"] = tier
        grids = self._grids()
        if grids:
            enterprise["grids"] = [gid for gid, _, _ in grids]
        if self._map_number():
            enterprise["map_number"] = 1
        responsible = self._responsible()
        if responsible:
            enterprise["responsible"] = [
                person if grid is None else {"person": person, "grid": grid}
                for person, grid in responsible
            ]
        section: dict[str, Any] = {
            "enterprises": [enterprise],
            "people": [
                {
                    "id": p.id,
                    "name": f"{p.id} 的姓名",
                    "roles": list(p.roles),
                    **({"units": list(p.units)} if p.units else {}),
                    **({"rank": p.rank} if p.rank else {}),
                }
                for p in self.people
            ],
        }
        if grids:
            section["grids"] = [
                {
                    "id": gid,
                    "kind": kind,
                    "name": f"网格 {gid}",
                    "members": [{"person": m, "position": pos} for m, pos in members],
                }
                for gid, kind, members in grids
            ]
        return section

    def _map_number(self) -> bool:
        roster = self.rules.rules.roster
        return roster is not None and bool(getattr(roster, "require_map_number", False))

    def register(self, engine: Engine, at: datetime) -> None:
        """Register the world in ``engine``'s roster (as a scenario's roster is), by an
        administrator the kit bootstraps (:data:`ADMINISTRATOR`)."""
        j = self.rules.jurisdiction
        engine.bootstrap_administrator(
            jurisdiction=j, person_id=ADMINISTRATOR, name="合规测试管理员", command_id="kit/admin"
        )
        roster = engine.roster.acting_as(ADMINISTRATOR)
        tier = self.roster(at.date())["enterprises"][0].get("tier")
        code = self.enterprise
        day = at.date()
        roster.register_enterprise(
            jurisdiction=j,
            credit_code=code,
            name="被测企业",
            in_scope_from=day,
            tier=tier,
            command_id=f"kit/enterprise/{code}",
            at=at,
        )
        for p in self.people:
            roster.register_person(
                jurisdiction=j,
                person_id=p.id,
                name=f"{p.id} 的姓名",
                roles=list(p.roles),
                units=list(p.units),
                rank=p.rank,
                command_id=f"kit/person/{p.id}",
                at=at,
            )
        for gid, kind, members in self._grids():
            roster.register_grid(
                jurisdiction=j,
                grid_id=gid,
                kind=kind,
                name=f"网格 {gid}",
                command_id=f"kit/grid/{gid}",
                at=at,
            )
            for person, position in members:
                roster.add_grid_member(
                    jurisdiction=j,
                    grid_id=gid,
                    person_id=person,
                    position=position,
                    on=day,
                    command_id=f"kit/member/{gid}/{person}/{position}",
                    at=at,
                )
            roster.assign_grid(
                jurisdiction=j,
                credit_code=code,
                grid_id=gid,
                on=day,
                command_id=f"kit/in-grid/{gid}",
                at=at,
            )
        if self._map_number():
            roster.assign_map_number(
                jurisdiction=j, credit_code=code, number="1", command_id="kit/map", at=at
            )
        for person, grid in self._responsible():
            roster.assign_responsible(
                jurisdiction=j,
                credit_code=code,
                person_id=person,
                grid=grid,
                on=day,
                command_id=f"kit/responsible/{person}/{grid}",
                at=at,
            )
