"""Text for people: a case's history and the problem ledger, as an auditor reads them.

Used by the command line and the demo; the library itself returns values, never text.
Times are China time. A step gridcase took because a period ended at 24:00 is shown as
"24:00" of the day that ended, which is how the sources count (it is stored as 00:00
of the next day).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta
from typing import Any
from uuid import UUID

from gridcase.application.results import RecordedStep
from gridcase.calendar import to_cst
from gridcase.domain.case_state import CLOCK_EXPIRED, CaseState, Step
from gridcase.interfaces.export import Column, Table
from gridcase.interfaces.table import render
from gridcase.projections.ledger import LedgerRow
from gridcase.projections.visit_ledger import VisitLedgerRow
from gridcase.workflow.compiler import CompiledRules

__all__ = [
    "case_summary",
    "history_lines",
    "ledger_lines",
    "ledger_view",
    "moment",
    "short_ids",
    "step_to_dict",
    "visit_ledger_lines",
    "visit_ledger_view",
]


def moment(at: datetime, *, end_of_day: bool = False) -> str:
    """``2026-02-28 24:00`` for an end of day, else ``2026-02-28 09:30``."""
    local = to_cst(at)
    if end_of_day and local.time() == time(0, 0):
        return f"{(local - timedelta(days=1)).date().isoformat()} 24:00"
    return local.strftime("%Y-%m-%d %H:%M")


def _state_name(rules: CompiledRules | None, state: str) -> str:
    if rules is None or state not in rules.rules.states:
        return state
    return f"{state} {rules.rules.states[state].name.zh}"


def _step_text(step: Step, rules: CompiledRules | None) -> str:
    out = step.outcome
    what = (
        step.kind
        if step.kind != CLOCK_EXPIRED
        else f"clock {step.clock} ran out (miss {step.misses})"
    )
    owner = (
        f"{out.owner.role}{'/' + out.owner.party if out.owner and out.owner.party else ''}"
        if out.owner
        else "-"
    )
    parts = [f"{what:<28} → {_state_name(rules, out.state)} [{owner}]"]
    if out.level:
        parts.append(f"level {out.level}")
    for oc in out.clocks_started:
        flag = " provisional" if oc.deadline.provisional else ""
        parts.append(f"+{oc.clock} due {oc.deadline.due_date.isoformat()}{flag}")
    for name in out.clocks_stopped:
        if name not in {oc.clock for oc in out.clocks_started}:
            parts.append(f"-{name}")
    if step.submission is not None and step.submission.visit_id:
        parts.append(f"raised in visit {step.submission.visit_id}")
    if step.reason and step.kind != CLOCK_EXPIRED:
        parts.append(f"reason: {step.reason}")
    if step.payload:
        shown = {k: v for k, v in step.payload.items() if k != "documents"}
        if shown:
            parts.append(", ".join(f"{k}={v}" for k, v in shown.items()))
    parts.extend(f"note: {n}" for n in step.notes)
    return "  ".join(parts)


def history_lines(steps: Sequence[RecordedStep], rules: CompiledRules | None = None) -> list[str]:
    """One line per recorded step: version, moment, actor and role, what happened.

    A step recorded late shows a second line with when it was recorded and why late,
    so an auditor reading the history never takes a late entry for a timely one.
    """
    lines = []
    for rec in steps:
        s = rec.step
        when = moment(s.at, end_of_day=s.kind == CLOCK_EXPIRED or s.actor == "system")
        lines.append(
            f"{rec.version:>3}  {when}  {s.actor[:20]:<20} {s.role:<12} {_step_text(s, rules)}"
        )
        if s.late and s.recorded_at is not None:
            lines.append(
                f"{'':>3}  {'':16}  LATE ENTRY, recorded {moment(s.recorded_at)}: {s.late_reason}"
            )
    return lines


def case_summary(state: CaseState, rules: CompiledRules | None = None) -> list[str]:
    """What the case is now: state, owner, level, clocks, misses."""
    sub = state.submission
    owner = (
        f"{state.owner.role}{'/' + state.owner.party if state.owner.party else ''}"
        if state.owner
        else "-"
    )
    lines = [
        f"case {state.case_id}  {sub.jurisdiction} rules {sub.rules_version} ({sub.rules_hash[:12]})",
        f"  {sub.title}  [{sub.category}]  enterprise {sub.enterprise}  via {sub.channel}",
        f"  submitted {moment(state.submitted_at)}, last step {moment(state.last_at, end_of_day=True)}",
        f"  state {_state_name(rules, state.state)}{' (closed)' if state.final else ''}, owner {owner}, "
        f"level {state.level}{', unit ' + state.unit if state.unit else ''}",
    ]
    for oc in state.clocks.values():
        d = oc.deadline
        prov = "  PROVISIONAL (a year without a State Council notice)" if d.provisional else ""
        lines.append(
            f"  clock {oc.clock}: due {moment(d.deadline, end_of_day=True)} (calendar {d.calendar_version[:12]}){prov}"
        )
    if state.misses:
        lines.append("  missed: " + ", ".join(f"{k} ×{v}" for k, v in state.misses.items()))
    if state.flags:
        lines.append("  flags: " + ", ".join(sorted(state.flags)))
    return lines


def short_ids(ids: Sequence[UUID], *, at_least: int = 8) -> dict[UUID, str]:
    """Each id's shortest unique prefix of its hex digits, ``at_least`` long (as git
    abbreviates commits): what ``cases list`` shows and every ``ID`` argument accepts."""
    hexes = sorted(i.hex for i in ids)
    out: dict[UUID, str] = {}
    for n, h in enumerate(hexes):
        need = at_least
        for other in (hexes[n - 1] if n else "", hexes[n + 1] if n + 1 < len(hexes) else ""):
            common = next(
                (k for k, (a, b) in enumerate(zip(h, other, strict=False)) if a != b), len(other)
            )
            need = max(need, common + 1)
        out[UUID(h)] = h[:need]
    return out


_LEDGER_VIEW = (
    Column("id"),
    Column("submitted"),
    Column("enterprise"),
    Column("category"),
    Column("state"),
    Column("owner"),
    Column("next due"),
    Column("missed"),
    Column("rating"),
    Column("title"),
)


def ledger_view(rows: Sequence[LedgerRow], *, full_ids: bool = False) -> Table:
    """The problem ledger as a terminal shows it: one row per case, its id first."""
    ids = short_ids([r.case_id for r in rows])
    cells = []
    for r in rows:
        owner = f"{r.owner_role}/{r.owner_party}" if r.owner_party else (r.owner_role or "-")
        missed = ", ".join(f"{k}×{v}" for k, v in r.misses.items()) or "-"
        if r.late_entries:
            missed = f"{missed} LATE×{len(r.late_entries)}"
        cells.append(
            {
                "id": str(r.case_id) if full_ids else ids[r.case_id],
                "submitted": moment(r.submitted_at),
                "enterprise": r.enterprise,
                "category": r.category,
                "state": r.state,
                "owner": owner,
                "next due": r.next_due.isoformat() if r.next_due else "-",
                "missed": missed,
                "rating": r.satisfaction or "-",
                "title": r.title,
            }
        )
    return Table(_LEDGER_VIEW, tuple(cells))


def ledger_lines(rows: Sequence[LedgerRow], *, width: int | None = None) -> list[str]:
    """The problem ledger as a table aligned by display width, nothing cut."""
    return render(ledger_view(rows), width=width)


_VISIT_VIEW = (
    Column("visited"),
    Column("grids"),
    Column("enterprise"),
    Column("visitor"),
    Column("channel"),
    Column("evidence"),
    Column("cases"),
    Column("name"),
)


def visit_ledger_view(rows: Sequence[VisitLedgerRow]) -> Table:
    """The visit ledger as a terminal shows it; the findings are in the CSV, XLSX and JSON."""
    return Table(
        _VISIT_VIEW,
        tuple(
            {
                "visited": moment(r.at),
                "grids": ", ".join(g.grid for g in r.grids) or "-",
                "enterprise": r.enterprise,
                "visitor": r.visitor,
                "channel": r.channel,
                "evidence": r.evidence,
                "cases": len(r.cases),
                "name": r.enterprise_name,
            }
            for r in rows
        ),
    )


def visit_ledger_lines(rows: Sequence[VisitLedgerRow], *, width: int | None = None) -> list[str]:
    """The visit ledger as a table aligned by display width, nothing cut."""
    return render(visit_ledger_view(rows), width=width)


def step_to_dict(rec: RecordedStep) -> dict[str, Any]:
    """A recorded step as JSON-ready data."""
    s = rec.step
    out = s.outcome
    return {
        "version": rec.version,
        "kind": s.kind,
        "at": to_cst(s.at).isoformat(),
        "recorded_at": to_cst(s.recorded_at).isoformat() if s.recorded_at else None,
        "late_reason": s.late_reason,
        "actor": s.actor,
        "role": s.role,
        "reason": s.reason,
        "payload": dict(s.payload),
        "clock": s.clock,
        "misses": s.misses,
        "notes": list(s.notes),
        "state": out.state,
        "final": out.final,
        "level": out.level,
        "owner": {"role": out.owner.role, "party": out.owner.party} if out.owner else None,
        "unit": out.unit,
        "flags_set": list(out.flags_set),
        "flags_cleared": list(out.flags_cleared),
        "clocks_started": [
            {"clock": oc.clock, **oc.deadline.to_dict()} for oc in out.clocks_started
        ],
        "clocks_stopped": list(out.clocks_stopped),
    }
