"""The problem ledger (问题台账): one row per case, folded from the case events.

Every source keeps a ledger of matters: Bijie's problem ledger with its responsible
leader, measures and time limit; Qingdao's issue ledger with its time limits and
satisfaction; Malu's unfinished matters for the center's regular meetings. They are
views of the same events, never typed twice. The ledger reads only the events' common
shape (kind, outcome, payload), so it serves every jurisdiction without knowing its
rules, and it can be rebuilt from scratch, or as of any past moment, from the log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any, TypeVar, overload
from uuid import UUID

from gridcase.calendar import WorkingCalendar, national_calendar
from gridcase.domain.actions import Action
from gridcase.domain.case import Case
from gridcase.domain.case_state import CLOCK_EXPIRED
from gridcase.domain.payloads import (
    PAYLOAD_MODELS,
    CategoryPayload,
    Payload,
    PlanPayload,
    ProgressPayload,
    RatePayload,
    ResolvePayload,
)
from gridcase.kernel.clock import CST
from gridcase.projections.grid_days import GRID_TOPICS, Memberships, apply_grid_event, grids_on
from gridcase.projections.log import Projection, event_topics
from gridcase.storage.log import EventLog

__all__ = [
    "CalendarOf",
    "GridsOn",
    "LazyList",
    "LedgerRow",
    "ProblemLedger",
    "Step",
    "Trail",
    "UnitTurn",
    "apply_case_event",
    "national_calendar_of",
]

CalendarOf = Callable[[str], WorkingCalendar]
"""The working calendar a jurisdiction counts in (the unit turns are counted in it)."""


_PAYLOAD_MODELS: dict[str, type[Payload]] = {
    a.value: PAYLOAD_MODELS[a]
    for a in (
        Action.SET_PLAN,
        Action.RESOLVE,
        Action.RATE,
        Action.REPORT_PROGRESS,
        Action.CHANGE_CATEGORY,
    )
}
"""The steps whose payload the ledger reads (plan, resolution, rating, progress, a change
of category), with the model
each is validated by on the way out of the store (as ``Case.Event.typed_payload`` does)."""


GridsOn = Callable[[str, str, date], tuple[str, ...]]
"""The grids an enterprise (jurisdiction, credit code) was in on a day, as known so far."""

Step = tuple[int, str, datetime]
"""One step of a case as the ledger cites it: (version, kind, when)."""


T = TypeVar("T")


class LazyList(Sequence[T]):
    """A list decoded only when it is first read (then an ordinary list inside).

    The fold appends to it; a row read from the ledger table carries its trail and unit
    turns still encoded, so a query of the whole ledger does not pay for every step and
    turn of every case (the findings read the trail, the exports the turns). Equal to
    any lazy list or list of the same items.
    """

    __slots__ = ("_decode", "_items", "_limit", "_text")

    def __init__(self, items: Iterable[T] = ()) -> None:
        self._items: list[T] | None = list(items)
        self._decode: Callable[[str, int | None], list[T]] | None = None
        self._text = ""
        self._limit: int | None = None

    @classmethod
    def encoded(
        cls, decode: Callable[[str, int | None], list[T]], text: str, limit: int | None = None
    ) -> LazyList[T]:
        """The items ``decode(text, limit)`` gives, decoded the first time they are read."""
        found: LazyList[T] = cls.__new__(cls)
        found._items, found._decode, found._text, found._limit = None, decode, text, limit
        return found

    def _list(self) -> list[T]:
        items = self._items
        if items is None:
            assert self._decode is not None
            items = self._items = self._decode(self._text, self._limit)
            self._decode, self._text = None, ""
        return items

    def append(self, item: T) -> None:
        self._list().append(item)

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> list[T]: ...
    def __getitem__(self, index: int | slice) -> T | list[T]:
        return self._list()[index]

    def __len__(self) -> int:
        return len(self._list())

    def __iter__(self) -> Iterator[T]:
        return iter(self._list())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyList):
            return self._list() == other._list()
        if isinstance(other, list | tuple):
            return self._list() == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._list()!r})"


class Trail(LazyList[Step]):
    """Every step of a case as (version, kind, when).

    Steps appended to a trail still encoded are kept beside the text, so a rebuild that
    reads a row, appends a step and writes it back never decodes the steps before
    (:meth:`spliced`).
    """

    __slots__ = ("_tail",)

    def __init__(self, items: Iterable[Step] = ()) -> None:
        super().__init__(items)
        self._tail: list[Step] | None = None

    @classmethod
    def encoded(
        cls, decode: Callable[[str, int | None], list[Step]], text: str, limit: int | None = None
    ) -> Trail:
        found = cls.__new__(cls)
        found._items, found._decode, found._text, found._limit = None, decode, text, limit
        found._tail = None  # made on the first append: a row read is not always folded
        return found

    def _list(self) -> list[Step]:
        if self._items is not None:
            return self._items
        items = super()._list()
        if self._tail:
            items.extend(self._tail)
        self._tail = None
        return items

    def append(self, item: Step) -> None:
        if self._items is not None:
            self._items.append(item)
        elif self._tail is None:
            self._tail = [item]
        else:
            self._tail.append(item)

    def spliced(self, encode: Callable[[list[Step]], str]) -> str | None:
        """The trail's JSON array, when it is still the text it was read from with steps
        appended: that text with ``encode(appended)`` spliced on (None: decoded since)."""
        if self._items is not None or self._limit is not None:
            return None
        if not self._tail:
            return self._text
        more = encode(self._tail)
        return f"{self._text[:-1]}{',' if self._text != '[]' else ''}{more[1:]}"


@cache
def national_calendar_of(_jurisdiction: str) -> WorkingCalendar:
    return national_calendar()


@dataclass
class UnitTurn:
    """One unit's turn holding a case: from when it got it to when it left (None: still)."""

    unit: str
    since: datetime
    until: datetime | None = None
    working_days: int | None = None
    """Working days fully completed during the turn (None while it is still running)."""


