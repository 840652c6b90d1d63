"""The enterprise handlers: registry, scope, map numbers, liaisons and responsible people.

An assignment is recorded on the enterprise and on the person in the same save: the
person's side makes a quota safe against two concurrent assignments (both change that
aggregate, so the second fails and is decided again), the enterprise's side makes "one
butler per enterprise" safe.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from uuid import UUID

from gridcase.application.rulebook import registry_policy
from gridcase.application.unit_of_work import UnitOfWork
from gridcase.domain.credit_code import parse_credit_code
from gridcase.domain.enterprise import (
    Enterprise,
    MapNumberClaim,
    ScopeEntry,
    ScopeExit,
    map_number_key,
)
from gridcase.domain.ids import enterprise_key, person_key
from gridcase.domain.person import ENTERPRISE, Person
from gridcase.domain.registry import (
    check_liaison_cap,
    check_liaison_form,
    check_organisation,
    check_responsible,
    check_shared_responsibility,
    check_tier,
    require_in_scope,
    require_reason,
)
from gridcase.domain.roster_commands import (
    AssignMapNumber,
    AssignResponsible,
    EnterScope,
    ErasePersonalData,
    LeaveScope,
    NameLiaison,
    RecordContact,
    RegisterEnterprise,
    ReleaseResponsible,
    WithdrawLiaison,
)
from gridcase.kernel.errors import InvalidInput

__all__ = [
    "assign_map_number",
    "assign_responsible",
    "enter_scope",
    "erase_personal_data",
    "leave_scope",
    "load_enterprise",
    "name_liaison",
    "record_contact",
    "register_enterprise",
    "release_all",
    "release_responsible",
    "withdraw_liaison",
]


def load_enterprise(work: UnitOfWork, jurisdiction: str, credit_code: str) -> Enterprise:
    code = parse_credit_code(credit_code)
    return work.require(
        Enterprise,
        enterprise_key(jurisdiction, code.value),
        f"enterprise {code} is not registered in {jurisdiction}",
    )


def register_enterprise(command: RegisterEnterprise, work: UnitOfWork) -> UUID:
    """Add an enterprise to a jurisdiction's registry and its scope from a date.

    ``basis`` says why it entered (Qingdao's completion filing and start of
    production, a tenant's move-in, an incubator's start; or the yearly list).
    """
    code = parse_credit_code(command.credit_code)
    policy = registry_policy(work.in_force(command.jurisdiction, command.in_scope_from))
    org = check_organisation(policy, code, command.organisation_type)
    check_tier(policy, command.tier)
    if not command.name.strip():
        raise InvalidInput("an enterprise needs a name", field="name")
    if work.get(Enterprise, enterprise_key(command.jurisdiction, code.value)) is not None:
        raise InvalidInput(
            f"{code} is already registered in {command.jurisdiction}", field="credit_code"
        )
    ent = work.add(
        Enterprise(
            jurisdiction=command.jurisdiction,
            credit_code=code.value,
            name=command.name.strip(),
            organisation_type=org.value,
            industry=command.industry,
            location=command.location,
            tier=command.tier,
        )
    )
    ent.enter_scope(
        on=command.in_scope_from, basis=ScopeEntry(command.basis).value, reason=command.reason
    )
    return ent.id


def enter_scope(command: EnterScope, work: UnitOfWork) -> UUID:
    """A registered enterprise that had left the scope enters it again."""
    policy = registry_policy(work.in_force(command.jurisdiction, command.on))
    ent = load_enterprise(work, command.jurisdiction, command.credit_code)
    check_organisation(policy, parse_credit_code(ent.credit_code), ent.organisation_type)
    ent.enter_scope(on=command.on, basis=ScopeEntry(command.basis).value, reason=command.reason)
    return ent.id


def leave_scope(command: LeaveScope, work: UnitOfWork) -> UUID:
    """The enterprise moved out, was deregistered or delisted: it is no longer served from ``on``.

    The people responsible for it are released on the same day (their quota frees up);
    its grid memberships stay, since they describe where it is, not whom it is served by.
    """
    work.in_force(command.jurisdiction, command.on)
    ent = load_enterprise(work, command.jurisdiction, command.credit_code)
    if not ent.in_scope_now:
        raise InvalidInput(
            f"{ent.credit_code} is not in {command.jurisdiction}'s scope", field="credit_code"
        )
    release_all(work, ent, command.on, f"left the scope: {command.reason}")
    ent.leave_scope(on=command.on, basis=ScopeExit(command.basis).value, reason=command.reason)
    return ent.id


def release_all(
    work: UnitOfWork, ent: Enterprise, on: date, reason: str, grids: Sequence[str] | None = None
) -> None:
    """Release the enterprise's responsible people (in ``grids``, or all) on both sides.

    One person may answer for the enterprise in two grids: the unit of work loads them
    once, so both releases go into the same aggregate.
    """
    for s in ent.open_responsibles():
        if grids is not None and s.grid not in grids:
            continue
        ent.release_responsible(person_id=s.holder, grid=s.grid, on=on, reason=reason)
        person = work.get(Person, person_key(ent.jurisdiction, s.holder))
        if person is not None:
            person.release(kind=ENTERPRISE, subject=ent.credit_code, grid=s.grid, on=on)


def assign_map_number(command: AssignMapNumber, work: UnitOfWork) -> UUID:
    """Give the enterprise its number on the map (Yingkou: one number per enterprise)."""
    work.rules.known(command.jurisdiction)
    number = command.number.strip()
    if not number:
        raise InvalidInput("a map number cannot be empty", field="map_number")
    ent = load_enterprise(work, command.jurisdiction, command.credit_code)
    if ent.map_number == number:
        raise InvalidInput(f"{ent.credit_code} already has map number {number}", field="map_number")
    claim = work.get(MapNumberClaim, map_number_key(command.jurisdiction, number))
    if claim is None:
        work.add(
            MapNumberClaim(
                jurisdiction=command.jurisdiction, number=number, credit_code=ent.credit_code
            )
        )
    else:
        claim.reclaim(credit_code=ent.credit_code)
    if ent.map_number is not None:
        old = work.get(MapNumberClaim, map_number_key(command.jurisdiction, ent.map_number))
        if old is not None and old.holder == ent.credit_code:
            old.release(reason=f"{ent.credit_code} renumbered {number}")
    ent.set_map_number(number=number)
    return ent.id


def name_liaison(command: NameLiaison, work: UnitOfWork) -> UUID:
    """The enterprise names a liaison (企业联络员) who acts for it from now on.

    ``liaison_id`` is the portal's key for the person (never reused for the same
    enterprise); they act under ``<credit code>/<liaison id>``. Only a name is kept, in a
    field of its own: no phone number or other contact detail.
    """
    policy = registry_policy(work.in_force(command.jurisdiction, work.moment.date()))
    policy.liaisons()
    liaison_id = command.liaison_id.strip() if isinstance(command.liaison_id, str) else ""
    name = command.name.strip() if isinstance(command.name, str) else ""
    check_liaison_form(liaison_id, name)
    ent = load_enterprise(work, command.jurisdiction, command.credit_code)
    require_in_scope(ent, work.moment.date())
    ent.check_liaison_id_free(liaison_id)
    check_liaison_cap(policy, ent)
    sealed = work.seal(command.jurisdiction, ent.credit_code, "liaison.name", liaison_id, name)
    ent.name_liaison(liaison_id=liaison_id, name=sealed)
    return ent.id


CONTACT_FIELDS = ("name", "phone", "email")


def record_contact(command: RecordContact, work: UnitOfWork) -> UUID:
    """The enterprise's contact person, each field sealed with the enterprise's own key.

    The phone must look like one and the e-mail like an address: these fields are the
    one place contact details belong, so they are checked, not just stored.
    """
    work.rules.known(command.jurisdiction)
    values = {"name": command.name, "phone": command.phone, "email": command.email}
    if not isinstance(command.name, str) or not command.name.strip() or len(command.name) > 100:
        raise InvalidInput("a contact needs a name of at most 100 characters", field="name")
    if command.phone is not None and not _PHONE.fullmatch(command.phone.strip()):
        raise InvalidInput(f"{command.phone!r} is not a phone number", field="phone")
    if command.email is not None and not _EMAIL.fullmatch(command.email.strip()):
        raise InvalidInput(f"{command.email!r} is not an e-mail address", field="email")
    ent = load_enterprise(work, command.jurisdiction, command.credit_code)
    contact = {
        f: work.seal(command.jurisdiction, ent.credit_code, f"contact.{f}", "contact", v.strip())
        for f, v in values.items()
        if isinstance(v, str) and v.strip()
    }
    ent.record_contact(contact)
    return ent.id


_PHONE = re.compile(r"\+?[0-9][0-9 ()-]{5,24}")
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,255}\.[A-Za-z]{2,}")


def erase_personal_data(command: ErasePersonalData, work: UnitOfWork) -> UUID:
    """Erase an enterprise's personal data: record why, then destroy its key.

    Every sealed value (contact, liaisons' names) then reads as erased wherever it was
    recorded; no stored byte changes, so the hash chain still verifies.
    """
    work.rules.known(command.jurisdiction)
    reason = require_reason(command.reason)
    ent = load_enterprise(work, command.jurisdiction, command.credit_code)
    ent.erase_personal_data(reason=reason)
    work.destroy_key(command.jurisdiction, ent.credit_code)
    return ent.id


def withdraw_liaison(command: WithdrawLiaison, work: UnitOfWork) -> UUID:
    """The enterprise's liaison no longer acts for it (left the company, replaced).

    Allowed whatever the rules now say, since it only takes a right away; the liaison's
    history stays, and their id is not given to anyone else.
    """
    work.rules.known(command.jurisdiction)
    reason = require_reason(command.reason)
    ent = load_enterprise(work, command.jurisdiction, command.credit_code)
    ent.withdraw_liaison(liaison_id=command.liaison_id.strip(), reason=reason)
    return ent.id


def assign_responsible(command: AssignResponsible, work: UnitOfWork) -> UUID:
    """Make a person responsible for an enterprise from ``on`` (in one of its grids, or overall).

    Refused when the person lacks ``roster.responsible_role``, or when it would exceed the
    quota of their rank (naming it). With ``one_responsible_per_enterprise`` the previous
    person (in the same grid) is released that day.
    """
    policy = registry_policy(work.in_force(command.jurisdiction, command.on))
    roster = policy.require_roster()
    ent = load_enterprise(work, command.jurisdiction, command.credit_code)
    ent.check_assignable(command.person_id, command.grid)
    person = check_responsible(
        policy,
        work.get(Person, person_key(command.jurisdiction, command.person_id)),
        command.person_id,
        ENTERPRISE,
        ent.credit_code,
        command.on,
    )
    if roster.shared_ranks and not roster.one_responsible_per_enterprise:
        sharing = [
            other
            for st in ent.open_responsibles()
            if st.grid == command.grid and st.holder != command.person_id
            if (other := work.get(Person, person_key(command.jurisdiction, st.holder))) is not None
        ]
        check_shared_responsibility(policy, person, sharing)
    if roster.one_responsible_per_enterprise:
        for s in [s for s in ent.open_responsibles() if s.grid == command.grid]:
            ent.release_responsible(
                person_id=s.holder,
                grid=command.grid,
                on=command.on,
                reason=f"replaced by {command.person_id}",
                why=f"replacing {s.holder}",
            )
            previous = work.get(Person, person_key(command.jurisdiction, s.holder))
            if previous is not None:
                previous.release(
                    kind=ENTERPRISE, subject=ent.credit_code, grid=command.grid, on=command.on
                )
    ent.assign_responsible(
        person_id=command.person_id, grid=command.grid, on=command.on, reason=command.reason
    )
    person.take(kind=ENTERPRISE, subject=ent.credit_code, grid=command.grid, on=command.on)
    return ent.id


def release_responsible(command: ReleaseResponsible, work: UnitOfWork) -> UUID:
    """A person stops being responsible for an enterprise from ``on``."""
    work.in_force(command.jurisdiction, command.on)
    ent = load_enterprise(work, command.jurisdiction, command.credit_code)
    ent.release_responsible(
        person_id=command.person_id, grid=command.grid, on=command.on, reason=command.reason
    )
    person = work.get(Person, person_key(command.jurisdiction, command.person_id))
    if person is not None:
        person.release(kind=ENTERPRISE, subject=ent.credit_code, grid=command.grid, on=command.on)
    return ent.id
