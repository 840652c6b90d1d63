"""Stable identities derived from domain keys.

Aggregates are found by what people know them by (a credit code, a person's id in the
roster, a command id), so their UUIDs are derived from those keys with UUID5 in one
fixed namespace. Changing the namespace or a key format would orphan stored events.
"""

from __future__ import annotations

from functools import lru_cache
from uuid import UUID, uuid5

__all__ = ["NAMESPACE", "case_id_for", "enterprise_key", "person_key", "rules_key"]

NAMESPACE = UUID("6f1c1d3e-4b0a-5c2e-9a57-2d6e1b8f0c41")


def case_id_for(command_id: str) -> UUID:
    """The case a submission command creates, so a re-sent submission finds it."""
    return uuid5(NAMESPACE, f"case/{command_id}")


@lru_cache(maxsize=1 << 16)
def enterprise_key(jurisdiction: str, credit_code: str) -> UUID:
    """Remembered: every command derives its actor's and enterprise's keys (UUID5 hashes)."""
    return uuid5(NAMESPACE, f"enterprise/{jurisdiction}/{credit_code}")


@lru_cache(maxsize=1 << 16)
def person_key(jurisdiction: str, person_id: str) -> UUID:
    return uuid5(NAMESPACE, f"person/{jurisdiction}/{person_id}")


def rules_key(content_hash: str) -> UUID:
    return uuid5(NAMESPACE, f"rules/{content_hash}")
