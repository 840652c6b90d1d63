"""The authorization matrix of every rule file: role × action × state × relation, and scope.

Each cell's expected answer is worked out here from the rule file's raw YAML (read with
``yaml.safe_load``, not through gridcase's schema or compiled machine), by the rules
docs/rule-files.md states in words:

* an action is open in a state when a transition lists the state in ``from``; of several
  for one action, the first whose ``when`` matches the payload is the one taken;
* its ``by`` lists the roles that may take it;
* a role of kind ``enterprise`` acts only for the case's own enterprise, one of kind
  ``unit`` only on a case of its unit, one of kind ``person`` only when the case is not
  held by another person in that role;
* a role of kind ``person`` acts only for the enterprises its ``scope`` gives it on the
  day: all of the jurisdiction, its grids' (a team it is on), or those it is
  responsible for.

The engine's answer comes from its own decision code (the compiled machine for the
first three, the unit of work on a real store for scope). A cell the oracle refuses must
be ``NotAuthorised``; a cell it allows must not be (it may still be refused for another
reason, a guard or a missing payload, which is not this test's business). So nothing
outside the policy is allowed, and nothing inside it is denied as unauthorised.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
import yaml
from tests.builders import RosterBuilder
from tests.support import RULES, AdminEngine, credit_code, cst, rule_book

from gridcase import Action, ActOnCase, Engine, ManualClock, NotAuthorised, SubmitDemand
from gridcase.calendar import national_calendar
from gridcase.domain.case_state import CaseState, Owner, evolve
from gridcase.domain.commands import Actor
from gridcase.kernel.errors import GridcaseError
from gridcase.workflow.compiler import CompiledRules
from gridcase.workflow.decide import decide_action, decide_submission

FILES = sorted(p.stem for p in Path(RULES).glob("*.yaml"))
MINE, OTHER = credit_code(71), credit_code(72)
UNIT, OTHER_UNIT = "unit-a", "unit-b"
HOLDER = "holder-1"
AT = cst(2026, 3, 2, 10)

# -- the oracle: the rule file's raw data, read as its documentation says -------------------


@dataclass(frozen=True)
class RawRules:
    """A rule file as plain data."""

    doc: Mapping[str, Any]

    @classmethod
    def of(cls, name: str) -> RawRules:
        return cls(yaml.safe_load((Path(RULES) / f"{name}.yaml").read_text(encoding="utf-8")))

    def kind(self, role: str) -> str:
        return str(self.doc["roles"][role]["kind"])

    def scope(self, role: str) -> str:
        spec = self.doc["roles"][role].get("scope") or {}
        return str(spec.get("enterprises", "jurisdiction"))

    def owner_role(self, state: str, level: int) -> str | None:
        owner = self.doc["states"][state].get("owner")
        if owner == "ladder":
            return str(self.doc["ladder"][level]["role"])
        return None if owner is None else str(owner)

    def final(self, state: str) -> bool:
        return bool(self.doc["states"][state].get("final", False))

    def transitions(self, action: str) -> list[Mapping[str, Any]]:
        return [t for t in self.doc["transitions"] if t["action"] == action]

    def branch(
        self, state: str, action: str, payload: Mapping[str, Any]
    ) -> Mapping[str, Any] | None:
        """The transition taken: the first from ``state`` whose ``when`` matches ``payload``."""
        for t in self.transitions(action):
            if state not in t.get("from", []):
                continue
            when = t.get("when") or {}
            if all(payload.get(k) in values for k, values in when.items()):
                return t
        return None


@dataclass(frozen=True)
class Cell:
    state: str
    action: str
    role: str
    relation: str
    payload: Mapping[str, Any]

    def __str__(self) -> str:
        return (
            f"{self.action} in {self.state} as {self.role} ({self.relation}) {dict(self.payload)}"
        )


RELATIONS = {
    "enterprise": ("own enterprise", "other enterprise"),
    "unit": ("member of the case's unit", "not a member"),
    "person": ("holds the case", "another holds it"),
    "office": ("office",),
}


def expected_allowed(raw: RawRules, cell: Cell, owner: Owner | None) -> bool | None:
    """True/False: authorised or not; None: refused before authorization (no such step)."""
    if raw.final(cell.state):
        return None
    t = raw.branch(cell.state, cell.action, cell.payload)
    if t is None:
        return None
    if cell.role not in t["by"]:
        return False
    kind = raw.kind(cell.role)
    if kind == "enterprise":
        return cell.relation == "own enterprise"
    if kind == "unit":
        return cell.relation == "member of the case's unit"
    if kind == "person" and owner is not None and owner.role == cell.role:
        return cell.relation == "holds the case"
    return True


def payloads(raw: RawRules, state: str, action: str) -> Iterator[Mapping[str, Any]]:
    """One payload per branch of the action from ``state`` (its ``when`` values), and none."""
    yield {}
    for t in raw.transitions(action):
        when = t.get("when") or {}
        if state in t.get("from", []) and when:
            yield {k: values[0] for k, values in when.items()}


# -- the engine's side ----------------------------------------------------------------------


def compiled(name: str) -> CompiledRules:
    return rule_book(Path(RULES)).in_force(name, date(2026, 3, 2))


def base_case(rules: CompiledRules, raw: RawRules) -> CaseState:
    """A submitted case, made by the engine's own decider (its state is then replaced)."""
    submit = raw.transitions("submit")[0]
    role = next(r for r in submit["by"] if raw.kind(r) in ("enterprise", "person", "office"))
    actor = Actor(
        MINE if raw.kind(role) == "enterprise" else "filer", frozenset({role}), enterprise=MINE
    )
    category = next(iter(raw.doc["categories"]))
    step = decide_submission(
        rules,
        national_calendar(),
        SubmitDemand(
            jurisdiction=rules.jurisdiction,
            enterprise=MINE,
            category=category,
            title="t",
            actor=actor.id,
            role=role,
            command_id="s",
        ),
        actor,
        at=AT,
    )
    return evolve(None, step, case_id=uuid4())


