"""Running a scenario on a throwaway store, with simulated time.

Each scenario gets an engine of its own on a temporary SQLite file (deleted afterwards)
and a :class:`~gridcase.kernel.clock.ManualClock` that starts at the scenario's ``start``.
The roster is registered first; then every step goes through the engine's public API
only (``submit``, ``act``, ``advance``, ``case``), exactly as a portal would call it, and
the case as the engine then reports it is compared with what the step expects. The
first unmet expectation stops the scenario and is reported field by field
(``clocks.handling.due: expected 2026-02-27, got 2026-02-26``): a rule change whose
consequences nobody wrote down fails here, before it is published.
"""

from __future__ import annotations

import tempfile
import time as _time
import traceback
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from uuid import UUID

from gridcase.application.engine import Engine
from gridcase.application.results import CommandResult
from gridcase.domain.case_state import CLOCK_EXPIRED, CaseState
from gridcase.domain.commands import ActOnCase, SubmitDemand
from gridcase.interfaces.scenarios.coverage import ScenarioCoverage
from gridcase.interfaces.scenarios.loader import LoadedScenario, load_scenario, load_scenarios
from gridcase.interfaces.scenarios.model import (
    ActStep,
    AdvanceStep,
    ClockExpect,
    Expect,
    Refusal,
    ScenarioStep,
    SubmitStep,
)
from gridcase.kernel.clock import ManualClock
from gridcase.kernel.errors import GridcaseError, NotFound
from gridcase.kernel.yamldata import location_of

__all__ = ["ScenarioResult", "StepResult", "run_loaded", "run_scenario", "run_scenarios"]

SCENARIO_ADMIN = "scenario-admin"
"""The administrator a scenario's roster is registered by (bootstrapped before it)."""


@dataclass(frozen=True)
class StepResult:
    """One step as it ran: what was done, what the case became, and what differed."""

    index: int
    """1-based position in the file."""
    line: int | None
    kind: str
    """``submit``, ``act`` or ``advance``."""
    action: str
    """The action taken (``submit``, ``dispatch`` …), or ``advance``."""
    case: str | None
    moment: datetime
    actor: str | None
    role: str | None
    state: str | None
    """The case's state after the step (None when there is no case to look at)."""
    events: tuple[str, ...]
    refused: str | None = None
    """``ErrorClass: message`` when the engine refused the step."""
    diff: tuple[str, ...] = ()
    """One line per unmet expectation; empty when the step passed."""
    error: str | None = None
    """Something other than a gridcase refusal went wrong (a defect, not a difference)."""
    note: str | None = None
    workaround: str | None = None

    @property
    def passed(self) -> bool:
        return not self.diff and self.error is None


@dataclass(frozen=True)
class ScenarioResult:
    """A scenario's run: its steps up to the first failure, and that failure as text."""

    path: Path
    name: str
    jurisdiction: str
    steps: tuple[StepResult, ...]
    total_steps: int
    failure: str | None = None
    """The readable report of the first unmet expectation (None when every step passed)."""
    error: bool = False
    """True when the run broke on something other than an unmet expectation."""
    seconds: float = 0.0
    rules_versions: tuple[str, ...] = field(default=())

    @property
    def passed(self) -> bool:
        return self.failure is None

    @property
    def failed_step(self) -> StepResult | None:
        return next((s for s in self.steps if not s.passed), None)


# -- comparing ----------------------------------------------------------------------


def _day(d: date) -> str:
    return d.isoformat()


def _moment(m: datetime) -> str:
    return m.isoformat(timespec="minutes")


def _names(items: Iterable[str]) -> str:
    return "[" + ", ".join(items) + "]"


