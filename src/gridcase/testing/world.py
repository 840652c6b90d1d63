"""The people and the enterprise a rule file's cases are tried with.

For any rule file the kit builds the same small world: one enterprise in scope, and for
every role of the file somebody who holds it (two units, ``unit-a`` and ``unit-b``, each
with a member for every role of kind ``unit``; one person for every role of kind
``office`` or ``person``). Every role is held, so whatever the kit finds is the rule
file's doing and not a gap in the roster.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from gridcase.application.engine import Engine
from gridcase.domain.actions import SYSTEM_ROLE
from gridcase.domain.case_state import CaseState
from gridcase.domain.commands import Actor
from gridcase.domain.credit_code import check_character
from gridcase.workflow.compiler import CompiledRules
from gridcase.workflow.model import RoleKind

__all__ = ["ENTERPRISE", "UNITS", "World"]

_BODY = "91310114MA1GU0001"
ENTERPRISE = _BODY + check_character(_BODY)
"""The enterprise every case of the kit is about (a valid unified social credit code)."""

UNITS = ("unit-a", "unit-b")
"""The two units the kit staffs, so that a redispatch has somewhere else to go."""


@dataclass(frozen=True)
class Person:
    id: str
    roles: tuple[str, ...]
    units: tuple[str, ...] = ()


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
        for name, role in rules.rules.roles.items():
            for n in range(1, holders + 1):
                if role.kind is RoleKind.UNIT:
                    people.extend(
                        Person(f"{name}-{u[-1]}{'' if n == 1 else n}", (name,), (u,)) for u in UNITS
                    )
                elif role.kind is not RoleKind.ENTERPRISE:
                    people.append(Person(f"{name}-{n}", (name,)))
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
        return {
            "enterprises": [enterprise],
            "people": [
                {
                    "id": p.id,
                    "name": f"{p.id} 的姓名",
                    "roles": list(p.roles),
                    **({"units": list(p.units)} if p.units else {}),
                }
                for p in self.people
            ],
        }

    def register(self, engine: Engine, at: datetime) -> None:
        """Register the world in ``engine``'s roster (as a scenario's roster is)."""
        section: Mapping[str, Any] = self.roster(at.date())
        j = self.rules.jurisdiction
        for ent in section["enterprises"]:
            engine.roster.register_enterprise(
                jurisdiction=j,
                credit_code=ent["credit_code"],
                name=ent["name"],
                in_scope_from=at.date(),
                tier=ent.get("tier"),
                command_id=f"kit/enterprise/{ent['credit_code']}",
                at=at,
            )
        for p in self.people:
            engine.roster.register_person(
                jurisdiction=j,
                person_id=p.id,
                name=f"{p.id} 的姓名",
                roles=list(p.roles),
                units=list(p.units),
                command_id=f"kit/person/{p.id}",
                at=at,
            )