def actor_for(raw: RawRules, role: str, relation: str) -> Actor:
    kind = raw.kind(role)
    if kind == "enterprise":
        code = MINE if relation == "own enterprise" else OTHER
        return Actor(code, frozenset({role}), enterprise=code)
    if kind == "unit":
        unit = UNIT if relation == "member of the case's unit" else OTHER_UNIT
        return Actor("liaison", frozenset({role}), frozenset({unit}))
    if kind == "person":
        return Actor(HOLDER if relation == "holds the case" else "someone-else", frozenset({role}))
    return Actor("office-clerk", frozenset({role}))


def engine_says_authorised(
    rules: CompiledRules, case: CaseState, cell: Cell, actor: Actor
) -> bool | None:
    """True: not refused as unauthorised; False: NotAuthorised; None: refused as no such step."""
    try:
        decide_action(
            rules,
            national_calendar(),
            case,
            ActOnCase(
                case.case_id,
                Action(cell.action),
                actor.id,
                cell.role,
                "c",
                payload=dict(cell.payload),
            ),
            actor,
            at=AT,
        )
    except NotAuthorised:
        return False
    except GridcaseError as exc:
        if "not allowed in state" in str(exc) or "the case is closed" in str(exc):
            return None
        if "needs a payload with" in str(exc):
            return None
        return True
    return True


def cells(raw: RawRules) -> Iterator[tuple[Cell, int]]:
    roles = list(raw.doc["roles"])
    levels = range(len(raw.doc.get("ladder") or [None]))
    for state, action in itertools.product(raw.doc["states"], [a.value for a in Action]):
        if action == "submit":
            continue
        for payload in payloads(raw, state, action):
            for role in roles:
                for relation in RELATIONS[raw.kind(role)]:
                    for level in (
                        levels if raw.doc["states"][state].get("owner") == "ladder" else [0]
                    ):
                        yield Cell(state, action, role, relation, payload), level


def case_in(
    raw: RawRules, base: CaseState, state: str, level: int
) -> tuple[CaseState, Owner | None]:
    role = raw.owner_role(state, level)
    owner = None
    if role is not None:
        kind = raw.kind(role)
        party = {"enterprise": MINE, "unit": UNIT, "person": HOLDER}.get(kind)
        owner = Owner(role, party)
    return (
        replace(
            base,
            state=state,
            final=raw.final(state),
            level=level,
            owner=owner,
            unit=UNIT,
            clocks={},
            flags=frozenset(),
        ),
        owner,
    )


