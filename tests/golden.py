"""The golden log: where it lives, its line format, and what a replayed aggregate looks like.

A golden log is a committed fixture of the events one release wrote, every kind of
event of every aggregate, with the states they replay to. The generator
(``tests/fixtures/golden/generate.py``) writes a release's log once; the event
contract tests (``tests/test_event_contract.py``) load it on every run, so a later
release that can no longer read what this one stored fails its tests. Both use this
module, so the states are summarised the same way when written and when checked.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import json
import pkgutil
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, CanMutateAggregate
from eventsourcing.persistence import Notification, StoredEvent
from eventsourcing.utils import get_topic
from pydantic import BaseModel

import gridcase
from gridcase import RecordedStep
from gridcase.domain.case import Case
from gridcase.domain.recorded import RecordedAggregate

__all__ = [
    "BASE_AGGREGATES",
    "GENERATOR",
    "GOLDEN",
    "NOT_REACHABLE",
    "RELEASE",
    "GoldenEvent",
    "aggregate_classes",
    "all_stored_event_classes",
    "history",
    "jsonable",
    "log_path",
    "read_log",
    "read_states",
    "releases",
    "states_path",
    "stored_event_classes",
    "summary",
]

REPO = Path(__file__).resolve().parents[1]
GOLDEN = REPO / "tests" / "fixtures" / "golden"
GENERATOR = GOLDEN / "generate.py"
RELEASE = ".".join(gridcase.__version__.split(".")[:2])
"""This release, as golden logs are named: major and minor (``0.1.0`` writes ``log-0.1.jsonl``)."""


def log_path(release: str = RELEASE) -> Path:
    return GOLDEN / f"log-{release}.jsonl"


def states_path(release: str = RELEASE) -> Path:
    return GOLDEN / f"states-{release}.json"


def releases() -> list[str]:
    """Every release with a committed golden log, oldest first."""
    found = [p.name.removeprefix("log-").removesuffix(".jsonl") for p in GOLDEN.glob("log-*.jsonl")]
    return sorted(found, key=lambda r: tuple(int(part) for part in r.split(".")))


BASE_AGGREGATES: frozenset[type[Aggregate]] = frozenset({RecordedAggregate})
"""Aggregate classes that only serve as bases: nothing is ever stored under them."""

NOT_REACHABLE: Mapping[str, str] = {
    "gridcase.domain.enterprise:Enterprise.DetailsChanged": (
        "Enterprise.change_details exists, but no command of the roster, the importer or "
        "the CLI calls it: an enterprise's name, industry, location and tier cannot be "
        "changed through the public API"
    ),
}
"""Stored event classes no public command records, so no golden log can hold them, and why."""


# -- the aggregates and their event classes --------------------------------------------


def aggregate_classes() -> dict[str, type[Aggregate]]:
    """Every aggregate class defined anywhere in gridcase, by topic (bases left out)."""
    found: dict[str, type[Aggregate]] = {}
    for info in pkgutil.walk_packages(gridcase.__path__, "gridcase."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Aggregate)
                and value.__module__ == module.__name__
                and value not in BASE_AGGREGATES
            ):
                found[get_topic(value)] = value
    return dict(sorted(found.items()))


def stored_event_classes(aggregate: type[Aggregate]) -> dict[str, type[CanMutateAggregate[Any]]]:
    """The event classes of ``aggregate`` that can be stored, by topic.

    Left out: the aggregate's ``Event`` (the base its events share) and eventsourcing's
    default ``Created`` where the aggregate names its own creation event (``Submitted``,
    ``Registered`` …), since that one is then never recorded.
    """
    events = {
        name: value
        for name, value in vars(aggregate).items()
        if isinstance(value, type) and issubclass(value, CanMutateAggregate) and name != "Event"
    }
    if any(
        issubclass(value, Aggregate.Created) for name, value in events.items() if name != "Created"
    ):
        events.pop("Created", None)
    return {get_topic(value): value for value in events.values()}


def all_stored_event_classes() -> dict[str, type[CanMutateAggregate[Any]]]:
    """Every stored event class of every aggregate, by topic."""
    out: dict[str, type[CanMutateAggregate[Any]]] = {}
    for aggregate in aggregate_classes().values():
        out.update(stored_event_classes(aggregate))
    return out


# -- the log ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class GoldenEvent:
    """One stored event as the store held it; ``state`` is the stored bytes as UTF-8 JSON text."""

    notification_id: int
    originator_id: UUID
    originator_version: int
    topic: str
    state: str

    @classmethod
    def of(cls, notification: Notification) -> GoldenEvent:
        return cls(
            notification_id=notification.id,
            originator_id=UUID(str(notification.originator_id)),
            originator_version=notification.originator_version,
            topic=notification.topic,
            state=notification.state.decode("utf-8"),
        )

    def stored(self, *, topic: str | None = None) -> StoredEvent:
        """The event to insert into a store (under ``topic`` instead of its own, if given)."""
        return StoredEvent(
            originator_id=self.originator_id,
            originator_version=self.originator_version,
            topic=topic or self.topic,
            state=self.state.encode("utf-8"),
        )

    def line(self) -> str:
        return json.dumps(
            {
                "notification_id": self.notification_id,
                "originator_id": str(self.originator_id),
                "originator_version": self.originator_version,
                "topic": self.topic,
                "state": self.state,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_line(cls, line: str) -> GoldenEvent:
        data = json.loads(line)
        return cls(
            notification_id=int(data["notification_id"]),
            originator_id=UUID(data["originator_id"]),
            originator_version=int(data["originator_version"]),
            topic=str(data["topic"]),
            state=str(data["state"]),
        )


def read_log(release: str = RELEASE) -> list[GoldenEvent]:
    lines = log_path(release).read_text(encoding="utf-8").splitlines()
    return [GoldenEvent.from_line(line) for line in lines if line.strip()]


def read_states(release: str = RELEASE) -> dict[str, dict[str, Any]]:
    data: dict[str, dict[str, Any]] = json.loads(states_path(release).read_text(encoding="utf-8"))
    return data


# -- what a replayed aggregate looks like ------------------------------------------------


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON data: dataclasses as objects, moments and dates as ISO text.

    Sets are sorted, mappings keep their keys (as text); a type not listed here raises,
    so an attribute of a new kind is noticed instead of being summarised by its repr.
    """
    if value is None or isinstance(value, bool | int | float | str):
        return value.value if isinstance(value, Enum) else value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Enum):
        return jsonable(value.value)
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted(jsonable(v) for v in value)
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    raise TypeError(f"no JSON summary for {type(value).__name__}: {value!r}")