@dataclass
class LedgerRow:
    """One matter as the ledger shows it."""

    case_id: UUID
    jurisdiction: str
    enterprise: str
    title: str
    category: str
    channel: str
    submitted_at: datetime
    state: str = ""
    final: bool = False
    owner_role: str | None = None
    owner_party: str | None = None
    unit: str | None = None
    level: int = 0
    open_deadlines: dict[str, date] = field(default_factory=dict)
    """Running clocks and the last day of each."""
    misses: dict[str, int] = field(default_factory=dict)
    """How many times each clock ran out."""
    delay_reasons: list[str] = field(default_factory=list)
    responsible_leader: str | None = None
    measures: str | None = None
    time_limit_working_days: int | None = None
    result: str | None = None
    progress: str | None = None
    """The last progress the handling unit reported (what the enterprise can query)."""
    progress_at: datetime | None = None
    satisfaction: str | None = None
    escalations: int = 0
    returns: int = 0
    closed_at: datetime | None = None
    last_at: datetime | None = None
    steps: int = 0
    late_entries: list[tuple[int, str]] = field(default_factory=list)
    """Steps recorded later than the rules tolerate: (version, why late)."""
    last_recorded_at: datetime | None = None
    """When the last step was recorded (its ``last_at`` is when it happened, as claimed)."""
    unit_turns: LazyList[UnitTurn] = field(default_factory=LazyList)
    """Which unit held the case in turn, and how many working days each used (after
    returns and redispatches a unit can have several turns)."""
    resolved_at: datetime | None = None
    """When the case was last resolved (办结反馈), as claimed."""
    resolved_by: str | None = None
    """Who resolved it: the officer the performance figures count it to."""
    resolved_unit: str | None = None
    scores: dict[str, int] = field(default_factory=dict)
    """Qingdao's 1-5 scores, as rated: efficiency, attitude, quality."""
    back_dated: bool = False
    """A step is dated before the step recorded before it (a late entry dated back)."""
    grids: tuple[str, ...] = ()
    """The grid(s) the enterprise was in on the day the demand was received (China date),
    as the log had said when the submission was recorded; by grid id, sorted."""
    trail: Trail = field(default_factory=Trail)
    """Every step as (version, kind, when): the evidence a compliance finding cites. A
    clock's expiry reads ``clock_expired:<clock>``."""

    @property
    def next_due(self) -> date | None:
        return min(self.open_deadlines.values(), default=None)

    @property
    def overdue(self) -> bool:
        """A clock ran out on this matter at least once."""
        return any(self.misses.values())


