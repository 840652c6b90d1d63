"""The registry: enterprises in scope over time, grids and teams, who is responsible, quotas.

On SQLite and PostgreSQL (the ``engine`` and ``roster`` fixtures), with the test rules.
"""

from __future__ import annotations

from datetime import date

import pytest
from tests.builders import SINCE, RosterBuilder
from tests.support import credit_code

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

D = SINCE


def events_of(engine: Engine) -> int:
    return engine.log.count()


class TestScope:
    def test_in_scope_from_its_entry_date(self, engine: Engine, roster: RosterBuilder) -> None:
        """An enterprise is in scope from the day it entered, not before."""
        code = credit_code(1)
        roster.enterprise(code, D)
        ent = engine.roster.enterprise("twogrids", code)
        assert not ent.in_scope_on(date(2026, 1, 4))
        assert ent.in_scope_on(D)

    def test_leaving_on_a_day_ends_the_scope_that_day(
        self, engine: Engine, roster: RosterBuilder
    ) -> None:
        """A deregistered enterprise is out of scope from the day of deregistration, with its reason kept."""
        code = credit_code(2)
        roster.enterprise(code, D)
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

    def test_qingdao_entry_events(self, engine: Engine, roster: RosterBuilder) -> None:
        """Completion filing and start of production, a tenant's move-in, an incubator's start are entry bases."""
        for i, basis in enumerate(
            (
                ScopeEntry.COMPLETION_AND_PRODUCTION,
                ScopeEntry.TENANT_MOVED_IN,
                ScopeEntry.INCUBATOR_STARTED,
            )
        ):
            code = credit_code(10 + i)
            roster.of("zones").enterprise(
                code, date(2026, 2, 1 + i), basis=basis, reason=basis.value
            )
            ent = engine.roster.enterprise("zones", code)
            assert ent.scope_history[0].basis == basis.value
            assert ent.in_scope_on(date(2026, 2, 1 + i))

    def test_reentry_after_leaving(self, engine: Engine, roster: RosterBuilder) -> None:
        """An enterprise that moved out and back is in scope again from its return."""
        code = credit_code(3)
        roster.enterprise(code, D)
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

    def test_a_change_dated_before_the_last_is_refused(
        self, engine: Engine, roster: RosterBuilder
    ) -> None:
        """Scope history stays in date order: a leave dated before the entry is refused."""
        code = credit_code(4)
        roster.enterprise(code, D)
        with pytest.raises(InvalidInput, match="before the change it follows"):
            engine.roster.leave_scope(
                jurisdiction="twogrids",
                credit_code=code,
                on=date(2026, 1, 1),
                basis=ScopeExit.MOVED_OUT,
                reason="x",
                command_id="out",
            )

    def test_individual_business_refused_naming_the_rule(
        self, engine: Engine, roster: RosterBuilder
    ) -> None:
        """Bijie-like scope: an individual business (92…) is out of scope, naming the rule and its paragraph."""
        before = events_of(engine)
        with pytest.raises(OutOfScope) as info:
            roster.enterprise(credit_code(5, prefix="92"), D)
        assert info.value.rule == "twogrids@test.1 scope.exclude_organisation_types"
        assert "不包括个体工商户" in (info.value.cite or "")
        assert events_of(engine) == before

    def test_cooperative_refused(self, roster: RosterBuilder) -> None:
        """A farmers' cooperative (93…) is out of scope too."""
        with pytest.raises(OutOfScope):
            roster.enterprise(credit_code(6, prefix="93"), D)

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

    def test_unknown_tier_refused(self, roster: RosterBuilder) -> None:
        """A tier the rules do not name is refused."""
        with pytest.raises(InvalidInput, match="unknown tier"):
            roster.of("commissioners").enterprise(credit_code(8), D, tier="mining")

    def test_same_command_twice_records_once(self, engine: Engine, roster: RosterBuilder) -> None:
        """Re-sending a registration with its command id writes nothing the second time."""
        code = credit_code(9)
        first = roster.enterprise(code, D).last
        count = events_of(engine)
        again = roster.enterprise(code, D).last
        assert again.duplicate
        assert again.aggregate_id == first.aggregate_id
        assert events_of(engine) == count


