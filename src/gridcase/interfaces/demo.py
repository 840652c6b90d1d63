"""``gridcase demo``: a small, realistic six weeks of Malu's demand package, end to end.

Malu Town (嘉马府发〔2023〕62号, section 六), 15 September to 31 October 2025, across
the National Day holiday (1-8 October off; Sunday 28 September and Saturday 11 October
are make-up working days). Four enterprises with their butlers (服务管家), two visits,
four demands: one raised during a visit, returned by the wrong unit, redispatched,
reported to the town leaders, resolved, rated and signed off; one consultation
answered and signed off within days; one coordination matter that misses its limit and
owes monthly progress reports; one still awaiting the enterprise's confirmation.

Everything goes through the public API with a manual clock, so the month is the same
every time, and every command carries a fixed command id: running the demo again on
the same store re-sends the same commands, and gridcase recognises each one and writes
nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from gridcase.application.engine import Engine
from gridcase.domain.actions import Action
from gridcase.domain.commands import ActOnCase, SubmitDemand
from gridcase.domain.credit_code import check_character
from gridcase.domain.payloads import EvidenceRef
from gridcase.interfaces.render import history_lines, ledger_lines
from gridcase.kernel.clock import CST, ManualClock
from gridcase.projections.ledger import ProblemLedger

__all__ = ["DEMO_START", "DemoResult", "run_demo"]

DEMO_START = datetime(2025, 9, 15, 8, 30, tzinfo=CST)
FIRST_COMMAND = "demo/roster/person/center-zhou"
"""The demo's first command id: if the store has carried it out, the demo ran here before."""


def _code(body: str) -> str:
    """A valid credit code for a (fictional) Jiading enterprise."""
    first17 = f"91310114{body}"
    return first17 + check_character(first17)


ENTERPRISES = [
    (_code("MA1G8K3P0"), "上海马陆精密机械有限公司", "district_key", "butler-li"),
    (_code("MA1H2Q7R5"), "上海嘉定新能源科技有限公司", "town_key", "butler-li"),
    (_code("MA1J6W4T8"), "上海马陆生物医药有限公司", "town_key", "butler-chen"),
    (_code("MA1K9Y2U3"), "上海某某包装材料有限公司", "other", "butler-chen"),
]

PEOPLE = [
    ("center-zhou", "产业发展中心 周某", ["center"], []),
    ("butler-li", "经济城总经理 李某（服务管家）", ["butler"], []),
    ("butler-chen", "服务专员 陈某（服务管家）", ["butler"], []),
    ("planning-xu", "规土所联络员 徐某", ["unit"], ["planning"]),
    ("economy-he", "经济城联络员 何某", ["unit"], ["economy"]),
    ("safety-gu", "安全环保办联络员 顾某", ["unit"], ["safety"]),
    ("leader-wang", "分管副镇长 王某", ["town_leaders"], []),
]


@dataclass(frozen=True)
class DemoResult:
    """What the demo did, and the case whose history it prints."""

    cases: dict[str, UUID]
    steps_written: int
    rerun: bool


def _at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=CST)


DEMO_ADMIN = "admin-malu"
"""The demo's roster administrator (名册管理员), bootstrapped on the first day."""


