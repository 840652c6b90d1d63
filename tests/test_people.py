"""People over time: a change of roles, units or rank, leaving the roster, and one liaison per department.

On SQLite and PostgreSQL (the ``engine`` and ``roster`` fixtures).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from tests.builders import SINCE, RosterBuilder
from tests.support import RULES, credit_code, rule_book

from gridcase import RuleBook
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

D = SINCE


def events_of(engine: Engine) -> int:
    return engine.log.head()


def liaison(roster: RosterBuilder, person_id: str, unit: str) -> RosterBuilder:
    """Register a department's liaison (联络员) to the enterprise service."""
    return roster.person(person_id, "department", units=[unit], name=f"联络员 {person_id}")


class TestOneLiaisonPerDepartment:
    """Qingdao 四: 各部门 … 应相对固定1名联络员, 做到一门受理、专人负责."""

    @pytest.fixture
    def rules(self) -> RuleBook:
        """The bundled rules: Qingdao fixes one liaison per department."""
        return rule_book(RULES)

    @pytest.fixture
    def jurisdiction(self) -> str:
        """Qingdao."""
        return "qingdao"

    def test_a_second_liaison_for_a_department_is_refused_naming_the_rule(
        self, engine: Engine, roster: RosterBuilder
    ) -> None:
        """A second liaison for one department is refused, citing the rule, and writes nothing."""
        liaison(roster, "zhang", "economic_development")
        before = events_of(engine)
        with pytest.raises(RefusedByRule) as info:
            liaison(roster, "li", "economic_development")
        assert info.value.rule.endswith(" roster.one_per_unit")
        assert "应相对固定1名联络员" in (info.value.cite or "")
        assert "already has zhang" in str(info.value)
        assert events_of(engine) == before

    def test_each_department_has_its_own_liaison(
        self, engine: Engine, roster: RosterBuilder
    ) -> None:
        """Liaisons of two departments do not compete for one post."""
        liaison(roster, "zhang", "economic_development")
        liaison(roster, "li", "technology_innovation")
        assert engine.roster.person("qingdao", "li").units == ["technology_innovation"]

    def test_the_post_is_free_again_once_the_liaison_hands_over(
        self, engine: Engine, roster: RosterBuilder
    ) -> None:
        """A liaison who leaves the roster vacates the post; a successor may take it."""
        liaison(roster, "zhang", "economic_development")
        engine.roster.deactivate_person(
            jurisdiction="qingdao", person_id="zhang", reason="调任", command_id="off"
        )
        liaison(roster, "li", "economic_development")
        assert not engine.roster.person("qingdao", "zhang").active

    def test_a_liaison_moved_to_another_department_frees_the_first(
        self, engine: Engine, roster: RosterBuilder
    ) -> None:
        """A liaison moved to another department frees the first post and holds the second."""
        liaison(roster, "zhang", "economic_development")
        engine.roster.change_person(
            jurisdiction="qingdao",
            person_id="zhang",
            roles=["department"],
            units=["technology_innovation"],
            reason="轮岗",
            command_id="move",
        )
        liaison(roster, "li", "economic_development")
        with pytest.raises(RefusedByRule):
            liaison(roster, "wang", "technology_innovation")

    def test_moving_into_a_held_post_is_refused_and_writes_nothing(
        self, engine: Engine, roster: RosterBuilder
    ) -> None:
        """Moving a liaison into a department that has one is refused and changes nothing."""
        liaison(roster, "zhang", "economic_development")
        liaison(roster, "li", "technology_innovation")
        before = events_of(engine)
        with pytest.raises(RefusedByRule):
            engine.roster.change_person(
                jurisdiction="qingdao",
                person_id="li",
                roles=["department"],
                units=["economic_development"],
                reason="轮岗",
                command_id="move",
            )
        assert events_of(engine) == before
        assert engine.roster.person("qingdao", "li").units == ["technology_innovation"]


