"""The registry: enterprises in scope over time, grids and teams, who is responsible, quotas."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from tests.roster_support import FIXTURE_RULES, enterprise, grid, person
from tests.support import credit_code, cst, engine_on

from gridcase.application.engine import Engine
from gridcase.domain.enterprise import ScopeEntry, ScopeExit
from gridcase.kernel.errors import (
    InvalidInput,
    NotAuthorised,
    NotFound,
    OutOfScope,
    QuotaExceeded,
    RefusedByRule,
    UnknownActor,
)

D = date(2026, 1, 5)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    with engine_on(f"sqlite:///{tmp_path / 't.db'}", cst(2026, 3, 2, 9), rules=FIXTURE_RULES) as (
        e,
        _,
    ):
        yield e


def events_of(engine: Engine) -> int:
    return engine.log.count()


class TestScope:
    def test_in_scope_from_its_entry_date(self, engine: Engine) -> None:
        """An enterprise is in scope from the day it entered, not before."""
        code = credit_code(1)
        enterprise(engine, "twogrids", code, D)
        ent = engine.roster.enterprise("twogrids", code)
        assert not ent.in_scope_on(date(2026, 1, 4))
        assert ent.in_scope_on(D)

    def test_leaving_on_a_day_ends_the_scope_that_day(self, engine: Engine) -> None:
        """A deregistered enterprise is out of scope from the day of deregistration, with its reason kept."""
        code = credit_code(2)
        enterprise(engine, "twogrids", code, D)
        engine.roster.leave_scope(
            jurisdiction="twogrids",
            credit_code=code,
            on=date(2026, 2, 10),
            basis=ScopeExit.DEREGISTERED,
            reason="注销",
            command_id="leave",
        )
        ent = engine.roster.enterprise("twogrids", code)
        assert ent.in_scope_on(date(2026, 2, 9))
        assert not ent.in_scope_on(date(2026, 2, 10))
        assert ent.scope_history[-1].basis == "deregistered"
        assert ent.scope_history[-1].reason == "注销"

    def test_qingdao_entry_events(self, engine: Engine) -> None:
        """Completion filing and start of production, a tenant's move-in, an incubator's start are entry bases."""
        for i, basis in enumerate(
            (
                ScopeEntry.COMPLETION_AND_PRODUCTION,
                ScopeEntry.TENANT_MOVED_IN,
                ScopeEntry.INCUBATOR_STARTED,
            )
        ):
            code = credit_code(10 + i)
            engine.roster.register_enterprise(
                jurisdiction="zones",
                credit_code=code,
                name=f"e{i}",
                in_scope_from=date(2026, 2, 1 + i),
                basis=basis,
                reason=basis.value,
                command_id=f"reg{i}",
            )
            ent = engine.roster.enterprise("zones", code)
            assert ent.scope_history[0].basis == basis.value
            assert ent.in_scope_on(date(2026, 2, 1 + i))

    def test_reentry_after_leaving(self, engine: Engine) -> None:
        """An enterprise that moved out and back is in scope again from its return."""
        code = credit_code(3)
        enterprise(engine, "twogrids", code, D)
        engine.roster.leave_scope(
            jurisdiction="twogrids",
            credit_code=code,
            on=date(2026, 1, 20),
            basis=ScopeExit.MOVED_OUT,
            reason="迁出",
            command_id="out",
        )
        engine.roster.enter_scope(
            jurisdiction="twogrids",
            credit_code=code,
            on=date(2026, 2, 3),
            basis=ScopeEntry.REINSTATED,
            reason="迁回",
            command_id="in",
        )
        ent = engine.roster.enterprise("twogrids", code)
        assert [ent.in_scope_on(date(2026, 1, d)) for d in (19, 20, 31)] == [True, False, False]
        assert ent.in_scope_on(date(2026, 2, 3))

    def test_a_change_dated_before_the_last_is_refused(self, engine: Engine) -> None:
        """Scope history stays in date order: a leave dated before the entry is refused."""
        code = credit_code(4)
        enterprise(engine, "twogrids", code, D)
        with pytest.raises(InvalidInput, match="before the change it follows"):
            engine.roster.leave_scope(
                jurisdiction="twogrids",
                credit_code=code,
                on=date(2026, 1, 1),
                basis=ScopeExit.MOVED_OUT,
                reason="x",
                command_id="out",
            )

    def test_individual_business_refused_naming_the_rule(self, engine: Engine) -> None:
        """Bijie-like scope: an individual business (92…) is out of scope, naming the rule and its paragraph."""
        before = events_of(engine)
        with pytest.raises(OutOfScope) as info:
            enterprise(engine, "twogrids", credit_code(5, prefix="92"), D)
        assert info.value.rule == "twogrids@test.1 scope.exclude_organisation_types"
        assert "不包括个体工商户" in (info.value.cite or "")
        assert events_of(engine) == before

    def test_cooperative_refused(self, engine: Engine) -> None:
        """A farmers' cooperative (93…) is out of scope too."""
        with pytest.raises(OutOfScope):
            enterprise(engine, "twogrids", credit_code(6, prefix="93"), D)

    def test_declared_type_must_match_the_code(self, engine: Engine) -> None:
        """An individual business cannot be registered as an enterprise by saying so."""
        with pytest.raises(InvalidInput, match=r"the credit code .* says individual_business"):
            engine.roster.register_enterprise(
                jurisdiction="twogrids",
                credit_code=credit_code(7, prefix="92"),
                name="x",
                in_scope_from=D,
                organisation_type="enterprise",
                command_id="c",  # type: ignore[arg-type]
            )

    def test_unknown_tier_refused(self, engine: Engine) -> None:
        """A tier the rules do not name is refused."""
        with pytest.raises(InvalidInput, match="unknown tier"):
            engine.roster.register_enterprise(
                jurisdiction="commissioners",
                credit_code=credit_code(8),
                name="x",
                in_scope_from=D,
                tier="mining",
                command_id="c",
            )

    def test_same_command_twice_records_once(self, engine: Engine) -> None:
        """Re-sending a registration with its command id writes nothing the second time."""
        code = credit_code(9)
        first = enterprise(engine, "twogrids", code, D)
        count = events_of(engine)
        again = enterprise(engine, "twogrids", code, D)
        assert again.duplicate
        assert again.aggregate_id == first.aggregate_id
        assert events_of(engine) == count