def _compare_clocks(expected: Mapping[str, ClockExpect | None], state: CaseState) -> list[str]:
    out: list[str] = []
    for name in sorted(set(expected) | set(state.clocks)):
        actual = state.clocks.get(name)
        if name not in expected:
            assert actual is not None
            out.append(
                f"clocks.{name}: expected not running, got open (due {_day(actual.deadline.due_date)})"
            )
            continue
        if actual is None:
            out.append(f"clocks.{name}: expected open, got not running")
            continue
        want = expected[name]
        if want is None:
            continue
        d = actual.deadline
        if want.due is not None and want.due != d.due_date:
            out.append(f"clocks.{name}.due: expected {_day(want.due)}, got {_day(d.due_date)}")
        if want.deadline is not None and want.deadline != d.deadline:
            out.append(
                f"clocks.{name}.deadline: expected {_moment(want.deadline)}, got {_moment(d.deadline)}"
            )
        if want.provisional is not None and want.provisional != d.provisional:
            out.append(
                f"clocks.{name}.provisional: expected {str(want.provisional).lower()}, "
                f"got {str(d.provisional).lower()}"
            )
    return out


def _compare_case(expect: Expect, state: CaseState | None) -> list[str]:
    given = expect.model_fields_set - {"events", "expired", "refused"}
    if not given:
        return []
    if state is None:
        return [f"{key}: expected a value, got no case" for key in sorted(given)]
    out: list[str] = []
    if "state" in given and expect.state != state.state:
        out.append(f"state: expected {expect.state}, got {state.state}")
    if "final" in given and expect.final != state.final:
        out.append(f"final: expected {str(expect.final).lower()}, got {str(state.final).lower()}")
    if "owner" in given:
        want, have = expect.owner, state.owner
        if want is None:
            if have is not None:
                party = f" ({have.party})" if have.party else ""
                out.append(f"owner: expected none, got {have.role}{party}")
        elif have is None:
            out.append(f"owner: expected {want.role}, got none")
        else:
            if want.role != have.role:
                out.append(f"owner.role: expected {want.role}, got {have.role}")
            if "party" in want.model_fields_set and want.party != have.party:
                out.append(f"owner.party: expected {want.party}, got {have.party}")
    if "level" in given and expect.level != state.level:
        out.append(f"level: expected {expect.level}, got {state.level}")
    if "unit" in given and expect.unit != state.unit:
        out.append(f"unit: expected {expect.unit}, got {state.unit}")
    if "flags" in given and expect.flags is not None and set(expect.flags) != set(state.flags):
        want_f, have_f = set(expect.flags), set(state.flags)
        parts = []
        if want_f - have_f:
            parts.append("missing " + ", ".join(sorted(want_f - have_f)))
        if have_f - want_f:
            parts.append("unexpected " + ", ".join(sorted(have_f - want_f)))
        out.append(
            f"flags: expected {_names(sorted(want_f))}, got {_names(sorted(have_f))} ({'; '.join(parts)})"
        )
    if "clocks" in given and expect.clocks is not None:
        out.extend(_compare_clocks(expect.clocks, state))
    if "misses" in given and expect.misses is not None:
        for name in sorted(set(expect.misses) | set(state.misses)):
            want_n = expect.misses.get(name, 0)
            have_n = state.misses.get(name, 0)
            if want_n != have_n:
                listed = "" if name in expect.misses else " (not listed)"
                out.append(f"misses.{name}: expected {want_n}{listed}, got {have_n}")
    return out


def _compare_events(expect: Expect, events: Sequence[str], expired: Sequence[str]) -> list[str]:
    out: list[str] = []
    if expect.events is not None and list(expect.events) != list(events):
        out.append(f"events: expected {_names(expect.events)}, got {_names(events)}")
    if expect.expired is not None and list(expect.expired) != list(expired):
        out.append(f"expired: expected {_names(expect.expired)}, got {_names(expired)}")
    return out


