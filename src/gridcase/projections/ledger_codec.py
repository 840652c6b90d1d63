"""How a ledger row is stored: one packed JSON array, moments as integer microseconds.

Reading a whole ledger is building thousands of rows, so the row is laid out for that
(docs/read-models.md measures why): its fields in one array for one ``orjson.loads``,
every moment an integer turned back into China time by adding it to the epoch, the
trail and the unit turns kept encoded until something reads them. Writing is the
reverse, with each moment object counted once (a rebuild writes a row several times).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, SafeUUID

import orjson

from gridcase.kernel.clock import CST
from gridcase.projections.ledger import LazyList, LedgerRow, Step, Trail, UnitTurn

__all__ = [
    "KNOWN",
    "encode_trail",
    "iso",
    "micros",
    "opt_micros",
    "pack",
    "row_from_json",
    "row_to_json",
    "unpack",
]


_UTC_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CST_EPOCH = datetime(1970, 1, 1, 8, tzinfo=CST)
_CST_STEADY_US = int(datetime(1992, 1, 1, tzinfo=CST).timestamp()) * 1_000_000
"""China has kept +08:00 all year since 1991: from then on a moment is the epoch in China
time plus its microseconds (wall-clock arithmetic is exact); before, it is converted."""


_ONE_US = timedelta(microseconds=1)
KNOWN: dict[int, tuple[datetime, int]] = {}
"""Moments already turned into microseconds, by identity: a row's moments are the same
few event timestamps again and again (its last step, its trail, its turns), and a
rebuild writes each row several times. The entry keeps its datetime, so an id is never
mistaken for another object's; the memo is emptied when it grows past 65,536."""


def micros(moment: datetime) -> int:
    key = id(moment)
    found = KNOWN.get(key)
    if found is not None and found[0] is moment:
        return found[1]
    us = (moment - _UTC_EPOCH) // _ONE_US
    if len(KNOWN) >= 65_536:
        KNOWN.clear()
    KNOWN[key] = (moment, us)
    return us


def opt_micros(moment: datetime | None) -> int | None:
    return None if moment is None else micros(moment)


def _at(us: int) -> datetime:
    """A stored moment back in China time, exactly."""
    if us >= _CST_STEADY_US:
        return _CST_EPOCH + timedelta(0, 0, us)
    return (_UTC_EPOCH + timedelta(microseconds=us)).astimezone(CST)


def _opt_at(us: int | None) -> datetime | None:
    return None if us is None else _at(us)


def _moment(text: str | None) -> datetime | None:
    """A moment stored as ISO 8601 (release 0.2's JSON rows) back in China time."""
    if not text:
        return None
    return datetime.fromisoformat(text).astimezone(CST)


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _encode_steps(steps: Iterable[Step]) -> str:
    return orjson.dumps([(v, kind, micros(at)) for v, kind, at in steps]).decode()


def encode_trail(trail: Trail) -> str:
    return trail.spliced(_encode_steps) or _encode_steps(trail)


def _decode_trail(text: str, limit: int | None) -> list[Step]:
    steps = orjson.loads(text)
    if limit is not None:
        steps = steps[:limit]
    return [(v, kind, _at(us)) for v, kind, us in steps]


def _decode_turns(text: str, _limit: int | None) -> list[UnitTurn]:
    return [
        UnitTurn(unit, _at(since), None if until is None else _at(until), days)
        for unit, since, until, days in orjson.loads(text)
    ]


def pack(row: LedgerRow) -> str:
    """Every field of the row but its trail, as one JSON array (:func:`unpack` reads it)."""
    case = row.case_id.int
    return orjson.dumps(
        (
            case >> 64,
            case & 0xFFFF_FFFF_FFFF_FFFF,
            row.jurisdiction,
            row.enterprise,
            row.title,
            row.category,
            row.channel,
            micros(row.submitted_at),
            row.state,
            row.final,
            row.owner_role,
            row.owner_party,
            row.unit,
            row.level,
            row.responsible_leader,
            row.measures,
            row.time_limit_working_days,
            row.result,
            row.progress,
            opt_micros(row.progress_at),
            row.satisfaction,
            row.escalations,
            row.returns,
            opt_micros(row.closed_at),
            opt_micros(row.last_at),
            row.steps,
            opt_micros(row.last_recorded_at),
            opt_micros(row.resolved_at),
            row.resolved_by,
            row.resolved_unit,
            row.back_dated,
            row.grids or None,
            {k: v.isoformat() for k, v in row.open_deadlines.items()} or None,
            row.misses or None,
            row.delay_reasons or None,
            row.scores or None,
            row.late_entries or None,
            # Kept as a text of its own inside: decoded only when the turns are read.
            orjson.dumps(
                [
                    (t.unit, micros(t.since), opt_micros(t.until), t.working_days)
                    for t in row.unit_turns
                ]
            ).decode()
            if row.unit_turns
            else None,
        )
    ).decode()