@pytest.fixture
def bijie_like(engine: Engine) -> Engine:
    for pid, roles in (
        ("li", ["officer"]),
        ("wang", ["officer"]),
        ("zhao", ["officer"]),
        ("chen", ["chief"]),
        ("sun", ["chief"]),
        ("boss", ["leader"]),
    ):
        person(engine, "twogrids", pid, roles)
    grid(engine, "twogrids", "industry", "vertical")
    grid(engine, "twogrids", "commerce", "vertical")
    grid(engine, "twogrids", "town", "horizontal")
    return engine


class TestGrids:
    def test_one_grid_of_each_kind(self, bijie_like: Engine) -> None:
        """An enterprise sits in one vertical and one horizontal grid at once; joining another vertical leaves the first."""
        e, code = bijie_like, credit_code(20)
        enterprise(e, "twogrids", code, D)
        for cid, g, on in (
            ("a", "industry", D),
            ("b", "town", D),
            ("c", "commerce", date(2026, 2, 1)),
        ):
            e.roster.assign_grid(
                jurisdiction="twogrids", credit_code=code, grid_id=g, on=on, command_id=cid
            )
        ent = e.roster.enterprise("twogrids", code)
        assert sorted(s.holder for s in ent.grids_on(date(2026, 1, 31))) == ["industry", "town"]
        assert sorted(s.holder for s in ent.grids_on(date(2026, 2, 1))) == ["commerce", "town"]

    def test_one_grid_in_all(self, engine: Engine) -> None:
        """Qingdao-like: joining a location grid leaves the incubator grid."""
        grid(engine, "zones", "inc-1", "incubator")
        grid(engine, "zones", "loc-1", "location")
        code = credit_code(21)
        enterprise(engine, "zones", code, D)
        engine.roster.assign_grid(
            jurisdiction="zones", credit_code=code, grid_id="inc-1", on=D, command_id="a"
        )
        engine.roster.assign_grid(
            jurisdiction="zones",
            credit_code=code,
            grid_id="loc-1",
            on=date(2026, 2, 1),
            command_id="b",
        )
        ent = engine.roster.enterprise("zones", code)
        assert [s.holder for s in ent.grids_on(date(2026, 2, 1))] == ["loc-1"]

    def test_unknown_grid_kind_refused(self, engine: Engine) -> None:
        """A grid of a kind the rules do not declare is refused."""
        with pytest.raises(InvalidInput, match="unknown grid kind"):
            grid(engine, "twogrids", "x", "diagonal")

    def test_team_position_needs_its_role(self, bijie_like: Engine) -> None:
        """Only a person holding the chief role can be grid chief."""
        with pytest.raises(NotAuthorised):
            bijie_like.roster.add_grid_member(
                jurisdiction="twogrids",
                grid_id="town",
                person_id="li",
                position="chief",
                on=D,
                command_id="m",
            )

    def test_team_maximum_names_the_rule(self, bijie_like: Engine) -> None:
        """A second grid chief is refused, naming roster.team.chief.max."""
        e = bijie_like
        e.roster.add_grid_member(
            jurisdiction="twogrids",
            grid_id="town",
            person_id="chen",
            position="chief",
            on=D,
            command_id="m1",
        )
        with pytest.raises(RefusedByRule) as info:
            e.roster.add_grid_member(
                jurisdiction="twogrids",
                grid_id="town",
                person_id="sun",
                position="chief",
                on=D,
                command_id="m2",
            )
        assert info.value.rule == "twogrids@test.1 roster.team.chief.max"

    def test_a_chief_who_left_can_be_replaced(self, bijie_like: Engine) -> None:
        """Once the chief has left, a new one may join."""
        e = bijie_like
        e.roster.add_grid_member(
            jurisdiction="twogrids",
            grid_id="town",
            person_id="chen",
            position="chief",
            on=D,
            command_id="m1",
        )
        e.roster.remove_grid_member(
            jurisdiction="twogrids",
            grid_id="town",
            person_id="chen",
            on=date(2026, 2, 1),
            reason="transferred",
            command_id="m2",
        )
        e.roster.add_grid_member(
            jurisdiction="twogrids",
            grid_id="town",
            person_id="sun",
            position="chief",
            on=date(2026, 2, 1),
            command_id="m3",
        )
        g = e.roster.view().grids("twogrids")["town"]
        assert [s.holder for s in g.members_on(date(2026, 1, 31))] == ["chen"]
        assert [s.holder for s in g.members_on(date(2026, 2, 1))] == ["sun"]


