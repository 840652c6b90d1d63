"""The synthetic worlds of ``gridcase simulate``: who is on each roster, and the paths cases take.

Each builder draws one jurisdiction's roster from a seeded ``random.Random`` so that every
actor is in scope for what it does: Weifang's commissioners are assigned their enterprises
and projects within the quotas of their rank (选派范围), Malu's butler is responsible for
each enterprise (一企一管家), Bijie's officers and grid chiefs sit in the vertical grid of the
enterprises they act for. Plans are the rule files' paths with the share of cases each
takes; the shares are assumptions of the simulation (the documents give none).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from gridcase.kernel.errors import InvalidInput

__all__ = ["WORLDS", "Enterprise", "Grid", "Person", "Plan", "Step", "World"]


@dataclass(frozen=True)
class Step:
    """One command of a case's path: the action, the role, who gives it, how long after the last."""

    action: str
    role: str
    actor: str
    """``enterprise``, ``unit`` (the case's unit), a key of the enterprise's team, or an office."""
    gap_days: int = 0
    payload: Mapping[str, Any] = field(default_factory=dict)
    reason: str | None = None
    wait_for: str | None = None
    """The state the case must be in first (reached by a clock the daily advance fires)."""
    late_ok: bool = False
    redispatch: bool = False


@dataclass(frozen=True)
class Plan:
    name: str
    category: str
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    roles: tuple[str, ...]
    units: tuple[str, ...] = ()
    rank: str | None = None


@dataclass(frozen=True)
class Grid:
    id: str
    kind: str
    members: tuple[tuple[str, str], ...] = ()


@dataclass
class Enterprise:
    code: str
    tier: str | None = None
    grids: tuple[str, ...] = ()
    responsible: tuple[str, ...] = ()
    team: dict[str, str] = field(default_factory=dict)
    """Who acts for it, by part: ``front`` (the visitor), ``deputy``, ``chief``."""

    @property
    def front(self) -> str:
        return self.team["front"]


@dataclass
class World:
    jurisdiction: str
    admin: str
    people: list[Person]
    enterprises: list[Enterprise]
    offices: dict[str, str]
    unit_people: dict[str, str]
    plans: list[tuple[Plan, float]]
    visit_every_days: int
    grids: list[Grid] = field(default_factory=list)
    projects: list[tuple[str, str]] = field(default_factory=list)

    @property
    def commands_estimate(self) -> int:
        return (
            1
            + len(self.people)
            + sum(1 + len(g.members) for g in self.grids)
            + sum(1 + len(e.grids) + len(e.responsible) for e in self.enterprises)
            + 2 * len(self.projects)
        )


class Builder(Protocol):
    def __call__(
        self,
        rng: random.Random,
        *,
        enterprises: int,
        people: int,
        projects: int,
        code: Callable[[str, int], str],
    ) -> World: ...


def _offices(roles: Mapping[str, str], j: str) -> tuple[list[Person], dict[str, str]]:
    people = [Person(f"{j}-{role}", name, (role,)) for role, name in roles.items()]
    return people, {role: f"{j}-{role}" for role in roles}


def _units(role: str, names: list[str], j: str) -> tuple[list[Person], dict[str, str]]:
    people = [Person(f"{j}-{u}", f"{u} 联络员", (role,), (u,)) for u in names]
    return people, {u: f"{j}-{u}" for u in names}


RESULT = {"result": "已协调解决, 结果已反馈企业"}

# -- Weifang ------------------------------------------------------------------------

WEIFANG_RANKS: tuple[tuple[str, float, int, int, int | None], ...] = (
    ("department_level", 0.01, 4, 3, None),
    ("city_department_head", 0.04, 3, 2, None),
    ("deputy_county_and_above", 0.25, 2, 1, None),
    ("section_level_economic", 0.70, 2, 2, 2),
)
"""Rank, share of commissioners (an assumption), enterprises, projects, combined cap (选派范围)."""