@pytest.fixture
def bijie_like(roster: RosterBuilder) -> RosterBuilder:
    """Officers li, wang and zhao, chiefs chen and sun, a leader; two vertical grids and a township."""
    for pid in ("li", "wang", "zhao"):
        roster.person(pid, "officer")
    roster.person("chen", "chief").person("sun", "chief").person("boss", "leader")
    return (
        roster.grid("industry", "vertical").grid("commerce", "vertical").grid("town", "horizontal")
    )


class TestGrids:
    def test_one_grid_of_each_kind(self, engine: Engine, bijie_like: RosterBuilder) -> None:
        """An enterprise sits in one vertical and one horizontal grid at once; joining another vertical leaves the first."""
        code = credit_code(20)
        bijie_like.enterprise(code, D).in_grid(code, "industry", D).in_grid(code, "town", D)
        bijie_like.in_grid(code, "commerce", date(2026, 2, 1))
        ent = engine.roster.enterprise("twogrids", code)
        assert sorted(s.holder for s in ent.grids_on(date(2026, 1, 31))) == ["industry", "town"]
        assert sorted(s.holder for s in ent.grids_on(date(2026, 2, 1))) == ["commerce", "town"]

    def test_one_grid_in_all(self, engine: Engine, roster: RosterBuilder) -> None:
        """Qingdao-like: joining a location grid leaves the incubator grid."""
        code = credit_code(21)
        zones = roster.of("zones").grid("inc-1", "incubator").grid("loc-1", "location")
        zones.enterprise(code, D).in_grid(code, "inc-1", D).in_grid(code, "loc-1", date(2026, 2, 1))
        ent = engine.roster.enterprise("zones", code)
        assert [s.holder for s in ent.grids_on(date(2026, 2, 1))] == ["loc-1"]

    def test_unknown_grid_kind_refused(self, roster: RosterBuilder) -> None:
        """A grid of a kind the rules do not declare is refused."""
        with pytest.raises(InvalidInput, match="unknown grid kind"):
            roster.grid("x", "diagonal")

    def test_team_position_needs_its_role(self, bijie_like: RosterBuilder) -> None:
        """Only a person holding the chief role can be grid chief."""
        with pytest.raises(NotAuthorised):
            bijie_like.member("town", "li", "chief", D)

    def test_team_maximum_names_the_rule(self, bijie_like: RosterBuilder) -> None:
        """A second grid chief is refused, naming roster.team.chief.max."""
        bijie_like.member("town", "chen", "chief", D)
        with pytest.raises(RefusedByRule) as info:
            bijie_like.member("town", "sun", "chief", D)
        assert info.value.rule == "twogrids@test.1 roster.team.chief.max"

    def test_a_chief_who_left_can_be_replaced(
        self, engine: Engine, bijie_like: RosterBuilder
    ) -> None:
        """Once the chief has left, a new one may join."""
        bijie_like.member("town", "chen", "chief", D)
        engine.roster.remove_grid_member(
            jurisdiction="twogrids",
            grid_id="town",
            person_id="chen",
            on=date(2026, 2, 1),
            reason="transferred",
            command_id="m2",
        )
        bijie_like.member("town", "sun", "chief", date(2026, 2, 1))
        g = engine.roster.view().grids("twogrids")["town"]
        assert [s.holder for s in g.members_on(date(2026, 1, 31))] == ["chen"]
        assert [s.holder for s in g.members_on(date(2026, 2, 1))] == ["sun"]


