"""Loading a scenario: YAML → checked :class:`Scenario` → the rules it runs on.

Everything that can be known before running is checked here, so that a typo costs a
line number rather than a confusing difference at step 9: the shape (pydantic), the
case names later steps refer to, time that never runs backwards, and every state,
clock, flag, role, category and event kind the expectations mention, against the
rule file the scenario names.

The rules are read file by file and only the scenario's jurisdiction is kept: a
Malu scenario must not stop running because another jurisdiction's rule file is
half-written in the same folder.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

import gridcase.kernel.errors as errors_module
from gridcase.domain.actions import SYSTEM_ACTOR, SYSTEM_ROLE, Action
from gridcase.domain.case_state import CLOCK_EXPIRED
from gridcase.domain.credit_code import parse_credit_code
from gridcase.interfaces.scenarios.model import (
    SCENARIO_SCHEMA_ID,
    STEP_TAGS,
    ActStep,
    AdvanceStep,
    Expect,
    Scenario,
    SubmitStep,
)
from gridcase.kernel.errors import GridcaseError, InvalidInput, Problem, RuleFileError
from gridcase.kernel.yamldata import YamlDocument, problems_from_pydantic, read_yaml_file
from gridcase.workflow.compiler import CompiledRules
from gridcase.workflow.loader import RuleBook, load_rules

__all__ = [
    "LoadedScenario",
    "default_rules_folder",
    "load_scenario",
    "load_scenarios",
    "scenario_files",
]

Path_ = tuple[str | int, ...]

ERROR_NAMES: frozenset[str] = frozenset(
    name
    for name in errors_module.__all__
    if isinstance(getattr(errors_module, name), type)
    and issubclass(getattr(errors_module, name), GridcaseError)
)
"""The error classes a ``refused`` expectation may name."""


@dataclass(frozen=True)
class LoadedScenario:
    """A scenario that passed every check, with the rules it runs on."""

    path: Path
    document: YamlDocument
    scenario: Scenario
    jurisdiction: str
    rules: RuleBook
    """Only the scenario's jurisdiction (every version found)."""

    def line_of(self, path: Sequence[str | int]) -> int | None:
        return self.document.line_of(path)


def default_rules_folder(scenario_path: Path) -> Path:
    """``rules/`` for ``rules/scenarios/<jurisdiction>/NN-name.yaml``: two levels up."""
    return scenario_path.resolve().parent.parent.parent


def _is_rule_path(value: str) -> bool:
    return "/" in value or "\\" in value or value.endswith((".yaml", ".yml"))


def _claims(path: Path, jurisdiction: str) -> bool:
    """Whether a rule file that failed to load was meant for ``jurisdiction``."""
    if path.stem == jurisdiction:
        return True
    try:
        doc = read_yaml_file(path)
    except RuleFileError:
        return False
    data = doc.data
    if isinstance(data, dict) and isinstance(data.get("jurisdiction"), dict):
        claimed: object = data["jurisdiction"].get("id")
        return claimed == jurisdiction
    return False


def _jurisdiction_rules(doc: YamlDocument, folder: Path, jurisdiction: str) -> tuple[str, RuleBook]:
    if not folder.is_dir():
        raise RuleFileError([doc.problem(("rules",), f"no rules folder {folder}")])
    book = RuleBook()
    problems: list[Problem] = []
    others: set[str] = set()
    for path in sorted(folder.glob("*.yaml")):
        try:
            compiled = load_rules(path)
        except RuleFileError as exc:
            if _claims(path, jurisdiction):
                problems.extend(exc.problems)
            continue
        if compiled.jurisdiction == jurisdiction:
            book.add(compiled)
        else:
            others.add(compiled.jurisdiction)
    if problems:
        raise RuleFileError(problems)
    if not book.jurisdictions:
        known = ", ".join(sorted(others)) or "none"
        raise RuleFileError(
            [
                doc.problem(
                    ("rules",),
                    f"no rule file in {folder} defines jurisdiction {jurisdiction!r} (found: {known})",
                )
            ]
        )
    return jurisdiction, book


