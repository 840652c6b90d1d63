"""Roster administration as a role: every registry and visit command is authorised.

Deny by default, as for case actions. A roster command is carried out only when its
actor is an active person of the command's jurisdiction holding the built-in role
``administrator``, with three narrow exceptions where the source gives the act to
somebody else: a visitor records their own visit (the officer logs what they found), and
an enterprise names or withdraws its own liaisons and records its own contact (Weifang:
每个被联系企业确定1-2名联络员). A grid's monthly visit ledger is sent by its own people,
in the roles the rule file names (``visits.ledger_submission``), checked by its handler.
The first administrator is named by an explicit, recorded bootstrap; the last one cannot be removed, so a roster never locks itself out.

Every accepted roster command is in the security log with its actor (``administered``),
and every refusal with the rule that refused it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

from gridcase.application.unit_of_work import UnitOfWork
from gridcase.domain.administration import ADMINISTRATOR, Administration, administration_key
from gridcase.domain.credit_code import looks_like_credit_code
from gridcase.domain.ids import person_key
from gridcase.domain.person import Person
from gridcase.domain.registry import check_person_id
from gridcase.domain.roster_commands import (
    BootstrapAdministrator,
    ChangePerson,
    DeactivatePerson,
    NameLiaison,
    RecordContact,
    RecordVisit,
    RosterCommand,
    SubmitVisitLedger,
    WithdrawLiaison,
)
from gridcase.kernel.errors import InvalidInput, NotAuthorised

__all__ = ["administered", "authorise", "bootstrap_administrator"]

C = TypeVar("C")

_ENTERPRISE_OWN = (NameLiaison, WithdrawLiaison, RecordContact)


def _rule(jurisdiction: str) -> str:
    return f"{jurisdiction} roster administrators"


def authorise(command: Any, work: UnitOfWork) -> None:
    """Refuse a roster command whose actor may not give it."""
    jurisdiction = command.jurisdiction
    actor = command.actor
    if not isinstance(actor, str) or not actor.strip():
        raise NotAuthorised(
            f"{command.kind}: a roster command names its actor, an administrator of "
            f"{jurisdiction} (Roster.acting_as, --actor or GRIDCASE_ACTOR)",
            actor=str(actor),
            rule=_rule(jurisdiction),
        )
    if isinstance(command, RecordVisit) and actor == command.visitor:
        return
    if isinstance(command, SubmitVisitLedger):
        return  # sent by the grid's own people: the roles are rule data, checked by its handler
    if (
        isinstance(command, _ENTERPRISE_OWN)
        and looks_like_credit_code(actor)
        and actor.strip().upper() == command.credit_code.strip().upper()
    ):
        return
    person = work.get(Person, person_key(jurisdiction, actor))
    if person is None or not person.active or ADMINISTRATOR not in person.roles:
        why = (
            "is not in the roster"
            if person is None
            else "is no longer active"
            if not person.active
            else "is not an administrator"
        )
        administration = work.get(Administration, administration_key(jurisdiction))
        hint = (
            ""
            if administration is not None
            else f"; {jurisdiction} has no administrator yet: bootstrap one first"
        )
        raise NotAuthorised(
            f"{command.kind}: {actor} {why} of {jurisdiction}{hint}",
            actor=actor,
            role=ADMINISTRATOR,
            rule=_rule(jurisdiction),
        )
    if isinstance(command, ChangePerson | DeactivatePerson):
        _keep_an_administrator(command, work)


def _keep_an_administrator(command: ChangePerson | DeactivatePerson, work: UnitOfWork) -> None:
    """Refuse taking the role from the last active administrator."""
    target = work.get(Person, person_key(command.jurisdiction, command.person_id))
    if target is None or not target.active or ADMINISTRATOR not in target.roles:
        return
    if isinstance(command, ChangePerson) and ADMINISTRATOR in command.roles:
        return
    others = [
        p
        for p in work.roster().people(command.jurisdiction).values()
        if p.active and ADMINISTRATOR in p.roles and p.person_id != target.person_id
    ]
    if not others:
        raise InvalidInput(
            f"{command.person_id} is the last administrator of {command.jurisdiction}: "
            "name another administrator first",
            field="person_id",
        )


def administered(handler: Callable[[C, UnitOfWork], UUID]) -> Callable[[C, UnitOfWork], UUID]:
    """``handler``, after :func:`authorise` allowed its command."""

    def run(command: C, work: UnitOfWork) -> UUID:
        assert isinstance(command, RosterCommand) or hasattr(command, "actor")
        authorise(command, work)
        return handler(command, work)

    run.__name__ = getattr(handler, "__name__", "administered")
    run.__doc__ = handler.__doc__
    return run


def bootstrap_administrator(command: BootstrapAdministrator, work: UnitOfWork) -> UUID:
    """Name the jurisdiction's first administrator; refused once it has one."""
    jurisdiction = command.jurisdiction
    work.rules.known(jurisdiction)
    if command.actor is not None and command.actor != command.person_id:
        raise NotAuthorised(
            f"the first administrator bootstraps themselves: {command.actor} cannot name "
            f"{command.person_id}",
            actor=command.actor,
            rule=_rule(jurisdiction),
        )
    if work.get(Administration, administration_key(jurisdiction)) is not None:
        raise NotAuthorised(
            f"{jurisdiction} already has its administration; an administrator adds others",
            actor=command.person_id,
            rule=_rule(jurisdiction),
        )
    check_person_id(command.person_id, command.name)
    key = person_key(jurisdiction, command.person_id)
    if work.get(Person, key) is not None:
        raise InvalidInput(
            f"{command.person_id} is already in the {jurisdiction} roster", field="person_id"
        )
    work.add(Administration(jurisdiction=jurisdiction, first_administrator=command.person_id))
    person = work.add(
        Person(
            jurisdiction=jurisdiction,
            person_id=command.person_id,
            name=command.name.strip(),
            roles=[ADMINISTRATOR],
            units=[],
            rank=None,
        )
    )
    return person.id
