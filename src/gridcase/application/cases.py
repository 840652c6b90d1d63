"""The case handlers: register a demand, act on a case, fire the clocks that ran out.

Each is a small function over loaded aggregates: it resolves the actor, fires the
clocks that ran out before the command's moment (so history stays in time order and
the command meets the case as it really stands), asks :mod:`gridcase.workflow.decide`
for the steps, and records them on the case. The unit of work saves them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from gridcase.application.actors import actor_keys, resolve_actor
from gridcase.application.rulebook import registry_policy
from gridcase.application.scoping import EnterpriseOf, check_scope, is_scoped, out_of_scope
from gridcase.application.unit_of_work import UnitOfWork
from gridcase.domain.actions import Action
from gridcase.domain.case import Case
from gridcase.domain.case_state import CaseState, Step, evolve
from gridcase.domain.commands import ActOnCase, SubmitDemand
from gridcase.domain.credit_code import parse_credit_code
from gridcase.domain.enterprise import Enterprise
from gridcase.domain.ids import case_id_for, enterprise_key, person_key
from gridcase.domain.person import Person
from gridcase.domain.registry import check_organisation, require_in_scope
from gridcase.domain.visit import Visit, visit_key
from gridcase.kernel.errors import InvalidInput, NotAuthorised
from gridcase.workflow.compiler import CompiledRules
from gridcase.workflow.decide import decide_action, decide_expiries, decide_submission

__all__ = ["FireClocks", "act", "case_id_of", "fire_clocks", "submit"]


def case_id_of(command: SubmitDemand) -> UUID:
    """The case a submission creates: derived from its command id unless given."""
    return command.case_id or case_id_for(command.command_id.strip())


def submit(command: SubmitDemand, work: UnitOfWork) -> UUID:
    """Register a demand; the case is pinned to the rules in force on its date."""
    case_id = case_id_of(command)
    rules = work.in_force(command.jurisdiction, work.moment.date())
    code = parse_credit_code(command.enterprise)
    work.prefetch(
        case_id,
        enterprise_key(command.jurisdiction, code.value),
        *actor_keys(command.jurisdiction, command.actor),
    )
    ent = work.require(
        Enterprise,
        enterprise_key(command.jurisdiction, code.value),
        f"enterprise {code} is not registered in {command.jurisdiction}",
    )
    require_in_scope(ent, work.moment.date())
    check_organisation(registry_policy(rules), code, ent.organisation_type)
    actor = resolve_actor(work.get, rules, command.actor)
    visit = None if command.visit_id is None else _visit_for(work, command, code.value)
    answerable = ent.responsible_on(work.moment.date(), any_grid=True)
    if command.role in actor.roles:  # authorised for the enterprise before anything else
        check_scope(
            work,
            rules,
            actor=actor.id,
            role=command.role,
            enterprise=lambda: ent,
            day=work.moment.date(),
            action="submit",
        )
    step = decide_submission(
        rules,
        work.rules.calendar_for(rules),
        replace(command, enterprise=code.value),
        actor,
        at=work.moment,
        responsible=answerable[0] if len(answerable) == 1 else None,
    )
    if work.get(Case, case_id) is not None:
        raise InvalidInput(f"case {case_id} already exists", field="case_id")
    published = work.rules.unpublished(rules, work.get)
    if published is not None:
        work.add(published)
    case = work.add(Case.open(case_id, step))
    if work.late_by() is not None:
        # Entered late: the clocks ran from the receipt claimed, and whatever ran out
        # before the demand was recorded is missed (see ``act``).
        for s in decide_expiries(
            rules, work.rules.calendar_for(rules), case.state, work.recorded_at
        ):
            case.record(s)
    if visit is not None:
        # The visit records the case in the same save: linked both ways, or not at all.
        # A visit changed meanwhile makes the save a Conflict, like the case.
        visit.open_case(case_id=case_id)
    return case_id


def _visit_for(work: UnitOfWork, command: SubmitDemand, code: str) -> Visit:
    """The visit a demand says it was raised in, refused unless it is that enterprise's and already happened."""
    assert command.visit_id is not None
    visit = work.require(
        Visit,
        visit_key(command.jurisdiction, command.visit_id),
        f"no visit {command.visit_id!r} in {command.jurisdiction}",
    )
    if visit.enterprise != code:
        raise InvalidInput(
            f"visit {command.visit_id} was to {visit.enterprise}, not to {code}", field="visit_id"
        )
    if visit.at > work.moment:
        raise InvalidInput(
            f"visit {command.visit_id} took place at {visit.at.isoformat()}, after the demand "
            f"({work.moment.isoformat()}): a demand cannot come from a visit yet to happen",
            field="visit_id",
        )
    return visit