def _resolve_rules(
    doc: YamlDocument, scenario: Scenario, path: Path, rules_folder: Path | None
) -> tuple[str, RuleBook]:
    value = scenario.rules.strip()
    if _is_rule_path(value):
        file = (path.parent / value).resolve()
        if not file.is_file():
            raise RuleFileError([doc.problem(("rules",), f"no rule file {file}")])
        compiled = load_rules(file)
        return compiled.jurisdiction, RuleBook([compiled])
    folder = rules_folder if rules_folder is not None else default_rules_folder(path)
    return _jurisdiction_rules(doc, folder, value)


@dataclass(frozen=True)
class _Vocabulary:
    """Every name the jurisdiction's rules (all loaded versions) give meaning to."""

    states: frozenset[str]
    clocks: frozenset[str]
    flags: frozenset[str]
    roles: frozenset[str]
    categories: frozenset[str]
    tiers: frozenset[str]
    grid_kinds: frozenset[str]
    positions: frozenset[str]
    versions: tuple[str, ...]

    @classmethod
    def of(cls, book: Iterable[CompiledRules]) -> _Vocabulary:
        states: set[str] = set()
        clocks: set[str] = set()
        flags: set[str] = set()
        roles: set[str] = set()
        categories: set[str] = set()
        tiers: set[str] = set()
        grid_kinds: set[str] = set()
        positions: set[str] = set()
        versions: list[str] = []
        for compiled in book:
            r = compiled.rules
            versions.append(r.version)
            states.update(r.states)
            clocks.update(r.clocks)
            roles.update(r.roles)
            categories.update(r.categories)
            if r.scope is not None:
                tiers.update(r.scope.tiers)
            if r.roster is not None:
                grid_kinds.update(r.roster.grid_kinds)
                positions.update(r.roster.team)
            for t in r.transitions:
                flags.update(t.set)
                flags.update(t.clear)
        return cls(
            frozenset(states),
            frozenset(clocks),
            frozenset(flags),
            frozenset(roles),
            frozenset(categories),
            frozenset(tiers),
            frozenset(grid_kinds),
            frozenset(positions),
            tuple(versions),
        )


def _unknown(what: str, name: str, known: Iterable[str]) -> str:
    return f"unknown {what} {name!r} (known: {', '.join(sorted(known)) or 'none'})"


_EVENT_KINDS = frozenset({*(a.value for a in Action), CLOCK_EXPIRED})


def _check_expect(
    doc: YamlDocument, where: Path_, expect: Expect, vocab: _Vocabulary
) -> Iterable[Problem]:
    at = (*where, "expect")
    if expect.state is not None and expect.state not in vocab.states:
        yield doc.problem((*at, "state"), _unknown("state", expect.state, vocab.states))
    if expect.owner is not None and expect.owner.role not in vocab.roles:
        yield doc.problem((*at, "owner", "role"), _unknown("role", expect.owner.role, vocab.roles))
    for flag in expect.flags or ():
        if flag not in vocab.flags:
            yield doc.problem((*at, "flags"), _unknown("flag", flag, vocab.flags))
    for key, names in (
        ("clocks", list(expect.clocks or ())),
        ("misses", list(expect.misses or ())),
    ):
        for name in names:
            if name not in vocab.clocks:
                yield doc.problem((*at, key, name), _unknown("clock", name, vocab.clocks))
    for i, name in enumerate(expect.expired or ()):
        if name not in vocab.clocks:
            yield doc.problem((*at, "expired", i), _unknown("clock", name, vocab.clocks))
    for i, kind in enumerate(expect.events or ()):
        if kind not in _EVENT_KINDS:
            yield doc.problem((*at, "events", i), _unknown("event kind", kind, _EVENT_KINDS))
    if expect.refused is not None and expect.refused.error not in ERROR_NAMES:
        yield doc.problem(
            (*at, "refused", "error"), _unknown("error", expect.refused.error, ERROR_NAMES)
        )


