"""The security log: every refusal, late entry and administrator action, kept apart from events.

A refused command writes no event (the log says what happened, and a refusal did not
happen), but an auditor of access must still see who tried what, when, and which rule
said no (GB/T 22239-2019 level 3: audit records of who, when, what and the outcome). So
the store keeps a table of its own, ``gridcase_security``, written by the command path:
for a refusal in a transaction of its own, for an accepted late entry or administrator
action in the same transaction as the command's events. Personal data is masked before it
is written (``kernel.pii``): the log names people by their roster ids, never by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

__all__ = ["SECURITY_COLUMNS", "Outcome", "SecurityEntry"]

Outcome = Literal["refused", "late_entry", "administered"]

SECURITY_COLUMNS = (
    "recorded_at, claimed_at, outcome, kind, command_id, actor, role, jurisdiction, "
    "aggregate_id, error, rule, message"
)


@dataclass(frozen=True)
class SecurityEntry:
    """One entry of the security log."""

    recorded_at: datetime
    """The engine's clock when the command was handled."""
    outcome: Outcome
    kind: str
    """What was asked (``act:dispatch``, ``register_person`` …)."""
    actor: str | None
    role: str | None = None
    jurisdiction: str | None = None
    command_id: str | None = None
    aggregate_id: str | None = None
    claimed_at: datetime | None = None
    """The moment the command was dated, when it gave one."""
    error: str | None = None
    """The refusal's type (``NotAuthorised``, ``RefusedByRule`` …)."""
    rule: str | None = None
    """The rule that refused it, where a rule did."""
    message: str = ""
    position: int | None = None
    """Its place in the security log (set when read back)."""

    def params(self) -> tuple[Any, ...]:
        return (
            self.recorded_at.isoformat(),
            self.claimed_at.isoformat() if self.claimed_at else None,
            self.outcome,
            self.kind,
            self.command_id,
            self.actor,
            self.role,
            self.jurisdiction,
            self.aggregate_id,
            self.error,
            self.rule,
            self.message,
        )

    @classmethod
    def from_row(cls, r: Any) -> SecurityEntry:
        return cls(
            recorded_at=datetime.fromisoformat(r["recorded_at"]),
            claimed_at=datetime.fromisoformat(r["claimed_at"]) if r["claimed_at"] else None,
            outcome=r["outcome"],
            kind=r["kind"],
            command_id=r["command_id"],
            actor=r["actor"],
            role=r["role"],
            jurisdiction=r["jurisdiction"],
            aggregate_id=r["aggregate_id"],
            error=r["error"],
            rule=r["rule"],
            message=r["message"],
            position=int(r["position"]),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "recorded_at": self.recorded_at.isoformat(),
            "claimed_at": self.claimed_at.isoformat() if self.claimed_at else None,
            "outcome": self.outcome,
            "kind": self.kind,
            "command_id": self.command_id,
            "actor": self.actor,
            "role": self.role,
            "jurisdiction": self.jurisdiction,
            "aggregate_id": self.aggregate_id,
            "error": self.error,
            "rule": self.rule,
            "message": self.message,
        }
