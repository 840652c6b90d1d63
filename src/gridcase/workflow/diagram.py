"""Pictures of a handling path: Mermaid text, and Graphviz DOT for an SVG.

Officials review a rule change by looking at it. The diagram is drawn from the checked
rule set itself (not from a separate drawing), so it cannot drift from what the engine
runs: every transition with the roles that may take it and the clocks it starts and
stops, the final states, and the clocks' durations in a legend. A test checks that every
transition the deciding machine can fire is one edge here.

It is written out here rather than drawn by ``transitions``' own Mermaid support
(``GraphMachine(graph_engine="mermaid")``, 0.9.3), which was tried and does not serve:
its text always opens with a ``---``/title/``---`` front-matter block, so it is not the
``stateDiagram-v2`` document the CLI prints and docs/jurisdictions/*.md embed; the flat
machine draws no final states, and the hierarchical one that does splits state names
on ``_`` (``return_requested`` becomes a child of ``return``) unless its separator is
changed; states take no label (Chinese/English names and owner) without a custom
state class; the initial edge is bare ``[*] --> submitted``, losing who may submit and
the clocks submission starts; it has no notes for the clock legend, no escaping of
``:``/``;``/``#`` in labels, and adds ``classDef``/``Class`` styling per state with the
initial state marked "active" as if a case stood in it; it needs a model to draw at
all (``model=None`` has no graph), so it would be a second machine with a dummy
model; and its DOT output needs the graphviz Python package, which gridcase does not
depend on. Bending all that would take more code than the picture it draws.
"""

from __future__ import annotations

from gridcase.workflow.model import (
    CalendarDays,
    DateFromPayload,
    DayOfMonth,
    DueRule,
    Duration,
    FirstWorkingDayOfNextMonth,
    Meeting,
    NextWorkingDayAt,
    RuleSet,
    Transition,
    WorkingDays,
    WorkingDaysFromPayload,
)

__all__ = ["describe_due", "describe_duration", "to_dot", "to_mermaid"]


def describe_duration(d: Duration | None) -> str:
    """A duration in words, as a table or a legend shows it."""
    if d is None:
        return "not running"
    if isinstance(d, WorkingDays):
        return f"{d.working_days} working day{'s' if d.working_days != 1 else ''}"
    if isinstance(d, CalendarDays):
        return f"{d.calendar_days} calendar day{'s' if d.calendar_days != 1 else ''}"
    if isinstance(d, NextWorkingDayAt):
        return f"next working day at {d.next_working_day_at.strftime('%H:%M')}"
    if isinstance(d, FirstWorkingDayOfNextMonth):
        return "first working day of next month"
    if isinstance(d, DayOfMonth):
        roll = "" if d.roll == "none" else f", rolled {d.roll} to a working day"
        return f"day {d.day_of_month} of next month{roll}"
    if isinstance(d, Meeting):
        m = d.meeting
        at = m.at.strftime("%H:%M")
        if m.monthly:
            return f"next monthly meeting (first working day, {at})"
        every = "every week" if (m.every_weeks or 1) == 1 else f"every {m.every_weeks} weeks"
        day = f" on {m.weekday.value}" if m.weekday else ""
        return f"next meeting ({every}{day}, {at})"
    if isinstance(d, WorkingDaysFromPayload):
        return f"working days set per case ({d.working_days_from_payload})"
    if isinstance(d, DateFromPayload):
        return f"until a date set per case ({d.date_from_payload})"
    raise TypeError(f"unknown duration {d!r}")


def describe_due(due: DueRule) -> str:
    """ "every 12 months from 2022-01-01, by end_of_month of month 4"."""
    by = f"day {due.day}" + (" (before)" if due.before else "") if due.by == "day" else due.by
    month = due.month or due.every_months
    return f"every {due.every_months} month(s) from {due.from_}, by {by} of month {month}"


