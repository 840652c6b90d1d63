"""The commands an embedder sends, and the actor behind each.

Every command names its actor and the role the actor acts in, carries a command id
(re-sending the same id does nothing the second time) and may carry its moment; when
it does not, the engine stamps it with its clock at the edge. Payloads are validated
against the action's payload model (:mod:`gridcase.domain.payloads`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any
from uuid import UUID

from gridcase.domain.actions import SYSTEM_ACTOR, SYSTEM_ROLE, Action, Channel
from gridcase.domain.payloads import Payload
from gridcase.kernel.errors import InvalidInput

__all__ = ["ActOnCase", "Actor", "SubmitDemand", "action_of"]


@dataclass(frozen=True)
class SubmitDemand:
    """Register a demand (诉求) for an enterprise under its jurisdiction's rules."""

    jurisdiction: str
    enterprise: str
    """The enterprise's unified social credit code."""
    category: str
    """A category of the jurisdiction's rule file (e.g. Malu's ``consultation``)."""
    title: str
    actor: str
    role: str
    command_id: str
    at: datetime | None = None
    description: str | None = None
    channel: Channel = Channel.PLATFORM
    visit_id: str | None = None
    """The visit (走访) the demand was raised in, if any."""
    case_id: UUID | None = None
    """Normally derived from the command id, so a re-sent submission finds its case."""
    late_reason: str | None = None
    """Why the demand is recorded later than it happened (see the rule file's ``recording``)."""


@dataclass(frozen=True, init=False)
class ActOnCase:
    """Take one action of the vocabulary on a case.

    ``case_id`` may be given as a :class:`~uuid.UUID` or its text, ``action`` as an
    :class:`Action` or its value (``"escalate"``); anything else is refused with
    :class:`~gridcase.kernel.errors.InvalidInput` naming the field.
    """

    case_id: UUID
    action: Action
    actor: str
    role: str
    command_id: str
    at: datetime | None = None
    reason: str | None = None
    payload: Mapping[str, Any] | Payload = field(default_factory=lambda: MappingProxyType({}))
    late_reason: str | None = None
    """Why the step is recorded later than it happened (see the rule file's ``recording``)."""

    def __init__(
        self,
        case_id: UUID | str,
        action: Action | str,
        actor: str,
        role: str,
        command_id: str,
        at: datetime | None = None,
        reason: str | None = None,
        payload: Mapping[str, Any] | Payload | None = None,
        late_reason: str | None = None,
    ) -> None:
        values: dict[str, object] = {
            "case_id": _uuid(case_id),
            "action": action_of(action),
            "actor": actor,
            "role": role,
            "command_id": command_id,
            "at": at,
            "reason": reason,
            "payload": MappingProxyType({}) if payload is None else payload,
            "late_reason": late_reason,
        }
        for name, value in values.items():
            object.__setattr__(self, name, value)


def action_of(value: Action | str) -> Action:
    """``value`` as an :class:`Action`: the member itself or its value (``"escalate"``)."""
    if isinstance(value, Action):
        return value
    try:
        return Action(str(value).strip())
    except ValueError:
        known = ", ".join(a.value for a in Action)
        raise InvalidInput(
            f"{value!r} is not an action (one of: {known})", field="action"
        ) from None


def _uuid(value: UUID | str) -> UUID:
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value).strip())
    except ValueError:
        raise InvalidInput(f"{value!r} is not a case id (a UUID)", field="case_id") from None


@dataclass(frozen=True)
class Actor:
    """Who is acting, as the roster knows them within one jurisdiction."""

    id: str
    roles: frozenset[str]
    units: frozenset[str] = frozenset()
    """The units (departments) the person belongs to."""
    enterprise: str | None = None
    """The enterprise this actor speaks for (the enterprise itself or its liaison)."""

    @classmethod
    def system(cls) -> Actor:
        return cls(SYSTEM_ACTOR, frozenset({SYSTEM_ROLE}))