def _check_steps(doc: YamlDocument, scenario: Scenario, vocab: _Vocabulary) -> Iterable[Problem]:
    cases: list[str] = []
    latest: datetime = scenario.start
    roles = vocab.roles | {SYSTEM_ROLE}
    for i, step in enumerate(scenario.steps):
        where: Path_ = ("steps", i)
        yield from _check_expect(doc, where, step.expect, vocab)
        if isinstance(step, SubmitStep):
            if step.role not in roles:
                yield doc.problem((*where, "role"), _unknown("role", step.role, roles))
            if step.category not in vocab.categories:
                yield doc.problem(
                    (*where, "category"), _unknown("category", step.category, vocab.categories)
                )
            if step.enterprise is None:
                try:
                    parse_credit_code(step.by)
                except InvalidInput:
                    yield doc.problem(
                        (*where, "by"),
                        "give 'enterprise' (a credit code): 'by' is not one, so it cannot stand for it",
                    )
            if step.submit in cases:
                yield doc.problem(
                    (*where, "submit"), f"the case name {step.submit!r} is already used"
                )
            elif step.expect.refused is None:
                cases.append(step.submit)
        elif isinstance(step, ActStep):
            if step.act is Action.SUBMIT:
                yield doc.problem(
                    (*where, "act"), "a case is registered with 'submit:', not 'act: submit'"
                )
            if step.role not in roles:
                yield doc.problem((*where, "role"), _unknown("role", step.role, roles))
            yield from _check_case_ref(doc, where, step.case, cases)
        elif isinstance(step, AdvanceStep):
            if step.advance < latest:
                yield doc.problem(
                    (*where, "advance"),
                    f"time never runs backwards: {step.advance.isoformat()} is before "
                    f"{latest.isoformat()}, where the scenario clock already stands",
                )
            if step.case is not None or _needs_case(step.expect):
                yield from _check_case_ref(doc, where, step.case, cases)
        moment = step.advance if isinstance(step, AdvanceStep) else step.at
        if moment is not None and moment > latest:
            latest = moment


def _check_against_roster(doc: YamlDocument, scenario: Scenario) -> Iterable[Problem]:
    """Each step's actor, enterprise and unit must be in the scenario's own roster.

    A step that expects a refusal may name anyone (``UnknownActor`` is what some
    scenarios show); every other step is checked here, before anything runs, so that a
    typo is found with its line instead of as a failed run.
    """
    roster = scenario.roster
    people = {p.id: p for p in roster.people}
    codes: set[str] = set()
    liaisons: set[str] = set()
    for ent in roster.enterprises:
        try:
            code = parse_credit_code(ent.credit_code).value
        except InvalidInput:
            continue  # reported by the roster check
        codes.add(code)
        liaisons.update(f"{code}/{li.id}" for li in ent.liaisons if li.withdrawn is None)
    units = {u for p in roster.people for u in p.units}
    actors = set(people) | codes | liaisons | {SYSTEM_ACTOR}
    for i, step in enumerate(scenario.steps):
        if isinstance(step, AdvanceStep) or step.expect.refused is not None:
            continue
        where: Path_ = ("steps", i)
        if step.by not in actors:
            yield doc.problem(
                (*where, "by"), _unknown("actor", step.by, sorted(actors - {SYSTEM_ACTOR}))
            )
        elif step.by in people and step.role not in people[step.by].roles:
            roles = ", ".join(people[step.by].roles)
            yield doc.problem(
                (*where, "role"), f"{step.by} does not hold the role {step.role!r} (roles: {roles})"
            )
        if isinstance(step, SubmitStep) and step.enterprise is not None:
            try:
                code = parse_credit_code(step.enterprise).value
            except InvalidInput as exc:
                yield doc.problem((*where, "enterprise"), str(exc))
            else:
                if code not in codes:
                    yield doc.problem(
                        (*where, "enterprise"), _unknown("enterprise", code, sorted(codes))
                    )
        if isinstance(step, ActStep):
            unit = step.payload.get("unit")
            if isinstance(unit, str) and unit not in units:
                yield doc.problem(
                    (*where, "payload", "unit"),
                    _unknown("unit", unit, units) + ": no one in the roster belongs to it",
                )


