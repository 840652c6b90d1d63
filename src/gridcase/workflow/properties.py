"""Properties a rule file declares about itself, as data, and how a case is judged by them.

A property is a promise the jurisdiction makes about every case of some categories, in a
closed vocabulary (no expressions, no code), for example 马陆 六(二)/六(四): "a consultation
is answered within 5 working days of being accepted, or has a monthly progress report
running"::

    properties:
      consultation_answered:
        name: {zh: 咨询类诉求5个工作日内答复或填报进展, en: consultation answered or reported}
        categories: [consultation]
        after: accept
        within: {working_days: 5}
        then_one_of:
          actions: [resolve, reply_in_writing]
          clocks_running: [progress_report]
        cite: 六(二) 咨询类诉求办结时限为5个工作日; 六(四) 往后每月第1个工作日 … 填报办理进展

Once the period from the first ``after`` step has passed, the case must have taken one
of ``actions``, be in one of ``states``, or have one of ``clocks_running`` open. A case
that is closed passes. :func:`judge` says whether a case breaks a property at a moment;
``gridcase rules prove`` checks it on every path it explores.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from pydantic import Field

from gridcase.calendar import WorkingCalendar
from gridcase.domain.actions import Action
from gridcase.domain.case_state import CaseState, Step
from gridcase.domain.sourced import Slug, Sourced, Strict, Text

__all__ = [
    "Outcomes",
    "Property",
    "PropertyBreach",
    "Within",
    "check_properties",
    "due_of",
    "judge",
]


class Within(Strict):
    """How long the case has: ``working_days`` counted as the State Council calendar does."""

    working_days: Annotated[int, Field(ge=1, le=365)]


class Outcomes(Strict):
    """What must be true once the period has passed: any one of these is enough."""

    actions: list[Action] = Field(default_factory=list)
    states: list[Slug] = Field(default_factory=list)
    clocks_running: list[Slug] = Field(default_factory=list)


class Property(Sourced):
    """One declared promise (see the module text)."""

    name: Text
    categories: list[Slug] = Field(default_factory=list)
    """The categories it is about; empty means every category."""
    after: Action = Action.SUBMIT
    """The step from which the period is counted (its first occurrence)."""
    within: Within
    then_one_of: Outcomes


@dataclass(frozen=True)
class PropertyBreach:
    """A case that breaks a property: which, when its period ended, and what it lacks."""

    property: str
    due: datetime
    message: str


def due_of(
    prop: Property, case: CaseState, steps: Sequence[Step], calendar: WorkingCalendar
) -> datetime | None:
    """When the property's period ends for this case; None if it does not apply (yet)."""
    if prop.categories and case.category not in prop.categories:
        return None
    start = next((s.at for s in steps if s.kind == prop.after.value), None)
    if start is None:
        return None
    return calendar.add_working_days(start, prop.within.working_days).deadline


def judge(
    name: str,
    prop: Property,
    case: CaseState,
    steps: Sequence[Step],
    calendar: WorkingCalendar,
    now: datetime,
) -> PropertyBreach | None:
    """The breach of ``prop`` by ``case`` as it stands at ``now``, or None."""
    due = due_of(prop, case, steps, calendar)
    if due is None or now < due or case.final:
        return None
    want = prop.then_one_of
    taken = {s.kind for s in steps}
    if any(a.value in taken for a in want.actions):
        return None
    if case.state in want.states or any(c in case.clocks for c in want.clocks_running):
        return None
    wanted = [
        *(f"action {a.value}" for a in want.actions),
        *(f"state {s}" for s in want.states),
        *(f"clock {c} running" for c in want.clocks_running),
    ]
    return PropertyBreach(
        name,
        due,
        f"property {name!r}: its period ended at {due.isoformat()} and the case "
        f"(state {case.state}) has none of: {', '.join(wanted)}",
    )


def check_properties(
    properties: Mapping[str, Property],
    *,
    categories: set[str],
    states: set[str],
    clocks: set[str],
) -> list[tuple[tuple[str | int, ...], str]]:
    """Names in declared properties that point nowhere (the rule checks call this)."""
    found: list[tuple[tuple[str | int, ...], str]] = []
    for name, prop in properties.items():
        path: tuple[str | int, ...] = ("properties", name)
        if not prop.cite and not prop.assumption:
            found.append((path, "a property needs a 'cite' or an 'assumption'"))
        for j, c in enumerate(prop.categories):
            if c not in categories:
                found.append(((*path, "categories", j), f"unknown category {c!r}"))
        want = prop.then_one_of
        for j, s in enumerate(want.states):
            if s not in states:
                found.append(((*path, "then_one_of", "states", j), f"unknown state {s!r}"))
        for j, c in enumerate(want.clocks_running):
            if c not in clocks:
                found.append(((*path, "then_one_of", "clocks_running", j), f"unknown clock {c!r}"))
        if not (want.actions or want.states or want.clocks_running):
            found.append(((*path, "then_one_of"), "name at least one action, state or clock"))
    return found
