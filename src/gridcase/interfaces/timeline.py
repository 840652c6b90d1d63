"""The auditor's timeline: one case as a self-contained HTML page, or as JSON lines.

The page needs no network and nothing beside it: inline CSS, no script, no font or
image fetched, and it prints on A4 (``@page``). It shows every step with who, in which
role, what, when it happened (as claimed) and when it was recorded, why, and its
payload; each deadline as computed at the time with the calendar version and the rule
version it was computed under, and the rule paragraph the step encodes; misses (a clock
that ran out) and late entries highlighted; and the rule file's states with the case's
path marked on them, in the order it went.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from html import escape

from gridcase.application.results import RecordedStep
from gridcase.domain.actions import Action
from gridcase.domain.case_state import CLOCK_EXPIRED, CaseState, Step
from gridcase.interfaces.render import moment, step_to_dict
from gridcase.workflow.compiler import CompiledRules

__all__ = ["timeline_html", "timeline_jsonl"]

_CSS = """
@page { size: A4; margin: 15mm 12mm; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", sans-serif;
       font-size: 10pt; color: #111; margin: 0 auto; max-width: 186mm; }
h1 { font-size: 15pt; margin: 0 0 2mm; }
h2 { font-size: 12pt; margin: 6mm 0 2mm; border-bottom: 1px solid #999; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #bbb; padding: 1.2mm 1.6mm; vertical-align: top; text-align: left; }
th { background: #eee; }
tr { page-break-inside: avoid; }
tr.miss td { background: #fde2e2; }
tr.late td { background: #fff4cc; }
.tag { display: inline-block; padding: 0 1.5mm; border-radius: 1mm; font-weight: bold; }
.tag.miss { background: #c62828; color: #fff; }
.tag.late { background: #f9a825; color: #000; }
.small { font-size: 8.5pt; color: #444; }
pre { white-space: pre-wrap; margin: 0; font-size: 8.5pt; }
.path { display: flex; flex-wrap: wrap; gap: 1.5mm; }
.state { border: 1px solid #999; padding: 1mm 2mm; border-radius: 1mm; color: #777; }
.state.visited { border: 2px solid #1565c0; color: #000; font-weight: bold; }
.state.now { background: #1565c0; color: #fff; }
@media print { a { color: inherit; text-decoration: none; } }
"""


def _cite(rules: CompiledRules | None, before: str | None, step: Step) -> str:
    """The paragraph the step's rule encodes (or the assumption made where it is silent)."""
    if rules is None:
        return ""
    if step.kind == CLOCK_EXPIRED:
        clock = rules.rules.clocks.get(step.clock or "")
        found = clock.cite or clock.assumption if clock is not None else None
        return str(found or "")
    try:
        action = Action(step.kind)
    except ValueError:
        return ""
    entries = rules.transitions(before, action) if before is not None else (rules.submit,)
    for _, t in entries:
        if t.to is None or t.to == step.outcome.state:
            return str(t.cite or t.assumption or "")
    return ""


def _state_label(rules: CompiledRules | None, state: str) -> str:
    if rules is None or state not in rules.rules.states:
        return state
    return f"{rules.rules.states[state].name.zh} ({state})"


def _step_row(rec: RecordedStep, before: str | None, rules: CompiledRules | None) -> str:
    s = rec.step
    out = s.outcome
    classes = []
    tags = []
    if s.kind == CLOCK_EXPIRED:
        classes.append("miss")
        tags.append(
            f'<span class="tag miss">超时 missed: {escape(s.clock or "")} ×{s.misses}</span>'
        )
    if s.late:
        classes.append("late")
        tags.append('<span class="tag late">补录 late entry</span>')
    end = s.kind == CLOCK_EXPIRED or s.actor == "system"
    recorded = moment(s.recorded_at) if s.recorded_at is not None else "-"
    owner = f"{out.owner.role}/{out.owner.party or '-'}" if out.owner else "-"
    deadlines = "".join(
        f"<div>{escape(oc.clock)}: {escape(moment(oc.deadline.deadline, end_of_day=True))}"
        f"{' (provisional)' if oc.deadline.provisional else ''}"
        f'<div class="small">calendar {escape(oc.deadline.calendar_version[:12])}</div></div>'
        for oc in out.clocks_started
    )
    why = " ".join(
        escape(x) for x in (s.reason, f"late: {s.late_reason}" if s.late_reason else None) if x
    )
    payload = (
        f"<pre>{escape(json.dumps(dict(s.payload), ensure_ascii=False, indent=1))}</pre>"
        if s.payload
        else ""
    )
    cite = _cite(rules, before, s)
    return (
        f'<tr class="{" ".join(classes)}"><td>{rec.version}</td>'
        f"<td>{escape(moment(s.at, end_of_day=end))}"
        f'<div class="small">recorded {escape(recorded)}</div></td>'
        f'<td>{escape(s.actor)}<div class="small">{escape(s.role)}</div></td>'
        f"<td><b>{escape(s.kind)}</b> {''.join(tags)}"
        f'<div class="small">→ {escape(_state_label(rules, out.state))} [{escape(owner)}]</div>'
        f"{payload}</td>"
        f"<td>{why}</td><td>{deadlines}</td>"
        f'<td class="small">{escape(cite)}</td></tr>'
    )


def _path(rules: CompiledRules | None, steps: Sequence[RecordedStep], now: str) -> str:
    visited: list[str] = []
    for rec in steps:
        if not visited or visited[-1] != rec.step.outcome.state:
            visited.append(rec.step.outcome.state)
    states = list(rules.rules.states) if rules is not None else list(dict.fromkeys(visited))
    boxes = "".join(
        f'<span class="state{" visited" if s in visited else ""}{" now" if s == now else ""}">'
        f"{escape(_state_label(rules, s))}</span>"
        for s in states
    )
    order = " → ".join(escape(_state_label(rules, s)) for s in visited)
    return f'<div class="path">{boxes}</div><p class="small">path: {order}</p>'


def timeline_html(
    state: CaseState, steps: Sequence[RecordedStep], rules: CompiledRules | None
) -> str:
    """The case's whole history as one self-contained, printable HTML page."""
    sub = state.submission
    source = rules.rules.jurisdiction.source if rules is not None else None
    document = (
        f"{escape(source.title)}{' ' + escape(source.document_number) if source.document_number else ''}"
        if source is not None
        else ""
    )
    befores: list[str | None] = [None] + [r.step.outcome.state for r in steps[:-1]]
    rows = "".join(_step_row(r, b, rules) for r, b in zip(steps, befores, strict=True))
    misses = sum(1 for r in steps if r.step.kind == CLOCK_EXPIRED)
    late = sum(1 for r in steps if r.step.late)
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>案件时间线 case {escape(str(state.case_id))}</title>
<style>{_CSS}</style></head>
<body>
<h1>案件时间线 Case timeline</h1>
<table class="summary">
<tr><th>案件 case</th><td>{escape(str(state.case_id))}</td></tr>
<tr><th>诉求 title</th><td>{escape(sub.title)} [{escape(sub.category)}] via {escape(sub.channel)}</td></tr>
<tr><th>企业 enterprise</th><td>{escape(sub.enterprise)}</td></tr>
<tr><th>规则 rules</th><td>{escape(sub.jurisdiction)} {escape(sub.rules_version)}
 <span class="small">({escape(sub.rules_hash[:16])})</span><div class="small">{document}</div></td></tr>
<tr><th>状态 state</th><td>{escape(_state_label(rules, state.state))}{" (closed)" if state.final else ""}</td></tr>
<tr><th>超时 / 补录</th><td>{misses} missed clock(s), {late} late entr{"y" if late == 1 else "ies"}</td></tr>
</table>
<h2>流程 Path through the rules</h2>
{_path(rules, steps, state.state)}
<h2>步骤 Steps</h2>
<table class="steps">
<tr><th>#</th><th>时间 when</th><th>谁 who</th><th>事项 what</th><th>理由 why</th>
<th>期限 deadlines</th><th>依据 rule</th></tr>
{rows}
</table>
</body></html>
"""


def timeline_jsonl(steps: Sequence[RecordedStep]) -> str:
    """The case's steps as JSON lines, one step a line (as ``cases show --json`` has them)."""
    return "".join(json.dumps(step_to_dict(r), ensure_ascii=False) + "\n" for r in steps)
