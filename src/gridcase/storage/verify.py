"""Verifying a store: every link of the chain, every aggregate's versions, against checkpoints.

The verifier walks the stored events and the chain's links side by side in position
order, recomputes each link from the stored bytes and the link before it, and names
what it finds wrong and where:

``changed``
    an event's bytes (or its topic) are not those it was linked with;
``missing``
    a link whose event is gone (an event was deleted);
``inserted``
    an event that was never linked (written behind gridcase's back);
``reordered``
    the event at a position is one that was linked at another position;
``broken``
    a link that does not follow the link before it (links removed or rewritten);
``gap``
    an aggregate whose versions skip (an event of it was deleted) or go back;
``truncated``
    the log is shorter than a checkpoint proves it once was;
``rewritten``
    the chain at a checkpoint's position is not the chain that was checkpointed.

A chain rewritten consistently from some point on (every link recomputed by someone who
can write the database) verifies by itself: only a **checkpoint** taken earlier and kept
elsewhere (position, head hash, time) catches it. ``gridcase verify --checkpoint FILE``
writes one; ``--from FILE`` checks the whole log again and proves it only grew since.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal
from uuid import UUID

from gridcase.kernel.errors import InvalidInput
from gridcase.storage.chain import GENESIS, NO_CHAIN, ChainLink, link_hash
from gridcase.storage.recorder import GridcaseRecorder

__all__ = ["Checkpoint", "Finding", "VerifyReport", "verify_store"]

FindingKind = Literal[
    "changed", "missing", "inserted", "reordered", "broken", "gap", "truncated", "rewritten"
]

PAGE = 2000
MAX_FINDINGS = 100


@dataclass(frozen=True)
class Finding:
    """One thing wrong with the store, at one position of the log."""

    position: int
    kind: FindingKind
    message: str

    def __str__(self) -> str:
        return f"position {self.position}: {self.kind}: {self.message}"


@dataclass(frozen=True)
class Checkpoint:
    """What the log was at one moment: its last position and the hash of its last link."""

    position: int
    head: str
    algorithm: str
    taken_at: datetime
    store: str

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": "gridcase.checkpoint/1",
                "position": self.position,
                "head": self.head,
                "algorithm": self.algorithm,
                "taken_at": self.taken_at.isoformat(),
                "store": self.store,
            },
            ensure_ascii=False,
            indent=1,
        )

    @classmethod
    def from_json(cls, text: str, *, source: str = "checkpoint") -> Checkpoint:
        try:
            data = json.loads(text)
            if data.get("format") != "gridcase.checkpoint/1":
                raise ValueError("not a gridcase.checkpoint/1 file")
            return cls(
                position=int(data["position"]),
                head=str(data["head"]),
                algorithm=str(data["algorithm"]),
                taken_at=datetime.fromisoformat(data["taken_at"]),
                store=str(data.get("store", "")),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise InvalidInput(f"{source}: not a checkpoint ({exc})", field="checkpoint") from None

    @classmethod
    def read(cls, path: Path) -> Checkpoint:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise InvalidInput(f"cannot read {path}: {exc.strerror}", field="checkpoint") from None
        return cls.from_json(text, source=str(path))


@dataclass
class VerifyReport:
    """What verifying found: how much was checked, the head, and every finding (first first)."""

    algorithm: str
    events: int = 0
    links: int = 0
    aggregates: int = 0
    head_position: int = 0
    head_hash: str = GENESIS
    findings: list[Finding] = field(default_factory=list)
    more: int = 0
    """Findings past the first :data:`MAX_FINDINGS`, counted but not kept."""

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def first(self) -> Finding | None:
        return self.findings[0] if self.findings else None

    def add(self, position: int, kind: FindingKind, message: str) -> None:
        if len(self.findings) < MAX_FINDINGS:
            self.findings.append(Finding(position, kind, message))
        else:
            self.more += 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "algorithm": self.algorithm,
            "events": self.events,
            "links": self.links,
            "aggregates": self.aggregates,
            "head": {"position": self.head_position, "hash": self.head_hash},
            "findings": [
                {"position": f.position, "kind": f.kind, "message": f.message}
                for f in self.findings
            ],
            "more_findings": self.more,
        }


@dataclass(frozen=True)
class _Stored:
    position: int
    originator_id: UUID
    originator_version: int
    topic: str
    state: bytes


def _events(recorder: GridcaseRecorder, after: int) -> Iterator[_Stored]:
    position = after
    while True:
        notes = recorder.select_notifications(start=position, limit=PAGE, inclusive_of_start=False)
        for n in notes:
            oid = (
                n.originator_id if isinstance(n.originator_id, UUID) else UUID(str(n.originator_id))
            )
            # A hostile edit may leave text where bytes were stored: hash what is there.
            state = n.state.encode("utf-8") if isinstance(n.state, str) else bytes(n.state)
            yield _Stored(n.id, oid, n.originator_version, n.topic, state)
        if len(notes) < PAGE:
            return
        position = notes[-1].id


def _links(recorder: GridcaseRecorder, after: int) -> Iterator[ChainLink]:
    position = after
    while True:
        links = recorder.select_links(after=position, limit=PAGE)
        yield from links
        if len(links) < PAGE:
            return
        position = links[-1].position


def verify_store(
    recorder: GridcaseRecorder,
    *,
    since: Checkpoint | None = None,
    total: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> VerifyReport:
    """Check the whole log against its chain, and against a checkpoint taken earlier.

    Every event is walked, always: a checkpoint proves the links up to its position are
    the ones it saw, but only recomputing each link from the stored bytes proves the
    events behind them are unchanged. With ``since``, the link at its position must still
    be its head (else ``rewritten``), and the log must still reach it (else ``truncated``).
    """
    algorithm = recorder.meta().get("chain_algorithm", "sha256")
    report = VerifyReport(algorithm=algorithm)
    if algorithm == NO_CHAIN:
        report.add(0, "broken", "this store was created without a hash chain (chain=none)")
        return report
    if since is not None and since.algorithm != algorithm:
        report.add(
            since.position,
            "rewritten",
            f"the checkpoint was taken with {since.algorithm}, the store chains with {algorithm}",
        )
        return report
    prev_hash = GENESIS
    checkpoint_seen = since is None or since.position == 0
    versions: dict[UUID, int] = {}
    events, links = _events(recorder, 0), _links(recorder, 0)
    event, link = next(events, None), next(links, None)
    done = 0
    while event is not None or link is not None:
        if link is None or (event is not None and event.position < link.position):
            assert event is not None
            report.add(event.position, "inserted", f"{_who(event)} was never linked into the chain")
            _track(report, versions, event)
            report.events += 1
            event = next(events, None)
        else:
            if since is not None and link.position >= since.position and not checkpoint_seen:
                checkpoint_seen = True
                if link.position != since.position or link.hash != since.head:
                    report.add(
                        since.position,
                        "rewritten",
                        f"the link at position {since.position} is not the head checkpointed at "
                        f"{since.taken_at.isoformat()}: the chain was rewritten",
                    )
            if event is None or link.position < event.position:
                report.add(
                    link.position,
                    "missing",
                    f"the event linked here ({link.originator_id} version "
                    f"{link.originator_version}) is gone: it was deleted",
                )
                prev_hash = link.hash
                report.links += 1
                link = next(links, None)
            else:
                _check(report, recorder, algorithm, prev_hash, event, link)
                _track(report, versions, event)
                prev_hash = link.hash
                report.events += 1
                report.links += 1
                report.head_position, report.head_hash = link.position, link.hash
                event, link = next(events, None), next(links, None)
        done += 1
        if progress is not None and done % PAGE == 0:
            progress(done, total or done)
    if since is not None and not checkpoint_seen:
        report.add(
            since.position,
            "truncated",
            f"the checkpoint of {since.taken_at.isoformat()} covers the log up to position "
            f"{since.position}, which the store no longer holds",
        )
    if progress is not None:
        progress(done, total or done)
    report.aggregates = len(versions)
    return report


def _who(event: _Stored) -> str:
    return f"{event.topic.rsplit(':', 1)[-1]} of {event.originator_id} (version {event.originator_version})"


def _check(
    report: VerifyReport,
    recorder: GridcaseRecorder,
    algorithm: str,
    prev_hash: str,
    event: _Stored,
    link: ChainLink,
) -> None:
    if link.prev_hash != prev_hash:
        report.add(
            link.position,
            "broken",
            "this link does not follow the link before it: links were removed or rewritten",
        )
    if (event.originator_id, event.originator_version) != (
        link.originator_id,
        link.originator_version,
    ):
        elsewhere = [
            k.position
            for k in recorder.links_of(event.originator_id)
            if k.originator_version == event.originator_version
        ]
        where = f", which was linked at position {elsewhere[0]}" if elsewhere else ""
        report.add(
            event.position,
            "reordered",
            f"{_who(event)} stands where {link.originator_id} version "
            f"{link.originator_version} was linked{where}",
        )
        return
    expected = link_hash(
        algorithm,
        link.prev_hash,
        event.position,
        event.originator_id,
        event.originator_version,
        event.topic,
        event.state,
    )
    if expected != link.hash:
        report.add(event.position, "changed", f"{_who(event)} is not what was recorded")


def _track(report: VerifyReport, versions: dict[UUID, int], event: _Stored) -> None:
    last = versions.get(event.originator_id)
    if last is not None and event.originator_version != last + 1:
        report.add(
            event.position,
            "gap",
            f"{event.originator_id} goes from version {last} to {event.originator_version}",
        )
    elif last is None and event.originator_version > 1:
        # gridcase's aggregates begin at 1 (eventsourcing's default); 0 is allowed too.
        report.add(
            event.position,
            "gap",
            f"{event.originator_id} begins at version {event.originator_version}: "
            "its first events are gone",
        )
    versions[event.originator_id] = event.originator_version