class TestResponsibility:
    def test_who_was_responsible_on_a_date(self, bijie_like: Engine) -> None:
        """Replacing the officer keeps the history: each date has its officer."""
        e, code = bijie_like, credit_code(30)
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
            command_id="r1",
        )
        e.roster.assign_responsible(
            jurisdiction="twogrids",
            credit_code=code,
            person_id="wang",
            grid="town",
            on=date(2026, 2, 16),
            command_id="r2",
        )
        ask = e.roster.responsible_on
        assert ask(jurisdiction="twogrids", credit_code=code, day=date(2026, 2, 15)) == ["li"]
        assert ask(jurisdiction="twogrids", credit_code=code, day=date(2026, 2, 16)) == ["wang"]
        assert ask(jurisdiction="twogrids", credit_code=code, day=date(2026, 1, 4)) == []
        assert e.roster.person("twogrids", "li").load_from(date(2026, 2, 16), "enterprise") == set()

    def test_one_officer_in_each_grid(self, bijie_like: Engine) -> None:
        """In its vertical and horizontal grid an enterprise has an officer each."""
        e, code = bijie_like, credit_code(31)
        enterprise(e, "twogrids", code, D)
        for g, p in (("industry", "li"), ("town", "wang")):
            e.roster.assign_grid(
                jurisdiction="twogrids", credit_code=code, grid_id=g, on=D, command_id=f"g{g}"
            )
            e.roster.assign_responsible(
                jurisdiction="twogrids",
                credit_code=code,
                person_id=p,
                grid=g,
                on=D,
                command_id=f"r{g}",
            )
        ask = e.roster.responsible_on
        assert sorted(ask(jurisdiction="twogrids", credit_code=code, day=D)) == ["li", "wang"]
        assert ask(jurisdiction="twogrids", credit_code=code, day=D, grid="town") == ["wang"]

    def test_moving_grid_releases_the_officer_there(self, bijie_like: Engine) -> None:
        """The officer of the grid an enterprise leaves is released the same day."""
        e, code = bijie_like, credit_code(32)
        enterprise(e, "twogrids", code, D)
        e.roster.assign_grid(
            jurisdiction="twogrids", credit_code=code, grid_id="industry", on=D, command_id="g1"
        )
        e.roster.assign_responsible(
            jurisdiction="twogrids",
            credit_code=code,
            person_id="li",
            grid="industry",
            on=D,
            command_id="r",
        )
        e.roster.assign_grid(
            jurisdiction="twogrids",
            credit_code=code,
            grid_id="commerce",
            on=date(2026, 2, 1),
            command_id="g2",
        )
        assert (
            e.roster.responsible_on(jurisdiction="twogrids", credit_code=code, day=date(2026, 2, 1))
            == []
        )
        assert e.roster.person("twogrids", "li").load_from(date(2026, 2, 1), "enterprise") == set()

    def test_leaving_the_scope_releases_everyone(self, bijie_like: Engine) -> None:
        """A deregistered enterprise frees its officer's place."""
        e, code = bijie_like, credit_code(33)
        enterprise(e, "twogrids", code, D)
        e.roster.assign_responsible(
            jurisdiction="twogrids", credit_code=code, person_id="li", on=D, command_id="r"
        )
        e.roster.leave_scope(
            jurisdiction="twogrids",
            credit_code=code,
            on=date(2026, 2, 1),
            basis=ScopeExit.DEREGISTERED,
            reason="注销",
            command_id="out",
        )
        assert (
            e.roster.responsible_on(jurisdiction="twogrids", credit_code=code, day=date(2026, 2, 1))
            == []
        )
        assert e.roster.responsible_on(
            jurisdiction="twogrids", credit_code=code, day=date(2026, 1, 31)
        ) == ["li"]

    def test_only_the_responsible_role(self, bijie_like: Engine) -> None:
        """A grid chief is not made an enterprise's officer: the role is roster.responsible_role."""
        code = credit_code(34)
        enterprise(bijie_like, "twogrids", code, D)
        with pytest.raises(NotAuthorised) as info:
            bijie_like.roster.assign_responsible(
                jurisdiction="twogrids", credit_code=code, person_id="chen", on=D, command_id="r"
            )
        assert info.value.role == "officer"

    def test_unknown_person_refused(self, bijie_like: Engine) -> None:
        """Someone not in the roster cannot be made responsible."""
        code = credit_code(35)
        enterprise(bijie_like, "twogrids", code, D)
        with pytest.raises(UnknownActor):
            bijie_like.roster.assign_responsible(
                jurisdiction="twogrids", credit_code=code, person_id="ghost", on=D, command_id="r"
            )

    def test_unregistered_enterprise(self, bijie_like: Engine) -> None:
        """An enterprise not in the registry is not found."""
        with pytest.raises(NotFound):
            bijie_like.roster.assign_responsible(
                jurisdiction="twogrids",
                credit_code=credit_code(36),
                person_id="li",
                on=D,
                command_id="r",
            )


