"""Who administers a jurisdiction's roster (名册管理员), and how the first one came to be.

Registering people, enterprises, grids and projects decides who may later act on cases,
so those commands are authorised like case actions: their actor must be an active
person of the jurisdiction holding the built-in role :data:`ADMINISTRATOR`. Somebody has
to be first: :class:`Administration` is created once per jurisdiction by an explicit,
recorded bootstrap, which names the first administrator; after it, only administrators
add administrators, and the last one cannot be removed.

Module path and class names are part of the stored events' topics.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import event

from gridcase.domain.ids import NAMESPACE
from gridcase.domain.recorded import RecordedAggregate

__all__ = ["ADMINISTRATOR", "Administration", "administration_key"]

ADMINISTRATOR = "administrator"
"""The built-in role of a roster administrator; no rule file may declare a role of this
name, and it grants no action on cases."""


def administration_key(jurisdiction: str) -> UUID:
    """The one :class:`Administration` of a jurisdiction."""
    return uuid5(NAMESPACE, f"administration/{jurisdiction}")


class Administration(RecordedAggregate):
    """A jurisdiction's roster administration: it exists once its first administrator is named.

    Its existence is what makes a second bootstrap impossible: two bootstraps at once
    both create this aggregate at version 1, so the second save is a conflict.
    """

    @staticmethod
    def create_id(jurisdiction: str, **_: Any) -> Any:
        return administration_key(jurisdiction)

    @event("Bootstrapped")
    def __init__(self, jurisdiction: str, first_administrator: str) -> None:
        self.jurisdiction = jurisdiction
        self.first_administrator = first_administrator