def _label(t: Transition) -> str:
    parts = [t.action.value]
    if t.when:
        parts.append(
            " ".join(f"{k}={'/'.join(str(v) for v in vals)}" for k, vals in t.when.items())
        )
    if t.category:
        parts.append("category=" + "/".join(t.category))
    parts.append("by " + "/".join(t.by))
    clocks = []
    if t.start or t.restart:
        clocks.append("starts " + ", ".join([*t.restart, *t.start]))
    if t.stop:
        clocks.append("stops " + ", ".join(t.stop))
    if t.renew:
        clocks.append("renews " + ", ".join(t.renew))
    if t.resume:
        clocks.append("resumes " + ", ".join(t.resume))
    if t.recount:
        clocks.append("recounts " + ", ".join(t.recount) + " from receipt")
    if t.level is not None:
        clocks.append(f"at level {t.level}")
    if t.action.value == "escalate":
        clocks.append("one level up")
    if t.agreement:
        clocks.append("once " + " and ".join(t.agreement) + " all agreed")
    return " · ".join(parts + clocks)


def _consent_label(t: Transition) -> str:
    """The self-loop of a consent that does not yet complete an agreement."""
    return f"{t.action.value} · consent by {'/'.join(t.by)} · until all agreed"


def _edges(t: Transition) -> list[tuple[str | None, str, str]]:
    """Each machine transition a rule becomes: (source or None for submit, target, label)."""
    if not t.from_:
        return [(None, t.to or "", _label(t))]
    edges: list[tuple[str | None, str, str]] = []
    for s in t.from_:
        if t.agreement:
            edges.append((s, s, _consent_label(t)))
        edges.append((s, t.to or s, _label(t)))
    return edges


def _safe(text: str) -> str:
    """Mermaid labels may not contain ':' ';' '#' or quotes."""
    for ch, rep in ((":", " "), (";", ","), ("#", "No."), ('"', "'")):
        text = text.replace(ch, rep)
    return text


def to_mermaid(rules: RuleSet) -> str:
    """A Mermaid ``stateDiagram-v2`` of the handling path."""
    lines = ["stateDiagram-v2", "    direction LR"]
    for name, st in rules.states.items():
        owner = f" · {st.owner}" if st.owner else ""
        lines.append(
            f'    state "{_safe(st.name.zh)} / {_safe(st.name.en)}{_safe(owner)}" as {name}'
        )
    for t in rules.transitions:
        for source, target, label in _edges(t):
            lines.append(f"    {source or '[*]'} --> {target}: {_safe(label)}")
    for name, st in rules.states.items():
        if st.final:
            lines.append(f"    {name} --> [*]")
    if rules.clocks:
        legend = "<br/>".join(
            _safe(f"{name} = {describe_duration(c.duration)}") for name, c in rules.clocks.items()
        )
        first = next(iter(rules.states))
        lines.append(f"    note right of {first}")
        lines.append(f"        clocks<br/>{legend}")
        lines.append("    end note")
    if rules.duties:
        owed = "<br/>".join(
            _safe(f"{name} = {d.owed_by} ({d.per.value}) {describe_due(d.due)}")
            for name, d in rules.duties.items()
        )
        lines.append(f"    note left of {next(iter(rules.states))}")
        lines.append(f"        duties<br/>{owed}")
        lines.append("    end note")
    return "\n".join(lines) + "\n"


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(rules: RuleSet) -> str:
    """The same diagram as Graphviz DOT (``dot -Tsvg`` turns it into SVG)."""
    lines = [
        f"digraph {_dot_quote(rules.jurisdiction.id)} {{",
        "  rankdir=LR;",
        '  node [shape=box, style=rounded, fontname="Noto Sans CJK SC, sans-serif"];',
        '  edge [fontname="Noto Sans CJK SC, sans-serif", fontsize=10];',
        '  __start [shape=point, label=""];',
    ]
    for name, st in rules.states.items():
        shape = ", peripheries=2" if st.final else ""
        label = f"{st.name.zh}\\n{st.name.en}" + (f"\\n({st.owner})" if st.owner else "")
        lines.append(f'  {_dot_quote(name)} [label="{label}"{shape}];')
    for t in rules.transitions:
        for source, target, label in _edges(t):
            lines.append(
                f"  {_dot_quote(source or '__start')} -> {_dot_quote(target)} [label={_dot_quote(label)}];"
            )
    lines.append("}")
    return "\n".join(lines) + "\n"