@pytest.mark.parametrize("name", FILES)
def test_every_role_action_state_and_relation_is_decided_as_the_file_says(name: str) -> None:
    raw, rules = RawRules.of(name), compiled(name)
    base = base_case(rules, raw)
    wrong: list[str] = []
    counted = 0
    for cell, level in cells(raw):
        case, owner = case_in(raw, base, cell.state, level)
        expected = expected_allowed(raw, cell, owner)
        got = engine_says_authorised(rules, case, cell, actor_for(raw, cell.role, cell.relation))
        counted += 1
        if expected is None:
            if got is not None:
                wrong.append(
                    f"{cell}: no such step, but the engine {'allowed' if got else 'refused as unauthorised'} it"
                )
        elif got is None or got != expected:
            wrong.append(
                f"{cell}: expected {'allowed' if expected else 'NotAuthorised'}, got {got}"
            )
    assert counted > 500
    assert not wrong, f"{len(wrong)} of {counted} cells differ:\n" + "\n".join(wrong[:20])


@pytest.mark.parametrize("name", FILES)
def test_submitting_is_decided_as_the_file_says(name: str) -> None:
    raw, rules = RawRules.of(name), compiled(name)
    category = next(iter(raw.doc["categories"]))
    by = {r for t in raw.transitions("submit") for r in t["by"]}
    for role in raw.doc["roles"]:
        for relation in RELATIONS[raw.kind(role)]:
            actor = actor_for(raw, role, relation)
            expected = role in by and (
                raw.kind(role) != "enterprise" or relation == "own enterprise"
            )
            command = SubmitDemand(
                jurisdiction=name,
                enterprise=MINE,
                category=category,
                title="t",
                actor=actor.id,
                role=role,
                command_id="s",
            )
            try:
                decide_submission(rules, national_calendar(), command, actor, at=AT)
                got = True
            except NotAuthorised:
                got = False
            except GridcaseError:
                got = True
            assert got == expected, f"submit as {role} ({relation})"


# -- scope, on a real store --------------------------------------------------------------------

SPRING = date(2026, 1, 5)
LEFT = date(2026, 2, 1)
"""The day a person left the team, or stopped being responsible, in the "before" cells."""

SCOPE_RELATIONS: dict[str, dict[str, bool]] = {
    "grid": {
        "on the team of one of its grids": True,
        "on another grid's team": False,
        "on no team": False,
        "left its grid's team before": False,
    },
    "responsible": {
        "responsible for it": True,
        "responsible for another enterprise": False,
        "released before": False,
    },
    "jurisdiction": {"no tie to the enterprise": True},
}
"""Each relation of a person to the case's enterprise, and whether the scope allows it."""


class ScopeCells:
    """Sets up, for one cell, a person tied to a fresh enterprise as the relation says."""

    def __init__(self, raw: RawRules, b: RosterBuilder) -> None:
        self.raw, self.b = raw, b
        roster = raw.doc.get("roster") or {}
        self.kind = next(iter(roster.get("grid_kinds") or {}), None)
        self.positions = {spec["role"]: p for p, spec in (roster.get("team") or {}).items()}
        self.responsible_role = roster.get("responsible_role")
        self.n = 0
        self.filers: dict[str, str] = {}

    def filer(self, role: str) -> str:
        """A person in ``role`` (unscoped) who files the cases other roles then act on."""
        if role not in self.filers:
            self.filers[role] = f"filer-{role}"
            self.b.person(self.filers[role], role)
        return self.filers[role]

    def enterprise(self) -> str:
        self.n += 1
        code = credit_code(
            1000 + self.n, division=_DIVISION.get(self.raw.doc["jurisdiction"]["id"], "310114")
        )
        self.b.enterprise(code, date(2024, 1, 1))
        return code

    def person(self, role: str, relation: str, code: str) -> str:
        person = f"p{self.n}"
        b = self.b
        b.person(person, role)
        if self.kind is not None:
            own, other = f"own-{self.n}", f"other-{self.n}"
            b.grid(own, self.kind).grid(other, self.kind).in_grid(code, own, SPRING)
            position = self.positions.get(role, "member")
            if relation in ("on the team of one of its grids", "left its grid's team before"):
                b.member(own, person, position, SPRING)
            if relation == "on another grid's team":
                b.member(other, person, position, SPRING)
            if relation == "left its grid's team before":
                b.engine.roster.remove_grid_member(
                    jurisdiction=b.jurisdiction,
                    grid_id=own,
                    person_id=person,
                    on=LEFT,
                    reason="调岗",
                    command_id=f"leave/{person}",
                )
        if role == self.responsible_role:
            if relation in ("responsible for it", "released before"):
                b.responsible(code, person, on=SPRING)
            if relation == "responsible for another enterprise":
                b.responsible(self.enterprise(), person, on=SPRING)
            if relation == "released before":
                b.engine.roster.release_responsible(
                    jurisdiction=b.jurisdiction,
                    credit_code=code,
                    person_id=person,
                    on=LEFT,
                    reason="调整",
                    command_id=f"release/{person}",
                )
        return person


