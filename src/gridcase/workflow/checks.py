"""The checks a rule file must pass before any case runs on it.

The pydantic schema (:mod:`gridcase.workflow.model`) checks the shape of a file; these
check its meaning, the way python-statemachine refuses an invalid definition when it
is built: names that point nowhere, states no case can reach, states a case can never
leave, clocks that nothing stops, a ladder with gaps, guards on flags nobody sets, and
paragraphs with neither a citation nor a stated assumption. Every finding carries the
path of the offending element, so the loader can name the file and line.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable

from gridcase.domain.actions import SYSTEM_ROLE, Action
from gridcase.domain.administration import ADMINISTRATOR
from gridcase.domain.payloads import PAYLOAD_MODELS, payload_fields
from gridcase.domain.policy import CadencePer, GridMembership
from gridcase.workflow.model import (
    DateFromPayload,
    Duration,
    EscalateEffect,
    PerformEffect,
    RestartEffect,
    RoleKind,
    RoleScope,
    RuleSet,
    StartEffect,
    Transition,
    WorkingDaysFromPayload,
)
from gridcase.workflow.properties import check_properties

__all__ = ["Finding", "check_ruleset", "clock_open_states", "target_states"]

LADDER_OWNER = "ladder"

Finding = tuple[tuple[str | int, ...], str]


def target_states(t: Transition) -> list[str]:
    """The states a transition can lead to (its own sources when it stays put)."""
    return [t.to] if t.to is not None else list(t.from_)


def _payload_limit(duration: Duration | None) -> str | None:
    """The payload field a clock takes its limit from, if it takes it from a step."""
    if isinstance(duration, WorkingDaysFromPayload):
        return duration.working_days_from_payload
    if isinstance(duration, DateFromPayload):
        return duration.date_from_payload
    return None


def _sourced(
    path: tuple[str | int, ...], cite: str | None, assumption: str | None, what: str
) -> Iterable[Finding]:
    if not cite and not assumption:
        yield (
            path,
            f"{what} needs a 'cite' (the paragraph it encodes) or an 'assumption' (why, where the source is silent)",
        )


def clock_open_states(rules: RuleSet) -> dict[str, set[str]]:
    """For each clock, the states in which it may be running (an over-approximation)."""
    final = {s for s, st in rules.states.items() if st.final}
    open_in: dict[str, set[str]] = defaultdict(set)
    starts: list[tuple[str, list[str]]] = []
    for t in rules.transitions:
        for c in (*t.start, *t.restart, *t.resume):
            starts.append((c, [s for s in target_states(t) if s not in final]))
    changed = True
    for c, states in starts:
        open_in[c].update(states)
    while changed:
        changed = False
        for name, clock in rules.clocks.items():
            for effect in clock.on_expiry:
                if isinstance(effect, StartEffect):
                    for other in effect.clocks:
                        before = len(open_in[other])
                        open_in[other] |= open_in[name]
                        changed |= len(open_in[other]) != before
        for t in rules.transitions:
            for c, where in list(open_in.items()):
                if c in t.stop or not set(t.from_) & where:
                    continue
                for s in target_states(t):
                    if s not in final and s not in where:
                        where.add(s)
                        changed = True
    return dict(open_in)


def _check_submits(rules: RuleSet, submits: list[int]) -> Iterable[Finding]:
    """One ``submit`` per category: several must differ by ``category``, the last may omit it."""
    if not submits:
        yield (("transitions",), "a 'submit' transition is needed")
        return
    covered: set[str] = set()
    for k, i in enumerate(submits):
        t = rules.transitions[i]
        if not t.category:
            if k != len(submits) - 1:
                yield (
                    ("transitions", i),
                    "only the last 'submit' may omit 'category'; the ones before it are for some categories",
                )
            covered.update(rules.categories)
        elif covered & set(t.category):
            yield (
                ("transitions", i, "category"),
                f"categories {', '.join(sorted(covered & set(t.category)))} already have a 'submit'",
            )
        covered.update(t.category)
    missing = sorted(set(rules.categories) - covered)
    if missing:
        yield (("transitions",), f"no 'submit' for the categories: {', '.join(missing)}")


def _check_duties(rules: RuleSet) -> Iterable[Finding]:
    for name, duty in rules.duties.items():
        path: tuple[str | int, ...] = ("duties", name)
        yield from _sourced(path, duty.cite, duty.assumption, "a duty")
        if duty.owed_by not in rules.roles:
            yield ((*path, "owed_by"), f"unknown role {duty.owed_by!r}")
        due = duty.due
        if due.from_.day != 1:
            yield ((*path, "due", "from"), "a duty's periods begin on the 1st of a month")
        if due.month is not None and due.month > due.every_months:
            yield (
                (*path, "due", "month"),
                f"month {due.month} of a period of {due.every_months} month(s)",
            )
        if (due.by == "day") != (due.day is not None):
            yield ((*path, "due"), "give 'day' exactly when 'by' is 'day'")
        if due.before and (due.by != "day" or due.day == 1):
            yield ((*path, "due", "before"), "'before' needs a 'day' after the 1st")


def check_ruleset(rules: RuleSet, *, stored: bool = False) -> list[Finding]:
    """Every semantic problem in ``rules``; an empty list means the file may be used.

    ``stored``: the text was published in a store by an earlier gridcase. Requirements
    added since (a person role's ``scope``, from 0.2) are not applied to it: its cases
    were decided without them, and a silent scope then meant the whole jurisdiction.
    """
    found: list[Finding] = []
    roles = set(rules.roles)
    states = set(rules.states)
    clocks = set(rules.clocks)
    final = {s for s, st in rules.states.items() if st.final}

    for reserved in (SYSTEM_ROLE, LADDER_OWNER, ADMINISTRATOR):
        if reserved in roles:
            found.append(
                (("roles", reserved), f"'{reserved}' is reserved and cannot be declared as a role")
            )

    # -- roles ----------------------------------------------------------------------
    grids = rules.roster is not None and bool(rules.roster.grid_kinds)
    for name, role in rules.roles.items():
        where = ("roles", name, "scope")
        if role.kind is RoleKind.PERSON and role.scope is None and not stored:
            found.append(
                (
                    where,
                    "a person role must say which enterprises it acts for "
                    "(scope: jurisdiction, grid or responsible)",
                )
            )
        elif role.scope is None:
            continue
        elif role.kind is not RoleKind.PERSON:
            found.append((where, f"only person roles take a scope; this role is {role.kind}"))
        else:
            found.extend(_sourced(where, role.scope.cite, role.scope.assumption, "a scope"))
            if role.scope.enterprises is RoleScope.GRID and not grids:
                found.append((where, "scope 'grid' needs grids: roster.grid_kinds is empty"))
            if role.scope.enterprises is RoleScope.RESPONSIBLE and rules.roster is None:
                found.append((where, "scope 'responsible' needs a roster section"))

    # -- the ladder -----------------------------------------------------------------
    levels = [lv.level for lv in rules.ladder]
    for i, lv in enumerate(rules.ladder):
        if lv.role not in roles:
            found.append((("ladder", i, "role"), f"unknown role {lv.role!r}"))
        found.extend(_sourced(("ladder", i), lv.cite, lv.assumption, "a ladder level"))
    if levels and sorted(levels) != list(range(len(levels))):
        found.append(
            (
                ("ladder",),
                f"ladder levels must be 0..{len(levels) - 1} without gaps or repeats, got {levels}",
            )
        )
    elif levels != sorted(levels):
        found.append((("ladder",), "ladder levels must be listed from the bottom (0) up"))

    # -- states ---------------------------------------------------------------------
    if not final:
        found.append((("states",), "no final state: a case could never be signed off"))
    for name, st in rules.states.items():
        if st.owner is None and not st.final:
            found.append(
                (
                    ("states", name, "owner"),
                    "a non-final state needs an owner: every matter has an owner at every moment",
                )
            )
        elif st.owner == LADDER_OWNER and len(rules.ladder) == 0:
            found.append((("states", name, "owner"), "owner 'ladder' needs an escalation ladder"))
        elif st.owner is not None and st.owner != LADDER_OWNER and st.owner not in roles:
            found.append((("states", name, "owner"), f"unknown role {st.owner!r}"))

    # -- categories -----------------------------------------------------------------
    for name, cat in rules.categories.items():
        found.extend(_sourced(("categories", name), cat.cite, cat.assumption, "a category"))
        for c in cat.clocks:
            if c not in clocks:
                found.append((("categories", name, "clocks", c), f"unknown clock {c!r}"))

    # -- transitions ----------------------------------------------------------------
    seen: dict[tuple[str, Action], list[int]] = defaultdict(list)
    flags_set: set[str] = set()
    started: set[str] = set()
    stopped: set[str] = set()
    submits = [i for i, t in enumerate(rules.transitions) if t.action is Action.SUBMIT]
    found.extend(_check_submits(rules, submits))
    for i, t in enumerate(rules.transitions):
        path: tuple[str | int, ...] = ("transitions", i)
        found.extend(_sourced(path, t.cite, t.assumption, f"transition '{t.action.value}'"))
        if t.action is Action.SUBMIT:
            if t.from_:
                found.append(((*path, "from"), "'submit' creates the case: it has no 'from'"))
            if t.to is None:
                found.append(((*path, "to"), "'submit' needs a 'to' state"))
        elif not t.from_:
            found.append(
                ((*path, "from"), f"'{t.action.value}' needs the states it is allowed in ('from')")
            )
        for j, s in enumerate(t.from_):
            if s not in states:
                found.append(((*path, "from", j), f"unknown state {s!r}"))
            elif s in final:
                found.append(
                    ((*path, "from", j), f"state {s!r} is final: nothing may happen after it")
                )
            seen[(s, t.action)].append(i)
        if t.to is not None and t.to not in states:
            found.append(((*path, "to"), f"unknown state {t.to!r}"))
        for j, kind in enumerate(t.category):
            if kind not in rules.categories:
                found.append(((*path, "category", j), f"unknown category {kind!r}"))
        if t.agreement:
            for j, party in enumerate(t.agreement):
                if party not in roles:
                    found.append(((*path, "agreement", j), f"unknown role {party!r}"))
            if set(t.by) != set(t.agreement) or len(t.agreement) < 2:
                found.append(
                    (
                        (*path, "agreement"),
                        "an agreement needs at least two parties, and 'by' must name exactly them",
                    )
                )
            flags_set.update(f"{party}_agreed" for party in t.agreement)
        if t.level is not None:
            if t.level >= len(rules.ladder):
                found.append(((*path, "level"), f"the ladder has no level {t.level}"))
            if t.action is Action.ESCALATE or t.ladder is not None:
                found.append(((*path, "level"), "give either 'level' or 'ladder', not both"))
        for j, r in enumerate(t.by):
            if r != SYSTEM_ROLE and r not in roles:
                found.append(((*path, "by", j), f"unknown role {r!r}"))
        for field in ("start", "stop", "restart", "renew", "resume", "recount"):
            for j, c in enumerate(getattr(t, field)):
                if c not in clocks:
                    found.append(((*path, field, j), f"unknown clock {c!r}"))
        started.update(t.start, t.restart, t.recount)
        stopped.update(t.stop, t.restart, t.renew, t.recount)
        for j, c in enumerate(t.resume):
            if c in (*t.start, *t.restart):
                found.append(
                    ((*path, "resume", j), f"clock {c!r} cannot be both resumed and started afresh")
                )
        flags_set.update(t.set)
        accepted = payload_fields(t.action)
        for f in t.when:
            if f not in accepted:
                found.append(((*path, "when", f), f"'{t.action.value}' has no payload field {f!r}"))
        for j, f in enumerate(t.guards.payload):
            if f not in accepted:
                found.append(
                    (
                        (*path, "guards", "payload", j),
                        f"'{t.action.value}' has no payload field {f!r} (it has: {', '.join(sorted(accepted))})",
                    )
                )
        model_fields = PAYLOAD_MODELS[t.action].model_fields
        for j, f in enumerate(t.guards.payload_true):
            if f not in model_fields or model_fields[f].annotation is not bool:
                found.append(
                    (
                        (*path, "guards", "payload_true", j),
                        f"'{t.action.value}' has no yes/no payload field {f!r}",
                    )
                )
        if t.guards.new_unit and "unit" not in accepted:
            found.append(((*path, "guards", "new_unit"), f"'{t.action.value}' carries no unit"))
        if t.action is Action.ESCALATE:
            if len(rules.ladder) < 2:
                found.append((path, "'escalate' needs a ladder of at least two levels"))
            if t.ladder not in (None, "up"):
                found.append(((*path, "ladder"), "'escalate' always moves up the ladder"))
        elif t.ladder == "up":
            found.append(((*path, "ladder"), "only 'escalate' moves up the ladder"))
        for c in t.start:
            limit_field = _payload_limit(rules.clocks[c].duration if c in rules.clocks else None)
            if limit_field is not None and limit_field not in t.guards.payload:
                found.append(
                    (
                        (*path, "start"),
                        f"clock {c!r} takes its limit from payload field '{limit_field}', which this transition must require (guards.payload)",
                    )
                )
    for (s, action), indices in seen.items():
        if len(indices) < 2:
            continue
        for k, i in enumerate(indices):
            t = rules.transitions[i]
            if not t.when and not t.category and k != len(indices) - 1:
                found.append(
                    (
                        ("transitions", i),
                        f"'{action.value}' from {s!r} is also defined by transitions[{indices[k + 1]}]; only the last of them may omit 'when'",
                    )
                )
            for j in indices[:k]:
                other = rules.transitions[j]
                if t.category and other.category and set(t.category).isdisjoint(other.category):
                    continue
                shared = set(t.when) & set(other.when)
                if (
                    t.when
                    and other.when
                    and not any(set(t.when[f]).isdisjoint(other.when[f]) for f in shared)
                ):
                    found.append(
                        (
                            ("transitions", i, "when"),
                            f"'{action.value}' from {s!r}: 'when' overlaps with transitions[{j}], so the choice would be ambiguous",
                        )
                    )
    for i, t in enumerate(rules.transitions):
        for field in ("flags_any", "flags_all"):
            for j, f in enumerate(getattr(t.guards, field)):
                if f not in flags_set:
                    found.append(
                        (
                            ("transitions", i, "guards", field, j),
                            f"flag {f!r} is never set by any transition",
                        )
                    )

    # -- clocks ---------------------------------------------------------------------
    open_in = clock_open_states(rules)
    allowed: dict[tuple[str, Action], Transition] = {}
    for t in rules.transitions:
        for s in t.from_:
            allowed.setdefault((s, t.action), t)
    for name, clock in rules.clocks.items():
        path = ("clocks", name)
        found.extend(_sourced(path, clock.cite, clock.assumption, "a clock"))
        for k, effect in enumerate(clock.on_expiry):
            if isinstance(effect, RestartEffect) and isinstance(clock.duration, DateFromPayload):
                found.append(
                    (
                        (*path, "on_expiry", k),
                        f"clock {name!r} ends on a date a step entered; once past, it cannot restart",
                    )
                )
            if isinstance(effect, StartEffect):
                for j, c in enumerate(effect.clocks):
                    if c not in clocks:
                        found.append(((*path, "on_expiry", k, "clocks", j), f"unknown clock {c!r}"))
                    elif _payload_limit(rules.clocks[c].duration) is not None:
                        found.append(
                            (
                                (*path, "on_expiry", k, "clocks", j),
                                f"clock {c!r} takes its limit from a step's payload; an expiry cannot start it (it may restart it)",
                            )
                        )
                    started.add(c)
            if isinstance(effect, EscalateEffect):
                effect_action = Action.ESCALATE
            elif isinstance(effect, PerformEffect):
                effect_action = effect.action
            else:
                continue
            if effect_action is Action.ESCALATE and len(rules.ladder) < 2:
                found.append(
                    ((*path, "on_expiry", k), "escalating needs a ladder of at least two levels")
                )
            for s in sorted(open_in.get(name, ())):
                rule = allowed.get((s, effect_action))
                if rule is None or SYSTEM_ROLE not in rule.by:
                    found.append(
                        (
                            (*path, "on_expiry", k),
                            f"when {name!r} runs out in state {s!r}, '{effect_action.value}' is not allowed for 'system' there",
                        )
                    )
    halted = {c for t in rules.transitions for c in t.stop}
    for i, t in enumerate(rules.transitions):
        for j, c in enumerate(t.resume):
            if c in clocks and c not in halted:
                found.append(
                    (
                        ("transitions", i, "resume", j),
                        f"clock {c!r} is never stopped by a step, so there is nothing to resume",
                    )
                )
    for name in rules.clocks:
        if name not in started:
            found.append((("clocks", name), f"clock {name!r} is never started"))
        elif name not in stopped:
            found.append((("clocks", name), f"clock {name!r} is started but nothing stops it"))

    # -- reachability ---------------------------------------------------------------
    entries = [
        t.to for i in submits if (t := rules.transitions[i]).to is not None and t.to in states
    ]
    if entries:
        start = entries[0]
        edges: dict[str, set[str]] = defaultdict(set)
        for t in rules.transitions:
            for s in t.from_:
                edges[s].update(target_states(t))
        reached = set(entries)
        queue = deque(entries)
        while queue:
            for nxt in edges[queue.popleft()]:
                if nxt not in reached:
                    reached.add(nxt)
                    queue.append(nxt)
        for s in rules.states:
            if s not in reached:
                found.append((("states", s), f"state {s!r} cannot be reached from {start!r}"))
        reverse: dict[str, set[str]] = defaultdict(set)
        for s, nexts in edges.items():
            for n in nexts:
                reverse[n].add(s)
        can_finish = set(final)
        queue = deque(final)
        while queue:
            for prev in reverse[queue.popleft()]:
                if prev not in can_finish:
                    can_finish.add(prev)
                    queue.append(prev)
        for s in rules.states:
            if s in reached and s not in can_finish:
                found.append(
                    (("states", s), f"non-final state {s!r} has no way out to a final state")
                )

    found.extend(_check_duties(rules))

    # -- roster and visits ----------------------------------------------------------
    roster = rules.roster
    if roster is not None:
        found.extend(_sourced(("roster",), roster.cite, roster.assumption, "the roster"))
        if roster.responsible_role not in roles:
            found.append(
                (("roster", "responsible_role"), f"unknown role {roster.responsible_role!r}")
            )
        elif rules.roles[roster.responsible_role].kind is not RoleKind.PERSON:
            found.append(
                (
                    ("roster", "responsible_role"),
                    f"role {roster.responsible_role!r} is not of kind 'person': only a person can be responsible for an enterprise",
                )
            )
        if roster.grid_membership is GridMembership.ONE_GRID and not roster.grid_kinds:
            found.append((("roster", "grid_membership"), "'one_grid' needs at least one grid kind"))
        for index, rank in enumerate(roster.shared_ranks):
            if rank not in roster.quotas:
                found.append(
                    (
                        ("roster", "shared_ranks", index),
                        f"unknown rank {rank!r} (ranks are the keys of roster.quotas)",
                    )
                )
        if roster.shared_ranks and roster.one_responsible_per_enterprise:
            found.append(
                (
                    ("roster", "shared_ranks"),
                    "with one_responsible_per_enterprise nobody shares an enterprise",
                )
            )
        for index, kind in enumerate(roster.required_grid_kinds):
            if kind not in roster.grid_kinds:
                found.append(
                    (("roster", "required_grid_kinds", index), f"unknown grid kind {kind!r}")
                )
        if len(roster.required_grid_kinds) > 1 and (
            roster.grid_membership is GridMembership.ONE_GRID
        ):
            found.append(
                (
                    ("roster", "required_grid_kinds"),
                    "with 'one_grid' an enterprise sits in one grid, so it cannot be required to sit in grids of several kinds",
                )
            )
        for index, role_name in enumerate(roster.one_per_unit):
            if role_name not in roles:
                found.append((("roster", "one_per_unit", index), f"unknown role {role_name!r}"))
            elif rules.roles[role_name].kind is not RoleKind.UNIT:
                found.append(
                    (
                        ("roster", "one_per_unit", index),
                        f"role {role_name!r} is of kind {rules.roles[role_name].kind.value!r}: "
                        "only a role of kind 'unit' is held for a unit",
                    )
                )
        liaisons = roster.enterprise_liaisons
        if liaisons is not None:
            path = ("roster", "enterprise_liaisons")
            found.extend(_sourced(path, liaisons.cite, liaisons.assumption, "enterprise liaisons"))
            if not any(role.kind is RoleKind.ENTERPRISE for role in rules.roles.values()):
                found.append(
                    (
                        path,
                        "a liaison acts in the enterprise's roles: declare a role of kind 'enterprise'",
                    )
                )
        for name, position in roster.team.items():
            path = ("roster", "team", name)
            if position.role not in roles:
                found.append(((*path, "role"), f"unknown role {position.role!r}"))
            if position.max is not None and position.min > position.max:
                found.append((path, f"min {position.min} is more than max {position.max}"))
            found.extend(_sourced(path, position.cite, position.assumption, "a team position"))
        for name, quota in roster.quotas.items():
            path = ("roster", "quotas", name)
            if quota.enterprises is None and quota.projects is None and quota.combined is None:
                found.append((path, "a quota caps enterprises, projects or both combined"))
            found.extend(_sourced(path, quota.cite, quota.assumption, "a quota"))
    if rules.visits is not None:
        cad = rules.visits.cadence
        if (cad.every_weeks is None) == (cad.every_months is None):
            found.append((("visits", "cadence"), "give exactly one of every_weeks or every_months"))
        found.extend(_sourced(("visits", "cadence"), cad.cite, cad.assumption, "a visit cadence"))
        allowed_channels = set(rules.visits.channels)
        if not allowed_channels:
            found.append(
                (("visits", "channels"), "at least one channel is needed to record a visit")
            )
        for j, channel in enumerate(cad.counting_channels):
            if channel not in allowed_channels:
                found.append(
                    (
                        ("visits", "cadence", "counting_channels", j),
                        f"channel {channel.value!r} counts but is not among visits.channels",
                    )
                )
        if not cad.counting_channels:
            found.append((("visits", "cadence", "counting_channels"), "no visit would ever count"))
        if cad.per is CadencePer.GRID and (roster is None or not roster.grid_kinds):
            found.append(
                (
                    ("visits", "cadence", "per"),
                    "a cadence per grid needs grids: declare roster.grid_kinds",
                )
            )
        due = rules.visits.ledger_due
        if due is not None:
            due_at: tuple[str | int, ...] = ("visits", "ledger_due")
            found.extend(_sourced(due_at, due.cite, due.assumption, "a ledger due date"))
            if due.before and due.day_of_month == 1 and due.month == "same":
                found.append(
                    (due_at, "due before the 1st of its own month, before any day of it has passed")
                )
        sending = rules.visits.ledger_submission
        if sending is not None:
            sent_at: tuple[str | int, ...] = ("visits", "ledger_submission")
            found.extend(_sourced(sent_at, sending.cite, sending.assumption, "who sends a ledger"))
            if due is None:
                found.append(
                    (sent_at, "a ledger submission needs visits.ledger_due to be judged by")
                )
            if roster is None or not roster.grid_kinds:
                found.append((sent_at, "a grid's ledger needs grids: declare roster.grid_kinds"))
            for j, sender in enumerate(sending.roles):
                if sender not in rules.roles:
                    found.append(((*sent_at, "roles", j), f"unknown role {sender!r}"))
    found.extend(
        check_properties(
            rules.properties, categories=set(rules.categories), states=states, clocks=clocks
        )
    )
    return found
