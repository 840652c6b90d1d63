"""Who is acting: an actor id resolved against the roster of the case's jurisdiction.

Deny by default: an id that is neither a person of the roster, nor a registered
enterprise, nor a named liaison of one, is refused before any rule is consulted, and so
is a person no longer active or a liaison withdrawn. ``system`` is gridcase's own and
no caller may act as it.
"""

from __future__ import annotations

from typing import Protocol, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from gridcase.domain.actions import SYSTEM_ACTOR, SYSTEM_ROLE
from gridcase.domain.commands import Actor
from gridcase.domain.credit_code import looks_like_credit_code
from gridcase.domain.enterprise import Enterprise, liaison_actor_id, split_liaison_actor
from gridcase.domain.ids import enterprise_key, person_key
from gridcase.domain.person import Person
from gridcase.kernel.errors import NotAuthorised, UnknownActor
from gridcase.workflow.compiler import CompiledRules
from gridcase.workflow.model import RoleKind

__all__ = ["Getter", "actor_keys", "enterprise_roles", "resolve_actor"]

A = TypeVar("A", bound=Aggregate)


class Getter(Protocol):
    """Reads an aggregate as stored (a unit of work's ``get``, or the store's)."""

    def __call__(self, cls: type[A], aggregate_id: UUID, /) -> A | None: ...


def enterprise_roles(rules: CompiledRules) -> frozenset[str]:
    """The roles an enterprise, or a liaison speaking for it, acts in."""
    return frozenset(r for r, role in rules.rules.roles.items() if role.kind is RoleKind.ENTERPRISE)


def actor_keys(jurisdiction: str, actor_id: object) -> list[UUID]:
    """The aggregates :func:`resolve_actor` reads for this actor, to read them in advance."""
    if not isinstance(actor_id, str) or actor_id == SYSTEM_ACTOR:
        return []
    liaison = split_liaison_actor(actor_id)
    if liaison is not None:  # a liaison is read from its enterprise
        return [enterprise_key(jurisdiction, liaison[0])]
    if looks_like_credit_code(actor_id):
        return [enterprise_key(jurisdiction, actor_id.strip().upper())]
    return [person_key(jurisdiction, actor_id)]


def resolve_actor(get: Getter, rules: CompiledRules, actor_id: str) -> Actor:
    """Who ``actor_id`` is in ``rules``' jurisdiction; unknown actors are refused."""
    if not isinstance(actor_id, str) or not actor_id.strip():
        raise UnknownActor("a command needs an actor", actor=str(actor_id))
    if actor_id == SYSTEM_ACTOR:
        raise NotAuthorised(
            "only gridcase itself acts as 'system'", actor=actor_id, role=SYSTEM_ROLE
        )
    liaison = split_liaison_actor(actor_id)
    if liaison is not None:
        return _liaison(get, rules, actor_id, *liaison)
    if looks_like_credit_code(actor_id):
        # An enterprise acting for itself: its code is its id (people may not take one).
        ent = get(Enterprise, enterprise_key(rules.jurisdiction, actor_id.strip().upper()))
        if ent is not None:
            return Actor(ent.credit_code, enterprise_roles(rules), enterprise=ent.credit_code)
    person = get(Person, person_key(rules.jurisdiction, actor_id))
    if person is not None:
        if not person.active:
            raise NotAuthorised(
                f"{actor_id} is no longer active in {rules.jurisdiction}", actor=actor_id
            )
        return Actor(actor_id, frozenset(person.roles), frozenset(person.units))
    ent = get(Enterprise, enterprise_key(rules.jurisdiction, actor_id.strip().upper()))
    if ent is not None:
        return Actor(ent.credit_code, enterprise_roles(rules), enterprise=ent.credit_code)
    raise UnknownActor(
        f"{actor_id!r} is not in the {rules.jurisdiction} roster (neither a person nor an enterprise)",
        actor=actor_id,
    )


def _liaison(
    get: Getter, rules: CompiledRules, actor_id: str, credit_code: str, liaison_id: str
) -> Actor:
    """An enterprise's liaison: its roles of kind ``enterprise``, for that enterprise only."""
    roster = rules.rules.roster
    if roster is None or roster.enterprise_liaisons is None:
        raise NotAuthorised(
            f"{actor_id} would act as an enterprise liaison, but {rules.jurisdiction}@"
            f"{rules.version} declares none (roster.enterprise_liaisons)",
            actor=actor_id,
        )
    ent = get(Enterprise, enterprise_key(rules.jurisdiction, credit_code))
    named = ent.liaison(liaison_id) if ent is not None else None
    if ent is None or named is None:
        raise UnknownActor(
            f"{actor_id!r} is not a liaison of an enterprise in {rules.jurisdiction}",
            actor=actor_id,
        )
    if not named.active:
        raise NotAuthorised(
            f"{actor_id} was withdrawn as a liaison of {credit_code}", actor=actor_id
        )
    return Actor(
        liaison_actor_id(credit_code, liaison_id), enterprise_roles(rules), enterprise=credit_code
    )