class TestResponsibility:
    def test_who_was_responsible_on_a_date(self, engine: Engine, bijie_like: RosterBuilder) -> None:
        """Replacing the officer keeps the history: each date has its officer."""
        code = credit_code(30)
        bijie_like.enterprise(code, D).in_grid(code, "town", D, officer="li")
        bijie_like.responsible(code, "wang", grid="town", on=date(2026, 2, 16))
        ask = engine.roster.responsible_on
        assert ask(jurisdiction="twogrids", credit_code=code, day=date(2026, 2, 15)) == ["li"]
        assert ask(jurisdiction="twogrids", credit_code=code, day=date(2026, 2, 16)) == ["wang"]
        assert ask(jurisdiction="twogrids", credit_code=code, day=date(2026, 1, 4)) == []
        li = engine.roster.person("twogrids", "li")
        assert li.load_from(date(2026, 2, 16), "enterprise") == set()

    def test_one_officer_in_each_grid(self, engine: Engine, bijie_like: RosterBuilder) -> None:
        """In its vertical and horizontal grid an enterprise has an officer each."""
        code = credit_code(31)
        bijie_like.enterprise(code, D).in_grid(code, "industry", D, officer="li")
        bijie_like.in_grid(code, "town", D, officer="wang")
        ask = engine.roster.responsible_on
        assert sorted(ask(jurisdiction="twogrids", credit_code=code, day=D)) == ["li", "wang"]
        assert ask(jurisdiction="twogrids", credit_code=code, day=D, grid="town") == ["wang"]

    def test_moving_grid_releases_the_officer_there(
        self, engine: Engine, bijie_like: RosterBuilder
    ) -> None:
        """The officer of the grid an enterprise leaves is released the same day."""
        code = credit_code(32)
        bijie_like.enterprise(code, D).in_grid(code, "industry", D, officer="li")
        engine.roster.assign_grid(
            jurisdiction="twogrids",
            credit_code=code,
            grid_id="commerce",
            on=date(2026, 2, 1),
            command_id="g2",
        )
        ask = engine.roster.responsible_on
        assert ask(jurisdiction="twogrids", credit_code=code, day=date(2026, 2, 1)) == []
        li = engine.roster.person("twogrids", "li")
        assert li.load_from(date(2026, 2, 1), "enterprise") == set()

    def test_leaving_the_scope_releases_everyone(
        self, engine: Engine, bijie_like: RosterBuilder
    ) -> None:
        """A deregistered enterprise frees its officer's place."""
        code = credit_code(33)
        bijie_like.enterprise(code, D).responsible(code, "li", on=D)
        engine.roster.leave_scope(
            jurisdiction="twogrids",
            credit_code=code,
            on=date(2026, 2, 1),
            basis=ScopeExit.DEREGISTERED,
            reason="注销",
            command_id="out",
        )
        ask = engine.roster.responsible_on
        assert ask(jurisdiction="twogrids", credit_code=code, day=date(2026, 2, 1)) == []
        assert ask(jurisdiction="twogrids", credit_code=code, day=date(2026, 1, 31)) == ["li"]

    def test_only_the_responsible_role(self, bijie_like: RosterBuilder) -> None:
        """A grid chief is not made an enterprise's officer: the role is roster.responsible_role."""
        code = credit_code(34)
        bijie_like.enterprise(code, D)
        with pytest.raises(NotAuthorised) as info:
            bijie_like.responsible(code, "chen", on=D)
        assert info.value.role == "officer"

    def test_unknown_person_refused(self, bijie_like: RosterBuilder) -> None:
        """Someone not in the roster cannot be made responsible."""
        code = credit_code(35)
        bijie_like.enterprise(code, D)
        with pytest.raises(UnknownActor):
            bijie_like.responsible(code, "ghost", on=D)

    def test_unregistered_enterprise(self, bijie_like: RosterBuilder) -> None:
        """An enterprise not in the registry is not found."""
        with pytest.raises(NotFound):
            bijie_like.responsible(credit_code(36), "li", on=D)


WEIFANG_LIKE = [credit_code(100 + i) for i in range(6)]
"""The six enterprises of ``weifang_like``."""


