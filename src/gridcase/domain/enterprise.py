"""Enterprises in a jurisdiction's registry, and their place in its scope over time.

An enterprise is known by its unified social credit code. Whether it is served is a
matter of dates: it enters the scope (on the yearly list, or on an event such as
Qingdao's completion filing and start of production, a tenant's move-in, an
incubator's start of operation) and leaves it (moved out, deregistered), each with a
date and a reason. "Was X in scope on D" therefore has an answer, and a demand or a
visit for an enterprise outside the scope on that day is refused.

The same goes for its grids (网格) and the people responsible for it: memberships and
responsibilities are spans of days (:class:`~gridcase.domain.assignment.Stint`), so
"who was responsible for X on D" has an answer too. Yingkou's map number (地图编号), one
per enterprise and unique in the jurisdiction, is held by a :class:`MapNumberClaim`
aggregate per number, so that two enterprises can never be saved with the same one.

An enterprise may name liaisons (企业联络员, Weifang: 每个被联系企业确定1-2名联络员) who act
for it. They are recorded on the enterprise itself, so the rule file's cap on them holds
against two namings at once: both change this aggregate, and the second save fails as a
conflict. A liaison acts under the id ``<credit code>/<liaison id>``
(:func:`liaison_actor_id`), which names the enterprise it speaks for in every record it
leaves. The liaison's name is personal data and travels in a field of its own
(``LiaisonNamed.name``), never inside other text; gridcase keeps no contact details.

Module path and class names are part of the stored events' topics: do not move or
rename them without registering the old topic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import event

from gridcase.domain.assignment import Stint, end_open, not_before
from gridcase.domain.credit_code import parse_credit_code
from gridcase.domain.ids import NAMESPACE, enterprise_key
from gridcase.domain.recorded import RecordedAggregate
from gridcase.kernel.errors import InvalidCreditCode, InvalidInput, NotFound, OutOfScope

__all__ = [
    "LIAISON_ID",
    "Enterprise",
    "EnterpriseLiaison",
    "MapNumberClaim",
    "ScopeChange",
    "ScopeEntry",
    "ScopeExit",
    "liaison_actor_id",
    "map_number_key",
    "split_liaison_actor",
]


class ScopeEntry(StrEnum):
    """Why an enterprise entered the scope."""

    LISTED = "listed"
    """On the jurisdiction's list (营口 yearly update; 马陆 yearly key-enterprise list)."""
    COMPLETION_AND_PRODUCTION = "completion_and_production"
    """竣工备案、正式投产: a land-holding enterprise after completion filing and start of production (Qingdao)."""
    TENANT_MOVED_IN = "tenant_moved_in"
    """租、购厂房或孵化器企业入驻、经营 (Qingdao)."""
    INCUBATOR_STARTED = "incubator_started"
    """新增孵化器启动运营 (Qingdao)."""
    REINSTATED = "reinstated"
    """Back in scope after having left it (moved back in, relisted)."""


class ScopeExit(StrEnum):
    """Why an enterprise left the scope."""

    MOVED_OUT = "moved_out"
    """迁出."""
    DEREGISTERED = "deregistered"
    """注销."""
    DELISTED = "delisted"
    """Removed from the list in a yearly update."""


@dataclass(frozen=True)
class ScopeChange:
    on: date
    in_scope: bool
    basis: str
    reason: str


@dataclass(frozen=True)
class EnterpriseLiaison:
    """A person the enterprise named to act for it: the portal's id for them, and a name."""

    liaison_id: str
    name: str
    active: bool = True


LIAISON_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
"""A liaison id, chosen by the portal: ASCII letters, digits, ``_ . -``, at most 64.

It appears in case histories in the clear (as part of the actor id), so it is an
opaque key, never a name or a phone number; and it has no ``/``, so the actor id
splits one way only.
"""


def liaison_actor_id(credit_code: str, liaison_id: str) -> str:
    """The actor id a liaison acts under: ``<credit code>/<liaison id>``.

    A credit code has no ``/`` and a person id may not begin with a credit code and a
    ``/`` (the roster refuses one), so this id is neither a person's nor an enterprise's.
    """
    return f"{credit_code}/{liaison_id}"


