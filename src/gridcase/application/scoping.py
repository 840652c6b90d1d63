"""Which enterprises a person may act for: the scope a rule file gives each person role.

The rule file says it per role (``roles.<role>.scope``): the whole jurisdiction, the
enterprises of the grids whose team the person is on, or the enterprises the person is
responsible for, each on the day of the step. The roster holds the facts (grid teams,
grid memberships, responsibilities, all effective-dated); this module joins the two and
refuses, naming the rule and its paragraph, an actor who would act outside their scope.

Bijie's townships and industry authorities each serve their own enterprises and keep
their own problem ledger; Malu's butler answers for the enterprises they are butler to.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from gridcase.application.unit_of_work import UnitOfWork
from gridcase.domain.actions import SYSTEM_ROLE
from gridcase.domain.enterprise import Enterprise
from gridcase.domain.grid import Grid, grid_key
from gridcase.kernel.errors import NotAuthorised
from gridcase.workflow.compiler import CompiledRules
from gridcase.workflow.model import RoleScope

__all__ = ["EnterpriseOf", "check_scope", "is_scoped", "out_of_scope"]

EnterpriseOf = Callable[[], Enterprise]
"""The case's enterprise, read only when a scope asks for it (most roles act jurisdiction-wide)."""


def is_scoped(rules: CompiledRules, role: str) -> bool:
    """Whether ``role`` acts only for some enterprises (its grids', those it answers for)."""
    spec = rules.rules.roles.get(role)
    return (
        spec is not None
        and spec.scope is not None
        and (spec.scope.enterprises is not RoleScope.JURISDICTION)
    )


def out_of_scope(
    work: UnitOfWork,
    rules: CompiledRules,
    person_id: str,
    role: str,
    enterprise: EnterpriseOf,
    day: date,
) -> str | None:
    """Why ``person_id``, acting as ``role``, may not act for the enterprise on ``day``; None if
    they may."""
    if not is_scoped(rules, role):
        return None
    scope = rules.rules.roles[role].scope
    assert scope is not None
    ent = enterprise()
    if scope.enterprises is RoleScope.RESPONSIBLE:
        if person_id in ent.responsible_on(day, any_grid=True):
            return None
        return f"{person_id} is not responsible for {ent.credit_code} on {day.isoformat()}"
    grids = [s.holder for s in ent.grids_on(day)]
    for gid in grids:
        grid = work.get(Grid, grid_key(rules.jurisdiction, gid))
        if grid is not None and any(m.holder == person_id for m in grid.members_on(day)):
            return None
    where = ", ".join(grids) if grids else "no grid"
    return (
        f"{person_id} is on the team of none of {ent.credit_code}'s grids on "
        f"{day.isoformat()} ({where})"
    )


def check_scope(
    work: UnitOfWork,
    rules: CompiledRules,
    *,
    actor: str,
    role: str,
    enterprise: EnterpriseOf,
    day: date,
    action: str,
) -> None:
    """Refuse ``actor`` taking ``action`` as ``role`` for an enterprise outside their scope."""
    if role == SYSTEM_ROLE or role not in rules.rules.roles:
        return
    why = out_of_scope(work, rules, actor, role, enterprise, day)
    if why is None:
        return
    scope = rules.rules.roles[role].scope
    assert scope is not None
    raise NotAuthorised(
        f"{action}: {why}; in {rules.jurisdiction} the role {role!r} acts only for "
        f"{_PHRASE[scope.enterprises]}",
        actor=actor,
        role=role,
        rule=f"{rules.jurisdiction}@{rules.version} roles.{role}.scope",
        cite=scope.cite or scope.assumption,
    )


_PHRASE = {
    RoleScope.JURISDICTION: "enterprises of the jurisdiction",
    RoleScope.GRID: "enterprises of a grid whose team they are on",
    RoleScope.RESPONSIBLE: "enterprises they are responsible for",
}
