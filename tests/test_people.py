"""People over time: a change of roles, units or rank, leaving the roster, and one liaison per department."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from tests.roster_support import FIXTURE_RULES, enterprise, grid, person
from tests.support import RULES, credit_code, cst, engine_on

from gridcase.application.engine import Engine
from gridcase.domain.ids import person_key
from gridcase.domain.person import Person
from gridcase.kernel.errors import (
    InvalidInput,
    NotAuthorised,
    QuotaExceeded,
    RefusedByRule,
    UnknownActor,
)

D = date(2026, 1, 5)


def events_of(engine: Engine) -> int:
    return engine.log.head()


@pytest.fixture
def qingdao(tmp_path: Path) -> Iterator[Engine]:
    with engine_on(f"sqlite:///{tmp_path / 'q.db'}", cst(2026, 3, 2, 9), rules=RULES) as (e, _):
        yield e


@pytest.fixture
def fixture_engine(tmp_path: Path) -> Iterator[Engine]:
    with engine_on(f"sqlite:///{tmp_path / 'f.db'}", cst(2026, 3, 2, 9), rules=FIXTURE_RULES) as (
        e,
        _,
    ):
        yield e


def liaison(engine: Engine, person_id: str, unit: str) -> None:
    engine.roster.register_person(
        jurisdiction="qingdao",
        person_id=person_id,
        name=f"联络员 {person_id}",
        roles=["department"],
        units=[unit],
        command_id=f"liaison/{person_id}",
    )


class TestOneLiaisonPerDepartment:
    """Qingdao 四: 各部门 … 应相对固定1名联络员, 做到一门受理、专人负责."""

    def test_a_second_liaison_for_a_department_is_refused_naming_the_rule(
        self, qingdao: Engine
    ) -> None:
        liaison(qingdao, "zhang", "economic_development")
        before = events_of(qingdao)
        with pytest.raises(RefusedByRule) as info:
            liaison(qingdao, "li", "economic_development")
        assert info.value.rule.endswith(" roster.one_per_unit")
        assert "应相对固定1名联络员" in (info.value.cite or "")
        assert "already has zhang" in str(info.value)
        assert events_of(qingdao) == before

    def test_each_department_has_its_own_liaison(self, qingdao: Engine) -> None:
        liaison(qingdao, "zhang", "economic_development")
        liaison(qingdao, "li", "technology_innovation")
        assert qingdao.roster.person("qingdao", "li").units == ["technology_innovation"]

    def test_the_post_is_free_again_once_the_liaison_hands_over(self, qingdao: Engine) -> None:
        """A liaison who leaves the roster vacates the post; a successor may take it."""
        liaison(qingdao, "zhang", "economic_development")
        qingdao.roster.deactivate_person(
            jurisdiction="qingdao", person_id="zhang", reason="调任", command_id="off"
        )
        liaison(qingdao, "li", "economic_development")
        assert not qingdao.roster.person("qingdao", "zhang").active

    def test_a_liaison_moved_to_another_department_frees_the_first(self, qingdao: Engine) -> None:
        liaison(qingdao, "zhang", "economic_development")
        qingdao.roster.change_person(
            jurisdiction="qingdao",
            person_id="zhang",
            roles=["department"],
            units=["technology_innovation"],
            reason="轮岗",
            command_id="move",
        )
        liaison(qingdao, "li", "economic_development")
        with pytest.raises(RefusedByRule):
            liaison(qingdao, "wang", "technology_innovation")

    def test_moving_into_a_held_post_is_refused_and_writes_nothing(self, qingdao: Engine) -> None:
        liaison(qingdao, "zhang", "economic_development")
        liaison(qingdao, "li", "technology_innovation")
        before = events_of(qingdao)
        with pytest.raises(RefusedByRule):
            qingdao.roster.change_person(
                jurisdiction="qingdao",
                person_id="li",
                roles=["department"],
                units=["economic_development"],
                reason="轮岗",
                command_id="move",
            )
        assert events_of(qingdao) == before
        assert qingdao.roster.person("qingdao", "li").units == ["technology_innovation"]


class TestChangingAPerson:
    def test_new_roles_take_effect_and_the_old_are_kept_in_history(
        self, fixture_engine: Engine
    ) -> None:
        e = fixture_engine
        person(e, "twogrids", "li", ["officer"])
        e.roster.change_person(
            jurisdiction="twogrids",
            person_id="li",
            roles=["officer", "chief"],
            units=[],
            reason="提任网格长",
            command_id="promote",
        )
        assert e.roster.person("twogrids", "li").roles == ["officer", "chief"]
        kinds = [type(ev).__qualname__ for ev in e.log.events_of(person_key("twogrids", "li"))]
        assert kinds == ["Person.Registered", "Person.Changed"]
        changed = e.log.events_of(person_key("twogrids", "li"))[-1]
        assert changed.reason == "提任网格长"  # type: ignore[attr-defined]

    def test_an_officer_still_responsible_cannot_drop_the_role(
        self, fixture_engine: Engine
    ) -> None:
        """Only the responsible role answers for an enterprise: hand the enterprise over first."""
        e = fixture_engine
        person(e, "twogrids", "li", ["officer"])
        grid(e, "twogrids", "town", "horizontal")
        code = credit_code(31)
        enterprise(e, "twogrids", code, D)
        e.roster.assign_grid(
            jurisdiction="twogrids", credit_code=code, grid_id="town", on=D, command_id="g"
        )
        e.roster.assign_responsible(
            jurisdiction="twogrids",
            credit_code=code,
            person_id="li",
            grid="town",
            on=D,
            command_id="r",
        )
        before = events_of(e)
        with pytest.raises(RefusedByRule) as info:
            e.roster.change_person(
                jurisdiction="twogrids",
                person_id="li",
                roles=["chief"],
                units=[],
                reason="转岗",
                command_id="c",
            )
        assert code in str(info.value)
        assert info.value.rule.endswith("roster.responsible_role")
        assert events_of(e) == before

    def test_a_grid_chief_cannot_lose_the_role_while_in_the_position(
        self, fixture_engine: Engine
    ) -> None:
        e = fixture_engine
        person(e, "twogrids", "chen", ["chief"])
        grid(e, "twogrids", "town", "horizontal")
        e.roster.add_grid_member(
            jurisdiction="twogrids",
            grid_id="town",
            person_id="chen",
            position="chief",
            on=D,
            command_id="m",
        )
        with pytest.raises(RefusedByRule) as info:
            e.roster.change_person(
                jurisdiction="twogrids",
                person_id="chen",
                roles=["officer"],
                units=[],
                reason="转岗",
                command_id="c",
            )
        assert "grid town" in str(info.value)
        assert info.value.rule.endswith("roster.team.chief")

    def test_a_lower_rank_must_fit_what_the_cadre_already_carries(
        self, fixture_engine: Engine
    ) -> None:
        """Weifang quotas: a department-level cadre with 3 enterprises cannot become a city department head (3 is fine) then section level (2 is too many)."""
        e = fixture_engine
        person(e, "commissioners", "ting", ["commissioner"], rank="department_level")
        for i in range(3):
            enterprise(e, "commissioners", credit_code(200 + i), D)
            e.roster.assign_responsible(
                jurisdiction="commissioners",
                credit_code=credit_code(200 + i),
                person_id="ting",
                on=D,
                command_id=f"a{i}",
            )
        e.roster.change_person(
            jurisdiction="commissioners",
            person_id="ting",
            roles=["commissioner"],
            units=[],
            rank="city_department_head",
            reason="任职变动",
            command_id="r1",
        )
        with pytest.raises(QuotaExceeded) as info:
            e.roster.change_person(
                jurisdiction="commissioners",
                person_id="ting",
                roles=["commissioner"],
                units=[],
                rank="section_level",
                reason="任职变动",
                command_id="r2",
            )
        assert "carries 3" in str(info.value)
        assert e.roster.person("commissioners", "ting").rank == "city_department_head"

    def test_a_change_needs_a_reason_and_known_roles(self, fixture_engine: Engine) -> None:
        e = fixture_engine
        person(e, "twogrids", "li", ["officer"])
        with pytest.raises(InvalidInput, match="reason"):
            e.roster.change_person(
                jurisdiction="twogrids",
                person_id="li",
                roles=["chief"],
                units=[],
                reason="  ",
                command_id="c1",
            )
        with pytest.raises(InvalidInput, match="unknown role"):
            e.roster.change_person(
                jurisdiction="twogrids",
                person_id="li",
                roles=["mayor"],
                units=[],
                reason="x",
                command_id="c2",
            )
        with pytest.raises(UnknownActor):
            e.roster.change_person(
                jurisdiction="twogrids",
                person_id="nobody",
                roles=["chief"],
                units=[],
                reason="x",
                command_id="c3",
            )


class TestLeavingTheRoster:
    def test_a_person_who_left_can_no_longer_act_or_be_assigned(
        self, fixture_engine: Engine
    ) -> None:
        e = fixture_engine
        person(e, "twogrids", "li", ["officer"])
        e.roster.deactivate_person(
            jurisdiction="twogrids", person_id="li", reason="退休", command_id="off"
        )
        assert not e.roster.person("twogrids", "li").active
        rules = e.rules.in_force("twogrids", D)
        with pytest.raises(NotAuthorised, match="no longer active"):
            e.roster.actor(rules, "li")
        with pytest.raises(NotAuthorised):
            e.roster.deactivate_person(
                jurisdiction="twogrids", person_id="li", reason="again", command_id="off2"
            )

    def test_leaving_while_responsible_is_refused_naming_the_enterprises(
        self, fixture_engine: Engine
    ) -> None:
        e = fixture_engine
        person(e, "commissioners", "ke", ["commissioner"], rank="section_level")
        code = credit_code(300)
        enterprise(e, "commissioners", code, D)
        e.roster.assign_responsible(
            jurisdiction="commissioners", credit_code=code, person_id="ke", on=D, command_id="a"
        )
        before = events_of(e)
        with pytest.raises(RefusedByRule, match=code):
            e.roster.deactivate_person(
                jurisdiction="commissioners", person_id="ke", reason="调离", command_id="off"
            )
        assert events_of(e) == before
        e.roster.release_responsible(
            jurisdiction="commissioners",
            credit_code=code,
            person_id="ke",
            on=date(2026, 3, 2),
            reason="调离",
            command_id="rel",
        )
        e.roster.deactivate_person(
            jurisdiction="commissioners", person_id="ke", reason="调离", command_id="off"
        )
        assert isinstance(e.roster.person("commissioners", "ke"), Person)
        assert not e.roster.person("commissioners", "ke").active


class TestCommandLine:
    def test_a_liaison_hands_over_from_the_command_line(self, tmp_path: Path) -> None:
        """``people add``, ``people change`` and ``people deactivate``; a refused second liaison exits 1 naming the rule."""
        from click.testing import CliRunner

        from gridcase.cli import main

        common = ["--url", f"sqlite:///{tmp_path / 'cli.db'}", "-j", "qingdao"]
        runner = CliRunner()

        def run(*args: str) -> tuple[int, str]:
            result = runner.invoke(main, [*args, *common])
            return result.exit_code, result.output

        add = ["people", "add"]
        dept = ["--role", "department", "--unit", "economic_development"]
        assert run(*add, "zhang", "--name", "张", *dept)[0] == 0
        code, out = run(*add, "li", "--name", "李", *dept)
        assert code == 1
        assert "roster.one_per_unit" in out
        code, out = run("people", "deactivate", "zhang", "--reason", "调任")
        assert code == 0, out
        assert run(*add, "li", "--name", "李", *dept)[0] == 0
        move = ["people", "change", "li", "--role", "department", "--unit", "party_affairs"]
        code, out = run(*move, "--reason", "轮岗")
        assert code == 0, out
        assert "now acts as department" in out
        code, out = run(*move, "--reason", "轮岗")
        assert code == 0
        assert "nothing new" in out
