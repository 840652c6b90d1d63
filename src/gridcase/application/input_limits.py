"""How much text a command may carry, which characters it may not, and the types of its fields.

Every command passes :func:`check_command` on the single command path, before anything is
decided, so the limits are set here and nowhere else (``docs/security.md`` lists them):

* **Length**: a free-text field (:data:`~gridcase.application.text_policy.FREE_TEXT_FIELDS`:
  reasons, titles, findings …) holds at most :data:`MAX_FREE_TEXT` characters; any other
  text (ids, names, codes, roles) at most :data:`MAX_TEXT`; all the text of one command
  together at most :data:`MAX_COMMAND_TEXT` (an import batch of 1,000 rows stays far below).
* **Characters**: refused everywhere are the C0 controls other than tab, line feed and
  carriage return, DEL, the C1 controls (U+0080–U+009F), lone surrogates, and the
  bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) that
  make a text display in another order than it is stored ("Trojan Source"). Tab, line
  feed and carriage return are refused outside free text. Nothing is silently altered:
  the command is refused naming the field and the character.
* **Types**: a field declared as an enum (an :class:`~gridcase.domain.actions.Action`, a
  channel, a scope basis …), a text, a moment, a date or an id must hold one; a plain
  string where an ``Action`` is expected is :class:`~gridcase.kernel.errors.InvalidInput`,
  never an ``AttributeError`` deeper down.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from collections.abc import Mapping
from datetime import date, datetime
from enum import Enum
from typing import Union
from uuid import UUID

from gridcase.application.text_policy import FREE_TEXT_FIELDS
from gridcase.kernel.errors import InvalidInput

__all__ = ["MAX_COMMAND_TEXT", "MAX_FREE_TEXT", "MAX_TEXT", "check_command", "check_text"]

MAX_FREE_TEXT = 10_000
"""Characters in one free-text field (a reason, a finding): about five pages of Chinese."""
MAX_TEXT = 1_000
"""Characters in any other text of a command (an id, a name, a code, a role)."""
MAX_COMMAND_TEXT = 2_000_000
"""Characters of text in one command altogether, payloads and batches included."""

_REFUSED = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]"
)
_LINE_BREAKS = re.compile("[\t\n\r]")


def check_text(value: str, where: str, *, free: bool) -> int:
    """Refuse ``value`` if too long or holding a refused character; its length otherwise."""
    limit = MAX_FREE_TEXT if free else MAX_TEXT
    if len(value) > limit:
        raise InvalidInput(
            f"{where} is {len(value)} characters long; at most {limit} are kept", field=where
        )
    bad = _REFUSED.search(value) or (None if free else _LINE_BREAKS.search(value))
    if bad is not None:
        raise InvalidInput(
            f"{where} holds the control character U+{ord(bad.group()):04X} at position "
            f"{bad.start() + 1}; {'' if free else 'tabs and line breaks, '}control characters "
            "and bidirectional overrides are not accepted",
            field=where,
        )
    return len(value)


class _Budget:
    def __init__(self) -> None:
        self.used = 0

    def spend(self, n: int, where: str) -> None:
        self.used += n
        if self.used > MAX_COMMAND_TEXT:
            raise InvalidInput(
                f"the command carries more than {MAX_COMMAND_TEXT} characters of text "
                f"(reached at {where})",
                field=where,
            )


def _walk(value: object, where: str, name: str, budget: _Budget, depth: int = 0) -> None:
    if depth > 12:
        raise InvalidInput(f"{where} is nested too deeply", field=where)
    if isinstance(value, str):
        budget.spend(check_text(value, where, free=name in FREE_TEXT_FIELDS), where)
    elif isinstance(value, Mapping):
        for k, v in value.items():
            key = str(k)
            budget.spend(check_text(key, f"{where} key", free=False), where)
            _walk(v, f"{where}.{key}", key, budget, depth + 1)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for i, item in enumerate(value):
            _walk(item, f"{where}[{i}]", name, budget, depth + 1)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            _walk(getattr(value, f.name), f"{where}.{f.name}", f.name, budget, depth + 1)
    elif hasattr(value, "model_dump"):  # a pydantic payload
        _walk(value.model_dump(), where, name, budget, depth + 1)


_SIMPLE = (str, datetime, date, UUID)


_EXPECTED: dict[type, dict[str, tuple[type, ...]]] = {}


def _expected(cls: type) -> dict[str, tuple[type, ...]]:
    found = _EXPECTED.get(cls)
    if found is None:
        found = _EXPECTED[cls] = _declared(cls)
    return found


def _declared(cls: type) -> dict[str, tuple[type, ...]]:
    """For each field of ``cls`` declared as simple types (with None allowed), those types."""
    try:
        hints = typing.get_type_hints(cls)
    except (NameError, TypeError):  # pragma: no cover - a forward reference we cannot see
        return {}
    out: dict[str, tuple[type, ...]] = {}
    for f in dataclasses.fields(cls):
        hint = hints.get(f.name)
        options = (
            typing.get_args(hint)
            if typing.get_origin(hint) in (Union, types.UnionType)
            else (hint,)
        )
        if not options or not all(
            o is type(None) or (isinstance(o, type) and (issubclass(o, Enum) or o in _SIMPLE))
            for o in options
        ):
            continue
        out[f.name] = tuple(o for o in options if isinstance(o, type))
    return out


def _check_types(command: object) -> None:
    for name, allowed in _expected(type(command)).items():
        value = getattr(command, name)
        if isinstance(value, allowed) and not (
            isinstance(value, datetime) and date in allowed and datetime not in allowed
        ):
            continue
        names = " or ".join("None" if t is type(None) else t.__name__ for t in allowed)
        enum = next((t for t in allowed if issubclass(t, Enum)), None)
        known = f" (one of {', '.join(str(m.value) for m in enum)})" if enum else ""
        raise InvalidInput(
            f"{name} must be {names}{known}, got {type(value).__name__} {value!r:.60}",
            field=name,
        )


def check_command(command: object) -> None:
    """Refuse a command whose fields have the wrong types, or whose text breaks the limits."""
    if not dataclasses.is_dataclass(command) or isinstance(command, type):
        return
    _check_types(command)
    budget = _Budget()
    for f in dataclasses.fields(command):
        _walk(getattr(command, f.name), f.name, f.name, budget)