class TestChangingAPerson:
    def test_new_roles_take_effect_and_the_old_are_kept_in_history(
        self, engine: Engine, roster: RosterBuilder
    ) -> None:
        """New roles apply at once; the change and its reason stay in the person's history."""
        roster.person("li", "officer")
        engine.roster.change_person(
            jurisdiction="twogrids",
            person_id="li",
            roles=["officer", "chief"],
            units=[],
            reason="提任网格长",
            command_id="promote",
        )
        assert engine.roster.person("twogrids", "li").roles == ["officer", "chief"]
        kinds = [type(ev).__qualname__ for ev in engine.log.events_of(person_key("twogrids", "li"))]
        assert kinds == ["Person.Registered", "Person.Changed"]
        changed = engine.log.events_of(person_key("twogrids", "li"))[-1]
        assert changed.reason == "提任网格长"  # type: ignore[attr-defined]

    def test_an_officer_still_responsible_cannot_drop_the_role(
        self, engine: Engine, roster: RosterBuilder
    ) -> None:
        """Only the responsible role answers for an enterprise: hand the enterprise over first."""
        code = credit_code(31)
        roster.person("li", "officer").grid("town", "horizontal")
        roster.enterprise(code, D).in_grid(code, "town", D, officer="li")
        before = events_of(engine)
        with pytest.raises(RefusedByRule) as info:
            engine.roster.change_person(
                jurisdiction="twogrids",
                person_id="li",
                roles=["chief"],
                units=[],
                reason="转岗",
                command_id="c",
            )
        assert code in str(info.value)
        assert info.value.rule.endswith("roster.responsible_role")
        assert events_of(engine) == before

    def test_a_grid_chief_cannot_lose_the_role_while_in_the_position(
        self, engine: Engine, roster: RosterBuilder
    ) -> None:
        """A grid chief keeps the chief role while in the position, naming the grid."""
        roster.person("chen", "chief").grid("town", "horizontal").member("town", "chen", "chief", D)
        with pytest.raises(RefusedByRule) as info:
            engine.roster.change_person(
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
        self, engine: Engine, roster: RosterBuilder
    ) -> None:
        """Weifang quotas: a department-level cadre with 3 enterprises cannot become a city department head (3 is fine) then section level (2 is too many)."""
        commissioners = roster.of("commissioners")
        commissioners.person("ting", "commissioner", rank="department_level")
        for i in range(3):
            commissioners.enterprise(credit_code(200 + i), D).responsible(
                credit_code(200 + i), "ting", on=D
            )
        engine.roster.change_person(
            jurisdiction="commissioners",
            person_id="ting",
            roles=["commissioner"],
            units=[],
            rank="city_department_head",
            reason="任职变动",
            command_id="r1",
        )
        with pytest.raises(QuotaExceeded) as info:
            engine.roster.change_person(
                jurisdiction="commissioners",
                person_id="ting",
                roles=["commissioner"],
                units=[],
                rank="section_level",
                reason="任职变动",
                command_id="r2",
            )
        assert "carries 3" in str(info.value)
        assert engine.roster.person("commissioners", "ting").rank == "city_department_head"

    def test_a_change_needs_a_reason_and_known_roles(
        self, engine: Engine, roster: RosterBuilder
    ) -> None:
        """A change without a reason, with a role the rules do not know, or of nobody, is refused."""
        roster.person("li", "officer")
        with pytest.raises(InvalidInput, match="reason"):
            engine.roster.change_person(
                jurisdiction="twogrids",
                person_id="li",
                roles=["chief"],
                units=[],
                reason="  ",
                command_id="c1",
            )
        with pytest.raises(InvalidInput, match="unknown role"):
            engine.roster.change_person(
                jurisdiction="twogrids",
                person_id="li",
                roles=["mayor"],
                units=[],
                reason="x",
                command_id="c2",
            )
        with pytest.raises(UnknownActor):
            engine.roster.change_person(
                jurisdiction="twogrids",
                person_id="nobody",
                roles=["chief"],
                units=[],
                reason="x",
                command_id="c3",
            )


class TestLeavingTheRoster:
    def test_a_person_who_left_can_no_longer_act_or_be_assigned(
        self, engine: Engine, roster: RosterBuilder
    ) -> None:
        """A person who left the roster can neither act nor leave it again."""
        roster.person("li", "officer")
        engine.roster.deactivate_person(
            jurisdiction="twogrids", person_id="li", reason="退休", command_id="off"
        )
        assert not engine.roster.person("twogrids", "li").active
        rules = engine.rules.in_force("twogrids", D)
        with pytest.raises(NotAuthorised, match="no longer active"):
            engine.roster.actor(rules, "li")
        with pytest.raises(NotAuthorised):
            engine.roster.deactivate_person(
                jurisdiction="twogrids", person_id="li", reason="again", command_id="off2"
            )

    def test_leaving_while_responsible_is_refused_naming_the_enterprises(
        self, engine: Engine, roster: RosterBuilder
    ) -> None:
        """A person still responsible for an enterprise cannot leave until it is handed over."""
        code = credit_code(300)
        commissioners = roster.of("commissioners")
        commissioners.person("ke", "commissioner", rank="section_level")
        commissioners.enterprise(code, D).responsible(code, "ke", on=D)
        before = events_of(engine)
        with pytest.raises(RefusedByRule, match=code):
            engine.roster.deactivate_person(
                jurisdiction="commissioners", person_id="ke", reason="调离", command_id="off"
            )
        assert events_of(engine) == before
        engine.roster.release_responsible(
            jurisdiction="commissioners",
            credit_code=code,
            person_id="ke",
            on=date(2026, 3, 2),
            reason="调离",
            command_id="rel",
        )
        engine.roster.deactivate_person(
            jurisdiction="commissioners", person_id="ke", reason="调离", command_id="off"
        )
        assert isinstance(engine.roster.person("commissioners", "ke"), Person)
        assert not engine.roster.person("commissioners", "ke").active


class TestCommandLine:
    def test_a_liaison_hands_over_from_the_command_line(self, tmp_path: Path) -> None:
        """``people add``, ``people change`` and ``people deactivate``; a refused second liaison exits 1 naming the rule."""
        from click.testing import CliRunner

        from gridcase.cli import main

        common = ["--url", f"sqlite:///{tmp_path / 'cli.db'}", "-j", "qingdao"]
        runner = CliRunner()

        def run(*args: str) -> tuple[int, str]:
            result = runner.invoke(main, ["--actor", "admin", *args, *common])
            return result.exit_code, result.output

        add = ["people", "add"]
        dept = ["--role", "department", "--unit", "economic_development"]
        assert run("people", "bootstrap", "admin", "--name", "名册管理员")[0] == 0
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