def _weifang_plans() -> list[tuple[Plan, float]]:
    def path(category: str, submit_as: str, submit_actor: str) -> dict[str, tuple[Step, ...]]:
        start = (
            Step("submit", submit_as, submit_actor),
            Step("dispatch", "platform", "platform", 0, {"unit": "$unit"}),
        )
        group = (
            Step("escalate", "base_unit", "unit", 4, reason="基层单位无法解决, 提请专项小组研究"),
        )
        return {
            "base": (*start, Step("resolve", "base_unit", "unit", 5, RESULT, late_ok=True)),
            "group": (
                *start,
                *group,
                Step(
                    "resolve", "problem_group", "problem_group", 10, RESULT, wait_for="with_group"
                ),
            ),
            "executive": (
                *start,
                *group,
                Step(
                    "escalate",
                    "problem_group",
                    "problem_group",
                    10,
                    reason="专项小组仍无法解决, 提交常务会议",
                    wait_for="with_group",
                ),
                Step("resolve", "executive", "executive", 20, RESULT, wait_for="with_executive"),
            ),
        }

    plans: list[tuple[Plan, float]] = []
    for category, share in (("enterprise_development", 0.8), ("project_construction", 0.2)):
        for submit_as, actor, by in (
            ("commissioner", "front", 0.7),
            ("enterprise", "enterprise", 0.3),
        ):
            paths = path(category, submit_as, actor)
            for name, weight in (("base", 0.75), ("group", 0.2), ("executive", 0.05)):
                plans.append(
                    (Plan(f"{name}/{submit_as}", category, paths[name]), share * by * weight)
                )
    return plans


