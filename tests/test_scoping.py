"""Each person acts for the enterprises their role's scope gives them, on the day.

Bijie (三(一), 四(一)4-5, 四(二)4-5): a township or an industry authority serves its own
enterprises and keeps its own problem ledger, so its officers, deputy chiefs and chiefs
act only for enterprises of a grid whose team they are on. Malu (五(六) 一企一管家,
首问负责制): a butler files and follows the demands of the enterprises they are butler to.
Every refusal is a typed ``NotAuthorised`` naming ``roles.<role>.scope``, writes nothing
and is in the security log; where a scope is declared, an escalation's recipient must be
in it too.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from uuid import UUID

import pytest
from tests.builders import RosterBuilder
from tests.support import RULES, AdminEngine, credit_code, cst

from gridcase import Action, ActOnCase, Engine, ManualClock, NotAuthorised, RuleBook, SubmitDemand
from gridcase.kernel.errors import RuleFileError
from gridcase.workflow.loader import parse_rules

A = credit_code(31, prefix="91", division="520502")  # in the bureau's grid and 碧阳街道
B = credit_code(32, prefix="91", division="520502")  # in the bureau's grid and 柏杨林街道
MALU_MINE = credit_code(33)
MALU_OTHER = credit_code(34)
SPRING = date(2026, 1, 5)


@pytest.fixture
def jurisdiction() -> str:
    return "bijie"


@pytest.fixture
def rules() -> RuleBook:
    """The five bundled rule files."""
    return RuleBook.from_folder(RULES)


@pytest.fixture
def clock_start() -> datetime:
    """The rosters are set up on 5 January 2026; the cases run from March."""
    return cst(2026, 1, 5, 9)


@pytest.fixture
def bijie(roster: RosterBuilder, clock: ManualClock) -> RosterBuilder:
    b = roster.of("bijie")
    b.person("yang", "officer").person("chen", "deputy_grid_chief").person("wu", "grid_chief")
    b.person("he", "grid_chief").person("luo", "officer").person("zhou", "chief_grid_chief")
    b.grid("gxj", "vertical").grid("biyang", "horizontal").grid("baiyanglin", "horizontal")
    b.member("gxj", "wu", "chief", SPRING).member("gxj", "chen", "deputy_chief", SPRING)
    b.member("gxj", "yang", "officer", SPRING).member("biyang", "he", "chief", SPRING)
    b.member("baiyanglin", "luo", "officer", SPRING)
    b.enterprise(A, SPRING).enterprise(B, SPRING)
    b.in_grid(A, "gxj", SPRING).in_grid(A, "biyang", SPRING)
    b.in_grid(B, "gxj", SPRING).in_grid(B, "baiyanglin", SPRING)
    clock.set(cst(2026, 3, 2, 9))
    return b


def problem(code: str, by: str, command_id: str, role: str = "officer") -> SubmitDemand:
    return SubmitDemand(
        jurisdiction="bijie",
        enterprise=code,
        category="problem",
        title="用工困难",
        actor=by,
        role=role,
        command_id=command_id,
    )


def plan(case_id: UUID, by: str, command_id: str) -> ActOnCase:
    return ActOnCase(
        case_id,
        Action.SET_PLAN,
        by,
        "grid_chief",
        command_id,
        payload={"responsible_leader": by, "measures": "协调", "time_limit_working_days": 5},
    )


class TestBijieGrids:
    def test_an_officer_files_for_an_enterprise_of_their_grid(
        self, engine: Engine, bijie: RosterBuilder
    ) -> None:
        assert engine.submit(problem(A, "yang", "s1")).case_id

    def test_an_officer_of_another_grid_is_refused_naming_the_scope(
        self, engine: Engine, bijie: RosterBuilder
    ) -> None:
        """luo is on 柏杨林街道's team; A sits in the bureau's grid and 碧阳街道."""
        before = engine.log.head()
        with pytest.raises(NotAuthorised, match="on the team of none of") as refused:
            engine.submit(problem(A, "luo", "s1"))
        assert refused.value.rule == "bijie@2021.1 roles.officer.scope"
        assert "横向网格" in (refused.value.cite or "")
        assert engine.log.head() == before
        (entry,) = [e for e in engine.security_log() if e.outcome == "refused"]
        assert (entry.actor, entry.rule) == ("luo", "bijie@2021.1 roles.officer.scope")

    def test_a_township_chief_cannot_plan_another_townships_problem(
        self, engine: Engine, bijie: RosterBuilder
    ) -> None:
        case_id = engine.submit(problem(B, "yang", "s1")).case_id
        with pytest.raises(NotAuthorised, match="on the team of none"):
            engine.act(plan(case_id, "he", "p1"))
        engine.act(plan(case_id, "wu", "p2"))
        assert engine.case(case_id).state == "in_resolution"

    def test_a_township_chief_plans_their_own_townships_problem(
        self, engine: Engine, bijie: RosterBuilder
    ) -> None:
        case_id = engine.submit(problem(A, "yang", "s1")).case_id
        engine.act(plan(case_id, "he", "p1"))
        assert engine.case(case_id).state == "in_resolution"

    def test_scope_is_judged_on_the_day_of_the_step(
        self, engine: Engine, bijie: RosterBuilder, clock: ManualClock
    ) -> None:
        """Off the team from 10 March: yang's problem of the 9th stands, the 10th is refused."""
        engine.roster.remove_grid_member(
            jurisdiction="bijie",
            grid_id="gxj",
            person_id="yang",
            on=date(2026, 3, 10),
            reason="调岗",
            command_id="leave",
        )
        clock.set(cst(2026, 3, 9, 10))
        engine.submit(problem(A, "yang", "s1"))
        clock.set(cst(2026, 3, 10, 10))
        with pytest.raises(NotAuthorised, match="on 2026-03-10"):
            engine.submit(problem(A, "yang", "s2"))

    def test_the_chief_grid_chief_acts_across_the_district(
        self, engine: Engine, bijie: RosterBuilder
    ) -> None:
        """总网格长 heads every grid: scope ``jurisdiction``, on no team."""
        case_id = engine.submit(problem(B, "yang", "s1")).case_id
        engine.act(
            ActOnCase(
                case_id,
                Action.ESCALATE,
                "wu",
                "grid_chief",
                "up",
                reason="区级层面",
                payload={"to": "zhou"},
            )
        )
        assert engine.case(case_id).owner.party == "zhou"  # type: ignore[union-attr]