@pytest.fixture
def weifang_like(roster: RosterBuilder) -> RosterBuilder:
    """Commissioners ting (department level), ke (section level) and a city department head;
    six enterprises and four projects, P0 to P3."""
    commissioners = roster.of("commissioners")
    for pid, rank in (
        ("ting", "department_level"),
        ("ke", "section_level"),
        ("head", "city_department_head"),
    ):
        commissioners.person(pid, "commissioner", rank=rank)
    commissioners.enterprises(*WEIFANG_LIKE, since=D)
    for i in range(4):
        commissioners.project(f"P{i}")
    return commissioners


class TestQuotas:
    def test_fifth_enterprise_for_a_department_level_cadre(
        self, engine: Engine, weifang_like: RosterBuilder
    ) -> None:
        """A department-level cadre serves 4 enterprises; the fifth is refused naming the quota."""
        for code in WEIFANG_LIKE[:4]:
            weifang_like.responsible(code, "ting", on=D)
        before = events_of(engine)
        with pytest.raises(QuotaExceeded) as info:
            weifang_like.responsible(WEIFANG_LIKE[4], "ting", on=D)
        assert info.value.rule == "commissioners@test.1 roster.quotas.department_level.enterprises"
        assert info.value.cite == "每一名厅级干部包靠4个企业、3个项目"
        assert "at most 4 enterprises" in str(info.value)
        assert events_of(engine) == before

    def test_a_released_enterprise_frees_the_place(
        self, engine: Engine, weifang_like: RosterBuilder
    ) -> None:
        """After one of four is released, another may be taken."""
        for code in WEIFANG_LIKE[:4]:
            weifang_like.responsible(code, "ting", on=D)
        engine.roster.release_responsible(
            jurisdiction="commissioners",
            credit_code=WEIFANG_LIKE[0],
            person_id="ting",
            on=D,
            reason="handed over",
            command_id="rel",
        )
        weifang_like.responsible(WEIFANG_LIKE[4], "ting", on=D)
        assert len(engine.roster.person("commissioners", "ting").load_from(D, "enterprise")) == 4

    def test_projects_have_their_own_quota(self, weifang_like: RosterBuilder) -> None:
        """A department-level cadre serves 3 projects; the fourth is refused."""
        for i in range(3):
            weifang_like.project_responsible(f"P{i}", "ting", on=D)
        with pytest.raises(QuotaExceeded) as info:
            weifang_like.project_responsible("P3", "ting", on=D)
        assert info.value.rule.endswith("roster.quotas.department_level.projects")

    def test_section_level_caps_both_together(self, weifang_like: RosterBuilder) -> None:
        """A section-level cadre serves 1-2 enterprises or projects in all."""
        weifang_like.responsible(WEIFANG_LIKE[0], "ke", on=D).project_responsible("P0", "ke", on=D)
        with pytest.raises(QuotaExceeded) as info:
            weifang_like.responsible(WEIFANG_LIKE[1], "ke", on=D)
        assert info.value.rule.endswith("roster.quotas.section_level.combined")

    def test_unknown_rank_refused(self, roster: RosterBuilder) -> None:
        """Where quotas go by rank, a rank the rules do not know is refused."""
        with pytest.raises(InvalidInput, match="unknown rank"):
            roster.of("commissioners").person("x", "commissioner", rank="emperor")

    def test_commissioner_without_rank_cannot_serve(self, roster: RosterBuilder) -> None:
        """Without a rank no quota applies, so the assignment is refused until the rank is known."""
        commissioners = roster.of("commissioners").person("norank", "commissioner")
        commissioners.enterprise(credit_code(200), D)
        with pytest.raises(InvalidInput, match="rank"):
            commissioners.responsible(credit_code(200), "norank", on=D)


class TestMapNumbers:
    def test_one_number_per_enterprise(self, engine: Engine, roster: RosterBuilder) -> None:
        """Two enterprises cannot hold the same map number; a renumbered enterprise frees its old one."""
        a, b = credit_code(300), credit_code(301)
        roster.of("zones").enterprises(a, b, since=D)
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
