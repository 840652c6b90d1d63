"""The project handlers: major projects (重大重点项目) served by commissioners like enterprises."""

from __future__ import annotations

from uuid import UUID

from gridcase.application.rulebook import registry_policy
from gridcase.application.unit_of_work import UnitOfWork
from gridcase.domain.credit_code import parse_credit_code
from gridcase.domain.ids import person_key
from gridcase.domain.person import PROJECT, Person
from gridcase.domain.project import Project, project_key
from gridcase.domain.registry import check_responsible
from gridcase.domain.roster_commands import AssignProject, RegisterProject, ReleaseProject
from gridcase.kernel.errors import InvalidInput

__all__ = ["assign_project", "load_project", "register_project", "release_project"]


def load_project(work: UnitOfWork, jurisdiction: str, project_id: str) -> Project:
    return work.require(
        Project,
        project_key(jurisdiction, project_id),
        f"no project {project_id!r} in {jurisdiction}",
    )


def register_project(command: RegisterProject, work: UnitOfWork) -> UUID:
    """Add a major project, served by commissioners like an enterprise."""
    work.rules.known(command.jurisdiction)
    if not command.project_id.strip() or not command.name.strip():
        raise InvalidInput("a project needs an id and a name", field="project_id")
    code = parse_credit_code(command.enterprise).value if command.enterprise else None
    if work.get(Project, project_key(command.jurisdiction, command.project_id)) is not None:
        raise InvalidInput(
            f"project {command.project_id} already exists in {command.jurisdiction}",
            field="project_id",
        )
    project = work.add(
        Project(
            jurisdiction=command.jurisdiction,
            project_id=command.project_id,
            name=command.name.strip(),
            location=command.location,
            enterprise=code,
        )
    )
    return project.id


def assign_project(command: AssignProject, work: UnitOfWork) -> UUID:
    """Make a commissioner responsible for a project from ``on`` (the ``projects`` quota applies)."""
    policy = registry_policy(work.in_force(command.jurisdiction, command.on))
    project = load_project(work, command.jurisdiction, command.project_id)
    if any(s.holder == command.person_id for s in project.open_responsibles()):
        raise InvalidInput(
            f"{command.person_id} is already responsible for project {command.project_id}",
            field="person_id",
        )
    person = check_responsible(
        policy,
        work.get(Person, person_key(command.jurisdiction, command.person_id)),
        command.person_id,
        PROJECT,
        command.project_id,
        command.on,
    )
    project.assign_responsible(person_id=command.person_id, on=command.on, reason=command.reason)
    person.take(kind=PROJECT, subject=command.project_id, grid=None, on=command.on)
    return project.id


def release_project(command: ReleaseProject, work: UnitOfWork) -> UUID:
    """A commissioner stops serving a project from ``on``."""
    project = load_project(work, command.jurisdiction, command.project_id)
    project.release_responsible(person_id=command.person_id, on=command.on, reason=command.reason)
    person = work.get(Person, person_key(command.jurisdiction, command.person_id))
    if person is not None:
        person.release(kind=PROJECT, subject=command.project_id, grid=None, on=command.on)
    return project.id