class ProblemLedger(Projection):
    """The ledger of every case, kept by folding case events (and the grid moves that
    place a case in a grid) in log order.

    ``as_of`` keeps the steps that happened (as claimed) by then; ``as_known_at`` the
    steps *recorded* by then, so a step entered late and back-dated is in the first
    and not in the second. A case's grids are fixed when its submission is recorded,
    whichever of the two is asked.
    """

    topics = (*event_topics(Case), *GRID_TOPICS)

    def __init__(
        self,
        *,
        as_of: datetime | None = None,
        calendar_of: CalendarOf | None = None,
        as_known_at: datetime | None = None,
    ) -> None:
        super().__init__()
        self.as_of = as_of
        self.as_known_at = as_known_at
        self.calendar_of: CalendarOf = calendar_of or national_calendar_of
        self.rows: dict[UUID, LedgerRow] = {}
        self.memberships: Memberships = {}

    @classmethod
    def build(
        cls,
        log: EventLog,
        *,
        as_of: datetime | None = None,
        calendar_of: CalendarOf | None = None,
        as_known_at: datetime | None = None,
    ) -> ProblemLedger:
        """The ledger rebuilt from the start of the log (as of, or as known at, a moment)."""
        ledger = cls(as_of=as_of, calendar_of=calendar_of, as_known_at=as_known_at)
        ledger.fold_all(log.read(topics=cls.topics))
        return ledger

    def grids_on(self, jurisdiction: str, credit_code: str, day: date) -> tuple[str, ...]:
        return grids_on(self.memberships, jurisdiction, credit_code, day)

    def fold(self, event: Any) -> None:
        if not isinstance(event, Case.Event):
            apply_grid_event(self.memberships, event)
            return
        if self.as_of is not None and event.timestamp > self.as_of:
            return
        if self.as_known_at is not None and (event.recorded_at or event.timestamp) > (
            self.as_known_at
        ):
            return
        apply_case_event(self.rows, event, self.calendar_of, self.grids_on)

    def for_jurisdiction(self, jurisdiction: str | None = None) -> list[LedgerRow]:
        """Rows, oldest submission first, optionally of one jurisdiction."""
        rows = [
            r for r in self.rows.values() if jurisdiction is None or r.jurisdiction == jurisdiction
        ]
        return sorted(rows, key=lambda r: (r.submitted_at, str(r.case_id)))


