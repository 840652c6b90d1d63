"""The ledger-submission handler: a grid's monthly visit ledger sent to the office (台账报送).

Who may send it is rule data (``visits.ledger_submission.roles``, with the paragraph it
encodes); like a case action, the actor must hold the role they act in, and a role
scoped to grids acts only for a grid whose team they are on that day
(:mod:`gridcase.application.scoping` says the same for enterprises). The moment of the
command is the moment it was sent, which the due day (``visits.ledger_due``) is judged
against by the read side; a submission entered later than it happened says why
(``late_reason``), as every command does.
"""

from __future__ import annotations

from uuid import UUID

from gridcase.application.actors import resolve_actor
from gridcase.application.unit_of_work import UnitOfWork
from gridcase.domain.actions import SYSTEM_ACTOR
from gridcase.domain.grid import Grid, grid_key
from gridcase.domain.ledger_submission import LedgerSubmission, ledger_submission_key
from gridcase.domain.roster_commands import SubmitVisitLedger
from gridcase.kernel.errors import InvalidInput, NotAuthorised, NotFound
from gridcase.projections.coverage import Month
from gridcase.projections.roster import RosterProjection
from gridcase.workflow.compiler import CompiledRules
from gridcase.workflow.model import RoleScope

__all__ = ["ledger_visits", "submit_visit_ledger"]


def _rule_name(rules: CompiledRules) -> str:
    return f"{rules.jurisdiction}@{rules.version} visits.ledger_submission"


def submit_visit_ledger(command: SubmitVisitLedger, work: UnitOfWork) -> UUID:
    """Record that ``command.grid``'s ledger of ``command.month`` was sent at the command's moment.

    Refused, writing nothing, when the jurisdiction's rules set no
    ``visits.ledger_submission``, the month is malformed or has not begun, the grid is
    unknown, the ledger was sent already, the actor does not hold ``role``, ``role`` is
    not one the rules let send a ledger, or (for a role scoped to grids) the actor is
    not on the grid's team that day.
    """
    month = Month.parse(command.month)
    moment = work.moment
    day = moment.date()
    rules = work.in_force(command.jurisdiction, day)
    visits = rules.rules.visits
    sending = visits.ledger_submission if visits is not None else None
    if sending is None:
        raise NotFound(
            f"{rules.jurisdiction}@{rules.version} records no ledger submission "
            "(visits.ledger_submission)"
        )
    if day < month.first:
        raise InvalidInput(
            f"the ledger of {month} cannot be sent on {day.isoformat()}, before the month begins",
            field="at",
        )
    grid_id = command.grid.strip()
    grid = work.get(Grid, grid_key(command.jurisdiction, grid_id))
    if grid is None:
        raise NotFound(f"no grid {grid_id!r} in {command.jurisdiction}")
    actor_id = command.actor or ""
    if actor_id == SYSTEM_ACTOR:
        raise NotAuthorised("gridcase itself sends no ledger", actor=actor_id)
    actor = resolve_actor(work.get, rules, actor_id)
    role = command.role
    if role not in sending.roles:
        allowed = ", ".join(sending.roles)
        raise NotAuthorised(
            f"submit_visit_ledger: the role {role!r} does not send a ledger in "
            f"{rules.jurisdiction} (only {allowed})",
            actor=actor_id,
            role=role,
            rule=_rule_name(rules),
            cite=sending.cite or sending.assumption,
        )
    if role not in actor.roles:
        raise NotAuthorised(
            f"submit_visit_ledger: {actor_id} does not hold the role {role!r}",
            actor=actor_id,
            role=role,
            rule=_rule_name(rules),
        )
    spec = rules.rules.roles.get(role)
    scope = spec.scope.enterprises if spec is not None and spec.scope is not None else None
    scoped = scope is not None and scope is not RoleScope.JURISDICTION
    if scoped and not any(m.holder == actor_id for m in grid.members_on(day)):
        raise NotAuthorised(
            f"submit_visit_ledger: {actor_id} is not on the team of grid {grid_id} on "
            f"{day.isoformat()}; in {rules.jurisdiction} the role {role!r} sends only the "
            "ledger of a grid whose team they are on",
            actor=actor_id,
            role=role,
            rule=_rule_name(rules),
            cite=sending.cite or sending.assumption,
        )
    key = ledger_submission_key(command.jurisdiction, grid_id, str(month))
    earlier = work.get(LedgerSubmission, key)
    if earlier is not None:
        raise InvalidInput(
            f"grid {grid_id}'s ledger of {month} was sent already, at "
            f"{earlier.submitted_at.isoformat()} by {earlier.submitted_by}",
            field="month",
        )
    submission = work.add(
        LedgerSubmission(
            jurisdiction=command.jurisdiction,
            grid=grid_id,
            month=str(month),
            submitted_by=actor_id,
            role=role,
            submitted_at=moment,
            visits=ledger_visits(work.roster(), command.jurisdiction, grid_id, month),
            command_id=command.command_id.strip(),
        )
    )
    return submission.id


def ledger_visits(view: RosterProjection, jurisdiction: str, grid: str, month: Month) -> int:
    """How many visits ``grid``'s ledger of ``month`` holds in ``view`` (the rows sent)."""
    count = 0
    for code, ent in view.enterprises(jurisdiction).items():
        if not any(s.holder == grid for s in ent.grids):
            continue
        for visit in view.visits(jurisdiction, code):
            day = visit.day
            if month.first <= day <= month.last and any(
                s.holder == grid for s in ent.grids_on(day)
            ):
                count += 1
    return count