def _error_matches(want: Refusal, exc: GridcaseError) -> list[str]:
    out: list[str] = []
    names = [c.__name__ for c in type(exc).__mro__]
    if want.error not in names:
        out.append(f"refused.error: expected {want.error}, got {type(exc).__name__}: {exc}")
    if want.message is not None and want.message not in str(exc):
        out.append(f"refused.message: expected to contain {want.message!r}, got {str(exc)!r}")
    if want.cite is not None:
        cite = getattr(exc, "cite", None)
        if not cite or want.cite not in cite:
            out.append(f"refused.cite: expected to contain {want.cite!r}, got {cite!r}")
    return out


# -- running ------------------------------------------------------------------------


class _Run:
    """One scenario's engine, clock and named cases."""

    def __init__(self, loaded: LoadedScenario, engine: Engine, clock: ManualClock) -> None:
        self.loaded = loaded
        self.engine = engine
        self.clock = clock
        self.cases: dict[str, UUID] = {}
        self.command_prefix = f"scenario/{loaded.path.stem}"
        self.refusals: list[GridcaseError] = []
        """Every refusal a step met (for coverage: a refusal names its rule)."""
        self.roster_entry: tuple[str | int, ...] = ("roster",)
        """The roster entry being registered, so that a refusal can name its line."""

    def _case_name(self, name: str | None) -> str | None:
        if name is not None:
            return name
        return next(iter(self.cases)) if len(self.cases) == 1 else None

    def _state(self, name: str | None) -> CaseState | None:
        if name is None or name not in self.cases:
            return None
        try:
            return self.engine.case(self.cases[name])
        except NotFound:
            return None

    def register_roster(self) -> None:
        scenario = self.loaded.scenario
        jurisdiction = self.loaded.jurisdiction
        start = scenario.start
        # A scenario's roster is set up by its own administrator, named first.
        self.engine.bootstrap_administrator(
            jurisdiction=jurisdiction,
            person_id=SCENARIO_ADMIN,
            name="scenario administrator",
            command_id=f"{self.command_prefix}/roster/bootstrap",
        )
        for i, ent in enumerate(scenario.roster.enterprises):
            self.roster_entry = ("roster", "enterprises", i)
            self.engine.roster.register_enterprise(
                jurisdiction=jurisdiction,
                credit_code=ent.credit_code,
                name=ent.name,
                command_id=f"{self.command_prefix}/roster/enterprise/{ent.credit_code}",
                in_scope_from=ent.in_scope_from or start.date(),
                organisation_type=ent.organisation_type,
                industry=ent.industry,
                location=ent.location,
                tier=ent.tier,
                basis=ent.basis,
                reason=ent.reason,
                at=start,
            )
        for i, person in enumerate(scenario.roster.people):
            self.roster_entry = ("roster", "people", i)
            self.engine.roster.register_person(
                jurisdiction=jurisdiction,
                person_id=person.id,
                name=person.name,
                roles=person.roles,
                units=person.units,
                rank=person.rank,
                command_id=f"{self.command_prefix}/roster/person/{person.id}",
                at=start,
            )
        self._register_grids_and_assignments()

    def _register_grids_and_assignments(self) -> None:
        """Grids and their teams, then who and what belongs where (the roster's own commands)."""
        scenario = self.loaded.scenario
        roster = self.engine.roster
        jurisdiction = self.loaded.jurisdiction
        start = scenario.start
        prefix = f"{self.command_prefix}/roster"
        for i, grid in enumerate(scenario.roster.grids):
            self.roster_entry = ("roster", "grids", i)
            roster.register_grid(
                jurisdiction=jurisdiction,
                grid_id=grid.id,
                kind=grid.kind,
                name=grid.name,
                unit=grid.unit,
                command_id=f"{prefix}/grid/{grid.id}",
                at=start,
            )
            for j, member in enumerate(grid.members):
                self.roster_entry = ("roster", "grids", i, "members", j)
                roster.add_grid_member(
                    jurisdiction=jurisdiction,
                    grid_id=grid.id,
                    person_id=member.person,
                    position=member.position,
                    on=member.from_ or start.date(),
                    command_id=f"{prefix}/grid/{grid.id}/member/{member.person}",
                    at=start,
                )
        for i, ent in enumerate(scenario.roster.enterprises):
            self.roster_entry = ("roster", "enterprises", i)
            on = max(start.date(), ent.in_scope_from or start.date())
            code = ent.credit_code
            for grid_id in ent.grids:
                roster.assign_grid(
                    jurisdiction=jurisdiction,
                    credit_code=code,
                    grid_id=grid_id,
                    on=on,
                    command_id=f"{prefix}/enterprise/{code}/grid/{grid_id}",
                    at=start,
                )
            if ent.map_number is not None:
                roster.assign_map_number(
                    jurisdiction=jurisdiction,
                    credit_code=code,
                    number=str(ent.map_number),
                    command_id=f"{prefix}/enterprise/{code}/map-number",
                    at=start,
                )
            for entry in ent.responsible:
                person_id = entry if isinstance(entry, str) else entry.person
                in_grid = None if isinstance(entry, str) else entry.grid
                roster.assign_responsible(
                    jurisdiction=jurisdiction,
                    credit_code=code,
                    person_id=person_id,
                    grid=in_grid,
                    on=on,
                    command_id=f"{prefix}/enterprise/{code}/responsible/{person_id}/{in_grid}",
                    at=start,
                )
            for j, liaison in enumerate(ent.liaisons):
                self.roster_entry = ("roster", "enterprises", i, "liaisons", j)
                roster.name_liaison(
                    jurisdiction=jurisdiction,
                    credit_code=code,
                    liaison_id=liaison.id,
                    name=liaison.name,
                    command_id=f"{prefix}/enterprise/{code}/liaison/{liaison.id}",
                    at=start,
                )
                if liaison.withdrawn is not None:
                    roster.withdraw_liaison(
                        jurisdiction=jurisdiction,
                        credit_code=code,
                        liaison_id=liaison.id,
                        reason=liaison.withdrawn,
                        command_id=f"{prefix}/enterprise/{code}/liaison/{liaison.id}/withdrawn",
                        at=start,
                    )
        for i, ent in enumerate(scenario.roster.enterprises):
            if ent.leaves_scope is not None:
                self.roster_entry = ("roster", "enterprises", i, "leaves_scope")
                roster.leave_scope(
                    jurisdiction=jurisdiction,
                    credit_code=ent.credit_code,
                    on=ent.leaves_scope.on,
                    basis=ent.leaves_scope.basis,
                    reason=ent.leaves_scope.reason,
                    command_id=f"{prefix}/enterprise/{ent.credit_code}/leaves-scope",
                    at=start,
                )
        for i, project in enumerate(scenario.roster.projects):
            self.roster_entry = ("roster", "projects", i)
            roster.register_project(
                jurisdiction=jurisdiction,
                project_id=project.id,
                name=project.name,
                location=project.location,
                enterprise=project.enterprise,
                command_id=f"{prefix}/project/{project.id}",
                at=start,
            )
            for person_id in project.assigned:
                roster.assign_project(
                    jurisdiction=jurisdiction,
                    project_id=project.id,
                    person_id=person_id,
                    on=start.date(),
                    command_id=f"{prefix}/project/{project.id}/{person_id}",
                    at=start,
                )

    def _move_clock(self, moment: datetime) -> None:
        """Forward to ``moment``, never back: a step dated earlier is a command from the past."""
        if moment > self.clock.now():
            self.clock.set(moment)

    def run_step(self, index: int, step: ScenarioStep) -> StepResult:
        line = self.loaded.line_of(("steps", index - 1))
        expect = step.expect
        command_id = f"{self.command_prefix}/step-{index}"
        events: list[str] = []
        expired: list[str] = []
        refusal: GridcaseError | None = None
        if isinstance(step, AdvanceStep):
            moment = step.advance
            case_name = self._case_name(step.case)
            actor: str | None = None
            role: str | None = None
            action = "advance"
        else:
            moment = step.at or self.clock.now()
            actor, role = step.by, step.role
            if isinstance(step, SubmitStep):
                case_name = step.submit
                action = "submit"
            else:
                case_name = self._case_name(step.case)
                action = step.act.value
        before = self._state(case_name)
        self._move_clock(moment)
        not_fired: GridcaseError | None = None
        try:
            result: Iterable[CommandResult]
            if isinstance(step, SubmitStep):
                submitted = self.engine.submit(
                    SubmitDemand(
                        jurisdiction=self.loaded.jurisdiction,
                        enterprise=step.enterprise or step.by,
                        category=step.category,
                        title=step.title,
                        actor=step.by,
                        role=step.role,
                        command_id=command_id,
                        at=moment,
                        description=step.description,
                        channel=step.channel,
                    )
                )
                self.cases[step.submit] = submitted.case_id
                result = [submitted]
            elif isinstance(step, ActStep):
                assert case_name is not None
                result = [
                    self.engine.act(
                        ActOnCase(
                            case_id=self.cases[case_name],
                            action=step.act,
                            actor=step.by,
                            role=step.role,
                            command_id=command_id,
                            at=moment,
                            reason=step.reason,
                            payload=step.payload,
                        )
                    )
                ]
            else:
                report = self.engine.advance(moment)
                wanted = self.cases.get(case_name) if case_name else None
                result = [r for r in report.fired if r.case_id == wanted]
                # A scenario's cases are all its own: any case advance could not fire is
                # the scenario's refusal, shown like any other.
                not_fired = report.failed[0].error if report.failed else None
            for r in result:
                for recorded in r.steps:
                    events.append(recorded.step.kind)
                    if recorded.step.kind == CLOCK_EXPIRED and recorded.step.clock:
                        expired.append(recorded.step.clock)
            if not_fired is not None:
                raise not_fired
        except GridcaseError as exc:
            refusal = exc
            self.refusals.append(exc)
        after = self._state(case_name)
        diff: list[str] = []
        if expect.refused is not None:
            if refusal is None:
                diff.append(
                    f"refused: expected {expect.refused.error}, got no refusal "
                    f"(recorded {_names(events)}, state now {after.state if after else 'none'})"
                )
            else:
                diff.extend(_error_matches(expect.refused, refusal))
                steps_before = before.steps if before else 0
                steps_after = after.steps if after else 0
                if steps_after != steps_before:
                    diff.append(
                        f"recorded: expected nothing (the step was refused), got {steps_after - steps_before} step(s)"
                    )
        elif refusal is not None:
            diff.append(
                f"refused: expected the step to succeed, got {type(refusal).__name__}: {refusal}"
            )
        if not (refusal is not None and expect.refused is None):
            diff.extend(_compare_events(expect, events, expired))
            diff.extend(_compare_case(expect, after))
            diff.extend(self._version_check(after))
        return StepResult(
            index=index,
            line=line,
            kind="advance"
            if isinstance(step, AdvanceStep)
            else ("submit" if isinstance(step, SubmitStep) else "act"),
            action=action,
            case=case_name,
            moment=moment,
            actor=actor,
            role=role,
            state=after.state if after else None,
            events=tuple(events),
            refused=f"{type(refusal).__name__}: {refusal}" if refusal is not None else None,
            diff=tuple(diff),
            note=step.note,
            workaround=step.workaround,
        )

    def _version_check(self, state: CaseState | None) -> list[str]:
        want = self.loaded.scenario.version
        if want is None or state is None or state.submission.rules_version == want:
            return []
        return [f"rules version: expected {want}, got {state.submission.rules_version}"]