def split_liaison_actor(actor_id: str) -> tuple[str, str] | None:
    """``(credit code, liaison id)`` if ``actor_id`` has a liaison's form, else ``None``.

    The form is a valid credit code (any case, as people type it), a ``/`` and anything;
    whether that liaison exists is for the roster to say.
    """
    code, slash, rest = actor_id.strip().partition("/")
    if not slash:
        return None
    try:
        return parse_credit_code(code).value, rest
    except InvalidCreditCode:
        return None


def map_number_key(jurisdiction: str, number: str) -> UUID:
    """The claim on one map number in one jurisdiction."""
    return uuid5(NAMESPACE, f"map-number/{jurisdiction}/{number}")


class Enterprise(RecordedAggregate):
    """An enterprise (企业 / 市场主体) as one jurisdiction knows it."""

    @staticmethod
    def create_id(jurisdiction: str, credit_code: str, **_: Any) -> Any:
        return enterprise_key(jurisdiction, credit_code)

    @event("Registered")
    def __init__(
        self,
        jurisdiction: str,
        credit_code: str,
        name: str,
        organisation_type: str,
        industry: str | None,
        location: str | None,
        tier: str | None,
    ) -> None:
        self.jurisdiction = jurisdiction
        self.credit_code = credit_code
        self.name = name
        self.organisation_type = organisation_type
        self.industry = industry
        self.location = location
        self.tier = tier
        self.scope_history: list[ScopeChange] = []
        self.map_number: str | None = None
        self.grids: list[Stint] = []
        """Grid memberships: ``holder`` is the grid, ``kind`` its kind."""
        self.responsibles: list[Stint] = []
        """Responsible people: ``holder`` is the person, ``grid`` the grid they serve it in."""
        self.liaisons: list[EnterpriseLiaison] = []
        """Liaisons named to act for it, withdrawn ones included (their ids are not reused).
        A liaison's name is personal data: it is kept sealed with the enterprise's key."""
        self.contact: dict[str, str] = {}
        """The enterprise's contact person (name, phone, e-mail), each field sealed."""
        self.erased = False
        """Whether its personal data was erased (its key destroyed, PIPL art. 47)."""

    @event("DetailsChanged")
    def change_details(
        self, name: str, industry: str | None, location: str | None, tier: str | None, reason: str
    ) -> None:
        self.name = name
        self.industry = industry
        self.location = location
        self.tier = tier

    # -- scope ----------------------------------------------------------------------------

    def enter_scope(self, on: date, basis: str, reason: str) -> None:
        """Enter the scope from ``on``; refused while already in it, or dated before the last change."""
        if self.in_scope_now:
            raise InvalidInput(
                f"{self.credit_code} is already in {self.jurisdiction}'s scope", field="credit_code"
            )
        not_before(on, self.last_scope_change, "entering the scope")
        self._scope_entered(on=on, basis=basis, reason=reason)

    @event("ScopeEntered")
    def _scope_entered(self, on: date, basis: str, reason: str) -> None:
        self.scope_history.append(ScopeChange(on, True, basis, reason))

    def leave_scope(self, on: date, basis: str, reason: str) -> None:
        """Leave the scope from ``on``; refused while not in it, or dated before the last change."""
        if not self.in_scope_now:
            raise InvalidInput(
                f"{self.credit_code} is not in {self.jurisdiction}'s scope", field="credit_code"
            )
        not_before(on, self.last_scope_change, "leaving the scope")
        self._scope_left(on=on, basis=basis, reason=reason)

    @event("ScopeLeft")
    def _scope_left(self, on: date, basis: str, reason: str) -> None:
        self.scope_history.append(ScopeChange(on, False, basis, reason))

    # -- the map number ----------------------------------------------------------------------

    def set_map_number(self, number: str) -> None:
        if self.map_number == number:
            raise InvalidInput(
                f"{self.credit_code} already has map number {number}", field="map_number"
            )
        self._map_numbered(number=number)

    @event("MapNumbered")
    def _map_numbered(self, number: str) -> None:
        self.map_number = number

    # -- grids -----------------------------------------------------------------------------

    def join_grid(self, grid: str, kind: str, on: date, reason: str) -> None:
        if any(s.holder == grid for s in self.open_grids()):
            raise InvalidInput(f"{self.credit_code} is already in grid {grid}", field="grid")
        self._grid_joined(grid=grid, kind=kind, on=on, reason=reason)

    @event("GridJoined")
    def _grid_joined(self, grid: str, kind: str, on: date, reason: str) -> None:
        self.grids.append(Stint(grid, on, kind=kind))

    def leave_grid(self, grid: str, on: date, reason: str) -> None:
        stints = [s for s in self.open_grids() if s.holder == grid]
        if not stints:
            raise InvalidInput(f"{self.credit_code} is not in grid {grid}", field="grid")
        not_before(on, stints[0].start, f"leaving grid {grid}")
        self._grid_left(grid=grid, on=on, reason=reason)

    @event("GridLeft")
    def _grid_left(self, grid: str, on: date, reason: str) -> None:
        end_open(self.grids, on, lambda s: s.holder == grid)

    # -- responsible people ------------------------------------------------------------------

    def assign_responsible(self, person_id: str, grid: str | None, on: date, reason: str) -> None:
        """Make ``person_id`` answerable from ``on`` (in ``grid``, which it must be in, or overall)."""
        self.check_assignable(person_id, grid)
        self._responsible_assigned(person_id=person_id, grid=grid, on=on, reason=reason)

    def check_assignable(self, person_id: str, grid: str | None) -> None:
        """Refuse a responsibility out of scope, in a grid it is not in, or held already."""
        if not self.in_scope_now:
            raise OutOfScope(
                f"{self.credit_code} is not in {self.jurisdiction}'s scope",
                rule=f"{self.jurisdiction} registry: scope of {self.credit_code}",
            )
        if grid is not None and not any(s.holder == grid for s in self.open_grids()):
            raise InvalidInput(f"{self.credit_code} is not in grid {grid}", field="grid")
        if any(s.holder == person_id and s.grid == grid for s in self.open_responsibles()):
            raise InvalidInput(
                f"{person_id} is already responsible for {self.credit_code}", field="person_id"
            )

    @event("ResponsibleAssigned")
    def _responsible_assigned(
        self, person_id: str, grid: str | None, on: date, reason: str
    ) -> None:
        self.responsibles.append(Stint(person_id, on, grid=grid))

    def release_responsible(
        self, person_id: str, grid: str | None, on: date, reason: str, *, why: str | None = None
    ) -> None:
        """End ``person_id``'s responsibility (in ``grid``) on ``on``.

        ``why`` names the change in a refusal for a date out of order (``replacing x``).
        """
        stints = [s for s in self.open_responsibles() if s.holder == person_id and s.grid == grid]
        if not stints:
            raise InvalidInput(
                f"{person_id} is not responsible for {self.credit_code}", field="person_id"
            )
        not_before(on, stints[0].start, why or f"releasing {person_id}")
        self._responsible_released(person_id=person_id, grid=grid, on=on, reason=reason)

    @event("ResponsibleReleased")
    def _responsible_released(
        self, person_id: str, grid: str | None, on: date, reason: str
    ) -> None:
        end_open(self.responsibles, on, lambda s: s.holder == person_id and s.grid == grid)

    # -- liaisons ------------------------------------------------------------------------------

    def name_liaison(self, liaison_id: str, name: str) -> None:
        """Name a liaison (``name`` sealed by the caller); an id used before, even for a
        withdrawn one, is refused."""
        self._refuse_if_erased("name a liaison")
        self.check_liaison_id_free(liaison_id)
        self._liaison_named(liaison_id=liaison_id, name=name)

    def check_liaison_id_free(self, liaison_id: str) -> None:
        taken = [x for x in self.liaisons if x.liaison_id.casefold() == liaison_id.casefold()]
        if taken:
            state = "is" if taken[0].active else "was (withdrawn; ids are not reused)"
            raise InvalidInput(
                f"{taken[0].liaison_id} {state} a liaison of {self.credit_code}",
                field="liaison_id",
            )

    @event("LiaisonNamed")
    def _liaison_named(self, liaison_id: str, name: str) -> None:
        self.liaisons.append(EnterpriseLiaison(liaison_id, name))

    def withdraw_liaison(self, liaison_id: str, reason: str) -> None:
        liaison = self.liaison(liaison_id)
        if liaison is None:
            raise NotFound(f"{self.credit_code} has no liaison {liaison_id!r}")
        if not liaison.active:
            raise InvalidInput(
                f"{liaison_id} was already withdrawn as a liaison of {self.credit_code}",
                field="liaison_id",
            )
        self._liaison_withdrawn(liaison_id=liaison.liaison_id, reason=reason)

    @event("LiaisonWithdrawn")
    def _liaison_withdrawn(self, liaison_id: str, reason: str) -> None:
        self.liaisons = [
            replace(x, active=False) if x.liaison_id == liaison_id else x for x in self.liaisons
        ]

    # -- personal data -----------------------------------------------------------------

    def record_contact(self, contact: dict[str, str]) -> None:
        """Record the enterprise's contact person; each value already sealed by the caller."""
        self._refuse_if_erased("record a contact")
        self._contact_recorded(contact=dict(contact))

    @event("ContactRecorded")
    def _contact_recorded(self, contact: dict[str, str]) -> None:
        self.contact = dict(contact)

    def erase_personal_data(self, reason: str) -> None:
        """Mark the enterprise's personal data erased (the caller destroys its key)."""
        self._refuse_if_erased("erase its personal data again")
        self._personal_data_erased(reason=reason)

    @event("PersonalDataErased")
    def _personal_data_erased(self, reason: str) -> None:
        self.erased = True

    def _refuse_if_erased(self, what: str) -> None:
        if self.erased:
            raise InvalidInput(
                f"the personal data of {self.credit_code} was erased; cannot {what}",
                field="credit_code",
            )

    # -- questions --------------------------------------------------------------------

    def in_scope_on(self, day: date) -> bool:
        """Whether the enterprise was served on ``day`` (the last change on or before it wins)."""
        status = False
        for change in self.scope_history:
            if change.on <= day:
                status = change.in_scope
        return status

    @property
    def last_scope_change(self) -> date | None:
        return self.scope_history[-1].on if self.scope_history else None

    @property
    def in_scope_now(self) -> bool:
        """Whether the latest scope change put it in (whatever its date)."""
        return bool(self.scope_history) and self.scope_history[-1].in_scope

    def grids_on(self, day: date) -> list[Stint]:
        return [s for s in self.grids if s.covers(day)]

    def open_grids(self) -> list[Stint]:
        return [s for s in self.grids if s.is_open]

    def responsible_on(
        self, day: date, grid: str | None = None, *, any_grid: bool = False
    ) -> list[str]:
        """Who was responsible on ``day`` (in ``grid``, or in any grid when ``any_grid``)."""
        return [
            s.holder for s in self.responsibles if s.covers(day) and (any_grid or s.grid == grid)
        ]

    def open_responsibles(self) -> list[Stint]:
        return [s for s in self.responsibles if s.is_open]

    def liaison(self, liaison_id: str) -> EnterpriseLiaison | None:
        """The liaison named under ``liaison_id`` (active or withdrawn), if any."""
        return next((x for x in self.liaisons if x.liaison_id == liaison_id), None)

    def active_liaisons(self) -> list[EnterpriseLiaison]:
        return [x for x in self.liaisons if x.active]


class MapNumberClaim(RecordedAggregate):
    """One number on a jurisdiction's map, and the enterprise that holds it (Yingkou)."""

    @staticmethod
    def create_id(jurisdiction: str, number: str, **_: Any) -> Any:
        return map_number_key(jurisdiction, number)

    @event("Claimed")
    def __init__(self, jurisdiction: str, number: str, credit_code: str) -> None:
        self.jurisdiction = jurisdiction
        self.number = number
        self.holder: str | None = credit_code

    def reclaim(self, credit_code: str) -> None:
        """Give a released number to another enterprise; a number held is refused, naming who holds it."""
        if self.holder is not None:
            raise InvalidInput(
                f"map number {self.number} is already held by {self.holder} in {self.jurisdiction}",
                field="map_number",
            )
        self._reclaimed(credit_code=credit_code)

    @event("Reclaimed")
    def _reclaimed(self, credit_code: str) -> None:
        self.holder = credit_code

    def release(self, reason: str) -> None:
        if self.holder is None:
            raise InvalidInput(f"map number {self.number} is not held", field="map_number")
        self._released(reason=reason)

    @event("Released")
    def _released(self, reason: str) -> None:
        self.holder = None
