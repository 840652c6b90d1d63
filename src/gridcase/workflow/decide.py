"""The decision: (case state, command, time) → steps to record, or a typed refusal.

Pure: no I/O, no wall clock, no mutation. The application layer loads a case, calls
these functions, and records the steps they return as events; a refusal is raised as
one of :mod:`gridcase.kernel.errors` (``RefusedByRule`` naming the rule and its citation,
``NotAuthorised`` for a wrong role or a non-owner, ``InvalidInput`` for a malformed
payload), and then nothing is recorded.

Which transition an action takes is chosen by the rule version's compiled state machine
(:mod:`gridcase.workflow.compiler`), whose conditions call back into the checks here;
it runs on a context made for the one decision, so nothing outside it is changed.

Before any command is decided, every clock that ran out before the command's moment
fires (:func:`decide_expiries`), in time order, so history stays in time order and the
command meets the case as it really stands: an enterprise cannot reject a completion
that was already confirmed for it by silence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from gridcase.calendar import WorkingCalendar, to_cst
from gridcase.domain.actions import SYSTEM_ROLE, Action
from gridcase.domain.case_state import (
    CLOCK_EXPIRED,
    CaseState,
    OpenClock,
    Outcome,
    Owner,
    Step,
    Submission,
    evolve,
)
from gridcase.domain.commands import ActOnCase, Actor, SubmitDemand
from gridcase.domain.payloads import Payload, parse_payload
from gridcase.kernel.errors import InvalidInput, NotAuthorised, RefusedByRule, StaleTimestamp
from gridcase.workflow.checks import LADDER_OWNER
from gridcase.workflow.clocks import clock_duration, compute_deadline
from gridcase.workflow.compiler import CompiledRules, consent_flag
from gridcase.workflow.model import (
    EscalateEffect,
    LadderMove,
    PerformEffect,
    RestartEffect,
    RoleKind,
    StartEffect,
    Transition,
    WorkingDaysFromPayload,
)

__all__ = ["MAX_EXPIRIES", "decide_action", "decide_expiries", "decide_submission"]

_INSTANT = timedelta(microseconds=1)

MAX_EXPIRIES = 10_000
"""A bound on clock firings in one catch-up, against a rule that restarts for ever."""


def _rule(rules: CompiledRules, index: int, t: Transition, state: str | None) -> str:
    where = f" from {state}" if state else ""
    return f"{rules.jurisdiction}@{rules.version} transitions[{index}]: {t.action.value}{where}"


def _payload_dict(payload: Mapping[str, Any] | Payload) -> Mapping[str, Any]:
    if isinstance(payload, Payload):
        return payload.model_dump(mode="json", exclude_defaults=True)
    return payload


def _authorise(
    rules: CompiledRules,
    t: Transition,
    actor: Actor,
    role: str,
    *,
    enterprise: str,
    case: CaseState | None,
) -> None:
    action = t.action.value
    if role not in actor.roles:
        held = ", ".join(sorted(actor.roles)) or "none"
        raise NotAuthorised(
            f"{actor.id} does not hold the role {role!r} in {rules.jurisdiction} (holds: {held})",
            actor=actor.id,
            role=role,
        )
    if role not in t.by:
        raise NotAuthorised(
            f"the role {role!r} may not {action} here; the rules allow: {', '.join(t.by)}",
            actor=actor.id,
            role=role,
        )
    if role == SYSTEM_ROLE:
        return
    kind = rules.rules.roles[role].kind
    if kind is RoleKind.ENTERPRISE and actor.enterprise != enterprise:
        raise NotAuthorised(
            f"{actor.id} does not speak for enterprise {enterprise}", actor=actor.id, role=role
        )
    if case is None:
        return
    if kind is RoleKind.UNIT and case.unit is not None and case.unit not in actor.units:
        raise NotAuthorised(
            f"{actor.id} is not a member of {case.unit}, the unit responsible for this case",
            actor=actor.id,
            role=role,
        )
    owner = case.owner
    if (
        kind is RoleKind.PERSON
        and owner
        and owner.role == role
        and owner.party not in (None, actor.id)
    ):
        raise NotAuthorised(
            f"the case is held by {owner.party} as {role}, not by {actor.id}",
            actor=actor.id,
            role=role,
        )


def _check_guards(
    rules: CompiledRules,
    index: int,
    t: Transition,
    case: CaseState | None,
    reason: str | None,
    payload: Mapping[str, Any],
) -> None:
    g = t.guards
    rule = _rule(rules, index, t, case.state if case else None)

    def refuse(message: str) -> RefusedByRule:
        return RefusedByRule(f"{t.action.value}: {message}", rule=rule, cite=t.cite or t.assumption)

    if g.reason and not (reason and reason.strip()):
        raise refuse("a reason is required")
    missing = [f for f in g.payload if payload.get(f) in (None, "", [], ())]
    if missing:
        raise refuse(f"payload field(s) required: {', '.join(missing)}")
    for f in g.payload_true:
        if payload.get(f) is not True:
            raise refuse(f"payload field {f!r} must be true")
    flags = case.flags if case else frozenset()
    if g.flags_any and not flags & set(g.flags_any):
        raise refuse(
            f"requires one of: {', '.join(g.flags_any)} (the case has: {', '.join(sorted(flags)) or 'none'})"
        )
    lacking = [f for f in g.flags_all if f not in flags]
    if lacking:
        raise refuse(f"requires: {', '.join(lacking)}")
    present = [f for f in g.flags_none if f in flags]
    if present:
        raise refuse(f"not allowed once the case has: {', '.join(present)}")
    if g.new_unit and case is not None and payload.get("unit") == case.unit:
        raise refuse(f"must go to another unit than {case.unit}")


@dataclass(slots=True)
class _Decision:
    """The throwaway model the machine decides on: one per command, never the case itself.

    The machine writes its idea of the current state here (``state``) and the fired rule
    (``chosen``); made per call, concurrent decisions on a shared machine cannot see each
    other's, and the case stays something that only recorded events change.
    """

    rules: CompiledRules
    case: CaseState
    actor: Actor
    role: str
    reason: str | None
    payload: Mapping[str, Any]
    state: str
    chosen: tuple[int, Transition] | None = None

    @property
    def category(self) -> str:
        return self.case.category

    @property
    def flags(self) -> frozenset[str]:
        return self.case.flags

    def permit(self, index: int, rule: Transition) -> bool:
        _authorise(
            self.rules, rule, self.actor, self.role, enterprise=self.case.enterprise, case=self.case
        )
        _check_guards(self.rules, index, rule, self.case, self.reason, self.payload)
        return True

    def chose(self, index: int, rule: Transition) -> None:
        self.chosen = (index, rule)


def _not_allowed(rules: CompiledRules, state: str, action: Action) -> RefusedByRule:
    allowed = ", ".join(a.value for a in rules.allowed_actions(state)) or "none"
    return RefusedByRule(
        f"{action.value} is not allowed in state {state!r} (allowed there: {allowed})",
        rule=f"{rules.jurisdiction}@{rules.version} states.{state}",
        cite=rules.rules.states[state].cite,
    )


def _no_branch(rules: CompiledRules, state: str, action: Action) -> RefusedByRule:
    """Every branch for the action names payload values, and the payload gave none of them."""
    candidates = rules.transitions(state, action)
    index, t = candidates[0]
    wanted = "; ".join(
        " and ".join(f"{k} in {v}" for k, v in c.when.items()) for _, c in candidates if c.when
    )
    kinds = sorted({k for _, c in candidates for k in c.category})
    need = f"a payload with {wanted}" if wanted else ""
    if kinds:
        need += f"{' or ' if need else ''}a matter of category {', '.join(kinds)}"
    return RefusedByRule(
        f"{action.value} in state {state!r} needs {need}",
        rule=_rule(rules, index, t, state),
        cite=t.cite or t.assumption,
    )


def _choose(
    rules: CompiledRules,
    case: CaseState,
    command: ActOnCase,
    actor: Actor,
    payload: Mapping[str, Any],
) -> tuple[int, Transition]:
    """The rule the command takes, chosen by the compiled machine, or the typed refusal.

    The machine tries the branches in file order; the first whose ``when`` matches is
    the one, and if its role or a guard fails the refusal names that rule rather than
    falling through to a later default (which would silently misroute the matter).
    """
    if not rules.allows(case.state, command.action):
        raise _not_allowed(rules, case.state, command.action)
    decision = _Decision(
        rules=rules,
        case=case,
        actor=actor,
        role=command.role,
        reason=command.reason,
        payload=payload,
        state=case.state,
    )
    if not rules.choose(decision, command.action) or decision.chosen is None:
        raise _no_branch(rules, case.state, command.action)
    return decision.chosen


def _owner(
    rules: CompiledRules,
    state: str,
    level: int,
    *,
    unit: str | None,
    enterprise: str,
    previous: Owner | None,
    holders: Mapping[str, str],
    actor: Actor,
    role: str,
    to: str | None,
) -> Owner | None:
    st = rules.rules.states[state]
    if st.final:
        return None
    owner_role = rules.rules.ladder[level].role if st.owner == LADDER_OWNER else st.owner
    assert owner_role is not None
    kind = rules.rules.roles[owner_role].kind
    if kind is RoleKind.ENTERPRISE:
        return Owner(owner_role, enterprise)
    if kind is RoleKind.UNIT:
        return Owner(owner_role, unit)
    if kind is RoleKind.OFFICE:
        return Owner(owner_role, None)
    if to is not None:
        return Owner(owner_role, to)
    if role == owner_role:
        return Owner(owner_role, actor.id)
    if previous is not None and previous.role == owner_role:
        return previous
    return Owner(owner_role, holders.get(owner_role))


def _clocks(
    rules: CompiledRules,
    calendar: WorkingCalendar,
    *,
    open_now: Mapping[str, OpenClock],
    stop: list[str],
    start: list[str],
    final: bool,
    category: str,
    at: datetime,
    payload: Mapping[str, Any],
    rule: str,
    resume: Mapping[str, OpenClock] | None = None,
) -> tuple[tuple[OpenClock, ...], tuple[str, ...]]:
    if final:
        return (), tuple(sorted(open_now))
    stopped = [c for c in dict.fromkeys(stop) if c in open_now]
    started: list[OpenClock] = [
        oc for c, oc in (resume or {}).items() if c not in open_now or c in stopped
    ]
    for c in dict.fromkeys(start):
        duration = clock_duration(rules.rules, c, category)
        if duration is None:
            continue
        limit: int | None = None
        values = payload
        if isinstance(duration, WorkingDaysFromPayload):
            given = payload.get(duration.working_days_from_payload)
            running = open_now.get(c)
            limit = given if isinstance(given, int) else (running.limit if running else None)
            values = {duration.working_days_from_payload: limit}
        started.append(
            OpenClock(c, compute_deadline(duration, at, calendar, values, rule=rule), limit)
        )
        if c in open_now and c not in stopped:
            stopped.append(c)
    return tuple(started), tuple(stopped)


def _new_category(
    rules: CompiledRules, case: CaseState, t: Transition, payload: Mapping[str, Any]
) -> str:
    """The case's category after ``t``: changed only by ``change_category``."""
    if t.action is not Action.CHANGE_CATEGORY:
        return case.category
    new = payload.get("category")
    known = rules.rules.categories
    if new not in known:
        raise InvalidInput(
            f"unknown category {new!r} for {rules.jurisdiction}; known: {', '.join(known)}",
            field="payload.category",
        )
    if new == case.category:
        raise InvalidInput(f"the matter is already of category {new!r}", field="payload.category")
    return str(new)