def run_demo(engine: Engine, clock: ManualClock, echo: Callable[[str], None] = print) -> DemoResult:
    """Run the demo's six weeks on ``engine`` (whose clock is ``clock``) and print the results."""
    rerun = engine.carried_out(FIRST_COMMAND)
    written = 0
    cases: dict[str, UUID] = {}
    malu = "malu"

    def at(moment: datetime) -> None:
        if moment > clock.now():
            clock.set(moment)

    def act(
        name: str,
        moment: datetime,
        action: Action,
        actor: str,
        role: str,
        n: int,
        *,
        reason: str | None = None,
        payload: Mapping[str, Any] | None = None,
    ) -> None:
        nonlocal written
        at(moment)
        command = ActOnCase(
            cases[name],
            action,
            actor,
            role,
            f"demo/{name}/{n}",
            reason=reason,
            payload=payload or {},
        )
        result = engine.act(command)
        written += 0 if result.duplicate else len(result.steps)

    def submit(
        name: str,
        moment: datetime,
        enterprise: str,
        category: str,
        title: str,
        actor: str,
        role: str,
    ) -> None:
        nonlocal written
        at(moment)
        result = engine.submit(
            SubmitDemand(
                jurisdiction=malu,
                enterprise=enterprise,
                category=category,
                title=title,
                actor=actor,
                role=role,
                command_id=f"demo/{name}/0",
            )
        )
        cases[name] = result.case_id
        written += 0 if result.duplicate else len(result.steps)

    # -- the roster (二, 五(六): one butler per enterprise) ---------------------------
    at(DEMO_START)
    # The roster is administered: its first administrator is named once, on the record.
    engine.bootstrap_administrator(
        jurisdiction=malu,
        person_id=DEMO_ADMIN,
        name="镇产业发展中心名册管理员",
        command_id="demo/roster/bootstrap",
    )
    roster = engine.roster_as(DEMO_ADMIN)
    for person_id, name, roles, units in PEOPLE:
        roster.register_person(
            jurisdiction=malu,
            person_id=person_id,
            name=name,
            roles=roles,
            units=units,
            command_id=f"demo/roster/person/{person_id}",
        )
    for code, name, tier, butler in ENTERPRISES:
        roster.register_enterprise(
            jurisdiction=malu,
            credit_code=code,
            name=name,
            tier=tier,
            in_scope_from=date(2025, 1, 1),
            command_id=f"demo/roster/enterprise/{code}",
        )
        roster.assign_responsible(
            jurisdiction=malu,
            credit_code=code,
            person_id=butler,
            on=date(2025, 1, 1),
            command_id=f"demo/roster/butler/{code}",
        )
    e1, e2, e3, e4 = (code for code, *_ in ENTERPRISES)

    # -- 15 September: a visit raises a demand; another comes in on the platform -----
    at(_at(9, 15, 10))
    engine.roster_as("butler-li").record_visit(  # the butler logs their own visit
        jurisdiction=malu,
        enterprise=e1,
        visitor="butler-li",
        visited_at=_at(9, 15, 10),
        channel="on_site",
        command_id="demo/visit/1",
        visit_id="V-2025-0915-01",
        findings={
            "operations": "订单饱满, 产能利用率约90%",
            "investment_intent": "计划扩建二期厂房 8000 平方米",
            "difficulties": "扩建涉及规划许可与产业项目准入, 希望协调加快",
        },
        evidence=[EvidenceRef(sha256="5" * 64, size=482_113, media_type="image/jpeg")],
    )
    at(_at(9, 15, 11))
    result = engine.roster.raise_demand(
        jurisdiction=malu,
        visit_id="V-2025-0915-01",
        category="coordination",
        title="二期厂房扩建规划许可协调",
        actor="butler-li",
        role="butler",
        command_id="demo/A/0",
    )
    cases["A"] = result.case_id
    written += 0 if result.duplicate else len(result.steps)
    submit("B", _at(9, 15, 14), e2, "consultation", "高新技术企业认定政策咨询", e2, "enterprise")

    # -- dispatch within 1 working day (六(一)); the wrong unit returns A (六(二)) -----
    act(
        "A",
        _at(9, 16, 9, 30),
        Action.DISPATCH,
        "center-zhou",
        "center",
        1,
        payload={"unit": "planning"},
    )
    act(
        "B",
        _at(9, 16, 9, 40),
        Action.DISPATCH,
        "center-zhou",
        "center",
        1,
        payload={"unit": "economy"},
    )
    act("B", _at(9, 16, 15), Action.ACCEPT, "economy-he", "unit", 2)
    act(
        "A",
        _at(9, 17, 9),
        Action.REQUEST_RETURN,
        "planning-xu",
        "unit",
        2,
        reason="涉及产业项目准入, 属经济城职责",
    )
    act(
        "A",
        _at(9, 18, 10),
        Action.REDISPATCH,
        "center-zhou",
        "center",
        3,
        payload={"unit": "economy"},
    )
    act("A", _at(9, 18, 14), Action.ACCEPT, "economy-he", "unit", 4)

    # -- B answered, confirmed, rated and signed off (六(三)) ---------------------------
    act(
        "B",
        _at(9, 19, 16),
        Action.RESOLVE,
        "economy-he",
        "unit",
        3,
        payload={"result": "已推送高企认定政策及申报指南, 并约定10月上门辅导"},
    )
    act("B", _at(9, 22, 9), Action.CONFIRM_COMPLETION, e2, "enterprise", 4)
    act(
        "B",
        _at(9, 22, 10),
        Action.RATE,
        e2,
        "enterprise",
        5,
        payload={"satisfaction": "satisfied", "efficiency": 5, "attitude": 5, "quality": 4},
    )
    act("B", _at(9, 23, 9), Action.SIGN_OFF, "center-zhou", "center", 6)

    # -- a phone follow-up; A is reported to the town leaders (六(四)) -----------------
    at(_at(9, 24, 10))
    engine.roster_as("butler-chen").record_visit(
        jurisdiction=malu,
        enterprise=e3,
        visitor="butler-chen",
        visited_at=_at(9, 24, 10),
        channel="phone",
        command_id="demo/visit/2",
        visit_id="V-2025-0924-01",
        findings={"operations": "新产线试运行", "difficulties": "危化品仓储需做安全评估"},
    )
    act(
        "A",
        _at(9, 25, 9),
        Action.ESCALATE,
        "center-zhou",
        "center",
        5,
        reason="涉及规划、产业准入多部门, 属综合性事项, 专报镇领导",
    )

    # -- C: a coordination matter accepted on the make-up Sunday, 28 September --------
    submit("C", _at(9, 26, 9), e3, "coordination", "危化品仓储安全评估协调", e3, "enterprise")
    act(
        "C", _at(9, 26, 15), Action.DISPATCH, "center-zhou", "center", 1, payload={"unit": "safety"}
    )
    act("C", _at(9, 28, 10), Action.ACCEPT, "safety-gu", "unit", 2)

    # -- after National Day: A resolved within its 15 working days, rated, signed off --
    act(
        "A",
        _at(10, 15, 10),
        Action.RESOLVE,
        "economy-he",
        "unit",
        6,
        payload={"result": "规划许可已受理, 产业准入经镇专题会同意"},
    )
    act("A", _at(10, 17, 9), Action.CONFIRM_COMPLETION, e1, "enterprise", 7)
    act(
        "A",
        _at(10, 17, 10),
        Action.RATE,
        e1,
        "enterprise",
        8,
        payload={
            "satisfaction": "basically_satisfied",
            "efficiency": 3,
            "attitude": 5,
            "quality": 4,
        },
    )
    act("A", _at(10, 20, 9), Action.SIGN_OFF, "center-zhou", "center", 9)

    # -- D: filed by the butler for the enterprise; answered, awaiting confirmation ---
    submit("D", _at(10, 27, 9), e4, "consultation", "稳岗补贴申领咨询", "butler-chen", "butler")
    act(
        "D",
        _at(10, 27, 14),
        Action.DISPATCH,
        "center-zhou",
        "center",
        1,
        payload={"unit": "economy"},
    )
    act("D", _at(10, 28, 9), Action.ACCEPT, "economy-he", "unit", 2)
    act(
        "D",
        _at(10, 30, 16),
        Action.RESOLVE,
        "economy-he",
        "unit",
        3,
        payload={"result": "已告知申领条件和材料清单"},
    )

    # -- month end: the clocks that ran out fire (C missed its limit on 24 October) ----
    at(_at(10, 31, 18))
    report = engine.advance()
    written += report.steps

    # -- what an official sees -----------------------------------------------------------
    echo("")
    echo("Problem ledger (问题台账), Malu, as of 2025-10-31 18:00 China time:")
    for line in ledger_lines(ProblemLedger.build(engine.log).for_jurisdiction(malu)):
        echo("  " + line)
    echo("")
    echo(
        f"History of case A ({cases['A']}): raised in a visit, returned, redispatched, reported up, rated:"
    )
    for line in history_lines(engine.history(cases["A"]), engine.rules_of(cases["A"])):
        echo("  " + line)
    echo("")
    return DemoResult(cases=cases, steps_written=written, rerun=rerun)


def demo_clock() -> ManualClock:
    """The clock the demo runs on (it starts before the demo's first step)."""
    return ManualClock(DEMO_START - timedelta(minutes=30))
