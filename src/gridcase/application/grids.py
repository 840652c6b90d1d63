"""The grid handlers: grids, their teams, and which grid an enterprise sits in."""

from __future__ import annotations

from uuid import UUID

from gridcase.application.enterprises import load_enterprise, release_all
from gridcase.application.rulebook import registry_policy
from gridcase.application.unit_of_work import UnitOfWork
from gridcase.domain.grid import Grid, grid_key
from gridcase.domain.ids import person_key
from gridcase.domain.person import Person
from gridcase.domain.registry import (
    check_team_room,
    grids_replaced,
    move_to_grid,
    require_active,
    team_position,
)
from gridcase.domain.roster_commands import (
    AddGridMember,
    AssignGrid,
    RegisterGrid,
    RemoveFromGrid,
    RemoveGridMember,
)
from gridcase.kernel.errors import InvalidInput

__all__ = [
    "add_grid_member",
    "assign_grid",
    "load_grid",
    "register_grid",
    "remove_from_grid",
    "remove_grid_member",
]


def load_grid(work: UnitOfWork, jurisdiction: str, grid_id: str) -> Grid:
    return work.require(
        Grid, grid_key(jurisdiction, grid_id), f"no grid {grid_id!r} in {jurisdiction}"
    )


def register_grid(command: RegisterGrid, work: UnitOfWork) -> UUID:
    """Add a grid of one of the jurisdiction's grid kinds."""
    policy = registry_policy(work.in_force(command.jurisdiction, work.moment.date()))
    roster = policy.require_roster()
    if command.grid_kind not in roster.grid_kinds:
        known = ", ".join(roster.grid_kinds) or "none"
        raise InvalidInput(
            f"unknown grid kind {command.grid_kind!r} in {command.jurisdiction} (known: {known})",
            field="kind",
        )
    if not command.grid_id.strip() or not command.name.strip():
        raise InvalidInput("a grid needs an id and a name", field="grid_id")
    if work.get(Grid, grid_key(command.jurisdiction, command.grid_id)) is not None:
        raise InvalidInput(
            f"grid {command.grid_id} already exists in {command.jurisdiction}", field="grid_id"
        )
    grid = work.add(
        Grid(
            jurisdiction=command.jurisdiction,
            grid_id=command.grid_id,
            kind=command.grid_kind,
            name=command.name.strip(),
            unit=command.unit,
        )
    )
    return grid.id


def add_grid_member(command: AddGridMember, work: UnitOfWork) -> UUID:
    """Put a person into a grid's team (grid chief, deputy, officer) from ``on``."""
    policy = registry_policy(work.in_force(command.jurisdiction, command.on))
    policy.require_roster()
    person = require_active(
        command.jurisdiction,
        work.get(Person, person_key(command.jurisdiction, command.person_id)),
        command.person_id,
    )
    spec = team_position(policy, person, command.position)
    grid = load_grid(work, command.jurisdiction, command.grid_id)
    if any(s.holder == command.person_id for s in grid.open_members()):
        raise InvalidInput(
            f"{command.person_id} is already in the team of grid {command.grid_id}",
            field="person_id",
        )
    check_team_room(policy, grid, command.position, spec, command.on)
    grid.add_member(person_id=command.person_id, position=command.position, on=command.on)
    return grid.id


def remove_grid_member(command: RemoveGridMember, work: UnitOfWork) -> UUID:
    """A person leaves a grid's team from ``on``."""
    work.in_force(command.jurisdiction, command.on)
    grid = load_grid(work, command.jurisdiction, command.grid_id)
    grid.remove_member(person_id=command.person_id, on=command.on, reason=command.reason)
    return grid.id


def assign_grid(command: AssignGrid, work: UnitOfWork) -> UUID:
    """Put an enterprise into a grid from ``on``; it leaves its grid of the same kind.

    With ``grid_membership: one_grid`` it leaves whichever grid it was in. The people
    responsible for it in the grid it leaves are released that day.
    """
    policy = registry_policy(work.in_force(command.jurisdiction, command.on))
    ent = load_enterprise(work, command.jurisdiction, command.credit_code)
    grid = load_grid(work, command.jurisdiction, command.grid_id)
    if any(s.holder == grid.grid_id for s in ent.open_grids()):
        raise InvalidInput(f"{ent.credit_code} is already in grid {grid.grid_id}", field="grid")
    left = grids_replaced(policy.require_roster(), ent, grid)
    release_all(work, ent, command.on, f"moved to grid {command.grid_id}", grids=left)
    move_to_grid(policy, ent, grid, command.on, command.reason)
    return ent.id


def remove_from_grid(command: RemoveFromGrid, work: UnitOfWork) -> UUID:
    """Take an enterprise out of a grid from ``on`` (its responsibilities there end too)."""
    work.in_force(command.jurisdiction, command.on)
    ent = load_enterprise(work, command.jurisdiction, command.credit_code)
    if not any(s.holder == command.grid_id for s in ent.open_grids()):
        raise InvalidInput(f"{ent.credit_code} is not in grid {command.grid_id}", field="grid")
    release_all(work, ent, command.on, command.reason, grids=[command.grid_id])
    ent.leave_grid(grid=command.grid_id, on=command.on, reason=command.reason)
    return ent.id