def decide_submission(
    rules: CompiledRules,
    calendar: WorkingCalendar,
    command: SubmitDemand,
    actor: Actor,
    *,
    at: datetime,
    responsible: str | None = None,
) -> Step:
    """Decide the first step of a case: its registration under ``rules``.

    ``responsible`` is the person the roster names as answerable for the enterprise
    that day (its officer, butler or commissioner): a case that starts with that role
    is held by that person, not by "any officer".
    """
    at = to_cst(at, field="at")
    if command.category not in rules.rules.categories:
        raise InvalidInput(
            f"unknown category {command.category!r} for {rules.jurisdiction}; "
            f"known: {', '.join(rules.rules.categories)}",
            field="category",
        )
    index, t = rules.submit_for(command.category)
    if not command.title.strip():
        raise InvalidInput("a demand needs a title", field="title")
    _authorise(rules, t, actor, command.role, enterprise=command.enterprise, case=None)
    _check_guards(rules, index, t, None, None, {})
    assert t.to is not None
    final = rules.rules.states[t.to].final
    started, _ = _clocks(
        rules,
        calendar,
        open_now={},
        stop=[],
        start=[*t.restart, *t.start],
        final=final,
        category=command.category,
        at=at,
        payload={},
        rule=_rule(rules, index, t, None),
    )
    owner = _owner(
        rules,
        t.to,
        t.level or 0,
        unit=None,
        enterprise=command.enterprise,
        previous=None,
        holders=(
            {rules.rules.roster.responsible_role: responsible}
            if responsible is not None and rules.rules.roster is not None
            else {}
        ),
        actor=actor,
        role=command.role,
        to=None,
    )
    return Step(
        kind=Action.SUBMIT.value,
        at=at,
        actor=actor.id,
        role=command.role,
        command_id=command.command_id,
        outcome=Outcome(
            state=t.to,
            final=final,
            level=t.level or 0,
            owner=owner,
            unit=None,
            flags_set=tuple(t.set),
            clocks_started=started,
        ),
        submission=Submission(
            jurisdiction=rules.jurisdiction,
            rules_version=rules.version,
            rules_hash=rules.content_hash,
            enterprise=command.enterprise,
            category=command.category,
            title=command.title.strip(),
            description=command.description,
            channel=command.channel.value,
            visit_id=command.visit_id,
        ),
    )


