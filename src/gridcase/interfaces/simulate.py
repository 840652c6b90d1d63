"""``gridcase simulate``: a synthetic jurisdiction-year, reproducible from a seed.

A year of one jurisdiction at the size its source document gives (Weifang: over 21,000
enterprises, about 1,000 major projects and about 15,000 service commissioners, 关于实行
服务企业专员制度推动经济高质量发展的实施意见; Yingkou's 571 enterprises; Qingdao's
about 1,200; Malu's 213 key enterprises, 嘉马府发〔2023〕62号; Bijie's district), run
through the public API only: the roster is registered by its administrator, every
enterprise gets its responsible person within the quotas, every enterprise is visited
on site at the cadence of its rules, and demands follow the paths the rule file allows
(resolved at the first level, escalated, returned and redispatched, entered late with a
reason, rated), with the clocks fired by :meth:`Engine.advance` at the end of each day.

The world is drawn from ``random.Random(seed)`` before anything runs, and the clock is a
:class:`ManualClock`, so the same seed and scale give the same commands and the same
counts on any store. ``scale`` multiplies every size (0.01 of Weifang is 210
enterprises). What it measures (time per phase, events, store size, peak traced
memory) is in :class:`SimulationReport`; ``docs/performance.md`` quotes a run.
"""

from __future__ import annotations

import contextlib
import heapq
import os
import random
import resource
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from gridcase.application.engine import Engine
from gridcase.domain.actions import Action
from gridcase.domain.commands import ActOnCase, SubmitDemand
from gridcase.domain.credit_code import ALPHABET, check_character
from gridcase.interfaces.simulate_worlds import WORLDS, Plan, Step, World
from gridcase.kernel.clock import CST, ManualClock
from gridcase.kernel.errors import InvalidInput
from gridcase.workflow.loader import RuleBook

__all__ = ["PRESETS", "Phase", "Preset", "SimulationReport", "simulate"]


@dataclass(frozen=True)
class Preset:
    """The size of one jurisdiction's year, at scale 1.0."""

    jurisdiction: str
    enterprises: int
    people: int
    """Front-line people (commissioners, butlers, officers)."""
    projects: int
    demands: int
    """Demands raised over the year (a share of them during visits)."""
    year: int = 2025
    source: str = ""


PRESETS: dict[str, Preset] = {
    "weifang": Preset("weifang", 21_000, 15_000, 1_000, 60_000, source="实施意见 选派范围"),
    "yingkou": Preset("yingkou", 571, 60, 0, 1_700, source="营口片区 三(一) 571家"),
    "qingdao": Preset("qingdao", 1_200, 100, 0, 3_600, source="二(一) 约1200家"),
    "malu": Preset("malu", 213, 25, 0, 640, source="嘉马府发〔2023〕62号 二"),
    "bijie": Preset("bijie", 3_000, 150, 0, 9_000, source="七星关区 三(一)"),
}
"""Sizes from the source documents; Bijie's count of enterprises is an assumption (the
document names none: every enterprise of the district except 个体工商户 and 合作社)."""

VISIT_SHARE = 0.2
"""The share of demands raised during a visit (the rest come through the platform)."""
LATE_SHARE = 0.04
"""The share of late-permitted steps entered two days after they happened, with a reason."""
MAX_WAITS = 12
"""How many times a step waits a week for the case to reach its state before giving up."""


@dataclass(frozen=True)
class Phase:
    """One phase of the run: how long it took and what it wrote."""

    name: str
    seconds: float
    commands: int
    events: int

    @property
    def per_second(self) -> float:
        return self.commands / self.seconds if self.seconds else 0.0


@dataclass
class SimulationReport:
    """What one simulated year did and cost."""

    preset: str
    scale: float
    seed: int
    counts: dict[str, int] = field(default_factory=dict)
    """What was done (reproducible: same seed and scale, same counts)."""
    phases: list[Phase] = field(default_factory=list)
    events: int = 0
    store_bytes: int | None = None
    peak_traced_bytes: int = 0
    max_rss_bytes: int = 0
    verified: bool | None = None

    def bump(self, what: str, n: int = 1) -> None:
        self.counts[what] = self.counts.get(what, 0) + n