class TestMaluButler:
    @pytest.fixture
    def malu(self, roster: RosterBuilder, clock: ManualClock) -> RosterBuilder:
        m = roster.of("malu").person("butler-1", "butler").person("butler-2", "butler")
        m.enterprise(MALU_MINE, date(2024, 1, 1)).enterprise(MALU_OTHER, date(2024, 1, 1))
        m.responsible(MALU_MINE, "butler-1", on=date(2024, 1, 1))
        m.responsible(MALU_OTHER, "butler-2", on=date(2024, 1, 1))
        return m

    def demand(self, code: str, by: str, command_id: str) -> SubmitDemand:
        return SubmitDemand(
            jurisdiction="malu",
            enterprise=code,
            category="consultation",
            title="咨询",
            actor=by,
            role="butler",
            command_id=command_id,
        )

    def test_a_butler_files_for_their_own_enterprise(
        self, engine: Engine, malu: RosterBuilder
    ) -> None:
        assert engine.submit(self.demand(MALU_MINE, "butler-1", "s1")).case_id

    def test_a_butler_cannot_file_for_another_butlers_enterprise(
        self, engine: Engine, malu: RosterBuilder
    ) -> None:
        before = engine.log.head()
        with pytest.raises(NotAuthorised, match="not responsible for") as refused:
            engine.submit(self.demand(MALU_OTHER, "butler-1", "s1"))
        assert refused.value.rule == "malu@2023.1 roles.butler.scope"
        assert "首问负责制" in (refused.value.cite or "")
        assert engine.log.head() == before


YK = credit_code(35, prefix="91", division="210800")


def yingkou_with_grid_scoped_chiefs() -> RuleBook:
    """Yingkou as if its grid chiefs were scoped to their own grids (they are not)."""
    text = (Path(RULES) / "yingkou.yaml").read_text(encoding="utf-8")
    at = text.index("enterprises: jurisdiction", text.index("  grid_chief:"))
    text = text[:at] + "enterprises: grid" + text[at + len("enterprises: jurisdiction") :]
    return RuleBook([parse_rules(text)])


class TestTheEscalationRecipientsScope:
    """Where the next rung's role is scoped, the recipient must be in scope that day."""

    @pytest.fixture
    def yk(self, store_url: str, clock: ManualClock) -> Engine:
        engine = AdminEngine(store_url, rules=yingkou_with_grid_scoped_chiefs(), clock=clock)
        b = RosterBuilder(engine, "yingkou")
        b.person("wang", "officer").person("zhang", "grid_chief").person("zhao", "grid_chief")
        b.grid("dev", "department").grid("plan", "department")
        b.member("dev", "zhang", "chief", SPRING).member("plan", "zhao", "chief", SPRING)
        b.enterprise(YK, date(2024, 1, 1)).in_grid(YK, "dev", SPRING)
        return engine

    def escalate(self, engine: Engine, to: str, command_id: str) -> None:
        case_id = engine.submit(
            SubmitDemand(
                jurisdiction="yingkou",
                enterprise=YK,
                category="within_committee",
                title="用地",
                actor="wang",
                role="officer",
                command_id=f"s-{command_id}",
            )
        ).case_id
        engine.act(
            ActOnCase(
                case_id,
                Action.ESCALATE,
                "wang",
                "officer",
                command_id,
                reason="跨部门",
                payload={"to": to},
            )
        )

    def test_the_chief_of_the_enterprises_grid_is_accepted(self, yk: Engine) -> None:
        self.escalate(yk, "zhang", "up-1")

    def test_the_chief_of_another_grid_is_refused(self, yk: Engine) -> None:
        with pytest.raises(NotAuthorised, match="is out of scope") as refused:
            self.escalate(yk, "zhao", "up-1")
        assert refused.value.rule == "yingkou@2022.1 ladder[1]"


class TestTheRuleFileMustSay:
    def test_a_person_role_without_a_scope_is_refused_on_load(self) -> None:
        text = (Path(RULES) / "malu.yaml").read_text(encoding="utf-8")
        start = text.index("    scope:\n      enterprises: responsible")
        end = text.index("\n", text.index("cite:", start))
        with pytest.raises(
            RuleFileError, match=r"roles\.butler\.scope.*must say which enterprises"
        ):
            parse_rules(text[:start] + text[end + 1 :])

    def test_a_grid_scope_without_grids_is_refused(self) -> None:
        text = (Path(RULES) / "malu.yaml").read_text(encoding="utf-8")
        with pytest.raises(RuleFileError, match="scope 'grid' needs grids"):
            parse_rules(text.replace("enterprises: responsible", "enterprises: grid"))

    def test_a_stored_file_from_before_scopes_still_loads(self) -> None:
        """Rules published by 0.1 had no scopes; their cases were decided without them."""
        text = (Path(RULES) / "malu.yaml").read_text(encoding="utf-8")
        start = text.index("    scope:\n      enterprises: responsible")
        end = text.index("\n", text.index("cite:", start))
        old = parse_rules(text[:start] + text[end + 1 :], stored=True)
        assert old.rules.roles["butler"].scope is None
