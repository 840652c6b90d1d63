"""The people handlers: register a person, change their roles, take them off the roster."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from gridcase.application.rulebook import registry_policy
from gridcase.application.unit_of_work import UnitOfWork
from gridcase.domain.ids import person_key
from gridcase.domain.person import Person
from gridcase.domain.registry import (
    RegistryPolicy,
    check_nothing_stranded,
    check_person_id,
    check_roles,
    claim_posts,
    posts_of,
    require_active,
    require_reason,
)
from gridcase.domain.roster_commands import ChangePerson, DeactivatePerson, RegisterPerson
from gridcase.domain.unit_post import UnitPost, unit_post_key
from gridcase.kernel.errors import InvalidInput

__all__ = ["change_person", "deactivate_person", "register_person", "team_places"]


def register_person(command: RegisterPerson, work: UnitOfWork) -> UUID:
    """Add a person to a jurisdiction's roster, with the roles they may act in."""
    policy = registry_policy(work.in_force(command.jurisdiction, work.moment.date()))
    check_roles(policy, command.roles, command.rank)
    check_person_id(command.person_id, command.name)
    key = person_key(command.jurisdiction, command.person_id)
    if work.get(Person, key) is not None:
        raise InvalidInput(
            f"{command.person_id} is already in the {command.jurisdiction} roster",
            field="person_id",
        )
    person = work.add(
        Person(
            jurisdiction=command.jurisdiction,
            person_id=command.person_id,
            name=command.name.strip(),
            roles=list(dict.fromkeys(command.roles)),
            units=list(dict.fromkeys(command.units)),
            rank=command.rank,
        )
    )
    _move_posts(
        work, policy, person.person_id, ((), ()), (person.roles, person.units), "registered"
    )
    return person.id


def change_person(command: ChangePerson, work: UnitOfWork) -> UUID:
    """Give a person new roles, units or rank from now on (a transfer, a new liaison, a promotion).

    The whole new set is given, not a difference, so the event says plainly what the
    person may do afterwards. A change that would strand what the person carries is
    refused and names it: responsibilities without the responsible role, a grid
    position without its role, more enterprises than the new rank's quota, a unit
    post (``roster.one_per_unit``) another person holds. Hand those over first.
    """
    day = work.moment.date()
    policy = registry_policy(work.in_force(command.jurisdiction, day))
    check_roles(policy, command.roles, command.rank)
    reason = require_reason(command.reason)
    person = _active(work, command.jurisdiction, command.person_id)
    roles = list(dict.fromkeys(command.roles))
    units = list(dict.fromkeys(command.units))
    places = team_places(work, command.jurisdiction, person.person_id, day)
    if (roles, units, command.rank) != (person.roles, person.units, person.rank):
        check_nothing_stranded(policy, person, roles, command.rank, day, places)
    _move_posts(
        work, policy, person.person_id, (person.roles, person.units), (roles, units), reason
    )
    person.change(roles=roles, units=units, rank=command.rank, reason=reason)
    return person.id


def deactivate_person(command: DeactivatePerson, work: UnitOfWork) -> UUID:
    """Take a person off the roster from now on (left the post, retired, transferred out).

    The person's history stays; they can no longer act, be made responsible or join a
    team. Refused while they are still responsible for an enterprise or project or
    hold a place in a grid's team, naming each, so no enterprise silently loses the
    person answerable for it. Any unit post they held is vacated in the same save.
    """
    day = work.moment.date()
    policy = registry_policy(work.in_force(command.jurisdiction, day))
    reason = require_reason(command.reason)
    person = _active(work, command.jurisdiction, command.person_id)
    places = team_places(work, command.jurisdiction, person.person_id, day)
    check_nothing_stranded(policy, person, [], None, day, places)
    _move_posts(work, policy, person.person_id, (person.roles, person.units), ((), ()), reason)
    person.deactivate(reason=reason)
    return person.id


def team_places(
    work: UnitOfWork, jurisdiction: str, person_id: str, day: date
) -> list[tuple[str, str | None]]:
    """The (grid, position) places the person holds on ``day`` or later, from the roster view."""
    return [
        (grid.grid_id, stint.kind)
        for grid in work.roster().grids(jurisdiction).values()
        for stint in grid.team
        if stint.holder == person_id and (stint.end is None or stint.end > day)
    ]


def _active(work: UnitOfWork, jurisdiction: str, person_id: str) -> Person:
    person = work.get(Person, person_key(jurisdiction, person_id))
    return require_active(jurisdiction, person, person_id)


def _move_posts(
    work: UnitOfWork,
    policy: RegistryPolicy,
    person_id: str,
    before: tuple[list[str] | tuple[()], list[str] | tuple[()]],
    after: tuple[list[str] | tuple[()], list[str] | tuple[()]],
    reason: str,
) -> None:
    """Take and vacate the unit posts (``roster.one_per_unit``) a change of roles and units implies."""
    held, wanted = posts_of(policy, *before), posts_of(policy, *after)
    if not held and not wanted:
        return

    def load(posts: set[tuple[str, str]]) -> dict[tuple[str, str], UnitPost | None]:
        return {
            (role, unit): work.get(UnitPost, unit_post_key(policy.jurisdiction, role, unit))
            for role, unit in posts
        }

    for post in claim_posts(policy, person_id, load(wanted - held), load(held - wanted), reason):
        if work.get(UnitPost, post.id) is None:
            work.add(post)