_UNKNOWN_SAFETY = SafeUUID.unknown
"""What ``UUID(text)`` sets (an enum member: read once, not per row)."""


def unpack(
    packed: str,
    trail: str,
    moments: dict[int, datetime],
    truncated: bool = False,
    known: dict[int, tuple[datetime, int]] | None = None,
) -> LedgerRow:
    """The ledger row :func:`pack` wrote, with its trail (``truncated``: only its first
    ``steps`` steps, as a row version has them).

    Built without ``__init__`` (every field is set here), and a moment met again in the
    same read is the same (immutable) datetime: a whole ledger is thousands of rows,
    and this is the read the tables exist to make fast.
    """
    (
        case_hi, case_lo, jurisdiction, enterprise, title, category, channel, submitted_us,
        state, final, owner_role, owner_party, unit, level, responsible_leader, measures,
        time_limit, result, progress, progress_us, satisfaction, escalations, returns,
        closed_us, last_us, steps, last_recorded_us, resolved_us, resolved_by, resolved_unit,
        late, grids, deadlines, misses, delay_reasons, scores, late_entries, turns,
    ) = orjson.loads(packed)  # fmt: skip
    get = moments.get

    def at(us: int) -> datetime:
        found = moments[us] = _at(us)
        if known is not None:  # a row read to be written back: its moments need no recount
            known[id(found)] = (found, us)
        return found

    case_id = object.__new__(UUID)
    object.__setattr__(case_id, "int", case_hi << 64 | case_lo)
    object.__setattr__(case_id, "is_safe", _UNKNOWN_SAFETY)
    row = object.__new__(LedgerRow)
    row.__dict__ = {
        "case_id": case_id,
        "jurisdiction": jurisdiction,
        "enterprise": enterprise,
        "title": title,
        "category": category,
        "channel": channel,
        "submitted_at": get(submitted_us) or at(submitted_us),
        "state": state,
        "final": final,
        "owner_role": owner_role,
        "owner_party": owner_party,
        "unit": unit,
        "level": level,
        "open_deadlines": {}
        if deadlines is None
        else {k: date.fromisoformat(v) for k, v in deadlines.items()},
        "misses": misses or {},
        "delay_reasons": delay_reasons or [],
        "responsible_leader": responsible_leader,
        "measures": measures,
        "time_limit_working_days": time_limit,
        "result": result,
        "progress": progress,
        "progress_at": None if progress_us is None else get(progress_us) or at(progress_us),
        "satisfaction": satisfaction,
        "escalations": escalations,
        "returns": returns,
        "closed_at": None if closed_us is None else get(closed_us) or at(closed_us),
        "last_at": None if last_us is None else get(last_us) or at(last_us),
        "steps": steps,
        "late_entries": [] if late_entries is None else [(v, why) for v, why in late_entries],
        "last_recorded_at": None
        if last_recorded_us is None
        else get(last_recorded_us) or at(last_recorded_us),
        "unit_turns": LazyList() if turns is None else LazyList.encoded(_decode_turns, turns),
        "resolved_at": None if resolved_us is None else get(resolved_us) or at(resolved_us),
        "resolved_by": resolved_by,
        "resolved_unit": resolved_unit,
        "scores": scores or {},
        "back_dated": late,
        "grids": () if grids is None else tuple(grids),
        "trail": Trail.encoded(_decode_trail, trail, steps if truncated else None),
    }
    return row


def row_to_json(row: LedgerRow) -> str:
    """The whole ledger row as JSON (orjson: moments with their offset, days as ISO dates)."""
    return orjson.dumps(row, default=_unknown).decode()


def _unknown(value: Any) -> Any:
    if isinstance(value, LazyList):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def row_from_json(text: str) -> LedgerRow:
    """The ledger row :func:`row_to_json` wrote, equal to the one the fold made."""
    d = orjson.loads(text)
    submitted = _moment(d["submitted_at"])
    assert submitted is not None
    d["case_id"] = UUID(d["case_id"])
    d["submitted_at"] = submitted
    d["open_deadlines"] = {k: date.fromisoformat(v) for k, v in d["open_deadlines"].items()}
    for name in ("closed_at", "last_at", "last_recorded_at", "resolved_at", "progress_at"):
        d[name] = _moment(d[name])
    d["late_entries"] = [(int(v), str(why)) for v, why in d["late_entries"]]
    d["unit_turns"] = [
        UnitTurn(
            unit=t["unit"],
            since=_moment(t["since"]) or submitted,
            until=_moment(t["until"]),
            working_days=t["working_days"],
        )
        for t in d["unit_turns"]
    ]
    d["grids"] = tuple(d.get("grids", ()))
    d["unit_turns"] = LazyList(d["unit_turns"])
    d["trail"] = Trail((int(v), str(kind), _moment(at) or submitted) for v, kind, at in d["trail"])
    return LedgerRow(**d)