def credit_code(region: str, i: int) -> str:
    """A valid unified social credit code (GB 32100-2015) for the ``i``-th enterprise."""
    body = "".join(ALPHABET[(i // 31**k) % 31] for k in range(9))
    first17 = f"91{region}{body}"
    return first17 + check_character(first17)


@dataclass(order=True)
class _Due:
    when: datetime
    seq: int
    case: int = field(compare=False)
    step: int = field(compare=False)
    waits: int = field(compare=False, default=0)


@dataclass
class _Case:
    enterprise: int
    plan: Plan
    unit: str
    visit_day: int | None
    case_id: UUID | None = None
    last: datetime | None = None


def _scaled(n: int, scale: float, least: int = 1) -> int:
    return max(least, round(n * scale)) if n else 0


def _working_hour(rng: random.Random, day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, tzinfo=CST) + timedelta(
        minutes=rng.randrange(0, 8 * 60)
    )


class _Run:
    def __init__(
        self,
        engine: Engine,
        clock: ManualClock,
        world: World,
        report: SimulationReport,
        rng: random.Random,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.world = world
        self.report = report
        self.rng = rng
        self.j = world.jurisdiction
        self.roster = engine.roster_as(world.admin)

    def at(self, moment: datetime) -> None:
        if moment > self.clock.now():
            self.clock.set(moment)

    # -- the roster ----------------------------------------------------------------

    def register(self, start: datetime, tick: Callable[[], None]) -> int:
        w, r, j = self.world, self.roster, self.j
        self.at(start)
        self.engine.bootstrap_administrator(
            jurisdiction=j, person_id=w.admin, name="名册管理员", command_id="sim/bootstrap"
        )
        n = 1
        on = start.date()
        for p in w.people:
            r.register_person(
                jurisdiction=j,
                person_id=p.id,
                name=p.name,
                roles=list(p.roles),
                units=list(p.units),
                rank=p.rank,
                command_id=f"sim/person/{p.id}",
            )
            n += 1
            tick()
        for g in w.grids:
            r.register_grid(
                jurisdiction=j, grid_id=g.id, kind=g.kind, name=g.id, command_id=f"sim/grid/{g.id}"
            )
            for person, position in g.members:
                r.add_grid_member(
                    jurisdiction=j,
                    grid_id=g.id,
                    person_id=person,
                    position=position,
                    on=on,
                    command_id=f"sim/grid/{g.id}/{person}",
                )
            n += 1 + len(g.members)
            tick()
        for e in w.enterprises:
            r.register_enterprise(
                jurisdiction=j,
                credit_code=e.code,
                name=f"模拟企业{e.code[-6:]}",
                tier=e.tier,
                in_scope_from=on,
                command_id=f"sim/enterprise/{e.code}",
            )
            for grid in e.grids:
                r.assign_grid(
                    jurisdiction=j,
                    credit_code=e.code,
                    grid_id=grid,
                    on=on,
                    command_id=f"sim/enterprise/{e.code}/grid/{grid}",
                )
            for person in e.responsible:
                r.assign_responsible(
                    jurisdiction=j,
                    credit_code=e.code,
                    person_id=person,
                    on=on,
                    command_id=f"sim/enterprise/{e.code}/responsible/{person}",
                )
            n += 1 + len(e.grids) + len(e.responsible)
            tick()
        for project_id, person in w.projects:
            r.register_project(
                jurisdiction=j,
                project_id=project_id,
                name=project_id,
                command_id=f"sim/{project_id}",
            )
            r.assign_project(
                jurisdiction=j,
                project_id=project_id,
                person_id=person,
                on=on,
                command_id=f"sim/{project_id}/{person}",
            )
            n += 2
            tick()
        self.report.counts.update(
            people=len(w.people),
            grids=len(w.grids),
            enterprises=len(w.enterprises),
            projects=len(w.projects),
        )
        return n

    # -- the year ----------------------------------------------------------------

    def actor(self, case: _Case, step: Step) -> str:
        ent = self.world.enterprises[case.enterprise]
        if step.actor == "enterprise":
            return ent.code
        if step.actor == "unit":
            return self.world.unit_people[case.unit]
        if step.actor in ent.team:
            return ent.team[step.actor]
        return self.world.offices[step.actor]

    def payload(self, case: _Case, step: Step) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in step.payload.items():
            out[key] = case.unit if value == "$unit" else value
        if step.redispatch:
            units = sorted(self.world.unit_people)
            case.unit = units[(units.index(case.unit) + 1) % len(units)]
            out["unit"] = case.unit
        return out

    def do_step(self, index: int, case: _Case, k: int, moment: datetime) -> bool:
        """Carry out step ``k`` of a case; False if the case is not there yet (wait)."""
        step = case.plan.steps[k]
        late = step.late_ok and self.rng.random() < LATE_SHARE
        recorded = moment + timedelta(days=2) if late else moment
        self.at(recorded)
        cid = f"sim/case/{index}/{k}"
        at = moment if late else None
        reason = "补录: 线下已办结, 两日后录入平台" if late else None
        if k == 0:
            ent = self.world.enterprises[case.enterprise]
            if case.visit_day is not None:
                result = self.roster.raise_demand(
                    jurisdiction=self.j,
                    visit_id=f"sim/visit/{case.enterprise}/{case.visit_day}",
                    category=case.plan.category,
                    title=f"模拟诉求 {index}",
                    actor=self.actor(case, step),
                    role=step.role,
                    command_id=cid,
                )
                self.report.bump("demands raised in visits")
            else:
                result = self.engine.submit(
                    SubmitDemand(
                        jurisdiction=self.j,
                        enterprise=ent.code,
                        category=case.plan.category,
                        title=f"模拟诉求 {index}",
                        actor=self.actor(case, step),
                        role=step.role,
                        command_id=cid,
                    )
                )
            case.case_id = result.case_id
            self.report.bump("demands")
            return True
        assert case.case_id is not None
        if step.wait_for is not None and self.engine.case(case.case_id).state != step.wait_for:
            return False
        self.engine.act(
            ActOnCase(
                case.case_id,
                Action(step.action),
                self.actor(case, step),
                step.role,
                cid,
                at=at,
                reason=step.reason,
                payload=self.payload(case, step),
                late_reason=reason,
            )
        )
        self.report.bump(f"act:{step.action}")
        if late:
            self.report.bump("late entries")
        return True

    def year(
        self, start: datetime, end: datetime, demands: int, tick: Callable[[], None]
    ) -> tuple[int, int]:
        """The visits, demands and daily clock runs of the year; (commands, clock steps)."""
        w, rng = self.world, self.rng
        days = (end.date() - start.date()).days
        visits: list[tuple[datetime, int, int]] = []
        for i in range(len(w.enterprises)):
            first = rng.randrange(0, w.visit_every_days)
            for d in range(first, days, w.visit_every_days):
                visits.append((_working_hour(rng, start.date() + timedelta(days=d)), i, d))
        visits.sort()
        cases: list[_Case] = []
        due: list[_Due] = []
        plans, weights = zip(*w.plans, strict=True)
        by_visit_day: dict[int, list[int]] = {}
        for n in range(demands):
            plan = rng.choices(plans, weights)[0]
            unit = rng.choice(sorted(w.unit_people)) if w.unit_people else ""
            if visits and rng.random() < VISIT_SHARE:
                when, ent_index, d = visits[rng.randrange(len(visits))]
                when += timedelta(minutes=30)
                case = _Case(ent_index, plan, unit, d)
                by_visit_day.setdefault(d, []).append(n)
            else:
                ent_index = rng.randrange(len(w.enterprises))
                when = _working_hour(rng, start.date() + timedelta(days=rng.randrange(days - 45)))
                case = _Case(ent_index, plan, unit, None)
            cases.append(case)
            heapq.heappush(due, _Due(when, n, n, 0))
        commands = clock_steps = 0
        seq = demands
        vi = 0
        day = start.date()
        while day <= end.date():
            close = datetime(day.year, day.month, day.day, 23, 59, tzinfo=CST)
            while vi < len(visits) and visits[vi][0] <= close:
                when, i, d = visits[vi]
                vi += 1
                self.at(when)
                ent = w.enterprises[i]
                self.engine.roster_as(ent.front).record_visit(
                    jurisdiction=self.j,
                    enterprise=ent.code,
                    visitor=ent.front,
                    visited_at=when,
                    channel="on_site",
                    command_id=f"sim/visit/{i}/{d}",
                    visit_id=f"sim/visit/{i}/{d}",
                    findings={"operations": "生产经营正常"},
                    evidence=[
                        {"sha256": f"{i:064x}"[-64:], "size": 1024, "media_type": "image/jpeg"}
                    ],
                )
                self.report.bump("visits")
                commands += 1
                tick()
            while due and due[0].when <= close:
                item = heapq.heappop(due)
                case = cases[item.case]
                if not self.do_step(item.case, case, item.step, item.when):
                    if item.waits < MAX_WAITS:
                        seq += 1
                        heapq.heappush(
                            due,
                            _Due(
                                item.when + timedelta(days=7),
                                seq,
                                item.case,
                                item.step,
                                item.waits + 1,
                            ),
                        )
                    else:
                        self.report.bump("cases left waiting")
                    continue
                commands += 1
                tick()
                nxt = item.step + 1
                if nxt < len(case.plan.steps):
                    gap = case.plan.steps[nxt].gap_days
                    when = item.when + timedelta(days=gap, minutes=rng.randrange(30, 240))
                    seq += 1
                    heapq.heappush(due, _Due(when, seq, item.case, nxt))
                else:
                    self.report.bump("cases finished")
            self.at(close)
            fired = self.engine.advance(close)
            clock_steps += fired.steps
            commands += len(fired.fired)
            day += timedelta(days=1)
        self.report.bump("clock steps", clock_steps)
        return commands, clock_steps


def _store_bytes(engine: Engine) -> int | None:
    if engine.location.kind != "sqlite":
        return None
    path = engine.location.env.get("SQLITE_DBNAME", ":memory:")
    if path == ":memory:":
        return None
    total = 0
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(OSError):
            total += os.path.getsize(f"{path}{suffix}")
    return total


def simulate(
    url: str,
    *,
    preset: str = "weifang",
    scale: float = 1.0,
    seed: int = 2025,
    progress: Callable[[str, int, int], None] | None = None,
    verify: bool = True,
    trace_memory: bool = False,
    rules: RuleBook | None = None,
    batch: int = 0,
) -> SimulationReport:
    """Simulate one jurisdiction-year on the store at ``url``, which should be empty.

    ``progress(phase, done, total)`` is called as commands complete. With
    ``trace_memory`` the peak of Python allocations is traced (tracemalloc slows the run
    about twofold); the process's peak resident size is always reported. ``rules``: a
    rule book already read (default: the bundled rules). ``batch``: commit every that
    many commands (:meth:`Engine.batch`); 0 commits every command, as a portal would.
    """
    if preset not in PRESETS:
        known = ", ".join(sorted(PRESETS))
        raise InvalidInput(f"unknown preset {preset!r} (known: {known})", field="preset")
    if not 0 < scale <= 10:
        raise InvalidInput("scale must be above 0 and at most 10", field="scale")
    size = PRESETS[preset]
    rng = random.Random(f"{preset}/{scale}/{seed}")
    world = WORLDS[preset](
        rng,
        enterprises=_scaled(size.enterprises, scale, 4),
        people=_scaled(size.people, scale, 2),
        projects=_scaled(size.projects, scale, 0),
        code=credit_code,
    )
    demands = _scaled(size.demands, scale, 4)
    start = datetime(size.year, 1, 2, 8, 30, tzinfo=CST)
    end = datetime(size.year, 12, 31, 18, tzinfo=CST)
    clock = ManualClock(start)
    report = SimulationReport(preset=preset, scale=scale, seed=seed)
    if trace_memory:
        tracemalloc.start()
    engine = Engine(url, clock=clock, rules=rules)
    try:
        if engine.log.head():
            raise InvalidInput("simulate needs an empty store", field="url")
        run = _Run(engine, clock, world, report, rng)
        total = {"roster": world.commands_estimate, "year": 0}
        done = {"roster": 0, "year": 0}

        def ticker(phase: str) -> Callable[[], None]:
            def tick() -> None:
                done[phase] += 1
                if progress is not None and done[phase] % 100 == 0:
                    progress(phase, done[phase], total[phase])

            return tick

        head = engine.log.head()

        def batched() -> contextlib.AbstractContextManager[None]:
            return engine.batch(batch) if batch else contextlib.nullcontext()

        t0 = time.perf_counter()
        with batched():
            n = run.register(start, ticker("roster"))
        report.phases.append(Phase("roster", time.perf_counter() - t0, n, engine.log.head() - head))
        head = engine.log.head()
        total["year"] = demands * 4 + len(world.enterprises) * (365 // world.visit_every_days)
        t0 = time.perf_counter()
        with batched():
            n, _ = run.year(start + timedelta(days=1), end, demands, ticker("year"))
        report.phases.append(Phase("year", time.perf_counter() - t0, n, engine.log.head() - head))
        report.events = engine.log.count()
        if verify:
            t0 = time.perf_counter()
            verified = engine.verify()
            report.verified = verified.ok
            report.phases.append(Phase("verify", time.perf_counter() - t0, 0, verified.events))
        report.store_bytes = _store_bytes(engine)
    finally:
        engine.close()
        if trace_memory:
            report.peak_traced_bytes = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        report.max_rss_bytes = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return report