def _needs_case(expect: Expect) -> bool:
    return bool(expect.model_fields_set - {"refused"})


def _check_case_ref(
    doc: YamlDocument, where: Path_, name: str | None, cases: list[str]
) -> Iterable[Problem]:
    if name is None:
        if len(cases) != 1:
            have = ", ".join(cases) or "none yet"
            yield doc.problem(
                where, f"say which case with 'case:' (cases submitted so far: {have})"
            )
    elif name not in cases:
        have = ", ".join(cases) or "none yet"
        yield doc.problem(
            (*where, "case"),
            f"no case {name!r} was submitted (and not refused) before this step (cases: {have})",
        )


def _check_roster(doc: YamlDocument, scenario: Scenario, vocab: _Vocabulary) -> Iterable[Problem]:
    roster = scenario.roster
    people = {p.id for p in roster.people}
    grids = {g.id for g in roster.grids}
    yield from _check_enterprises(doc, scenario, vocab, people, grids)
    seen_people: set[str] = set()
    for i, person in enumerate(roster.people):
        where: Path_ = ("roster", "people", i)
        if person.id in seen_people:
            yield doc.problem((*where, "id"), f"{person.id} is listed twice")
        seen_people.add(person.id)
        for j, role in enumerate(person.roles):
            if role not in vocab.roles:
                yield doc.problem((*where, "roles", j), _unknown("role", role, vocab.roles))
    seen_grids: set[str] = set()
    for i, grid in enumerate(roster.grids):
        where = ("roster", "grids", i)
        if grid.id in seen_grids:
            yield doc.problem((*where, "id"), f"grid {grid.id} is listed twice")
        seen_grids.add(grid.id)
        if grid.kind not in vocab.grid_kinds:
            yield doc.problem((*where, "kind"), _unknown("grid kind", grid.kind, vocab.grid_kinds))
        for j, member in enumerate(grid.members):
            if member.person not in people:
                yield doc.problem(
                    (*where, "members", j, "person"), _unknown("person", member.person, people)
                )
            if vocab.positions and member.position not in vocab.positions:
                yield doc.problem(
                    (*where, "members", j, "position"),
                    _unknown("team position", member.position, vocab.positions),
                )
    for i, project in enumerate(roster.projects):
        where = ("roster", "projects", i)
        for j, person_id in enumerate(project.assigned):
            if person_id not in people:
                yield doc.problem((*where, "assigned", j), _unknown("person", person_id, people))
        if project.enterprise is not None:
            try:
                parse_credit_code(project.enterprise)
            except InvalidInput as exc:
                yield doc.problem((*where, "enterprise"), str(exc))