def _failure_text(loaded: LoadedScenario, step: StepResult) -> str:
    where = f"line {step.line}" if step.line is not None else "no line"
    if step.action == "advance":
        target = f" (time passes; looking at {step.case})" if step.case else " (time passes)"
    else:
        target = f" on {step.case}" if step.case and step.action != "submit" else ""
    by = f" by {step.actor} ({step.role})" if step.actor else ""
    head = (
        f"{loaded.path}: step {step.index} ({where}): {step.action}{target}{by} "
        f"at {step.moment.isoformat(timespec='minutes')}"
    )
    body = [step.error] if step.error else list(step.diff)
    return "\n".join([head, *(f"  {d}" for d in body)])


def run_loaded(
    loaded: LoadedScenario, *, coverage: ScenarioCoverage | None = None
) -> ScenarioResult:
    """Run a loaded scenario to its end or its first unmet expectation (adding what it
    exercised of its rules to ``coverage``, if given)."""
    began = _time.perf_counter()
    scenario = loaded.scenario
    results: list[StepResult] = []
    failure: str | None = None
    broke = False
    with tempfile.TemporaryDirectory(prefix="gridcase-scenario-") as folder:
        clock = ManualClock(scenario.start)
        engine = Engine(
            f"sqlite:///{Path(folder) / 'scenario.db'}",
            rules=loaded.rules,
            clock=clock,
            roster_actor=SCENARIO_ADMIN,
        )
        try:
            run = _Run(loaded, engine, clock)
            try:
                run.register_roster()
            except GridcaseError as exc:
                where = run.roster_entry
                failure = (
                    f"{loaded.path}: {location_of(where)} (line {loaded.line_of(where)}): "
                    f"refused: {type(exc).__name__}: {exc}"
                )
            if failure is None:
                for i, step in enumerate(scenario.steps, start=1):
                    try:
                        outcome = run.run_step(i, step)
                    except Exception as exc:  # a defect: report it, do not crash the whole run
                        tb = traceback.format_exception_only(type(exc), exc)[-1].strip()
                        outcome = StepResult(
                            index=i,
                            line=loaded.line_of(("steps", i - 1)),
                            kind="error",
                            action=type(step).__name__,
                            case=None,
                            moment=clock.now(),
                            actor=None,
                            role=None,
                            state=None,
                            events=(),
                            error=f"error: {tb}",
                        )
                        broke = True
                    results.append(outcome)
                    if not outcome.passed:
                        failure = _failure_text(loaded, outcome)
                        break
            if coverage is not None:
                coverage.record(loaded.rules, engine, run.cases.values(), run.refusals)
        finally:
            engine.close()
    return ScenarioResult(
        path=loaded.path,
        name=scenario.name,
        jurisdiction=loaded.jurisdiction,
        steps=tuple(results),
        total_steps=len(scenario.steps),
        failure=failure,
        error=broke,
        seconds=_time.perf_counter() - began,
        rules_versions=tuple(r.version for r in loaded.rules),
    )


def run_scenario(path: str | Path, *, rules_folder: str | Path | None = None) -> ScenarioResult:
    """Load and run one scenario file.

    Args:
        path: the scenario file.
        rules_folder: where to find the rule files of a ``rules: <jurisdiction>``
            scenario; default: two levels above the file (``rules/`` for
            ``rules/scenarios/malu/01-….yaml``).

    Raises:
        RuleFileError: the scenario (or the rule file it names) is malformed; every
            problem names the file and line. Unmet expectations are not raised: they are
            in the result.
    """
    return run_loaded(load_scenario(path, rules_folder=rules_folder))


def run_scenarios(
    paths: Iterable[str | Path], *, rules_folder: str | Path | None = None
) -> list[ScenarioResult]:
    """Run scenario files (a directory means every ``*.yaml`` below it, sorted).

    Every file is loaded and checked before any runs: one malformed file raises a
    :class:`RuleFileError` listing the problems of all of them, and nothing runs.
    """
    return [run_loaded(loaded) for loaded in load_scenarios(paths, rules_folder=rules_folder)]