def act(command: ActOnCase, work: UnitOfWork) -> UUID:
    """Take one action on a case (after firing the clocks that ran out before it)."""
    seen = work.peek(Case, command.case_id)  # its jurisdiction, which never changes
    ahead: list[UUID] = []
    if seen is not None:
        ahead += actor_keys(seen.state.jurisdiction, command.actor)
        if is_scoped(work.pinned(seen.state.submission.rules_hash), command.role):
            ahead.append(enterprise_key(seen.state.jurisdiction, seen.state.enterprise))
    work.prefetch(command.case_id, *ahead)
    case = work.require(Case, command.case_id, f"no case {command.case_id}")
    rules = work.pinned(case.state.submission.rules_hash)
    calendar = work.rules.calendar_for(rules)
    actor = resolve_actor(work.get, rules, command.actor)
    state = case.state

    def enterprise() -> Enterprise:
        return work.require(
            Enterprise,
            enterprise_key(rules.jurisdiction, state.enterprise),
            f"enterprise {state.enterprise} of case {case.id} is not registered",
        )

    if command.role in actor.roles:  # authorised for the enterprise before anything else
        check_scope(
            work,
            rules,
            actor=actor.id,
            role=command.role,
            enterprise=enterprise,
            day=work.moment.date(),
            action=getattr(command.action, "value", str(command.action)),
        )
    late = work.late_by() is not None
    # A late entry is judged by when it is recorded: every clock that ran out before then
    # fires first, so dating a step back can never erase a miss; and the clocks the step
    # starts count from then, so the next party loses none of its time to the delay.
    fired = decide_expiries(rules, calendar, state, work.recorded_at if late else work.moment)
    for s in fired:
        state = evolve(state, s)
    if late:
        # Stale is measured against what was recorded before this command, not against
        # the expiries it has just fired at their (later) deadlines.
        state = replace(state, last_at=case.state.last_at)
    step = decide_action(
        rules,
        calendar,
        state,
        command,
        actor,
        at=work.moment,
        clocks_from=work.recorded_at if late else None,
    )
    check_parties(work, rules, state, command, step, enterprise)
    for s in (*fired, step):
        case.record(s)
    return case.id


def check_parties(
    work: UnitOfWork,
    rules: CompiledRules,
    before: CaseState,
    command: ActOnCase,
    step: Step,
    enterprise: EnterpriseOf,
) -> None:
    """Refuse a step that hands the case to nobody who can act on it.

    An escalation names its recipient (``payload.to``): they must be an active person of
    the jurisdiction's roster holding the role of the rung the case goes to, and, where
    that role is scoped (a grid, a responsibility), in scope for the case's enterprise
    that day. A dispatch names a unit: someone active on the roster must belong to it
    that day. Otherwise the case would sit with no one able to move it, and where the
    rules allow no redispatch, for good.
    """
    day = work.moment.date()
    j = rules.jurisdiction
    if step.kind == Action.ESCALATE.value and isinstance(step.payload.get("to"), str):
        to = step.payload["to"]
        rung = rules.rules.ladder[step.outcome.level]
        rule = f"{j}@{rules.version} ladder[{rung.level}]"
        person = work.get(Person, person_key(j, to))
        outside = None
        if person is not None and person.active and rung.role in person.roles:
            outside = out_of_scope(work, rules, to, rung.role, enterprise, day)
        if person is None or not person.active or rung.role not in person.roles or outside:
            why = (
                "is not in the roster"
                if person is None
                else "is no longer active"
                if not person.active
                else f"does not hold the role {rung.role!r}"
                if rung.role not in person.roles
                else f"is out of scope ({outside})"
            )
            raise NotAuthorised(
                f"escalate: {to} {why} in {j}; the case goes to the rung of {rung.role!r}",
                actor=command.actor,
                role=command.role,
                rule=rule,
                cite=rung.cite or rung.assumption,
            )
    if step.kind in (Action.DISPATCH.value, Action.REDISPATCH.value):
        unit = step.outcome.unit
        if unit is not None and unit != before.unit and not _unit_staffed(work, j, unit):
            raise NotAuthorised(
                f"{step.kind}: nobody active on the {j} roster belongs to unit {unit!r} on "
                f"{day.isoformat()}, so nobody could accept the matter",
                actor=command.actor,
                role=command.role,
                rule=f"{j}@{rules.version} roster: unit {unit}",
            )


def _unit_staffed(work: UnitOfWork, jurisdiction: str, unit: str) -> bool:
    return work.roster().staffed(jurisdiction, unit)


@dataclass(frozen=True)
class FireClocks:
    """gridcase's own work: fire a case's clocks that ran out at or before ``now``."""

    case_id: UUID
    now: datetime


def fire_clocks(command: FireClocks, work: UnitOfWork) -> UUID:
    """Record every expiry (and what the rules make of it) due on the case by ``now``."""
    case = work.require(Case, command.case_id, f"no case {command.case_id}")
    rules = work.pinned(case.state.submission.rules_hash)
    for s in decide_expiries(rules, work.rules.calendar_for(rules), case.state, command.now):
        case.record(s)
    return case.id
