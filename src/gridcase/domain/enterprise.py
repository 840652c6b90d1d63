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

from gridcase.domain.assignment import Stint, end_open
from gridcase.domain.credit_code import parse_credit_code
from gridcase.domain.ids import NAMESPACE, enterprise_key
from gridcase.domain.recorded import RecordedAggregate
from gridcase.kernel.errors import InvalidCreditCode

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
        """Liaisons named to act for it, withdrawn ones included (their ids are not reused)."""

    @event("DetailsChanged")
    def change_details(
        self, name: str, industry: str | None, location: str | None, tier: str | None, reason: str
    ) -> None:
        self.name = name
        self.industry = industry
        self.location = location
        self.tier = tier

    @event("ScopeEntered")
    def enter_scope(self, on: date, basis: str, reason: str) -> None:
        self.scope_history.append(ScopeChange(on, True, basis, reason))

    @event("ScopeLeft")
    def leave_scope(self, on: date, basis: str, reason: str) -> None:
        self.scope_history.append(ScopeChange(on, False, basis, reason))

    @event("MapNumbered")
    def set_map_number(self, number: str) -> None:
        self.map_number = number

    @event("GridJoined")
    def join_grid(self, grid: str, kind: str, on: date, reason: str) -> None:
        self.grids.append(Stint(grid, on, kind=kind))

    @event("GridLeft")
    def leave_grid(self, grid: str, on: date, reason: str) -> None:
        end_open(self.grids, on, lambda s: s.holder == grid)

    @event("ResponsibleAssigned")
    def assign_responsible(self, person_id: str, grid: str | None, on: date, reason: str) -> None:
        self.responsibles.append(Stint(person_id, on, grid=grid))

    @event("ResponsibleReleased")
    def release_responsible(self, person_id: str, grid: str | None, on: date, reason: str) -> None:
        end_open(self.responsibles, on, lambda s: s.holder == person_id and s.grid == grid)

    @event("LiaisonNamed")
    def name_liaison(self, liaison_id: str, name: str) -> None:
        self.liaisons.append(EnterpriseLiaison(liaison_id, name))

    @event("LiaisonWithdrawn")
    def withdraw_liaison(self, liaison_id: str, reason: str) -> None:
        self.liaisons = [
            replace(x, active=False) if x.liaison_id == liaison_id else x for x in self.liaisons
        ]

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

    @event("Reclaimed")
    def reclaim(self, credit_code: str) -> None:
        self.holder = credit_code

    @event("Released")
    def release(self, reason: str) -> None:
        self.holder = None