def weifang(
    rng: random.Random,
    *,
    enterprises: int,
    people: int,
    projects: int,
    code: Callable[[str, int], str],
) -> World:
    j = "weifang"
    staff, offices = _offices(
        {"platform": "潍企通平台", "problem_group": "专项小组办公室", "executive": "市政府办公室"},
        j,
    )
    unit_names = [f"base_unit_{k:03d}" for k in range(max(3, people // 300))]
    unit_staff, unit_people = _units("base_unit", unit_names, j)
    commissioners: list[tuple[Person, int, int, int | None]] = []
    for k in range(people):
        pick = rng.random()
        chosen = WEIFANG_RANKS[-1]
        for entry in WEIFANG_RANKS:
            pick -= entry[1]
            if pick < 0:
                chosen = entry
                break
        rank, _, ent_cap, proj_cap, combined = chosen
        person = Person(f"wf-c{k:05d}", f"服务专员{k}", ("commissioner",), rank=rank)
        commissioners.append((person, ent_cap, proj_cap, combined))
    load = [0] * people
    ents: list[Enterprise] = []
    cursor = 0
    tiers = ("industrial_above_scale", "construction", "trade_above_limit", "key_service")
    for i in range(enterprises):
        for _ in range(people):
            person, cap, _, both = commissioners[cursor % people]
            cursor += 1
            if load[(cursor - 1) % people] < min(cap, both or cap):
                break
        else:
            raise InvalidInput(
                "the commissioners' quotas cannot carry every enterprise", field="scale"
            )
        load[(cursor - 1) % people] += 1
        ents.append(
            Enterprise(
                code("370700", i),
                tier=rng.choice(tiers),
                responsible=(person.id,),
                team={"front": person.id},
            )
        )
    projs: list[tuple[str, str]] = []
    proj_load = [0] * people
    k = 0
    for p in range(projects):
        for _ in range(people):
            person, _, pcap, both = commissioners[k % people]
            idx = k % people
            k += 1
            if proj_load[idx] < pcap and (both is None or load[idx] + proj_load[idx] < both):
                break
        else:
            raise InvalidInput(
                "the commissioners' quotas cannot carry every project", field="scale"
            )
        proj_load[idx] += 1
        projs.append((f"P-{p:04d}", person.id))
    return World(
        jurisdiction=j,
        admin="wf-admin",
        people=[*staff, *unit_staff, *(c[0] for c in commissioners)],
        enterprises=ents,
        offices=offices,
        unit_people=unit_people,
        plans=_weifang_plans(),
        visit_every_days=61,
        projects=projs,
    )


# -- Malu ---------------------------------------------------------------------------

MALU_UNITS = ["planning", "economy", "safety", "market", "human_resources", "construction"]


def malu(
    rng: random.Random,
    *,
    enterprises: int,
    people: int,
    projects: int,
    code: Callable[[str, int], str],
) -> World:
    j = "malu"
    staff, offices = _offices({"center": "产业发展中心", "town_leaders": "镇领导"}, j)
    unit_staff, unit_people = _units("unit", MALU_UNITS, j)
    butlers = [Person(f"malu-b{k:03d}", f"服务管家{k}", ("butler",)) for k in range(people)]
    district = max(1, round(enterprises * 13 / 213))
    ents = [
        Enterprise(
            code("310114", i),
            tier="district_key" if i < district else "town_key",
            responsible=(butlers[i % people].id,),
            team={"front": butlers[i % people].id},
        )
        for i in range(enterprises)
    ]
    opening = (
        Step("submit", "enterprise", "enterprise"),
        Step("dispatch", "center", "center", 0, {"unit": "$unit"}),
    )
    closing = (
        Step("confirm_completion", "enterprise", "enterprise", 1),
        Step("rate", "enterprise", "enterprise", 1, {"satisfaction": "satisfied"}),
        Step("sign_off", "center", "center", 1),
    )
    handle = (
        Step("accept", "unit", "unit", 0),
        Step("resolve", "unit", "unit", 3, RESULT),
    )
    returned = (
        Step("request_return", "unit", "unit", 0, reason="不属于本单位职责"),
        Step("redispatch", "center", "center", 1, {"unit": "$unit"}, redispatch=True),
    )
    late = (
        Step("accept", "unit", "unit", 0),
        Step("resolve", "unit", "unit", 30, RESULT),
    )
    plans = [
        (Plan("consultation", "consultation", (*opening, *handle, *closing)), 0.6),
        (Plan("returned", "consultation", (*opening, *returned, *handle, *closing)), 0.15),
        (Plan("coordination late", "coordination", (*opening, *late, *closing)), 0.25),
    ]
    return World(
        j, "malu-admin", [*staff, *unit_staff, *butlers], ents, offices, unit_people, plans, 91
    )


# -- Yingkou ------------------------------------------------------------------------


def yingkou(
    rng: random.Random,
    *,
    enterprises: int,
    people: int,
    projects: int,
    code: Callable[[str, int], str],
) -> World:
    j = "yingkou"
    staff, offices = _offices(
        {
            "grid_chief": "副部长 (网格长)",
            "leader_in_charge": "分管领导",
            "committees": "党工委、管委会",
        },
        j,
    )
    officers = [Person(f"yk-o{k:03d}", f"网格员{k}", ("officer",)) for k in range(people)]
    ents = [
        Enterprise(code("210804", i), team={"front": officers[i % people].id})
        for i in range(enterprises)
    ]
    submit = Step("submit", "officer", "front")
    confirm = Step("confirm_completion", "enterprise", "enterprise", 1)
    plans = [
        (
            Plan(
                "officer",
                "within_committee",
                (submit, Step("resolve", "officer", "front", 2, RESULT, late_ok=True), confirm),
            ),
            0.7,
        ),
        (
            Plan(
                "grid chief",
                "within_committee",
                (
                    submit,
                    Step("escalate", "officer", "front", 1, reason="本部门无法解决, 报网格长"),
                    Step("resolve", "grid_chief", "grid_chief", 3, RESULT),
                    confirm,
                ),
            ),
            0.1,
        ),
        (
            # 三(三)1: a matter between committee departments is led by the grid chief.
            Plan(
                "between departments",
                "between_committee_departments",
                (submit, Step("resolve", "grid_chief", "grid_chief", 3, RESULT), confirm),
            ),
            0.06,
        ),
        (
            # 三(三)1: one involving departments outside the committee by the leader in charge.
            Plan(
                "outside the committee",
                "outside_committee",
                (
                    submit,
                    Step("resolve", "leader_in_charge", "leader_in_charge", 4, RESULT),
                    confirm,
                ),
            ),
            0.04,
        ),
        (
            Plan(
                "delayed",
                "within_committee",
                (
                    submit,
                    Step("record_delay_reason", "officer", "front", 4, reason="需企业补充材料"),
                    Step("resolve", "officer", "front", 3, RESULT),
                    confirm,
                ),
            ),
            0.1,
        ),
    ]
    return World(j, "yk-admin", [*staff, *officers], ents, offices, {}, plans, 30)


# -- Qingdao ------------------------------------------------------------------------

QINGDAO_UNITS = [
    "economic_development",
    "technology_innovation",
    "finance",
    "construction",
    "administrative_approval",
]


def qingdao(
    rng: random.Random,
    *,
    enterprises: int,
    people: int,
    projects: int,
    code: Callable[[str, int], str],
) -> World:
    j = "qingdao"
    staff, offices = _offices(
        {"platform": "服务平台", "joint_panel": "三部门会商", "grid_departments": "网格部门"}, j
    )
    unit_staff, unit_people = _units("department", QINGDAO_UNITS, j)
    officers = [Person(f"qd-o{k:03d}", f"网格员{k}", ("officer",)) for k in range(people)]
    ents = [
        Enterprise(
            code("370214", i),
            tier="incubator" if rng.random() < 2 / 3 else "located",
            team={"front": officers[i % people].id},
        )
        for i in range(enterprises)
    ]
    rating = {"satisfaction": "satisfied", "efficiency": 5, "attitude": 5, "quality": 4}
    plans = [
        (
            Plan(
                "rated",
                category,
                (
                    Step("submit", "officer", "front"),
                    Step(
                        "dispatch",
                        "platform",
                        "platform",
                        1,
                        {"unit": "$unit", "opinion": "按职责办理", "time_limit_working_days": 5},
                    ),
                    Step("accept", "department", "unit", 0),
                    Step("resolve", "department", "unit", 3, RESULT),
                    Step("rate", "enterprise", "enterprise", 1, rating),
                ),
            ),
            share,
        )
        for category, share in (("economy", 0.5), ("technology", 0.3), ("finance", 0.2))
    ]
    return World(
        j, "qd-admin", [*staff, *unit_staff, *officers], ents, offices, unit_people, plans, 30
    )


# -- Bijie --------------------------------------------------------------------------


def bijie(
    rng: random.Random,
    *,
    enterprises: int,
    people: int,
    projects: int,
    code: Callable[[str, int], str],
) -> World:
    j = "bijie"
    staff, offices = _offices({"chief_grid_chief": "总网格长", "city": "市营商办"}, j)
    verticals = max(1, people // 15)
    townships = max(1, people // 5)
    persons: list[Person] = []
    grids: list[Grid] = []
    teams: list[dict[str, str]] = []
    for v in range(verticals):
        chief, deputy = f"bj-v{v:02d}-chief", f"bj-v{v:02d}-deputy"
        officers = [f"bj-v{v:02d}-o{k}" for k in range(max(1, people // verticals - 2))]
        persons += [
            Person(chief, "网格长", ("grid_chief",)),
            Person(deputy, "副网格长", ("deputy_grid_chief",)),
        ]
        persons += [Person(o, "网格员", ("officer",)) for o in officers]
        members = ((chief, "chief"), (deputy, "deputy_chief"), *((o, "officer") for o in officers))
        grids.append(Grid(f"v{v:02d}", "vertical", members))
        teams.append(
            {"chief": chief, "deputy": deputy, **{f"o{k}": o for k, o in enumerate(officers)}}
        )
    grids += [Grid(f"h{t:02d}", "horizontal") for t in range(townships)]
    ents = []
    for i in range(enterprises):
        v = rng.randrange(verticals)
        officers = [p for key, p in teams[v].items() if key.startswith("o")]
        ents.append(
            Enterprise(
                code("520502", i),
                grids=(f"v{v:02d}", f"h{rng.randrange(townships):02d}"),
                team={
                    "front": rng.choice(officers),
                    "chief": teams[v]["chief"],
                    "deputy": teams[v]["deputy"],
                },
            )
        )
    plan_payload = {
        "responsible_leader": "副局长",
        "measures": "对接主管部门协调解决",
        "time_limit_working_days": 5,
    }
    confirm = Step("confirm_completion", "enterprise", "enterprise", 1)
    plans = [
        (
            Plan(
                "grid",
                "problem",
                (
                    Step("submit", "officer", "front"),
                    Step("set_plan", "deputy_grid_chief", "deputy", 1, plan_payload),
                    Step(
                        "report_progress", "officer", "front", 2, {"progress": "已对接, 正在办理"}
                    ),
                    Step("resolve", "deputy_grid_chief", "deputy", 2, RESULT),
                    confirm,
                ),
            ),
            0.8,
        ),
        (
            Plan(
                "district",
                "problem",
                (
                    Step("submit", "officer", "front"),
                    Step(
                        "escalate", "grid_chief", "chief", 2, reason="属于区级层面, 按程序报请研究"
                    ),
                    Step("set_plan", "chief_grid_chief", "chief_grid_chief", 2, plan_payload),
                    Step("resolve", "chief_grid_chief", "chief_grid_chief", 3, RESULT),
                    confirm,
                ),
            ),
            0.2,
        ),
    ]
    return World(j, "bj-admin", [*staff, *persons], ents, offices, {}, plans, 30, grids=grids)


WORLDS: dict[str, Builder] = {
    "weifang": weifang,
    "malu": malu,
    "yingkou": yingkou,
    "qingdao": qingdao,
    "bijie": bijie,
}