def summary(aggregate: Aggregate) -> dict[str, Any]:
    """An aggregate as replayed: its type, id, version and times, and what it holds.

    A case holds its :class:`~gridcase.CaseState` (every field); any other aggregate
    its public attributes, a long text among them (a published rule file) by its SHA-256
    and length rather than in full.
    """
    out: dict[str, Any] = {
        "type": get_topic(type(aggregate)),
        "id": str(aggregate.id),
        "version": aggregate.version,
        "created_on": jsonable(aggregate.created_on),
        "modified_on": jsonable(aggregate.modified_on),
    }
    if isinstance(aggregate, Case):
        out["state"] = jsonable(aggregate.state)
    else:
        out["attributes"] = {
            name: _digest(value)
            if isinstance(value, str) and len(value) > LONG_TEXT
            else jsonable(value)
            for name, value in sorted(vars(aggregate).items())
            if not name.startswith("_")
        }
    return out


LONG_TEXT = 2000
"""Text attributes longer than this are summarised by digest."""


def _digest(text: str) -> dict[str, Any]:
    return {"sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(), "chars": len(text)}


def history(steps: Sequence[RecordedStep]) -> list[Any]:
    """A case's history as the engine answers it (``Engine.history``)."""
    return [jsonable(s) for s in steps]
