"""What a command says, as a digest: so a command id re-used for other content is caught.

Payment APIs treat an idempotency key sent again with a different request as a client
error, not as a retry; gridcase does the same. The fingerprint is the SHA-256 of the
command's fields in a canonical JSON form (keys sorted, enums by value, moments as UTC
instants, payloads as their validated model), leaving out the command id itself and a
moment the caller did not give (a retry stamped later by the engine's clock is still
the same command).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any
from uuid import UUID

from pydantic import BaseModel

__all__ = ["canonical", "fingerprint"]


_PLAIN = frozenset({str, int, float, bool, type(None)})


def canonical(value: Any) -> Any:
    """``value`` as plain JSON data, the same for the same meaning."""
    if type(value) in _PLAIN:  # most fields: first, and exactly these types (not enums)
        return value
    if isinstance(value, Enum):
        return canonical(value.value)
    if isinstance(value, BaseModel):
        return canonical(value.model_dump(mode="json", exclude_defaults=True))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: canonical(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.name != "command_id" and not (f.name == "at" and getattr(value, f.name) is None)
        }
    if isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [canonical(v) for v in value]
        return sorted(items, key=json.dumps) if isinstance(value, (set, frozenset)) else items
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return repr(value)


def fingerprint(kind: str, content: Any) -> str:
    """The digest of a command of ``kind`` saying ``content``."""
    data = json.dumps(
        {"kind": kind, "content": canonical(content)},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(data.encode("utf-8")).hexdigest()