def apply_case_event(
    rows: MutableMapping[UUID, LedgerRow],
    event: Any,
    calendar_of: CalendarOf = national_calendar_of,
    grids: GridsOn | None = None,
) -> LedgerRow | None:
    """Apply one case event to the ledger's rows; returns the row it changed (None: none).

    ``grids`` says which grids the enterprise is in on the day of its submission (left
    out: the row names none).

    The one fold of the problem ledger: the in-memory ledger and the SQL table
    (:mod:`gridcase.projections.runner`) both call it, so they cannot disagree.
    """
    if not isinstance(event, Case.Event):
        return None
    if isinstance(event, Case.Submitted):
        row = LedgerRow(
            case_id=event.originator_id,
            jurisdiction=event.jurisdiction,
            enterprise=event.enterprise,
            title=event.title,
            category=event.category,
            channel=event.channel,
            submitted_at=event.timestamp,
        )
        if grids is not None:
            day = event.timestamp.astimezone(CST).date()
            row.grids = grids(event.jurisdiction, event.enterprise, day)
        rows[row.case_id] = row
    else:
        found = rows.get(event.originator_id)
        if found is None:  # the submission lies after ``as_of``
            return None
        row = found
    _turn(row, event, calendar_of)
    row.state = event.state
    row.final = event.final
    row.owner_role = event.owner_role
    row.owner_party = event.owner_party
    row.unit = event.unit
    row.level = event.level
    if row.last_at is not None and event.timestamp < row.last_at:
        row.back_dated = True
    row.last_at = event.timestamp
    row.last_recorded_at = event.recorded_at or row.last_recorded_at
    row.steps += 1
    label = f"{CLOCK_EXPIRED}:{event.clock}" if isinstance(event, Case.ClockExpired) else event.kind
    row.trail.append((event.originator_version, label, event.timestamp))
    if event.late_reason is not None:
        row.late_entries.append((event.originator_version, event.late_reason))
    for name in event.clocks_stopped:
        row.open_deadlines.pop(name, None)
    for started in event.clocks_started:
        row.open_deadlines[started["clock"]] = date.fromisoformat(started["due_date"])
    kind = event.kind
    # Only these steps carry what the ledger reads from a payload; validating the
    # others' payloads would be a third of a rebuild's fold (measured).
    model = _PAYLOAD_MODELS.get(kind)
    payload = model.model_validate(event.payload) if model is not None else None
    if kind == CLOCK_EXPIRED:
        assert isinstance(event, Case.ClockExpired)
        row.misses[event.clock] = event.misses
    elif kind == Action.RECORD_DELAY_REASON and event.reason:
        row.delay_reasons.append(event.reason)
    elif isinstance(payload, PlanPayload):
        row.responsible_leader = payload.responsible_leader or row.responsible_leader
        row.measures = payload.measures or row.measures
        row.time_limit_working_days = payload.time_limit_working_days or row.time_limit_working_days
    elif isinstance(payload, ProgressPayload) and payload.progress:
        row.progress, row.progress_at = payload.progress, event.timestamp
    elif isinstance(payload, CategoryPayload) and payload.category:
        row.category = payload.category
    elif isinstance(payload, ResolvePayload):
        row.result = payload.result or row.result
        row.resolved_at = event.timestamp
        row.resolved_by = event.actor
        row.resolved_unit = event.unit
    elif isinstance(payload, RatePayload):
        if payload.satisfaction is not None:
            row.satisfaction = payload.satisfaction.value
        for name in ("efficiency", "attitude", "quality"):
            score = getattr(payload, name)
            if score is not None:
                row.scores[name] = int(score)
    elif kind == Action.ESCALATE:
        row.escalations += 1
    elif kind == Action.REQUEST_RETURN:
        row.returns += 1
    if event.final:
        row.closed_at = event.timestamp
    return row


def _turn(row: LedgerRow, event: Any, calendar_of: CalendarOf) -> None:
    """Close the running unit's turn when the case leaves it (or ends); open the next one.

    A turn runs from the step that put the case with a unit to the step that took it
    away (a return, a redispatch, a sign-off); its working days are those fully
    completed in between, in the jurisdiction's calendar.
    """
    running = row.unit_turns[-1] if row.unit_turns and row.unit_turns[-1].until is None else None
    unit = event.unit if not event.final else None
    if running is not None and running.unit != unit:
        running.until = event.timestamp
        running.working_days = calendar_of(row.jurisdiction).working_days_elapsed(
            running.since, event.timestamp
        )
        running = None
    if running is None and unit is not None:
        row.unit_turns.append(UnitTurn(unit=unit, since=event.timestamp))
