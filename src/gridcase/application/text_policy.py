"""Free text is not a place for personal data: refuse it, or mask it, before it is recorded.

Reasons, findings, notes and results are read by everyone who reads a case, are
exported in ledgers, and cannot be erased from an append-only log. An ID-card number, a
phone or an e-mail typed there would outlive any erasure, so the command path screens
every free-text field of every command (``kernel.pii`` says what is looked for):
``refuse`` (the default) turns the command away naming the field, ``mask`` records the
text with the data replaced by its kind (``[mobile]``), ``allow`` keeps it as typed.
A contact's phone and e-mail have their own sealed fields (``Roster.record_contact``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Literal, TypeVar

from pydantic import BaseModel

from gridcase.kernel.errors import InvalidInput
from gridcase.kernel.pii import find_pii, mask_pii

__all__ = ["FREE_TEXT_FIELDS", "TextPolicy", "screen_free_text"]

TextPolicy = Literal["refuse", "mask", "allow"]
C = TypeVar("C")

FREE_TEXT_FIELDS = frozenset(
    {
        "reason",
        "title",
        "description",
        "late_reason",
        "note",
        "opinion",
        "measures",
        "result",
        "progress",
        "report",
        "summary",
        "meeting",
        "operations",
        "investment_intent",
        "tax_status",
        "difficulties",
    }
)
"""The fields people type sentences into, at the top of a command, in a payload or in findings."""

_NESTED = ("payload", "findings")


def _screen(value: str, where: str, policy: TextPolicy) -> str:
    found = find_pii(value)
    if not found:
        return value
    if policy == "mask":
        return mask_pii(value)
    kinds = ", ".join(sorted({f.kind.replace("_", "-") for f in found}))
    raise InvalidInput(
        f"{where} holds what looks like personal data ({kinds}); free text is kept for ever "
        "and cannot be erased: leave it out, or record a contact with its own sealed fields",
        field=where,
    )


def _screen_mapping(data: Mapping[str, Any], where: str, policy: TextPolicy) -> dict[str, Any]:
    return {
        k: _screen(v, f"{where}.{k}", policy) if k in FREE_TEXT_FIELDS and isinstance(v, str) else v
        for k, v in data.items()
    }


def screen_free_text(command: C, policy: TextPolicy) -> C:
    """``command`` with its free text screened: refused, masked, or (``allow``) as it was."""
    if policy == "allow" or not dataclasses.is_dataclass(command) or isinstance(command, type):
        return command
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(command):
        value = getattr(command, f.name)
        if f.name in FREE_TEXT_FIELDS and isinstance(value, str):
            screened = _screen(value, f.name, policy)
            if screened != value:
                changes[f.name] = screened
        elif f.name in _NESTED and value is not None:
            data = (
                value.model_dump(mode="json", exclude_defaults=True)
                if isinstance(value, BaseModel)
                else value
            )
            if isinstance(data, Mapping):
                screened_map = _screen_mapping(data, f.name, policy)
                if screened_map != dict(data):
                    changes[f.name] = screened_map
    return dataclasses.replace(command, **changes) if changes else command