def _check_enterprises(
    doc: YamlDocument,
    scenario: Scenario,
    vocab: _Vocabulary,
    people: set[str],
    grids: set[str],
) -> Iterable[Problem]:
    seen: set[str] = set()
    for i, ent in enumerate(scenario.roster.enterprises):
        where: Path_ = ("roster", "enterprises", i)
        try:
            code = parse_credit_code(ent.credit_code).value
        except InvalidInput as exc:
            yield doc.problem((*where, "credit_code"), str(exc))
            continue
        if code in seen:
            yield doc.problem((*where, "credit_code"), f"{code} is listed twice")
        seen.add(code)
        if ent.tier is not None and vocab.tiers and ent.tier not in vocab.tiers:
            yield doc.problem((*where, "tier"), _unknown("tier", ent.tier, vocab.tiers))
        for j, grid in enumerate(ent.grids):
            if grid not in grids:
                yield doc.problem((*where, "grids", j), _unknown("grid", grid, grids))
        for j, entry in enumerate(ent.responsible):
            person_id = entry if isinstance(entry, str) else entry.person
            grid_id = None if isinstance(entry, str) else entry.grid
            if person_id not in people:
                yield doc.problem((*where, "responsible", j), _unknown("person", person_id, people))
            if grid_id is not None and grid_id not in ent.grids:
                yield doc.problem(
                    (*where, "responsible", j, "grid"),
                    f"{code} is not put into grid {grid_id!r} (its grids: {', '.join(ent.grids) or 'none'})",
                )


def _validate(doc: YamlDocument) -> Scenario:
    if not isinstance(doc.data, dict):
        raise RuleFileError(
            [doc.problem((), "a scenario is a mapping (key: value) at the top level")]
        )
    if doc.data.get("scenario") != SCENARIO_SCHEMA_ID:
        raise RuleFileError(
            [
                doc.problem(
                    ("scenario",),
                    f"not a gridcase scenario: 'scenario' must be {SCENARIO_SCHEMA_ID!r}",
                )
            ]
        )
    try:
        return Scenario.model_validate(doc.data)
    except ValidationError as exc:
        errs = [
            {**e, "loc": tuple(part for part in e["loc"] if part not in STEP_TAGS)}
            for e in exc.errors()
        ]
        problems = problems_from_pydantic(doc, errs)
        raise RuleFileError(
            [
                Problem(p.file, p.line, p.path, "unknown field (not part of the scenario format)")
                if e.get("type") == "extra_forbidden"
                else p
                for p, e in zip(problems, errs, strict=True)
            ]
        ) from None


def load_scenario(path: str | Path, *, rules_folder: str | Path | None = None) -> LoadedScenario:
    """Read, check and attach the rules of one scenario file.

    Raises:
        RuleFileError: every problem found, each with the file and line (also a problem of
            the rule file the scenario names).
    """
    p = Path(path)
    doc = read_yaml_file(p)  # refuses an oversized file before reading it
    scenario = _validate(doc)
    folder = Path(rules_folder) if rules_folder is not None else None
    jurisdiction, book = _resolve_rules(doc, scenario, p, folder)
    vocab = _Vocabulary.of(book)
    problems = [
        *_check_roster(doc, scenario, vocab),
        *_check_steps(doc, scenario, vocab),
        *_check_against_roster(doc, scenario),
    ]
    if scenario.version is not None and scenario.version not in vocab.versions:
        problems.insert(
            0,
            doc.problem(
                ("version",),
                f"{jurisdiction} has no rule version {scenario.version!r} "
                f"(found: {', '.join(vocab.versions)})",
            ),
        )
    if problems:
        raise RuleFileError(sorted(problems, key=lambda q: q.line or 0))
    return LoadedScenario(p, doc, scenario, jurisdiction, book)


def scenario_files(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given, and every ``*.yaml`` below a directory (sorted), without repeats."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        found = sorted(p.rglob("*.yaml")) if p.is_dir() else [p]
        for f in found:
            if f not in out:
                out.append(f)
    return out


def load_scenarios(
    paths: Iterable[str | Path], *, rules_folder: str | Path | None = None
) -> list[LoadedScenario]:
    """Load every scenario, or raise one :class:`RuleFileError` with the problems of all."""
    loaded: list[LoadedScenario] = []
    problems: list[Problem] = []
    for f in scenario_files(paths):
        try:
            loaded.append(load_scenario(f, rules_folder=rules_folder))
        except RuleFileError as exc:
            problems.extend(exc.problems)
    if problems:
        raise RuleFileError(problems)
    return loaded