def decide_action(
    rules: CompiledRules,
    calendar: WorkingCalendar,
    case: CaseState,
    command: ActOnCase,
    actor: Actor,
    *,
    at: datetime,
    clocks_from: datetime | None = None,
) -> Step:
    """Decide one action on ``case`` (whose due clocks must already have fired).

    ``clocks_from`` is when the clocks this step starts begin to count, if not ``at``:
    a step taken by gridcase when a period ends at 24:00 is recorded at 00:00 of the
    next day, but belongs to the day that ended (see :func:`decide_expiries`).
    """
    at = to_cst(at, field="at")
    if at < case.last_at:
        raise StaleTimestamp(
            f"the command is dated {at.isoformat()}, before the case's last event at "
            f"{case.last_at.isoformat()}; history is append-only"
        )
    if command.action is Action.SUBMIT:
        raise InvalidInput("a case is submitted with SubmitDemand, not acted on", field="action")
    payload = parse_payload(command.action, _payload_dict(command.payload))
    if case.final:
        raise RefusedByRule(
            f"{command.action.value}: the case is closed ({case.state}); nothing may happen after it",
            rule=f"{rules.jurisdiction}@{rules.version} states.{case.state}: final",
            cite=rules.rules.states[case.state].cite,
        )
    index, t = _choose(rules, case, command, actor, payload)
    rule = _rule(rules, index, t, case.state)
    consent = consent_flag(command.role) if t.agreement else None
    if consent in case.flags:
        raise RefusedByRule(
            f"{t.action.value}: {command.role} has already agreed; waiting for "
            + ", ".join(p for p in t.agreement if consent_flag(p) not in case.flags),
            rule=rule,
            cite=t.cite or t.assumption,
        )
    level = case.level
    if t.action is Action.ESCALATE:
        if level + 1 >= len(rules.rules.ladder):
            top = rules.rules.ladder[-1]
            raise RefusedByRule(
                f"escalate: the case is already at the top of the ladder ({top.role})",
                rule=f"{rules.jurisdiction}@{rules.version} ladder[{top.level}]",
                cite=top.cite or top.assumption,
            )
        level += 1
    elif t.ladder is LadderMove.RESET:
        level = 0
    if t.level is not None:
        level = t.level
    category = _new_category(rules, case, t, payload)
    new_state = t.to or case.state
    final = rules.rules.states[new_state].final
    unit = (
        payload.get("unit", case.unit)
        if t.action in (Action.DISPATCH, Action.REDISPATCH)
        else case.unit
    )
    started, stopped = _clocks(
        rules,
        calendar,
        open_now=case.clocks,
        stop=[*t.stop, *t.restart],
        start=[*t.restart, *(c for c in t.renew if c in case.clocks), *t.start],
        final=final,
        category=category,
        at=clocks_from or at,
        payload=payload,
        rule=rule,
        resume={c: case.stopped[c] for c in t.resume if c in case.stopped},
    )
    if t.recount and not final:
        recounted, _ = _clocks(
            rules,
            calendar,
            open_now={},
            stop=[],
            start=t.recount,
            final=False,
            category=category,
            at=case.submitted_at,
            payload=payload,
            rule=rule,
        )
        names = {oc.clock for oc in recounted}
        started = (*(oc for oc in started if oc.clock not in names), *recounted)
        stopped = (*stopped, *(c for c in t.recount if c in case.clocks and c not in stopped))
    owner = _owner(
        rules,
        new_state,
        level,
        unit=unit,
        enterprise=case.enterprise,
        previous=case.owner,
        holders=case.holders,
        actor=actor,
        role=command.role,
        to=payload.get("to") if t.action is Action.ESCALATE else None,
    )
    return Step(
        kind=t.action.value,
        at=at,
        actor=actor.id,
        role=command.role,
        reason=command.reason.strip() if command.reason else None,
        payload=payload,
        command_id=command.command_id,
        outcome=Outcome(
            state=new_state,
            final=final,
            level=level,
            owner=owner,
            unit=unit,
            flags_set=tuple(
                f for f in (*t.set, *([consent] if consent else [])) if f not in case.flags
            ),
            flags_cleared=tuple(f for f in t.clear if f in case.flags),
            clocks_started=started,
            clocks_stopped=stopped,
        ),
    )


