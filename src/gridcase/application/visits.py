"""The visit handler: record a visit (走访) with its findings and evidence."""

from __future__ import annotations

from uuid import UUID

from pydantic import ValidationError

from gridcase.application.enterprises import load_enterprise
from gridcase.application.rulebook import registry_policy
from gridcase.application.unit_of_work import UnitOfWork
from gridcase.domain.actions import SYSTEM_ACTOR, SYSTEM_ROLE
from gridcase.domain.ids import person_key
from gridcase.domain.payloads import EvidenceRef
from gridcase.domain.person import Person
from gridcase.domain.policy import VisitChannel
from gridcase.domain.registry import check_visit, require_active, require_in_scope
from gridcase.domain.roster_commands import RecordVisit
from gridcase.domain.visit import Visit, VisitFindings, VisitPurpose, visit_key
from gridcase.kernel.errors import InvalidInput, NotAuthorised

__all__ = ["record_visit"]


def record_visit(command: RecordVisit, work: UnitOfWork) -> UUID:
    """Record a visit that took place at ``visited_at``.

    Refused, writing nothing, when the visitor is not an active person of the roster,
    the enterprise was not in scope on the visit's China date, the channel is not
    allowed, the visit is an inspection where ``visits.forbid_inspection`` holds, or it
    carries no evidence where ``visits.require_evidence`` holds. ``visit_id`` (default:
    the command id) is how cases and ledgers refer to it.
    """
    moment = work.stamp(command.visited_at, "visited_at")
    day = moment.date()
    policy = registry_policy(work.in_force(command.jurisdiction, day))
    try:
        channel = VisitChannel(command.channel)
    except ValueError:
        known = ", ".join(c.value for c in VisitChannel)
        raise InvalidInput(
            f"unknown visit channel {command.channel!r} (known: {known})", field="channel"
        ) from None
    try:
        purpose = VisitPurpose(command.purpose)
    except ValueError:
        known = ", ".join(p.value for p in VisitPurpose)
        raise InvalidInput(
            f"unknown visit purpose {command.purpose!r} (known: {known})", field="purpose"
        ) from None
    try:
        found = VisitFindings.model_validate(command.findings or {})
        refs = tuple(EvidenceRef.model_validate(e) for e in command.evidence)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InvalidInput(
            f"visit {where or 'findings'}: {first['msg']}", field=where or "findings"
        ) from None
    ent = load_enterprise(work, command.jurisdiction, command.enterprise)
    require_in_scope(ent, day)
    if command.visitor == SYSTEM_ACTOR:
        raise NotAuthorised(
            "gridcase itself does not visit enterprises", actor=command.visitor, role=SYSTEM_ROLE
        )
    require_active(
        command.jurisdiction,
        work.get(Person, person_key(command.jurisdiction, command.visitor)),
        command.visitor,
    )
    check_visit(policy, channel, purpose, refs)
    vid = (command.visit_id or command.command_id).strip()
    if work.get(Visit, visit_key(command.jurisdiction, vid)) is not None:
        raise InvalidInput(
            f"visit {vid} is already recorded in {command.jurisdiction}", field="visit_id"
        )
    visit = work.add(
        Visit(
            jurisdiction=command.jurisdiction,
            visit_id=vid,
            enterprise=ent.credit_code,
            visitor=command.visitor,
            at=moment,
            channel=channel.value,
            purpose=purpose.value,
            findings=found.model_dump(exclude_none=True),
            evidence=[r.model_dump() for r in refs],
            command_id=command.command_id.strip(),
        )
    )
    return visit.id
