"""Events carry the moment of the command that caused them, never the wall clock.

eventsourcing stamps an event with the machine's current time unless told otherwise. In gridcase
time is an argument: every command has its moment (given, or stamped once by the
engine's clock at the edge), and every event that command records carries that moment.
So a roster change, a visit or a published rule set is placed in history exactly where
a case step of the same command would be, tests and scenarios on a manual clock get
the times they set, and "as of" means the same thing for every record.

The application layer opens :func:`recorded_at` around a command's work; an aggregate
derived from :class:`RecordedAggregate` that records an event outside it is a
programming error, raised at once.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, is_dataclass
from datetime import date, datetime
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from gridcase.domain.actions import SYSTEM_ACTOR

__all__ = ["RecordedAggregate", "RecordedEvent", "Recording", "recorded_at"]


@dataclass(frozen=True)
class Recording:
    """The two times of a command: when its step happened as claimed, and when it was recorded."""

    moment: datetime
    """The command's moment (its ``at``, or the engine's clock when it gave none)."""
    recorded_at: datetime
    """The engine's clock when the command was carried out; never the caller's."""
    late_reason: str | None = None
    """Why a step recorded later than the rules tolerate was not recorded on time."""


_RECORDING: ContextVar[Recording | None] = ContextVar("gridcase_recording", default=None)


@contextmanager
def recorded_at(
    moment: datetime, *, recorded: datetime | None = None, late_reason: str | None = None
) -> Iterator[None]:
    """Within this block, events carry ``moment`` and are recorded at ``recorded``.

    ``recorded`` is the engine's clock; left out, the step is taken as recorded at its
    own moment (a test or a trial assignment that is never saved).
    """
    if moment.tzinfo is None or (recorded is not None and recorded.tzinfo is None):
        raise ValueError("a command's moments are timezone-aware")
    token = _RECORDING.set(Recording(moment, recorded or moment, late_reason))
    try:
        yield
    finally:
        _RECORDING.reset(token)


def current_recording() -> Recording | None:
    return _RECORDING.get()


class RecordedEvent:
    """What every stored gridcase event carries besides its facts: when it was recorded.

    ``recorded_at`` and ``late_reason`` are set when the event is made, from the command
    that makes it, and stored with it (so the hash chain covers them). Events stored by
    release 0.1 had neither: they are upcast to version 2 with both None, which histories
    show as "recorded time unknown".
    """

    class_version: ClassVar[int] = 2

    def __post_init__(self) -> None:
        super().__post_init__()  # type: ignore[misc]
        state = vars(self)  # not dataclass fields: the properties below read them
        if "recorded_at" not in state:
            recording = _RECORDING.get()
            state["recorded_at"] = recording.recorded_at if recording is not None else None
            # The reason explains the actor's own step, not what gridcase fired before it
            # at its deadlines (those are recorded when the command brings them due).
            own = state.get("actor") != SYSTEM_ACTOR
            state["late_reason"] = recording.late_reason if recording is not None and own else None

    @staticmethod
    def upcast_v1_v2(state: MutableMapping[str, Any]) -> None:
        state.setdefault("recorded_at", None)
        state.setdefault("late_reason", None)

    @property
    def recorded_at(self) -> datetime | None:
        value = vars(self).get("recorded_at")
        return value if isinstance(value, datetime) else None

    @property
    def late_reason(self) -> str | None:
        value = vars(self).get("late_reason")
        return value if isinstance(value, str) else None


class RecordedAggregate(Aggregate):
    """An aggregate whose events carry the current command's moment and recording."""

    class Event(RecordedEvent, Aggregate.Event):
        @staticmethod
        def create_timestamp() -> datetime:
            recording = _RECORDING.get()
            if recording is None:
                raise RuntimeError(
                    "an event was recorded outside a command: wrap the work in "
                    "gridcase.domain.recorded.recorded_at(moment) (the unit of work does)"
                )
            return recording.moment

    class Created(Event, Aggregate.Created):
        pass

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        """A copy to record on, copying only what an event can change in place.

        eventsourcing's cache hands out a deep copy of every aggregate a command reads (so a
        refused command leaves the cache as stored), and ``copy.deepcopy`` walking a
        person's or an enterprise's stints took a sixth of a command's time (measured).
        Their containers hold frozen values, so copying each list, dict and set one level
        gives the same independence; anything else mutable is deep-copied as before.
        """
        clone = copy.copy(self)
        state = vars(clone)
        for name, value in state.items():
            if type(value) not in _IMMUTABLE:
                state[name] = _copied(value, memo)
        state["_pending_events"] = []
        return clone


_IMMUTABLE: frozenset[type] = frozenset(
    {str, int, float, bool, type(None), bytes, date, datetime, UUID}
)


def _frozen(value: object) -> bool:
    kind = type(value)
    if kind in _IMMUTABLE:
        return True
    if kind is tuple:
        return all(_frozen(v) for v in value)  # type: ignore[attr-defined]
    params = getattr(kind, "__dataclass_params__", None)
    return is_dataclass(value) and params is not None and bool(params.frozen)


def _copied(value: object, memo: dict[int, Any]) -> object:
    """A list, dict or set of frozen values copied one level; anything else deep-copied."""
    kind = type(value)
    if kind is list and all(_frozen(v) for v in value):  # type: ignore[attr-defined]
        return list(value)  # type: ignore[call-overload]
    if kind is dict and all(_frozen(v) for v in value.values()):  # type: ignore[attr-defined]
        return dict(value)  # type: ignore[call-overload]
    if kind is set and all(_frozen(v) for v in value):  # type: ignore[attr-defined]
        return set(value)  # type: ignore[call-overload]
    if _frozen(value):
        return value
    return copy.deepcopy(value, memo)