def decide_expiries(
    rules: CompiledRules, calendar: WorkingCalendar, case: CaseState, until: datetime
) -> list[Step]:
    """Every clock that runs out at or before ``until``, with what the rules make of it.

    Each expiry is recorded at its deadline; its effects (escalate, perform an action
    as ``system``, start or restart clocks) follow at the same moment. An effect the
    rules refuse at that point (say, escalating from the top of the ladder) is not
    taken, and the expiry records why in its notes.
    """
    until = to_cst(until, field="until")
    steps: list[Step] = []
    state = case
    order = {name: i for i, name in enumerate(rules.rules.clocks)}
    while True:
        due = [oc for oc in state.clocks.values() if oc.deadline.deadline <= until]
        if not due:
            return steps
        if len(steps) >= MAX_EXPIRIES:
            raise RuntimeError(f"more than {MAX_EXPIRIES} clock firings before {until.isoformat()}")
        oc = min(due, key=lambda c: (c.deadline.deadline, order.get(c.clock, 0)))
        at = max(oc.deadline.deadline, state.last_at)
        # A period that ends at 24:00 of day D is recorded at 00:00 of D+1, but what
        # follows from it happens on D: a clock it starts counts from D (the day of the
        # event is not counted), and "next month" means the month after D's.
        clocks_from = at - _INSTANT
        clock = rules.rules.clocks[oc.clock]
        misses = state.misses.get(oc.clock, 0) + 1
        restart = any(isinstance(e, RestartEffect) for e in clock.on_expiry)
        also = [c for e in clock.on_expiry if isinstance(e, StartEffect) for c in e.clocks]
        rule = f"{rules.jurisdiction}@{rules.version} clocks.{oc.clock}"
        started, stopped = _clocks(
            rules,
            calendar,
            open_now=state.clocks,
            stop=[oc.clock],
            start=[oc.clock, *also] if restart else also,
            final=False,
            category=state.category,
            at=clocks_from,
            payload={},
            rule=rule,
        )
        expiry = Step(
            kind=CLOCK_EXPIRED,
            at=at,
            actor=Actor.system().id,
            role=SYSTEM_ROLE,
            clock=oc.clock,
            misses=misses,
            reason=f"clock {oc.clock!r} ran out at {oc.deadline.deadline.isoformat()}",
            outcome=Outcome(
                state=state.state,
                final=state.final,
                level=state.level,
                owner=state.owner,
                unit=state.unit,
                clocks_started=started,
                clocks_stopped=stopped,
            ),
        )
        after = evolve(state, expiry)
        followers: list[Step] = []
        notes: list[str] = []
        for effect in clock.on_expiry:
            if isinstance(effect, EscalateEffect):
                action = Action.ESCALATE
            elif isinstance(effect, PerformEffect):
                action = effect.action
            else:
                continue
            if misses < effect.min_misses:
                continue
            command = ActOnCase(
                case_id=case.case_id,
                action=action,
                actor=Actor.system().id,
                role=SYSTEM_ROLE,
                command_id="",
                reason=expiry.reason,
            )
            try:
                follower = decide_action(
                    rules, calendar, after, command, Actor.system(), at=at, clocks_from=clocks_from
                )
            except (RefusedByRule, NotAuthorised) as refusal:
                notes.append(f"{action.value} not taken: {refusal}")
                continue
            follower = replace(follower, command_id=None)
            followers.append(follower)
            after = evolve(after, follower)
        if notes:
            expiry = replace(expiry, notes=tuple(notes))
        steps.append(expiry)
        steps.extend(followers)
        state = after