@pytest.fixture
def weifang_like(engine: Engine) -> Engine:
    for pid, rank in (
        ("ting", "department_level"),
        ("ke", "section_level"),
        ("head", "city_department_head"),
    ):
        person(engine, "commissioners", pid, ["commissioner"], rank=rank)
    for i in range(6):
        enterprise(engine, "commissioners", credit_code(100 + i), D)
    for i in range(4):
        engine.roster.register_project(
            jurisdiction="commissioners",
            project_id=f"P{i}",
            name=f"project {i}",
            command_id=f"project{i}",
        )
    return engine


def assign(e: Engine, pid: str, i: int) -> None:
    e.roster.assign_responsible(
        jurisdiction="commissioners",
        credit_code=credit_code(100 + i),
        person_id=pid,
        on=D,
        command_id=f"{pid}-e{i}",
    )


class TestQuotas:
    def test_fifth_enterprise_for_a_department_level_cadre(self, weifang_like: Engine) -> None:
        """A department-level cadre serves 4 enterprises; the fifth is refused naming the quota."""
        e = weifang_like
        for i in range(4):
            assign(e, "ting", i)
        before = events_of(e)
        with pytest.raises(QuotaExceeded) as info:
            assign(e, "ting", 4)
        assert info.value.rule == "commissioners@test.1 roster.quotas.department_level.enterprises"
        assert info.value.cite == "每一名厅级干部包靠4个企业、3个项目"
        assert "at most 4 enterprises" in str(info.value)
        assert events_of(e) == before

    def test_a_released_enterprise_frees_the_place(self, weifang_like: Engine) -> None:
        """After one of four is released, another may be taken."""
        e = weifang_like
        for i in range(4):
            assign(e, "ting", i)
        e.roster.release_responsible(
            jurisdiction="commissioners",
            credit_code=credit_code(100),
            person_id="ting",
            on=D,
            reason="handed over",
            command_id="rel",
        )
        assign(e, "ting", 4)
        assert len(e.roster.person("commissioners", "ting").load_from(D, "enterprise")) == 4

    def test_projects_have_their_own_quota(self, weifang_like: Engine) -> None:
        """A department-level cadre serves 3 projects; the fourth is refused."""
        e = weifang_like
        for i in range(3):
            e.roster.assign_project(
                jurisdiction="commissioners",
                project_id=f"P{i}",
                person_id="ting",
                on=D,
                command_id=f"p{i}",
            )
        with pytest.raises(QuotaExceeded) as info:
            e.roster.assign_project(
                jurisdiction="commissioners",
                project_id="P3",
                person_id="ting",
                on=D,
                command_id="p3",
            )
        assert info.value.rule.endswith("roster.quotas.department_level.projects")

    def test_section_level_caps_both_together(self, weifang_like: Engine) -> None:
        """A section-level cadre serves 1-2 enterprises or projects in all."""
        e = weifang_like
        assign(e, "ke", 0)
        e.roster.assign_project(
            jurisdiction="commissioners", project_id="P0", person_id="ke", on=D, command_id="p"
        )
        with pytest.raises(QuotaExceeded) as info:
            assign(e, "ke", 1)
        assert info.value.rule.endswith("roster.quotas.section_level.combined")

    def test_unknown_rank_refused(self, engine: Engine) -> None:
        """Where quotas go by rank, a rank the rules do not know is refused."""
        with pytest.raises(InvalidInput, match="unknown rank"):
            person(engine, "commissioners", "x", ["commissioner"], rank="emperor")

    def test_commissioner_without_rank_cannot_serve(self, engine: Engine) -> None:
        """Without a rank no quota applies, so the assignment is refused until the rank is known."""
        person(engine, "commissioners", "norank", ["commissioner"])
        enterprise(engine, "commissioners", credit_code(200), D)
        with pytest.raises(InvalidInput, match="rank"):
            engine.roster.assign_responsible(
                jurisdiction="commissioners",
                credit_code=credit_code(200),
                person_id="norank",
                on=D,
                command_id="r",
            )


class TestMapNumbers:
    def test_one_number_per_enterprise(self, engine: Engine) -> None:
        """Two enterprises cannot hold the same map number; a renumbered enterprise frees its old one."""
        a, b = credit_code(300), credit_code(301)
        enterprise(engine, "zones", a, D)
        enterprise(engine, "zones", b, D)
        engine.roster.assign_map_number(
            jurisdiction="zones", credit_code=a, number="17", command_id="n1"
        )
        with pytest.raises(InvalidInput, match="already held by"):
            engine.roster.assign_map_number(
                jurisdiction="zones", credit_code=b, number="17", command_id="n2"
            )
        engine.roster.assign_map_number(
            jurisdiction="zones", credit_code=a, number="18", command_id="n3"
        )
        engine.roster.assign_map_number(
            jurisdiction="zones", credit_code=b, number="17", command_id="n4"
        )
        view = engine.roster.view()
        assert view.map_number_holder("zones", "17") == b
        assert view.map_number_holder("zones", "18") == a
        assert engine.roster.enterprise("zones", a).map_number == "18"