_DIVISION = {"bijie": "520502", "yingkou": "210800", "qingdao": "370214", "weifang": "370700"}


def submitter(raw: RawRules) -> str | None:
    """A role that may submit for any enterprise it speaks for: the enterprise, or an unscoped person."""
    by = [str(r) for t in raw.transitions("submit") for r in t["by"]]
    for role in by:
        if raw.kind(role) == "enterprise":
            return role
    return next((r for r in by if raw.kind(r) == "person" and raw.scope(r) == "jurisdiction"), None)


def first_step_for(raw: RawRules, role: str) -> Mapping[str, Any] | None:
    """A transition ``role`` may take on a case just submitted."""
    after = raw.transitions("submit")[0]["to"]
    return next(
        (t for t in raw.doc["transitions"] if after in t.get("from", []) and role in t["by"]),
        None,
    )


def scope_cells(name: str) -> list[tuple[str, str, bool]]:
    raw = RawRules.of(name)
    return [
        (role, relation, allowed)
        for role, spec in raw.doc["roles"].items()
        if spec["kind"] == "person"
        for relation, allowed in SCOPE_RELATIONS[raw.scope(role)].items()
    ]


@pytest.fixture(
    params=[
        *[pytest.param((n, "sqlite"), id=f"{n}-sqlite") for n in FILES],
        pytest.param(("bijie", "postgres"), id="bijie-postgres", marks=pytest.mark.postgres),
    ]
)
def scoped(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    name, backend = request.param
    url = (
        f"sqlite:///{tmp_path / 'm.db'}"
        if backend == "sqlite"
        else request.getfixturevalue("pg_url")
    )
    with AdminEngine(url, rules=rule_book(Path(RULES)), clock=ManualClock(cst(2026, 1, 5, 9))) as e:
        yield name, e


def test_every_person_role_acts_only_within_its_scope(scoped: tuple[str, Engine]) -> None:
    """For each person role and each tie to the enterprise: the scope's answer, on the day."""
    name, engine = scoped
    raw = RawRules.of(name)
    b = RosterBuilder(engine, name)
    setup = ScopeCells(raw, b)
    cells = scope_cells(name)
    plans = []
    for role, relation, allowed in cells:
        code = setup.enterprise()
        plans.append((role, relation, allowed, code, setup.person(role, relation, code)))
    clock = engine.clock
    assert isinstance(clock, ManualClock)
    clock.set(cst(2026, 3, 2, 10))
    filer = submitter(raw)
    checked = {role: 0 for role, *_ in cells if raw.scope(role) != "jurisdiction"}
    wrong = []
    category = next(iter(raw.doc["categories"]))
    for i, (role, relation, allowed, code, person) in enumerate(plans):
        by_submit = role in {r for t in raw.transitions("submit") for r in t["by"]}
        step = None if by_submit else first_step_for(raw, role)
        if not by_submit and (step is None or filer is None):
            continue  # the role takes no step on a case just submitted: nothing to ask it
        if by_submit:
            submit_as, submit_role = person, role
        else:
            assert filer is not None
            submit_role = filer
            submit_as = code if raw.kind(filer) == "enterprise" else setup.filer(filer)
        try:
            result = engine.submit(
                SubmitDemand(
                    jurisdiction=name,
                    enterprise=code,
                    category=category,
                    title="诉求",
                    actor=submit_as,
                    role=submit_role,
                    command_id=f"s{i}",
                )
            )
            if step is not None:
                payload = {k: v[0] for k, v in (step.get("when") or {}).items()}
                engine.act(
                    ActOnCase(
                        result.case_id,
                        Action(step["action"]),
                        person,
                        role,
                        f"a{i}",
                        reason="理由",
                        payload=payload,
                    )
                )
            refused = None
        except NotAuthorised as exc:
            refused = exc
        except GridcaseError:
            refused = None  # refused for another reason (a guard): not unauthorised
        if role in checked:
            checked[role] += 1
        says = refused is None
        if says != allowed:
            wrong.append(
                f"{role} ({relation}): expected {'allowed' if allowed else 'refused'}, got {refused!r}"
            )
        elif refused is not None and raw.scope(role) != "jurisdiction":
            assert refused.rule == f"{name}@{raw.doc['version']} roles.{role}.scope", refused
    assert not wrong, "\n".join(wrong)
    assert all(checked.values()), f"scoped roles never asked: {checked}"
