"""A hash chain over the whole log: each stored event's link covers it and the link before.

GB/T 22239-2019 (level 3) asks that audit records be protected from deletion,
modification and overwriting; transparency logs (RFC 6962/9162) show how a verifier can
prove a log only grew. gridcase keeps one link per stored event, written in the same
transaction as the event (``gridcase_chain``):

``hash = H(prev_hash ‖ position ‖ originator id ‖ version ‖ topic ‖ H(state))``

with every field length-prefixed, so no two different records hash alike by shifting
bytes between fields. ``position`` is the event's notification id (PostgreSQL leaves gaps
in those; a link names the previous *link*, never ``position - 1``). H is SHA-256 by
default, or SM3 (GB/T 32905-2016) where national algorithms are required; the store
records which when it is created, and it never changes.

Writers are already serialised where the log assigns positions (SQLite's write lock,
PostgreSQL's table lock on the events table held to commit), and a link is computed
inside that same critical section, so the chain cannot fork and adds no lock of its own.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from gridcase.kernel.errors import RecordIntegrityError

__all__ = [
    "ALGORITHMS",
    "DEFAULT_ALGORITHM",
    "GENESIS",
    "NO_CHAIN",
    "ChainLink",
    "digest",
    "link_hash",
    "links_for",
]

ALGORITHMS = ("sha256", "sm3")
DEFAULT_ALGORITHM = "sha256"
NO_CHAIN = "none"
"""A store created without a chain (only for measuring what the chain costs): it cannot
be verified, and ``gridcase verify`` says so."""
GENESIS = "0" * 64
"""The ``prev_hash`` of the first link: no record comes before it."""


def _new(algorithm: str) -> hashlib._Hash:
    if algorithm not in ALGORITHMS:
        raise ValueError(f"unknown chain algorithm {algorithm!r} (known: {', '.join(ALGORITHMS)})")
    return hashlib.new(algorithm)


def digest(algorithm: str, data: bytes) -> str:
    h = _new(algorithm)
    h.update(data)
    return h.hexdigest()


def _field(h: hashlib._Hash, value: bytes) -> None:
    h.update(len(value).to_bytes(8, "big"))
    h.update(value)


def link_hash(
    algorithm: str,
    prev_hash: str,
    position: int,
    originator_id: UUID,
    originator_version: int,
    topic: str,
    state: bytes,
) -> str:
    """The link of one stored event, given the link before it."""
    h = _new(algorithm)
    _field(h, b"gridcase-chain/1")
    _field(h, prev_hash.encode("ascii"))
    _field(h, str(position).encode("ascii"))
    _field(h, originator_id.bytes)
    _field(h, str(originator_version).encode("ascii"))
    _field(h, topic.encode("utf-8"))
    _field(h, digest(algorithm, state).encode("ascii"))
    return h.hexdigest()


@dataclass(frozen=True)
class ChainLink:
    """One link as stored: which event it covers, its hash and the hash before it."""

    position: int
    originator_id: UUID
    originator_version: int
    prev_hash: str
    hash: str


def links_for(
    algorithm: str,
    last: ChainLink | None,
    positions: Sequence[int],
    events: Sequence[StoredEvent],
) -> list[ChainLink]:
    """The links of events just stored at ``positions``, continuing from the ``last`` link.

    Refuses positions at or before the last link's: the log hands out ever larger
    positions, so such a position means a record was removed and its position reused.
    """
    if len(positions) != len(events):
        raise ValueError(f"{len(events)} events but {len(positions)} positions")
    if last is not None and min(positions) <= last.position:
        raise RecordIntegrityError(
            f"the log reuses position {min(positions)}, at or before the last link "
            f"({last.position}): a stored event was removed; run gridcase verify"
        )
    prev_hash = last.hash if last is not None else GENESIS
    links: list[ChainLink] = []
    prev = prev_hash
    for position, e in sorted(zip(positions, events, strict=True), key=lambda pe: pe[0]):
        originator = e.originator_id if isinstance(e.originator_id, UUID) else UUID(e.originator_id)
        h = link_hash(algorithm, prev, position, originator, e.originator_version, e.topic, e.state)
        links.append(ChainLink(position, originator, e.originator_version, prev, h))
        prev = h
    return links
