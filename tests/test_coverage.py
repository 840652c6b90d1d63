"""Coverage: which enterprises in scope were not visited as the cadence requires.

The tests that record a roster run on SQLite and PostgreSQL (the ``engine`` and ``roster``
fixtures). The property tests drive an engine (on SQLite in memory, for the number of
examples) with random enterprises, scope changes, grid moves, officers, a grid team and
visits, and compare the projection's answer with a model that checks the rules of
docs/roster.md day by day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.builders import RosterBuilder
from tests.support import FIXTURE_RULES, RULES, credit_code, cst, engine_on, rule_book

from gridcase import RuleBook
from gridcase.application.engine import Engine
from gridcase.domain.enterprise import Enterprise, ScopeEntry, ScopeExit
from gridcase.domain.policy import CadencePer, VisitCadence, VisitChannel
from gridcase.domain.recorded import recorded_at
from gridcase.kernel.errors import NotFound, RuleFileError
from gridcase.projections import (
    CoverageReport,
    GridCoverageReport,
    Month,
    RosterProjection,
    compute_coverage,
    compute_grid_coverage,
)
from gridcase.projections.coverage import cadence_windows, owed_windows
from gridcase.storage.log import EventLog
from gridcase.workflow.loader import load_rules, parse_rules

J = "twogrids"
DAY0 = date(2026, 1, 1)


@pytest.fixture
def clock_start() -> datetime:
    """Coverage is asked of months already past: the engine's clock stands at 1 June 2026."""
    return cst(2026, 6, 1, 9)


def monthly(*channels: VisitChannel) -> VisitCadence:
    return VisitCadence(
        every_months=1, counting_channels=list(channels or VisitChannel), cite="test"
    )


class TestWindows:
    def test_monthly(self) -> None:
        """Monthly: the window is the calendar month."""
        (w,) = cadence_windows(monthly(), Month(2026, 2))
        assert (w.label, w.first, w.last) == ("2026-02", date(2026, 2, 1), date(2026, 2, 28))

    def test_every_two_months(self) -> None:
        """Every two months: the window is the month asked and the month before it."""
        (w,) = cadence_windows(VisitCadence(every_months=2, cite="t"), Month(2026, 1))
        assert (w.first, w.last) == (date(2025, 12, 1), date(2026, 1, 31))

    def test_weekly_by_thursday(self) -> None:
        """Weekly: the ISO weeks whose Thursday falls in the month (March 2026: weeks 10 to 13)."""
        windows = cadence_windows(VisitCadence(every_weeks=1, cite="t"), Month(2026, 3))
        assert [w.label for w in windows] == ["2026-W10", "2026-W11", "2026-W12", "2026-W13"]
        assert (windows[0].first, windows[-1].last) == (date(2026, 3, 2), date(2026, 3, 29))
        april = cadence_windows(VisitCadence(every_weeks=1, cite="t"), Month(2026, 4))
        assert (april[0].label, april[0].first) == ("2026-W14", date(2026, 3, 30))

    def test_weeks_belong_to_one_month(self) -> None:
        """Consecutive months share no week, and miss none."""
        labels = [
            w.label
            for m in range(1, 13)
            for w in cadence_windows(VisitCadence(every_weeks=1, cite="t"), Month(2026, m))
        ]
        assert len(labels) == len(set(labels)) == 53

    def test_month_parsing(self) -> None:
        """A month is YYYY-MM; anything else is refused."""
        assert Month.parse("2026-03") == Month(2026, 3)
        with pytest.raises(ValueError, match="YYYY-MM"):
            Month.parse("2026-3")

    def test_windows_before_the_start_are_not_owed(self) -> None:
        """Monthly from 1 August: July owes nothing, August is owed."""
        cadence = VisitCadence.model_validate(
            {"every_months": 1, "from": "2021-08-01", "cite": "t"}
        )
        assert [[w.label for w in part] for part in owed_windows(cadence, Month(2021, 7))] == [
            [],
            ["2021-07"],
        ]
        assert [[w.label for w in part] for part in owed_windows(cadence, Month(2021, 8))] == [
            ["2021-08"],
            [],
        ]

    def test_the_first_window_owed_is_a_whole_one(self) -> None:
        """Every two months from August is first owed at September's end; weekly from a Wednesday, from the next Monday."""
        two = VisitCadence.model_validate({"every_months": 2, "from": "2021-08-01", "cite": "t"})
        assert owed_windows(two, Month(2021, 8))[0] == ()
        assert [w.first for w in owed_windows(two, Month(2021, 9))[0]] == [date(2021, 8, 1)]
        weekly = VisitCadence.model_validate({"every_weeks": 1, "from": "2026-03-11", "cite": "t"})
        owed, not_owed = owed_windows(weekly, Month(2026, 3))
        assert [w.label for w in not_owed] == ["2026-W10", "2026-W11"]
        assert [w.label for w in owed] == ["2026-W12", "2026-W13"]


def bijie_like(roster: RosterBuilder) -> RosterBuilder:
    """Officers li and wang, chief chen and a leader; vertical grids G1 and G2, horizontal H1."""
    roster.person("li", "officer").person("wang", "officer")
    roster.person("chen", "chief").person("boss", "leader")
    return roster.grid("G1", "vertical").grid("G2", "vertical").grid("H1", "horizontal")


class TestBijieLike:
    def test_enterprise_in_two_grids_appears_in_both(
        self, engine: Engine, roster: RosterBuilder
    ) -> None:
        """An enterprise in a vertical and a horizontal grid is due in both grids' coverage."""
        code = credit_code(1)
        bijie_like(roster).enterprise(code, date(2026, 1, 5))
        roster.in_grid(code, "G1", date(2026, 1, 5), officer="li")
        roster.in_grid(code, "H1", date(2026, 1, 5), officer="wang")
        for g, officer in (("G1", "li"), ("H1", "wang")):
            report = engine.roster.coverage(J, "2026-02", g)
            assert report.due == (code,)
            assert [(m.credit_code, m.responsible) for m in report.missed] == [(code, (officer,))]

    def test_each_grid_visits_its_enterprises(self, engine: Engine, roster: RosterBuilder) -> None:
        """The vertical grid's visit does not cover the horizontal grid; the whole district is covered."""
        code = credit_code(2)
        bijie_like(roster).enterprise(code, date(2026, 1, 5))
        roster.in_grid(code, "G1", date(2026, 1, 5), officer="li")
        roster.in_grid(code, "H1", date(2026, 1, 5), officer="wang")
        roster.visit(code, "li", date(2026, 2, 10))
        assert engine.roster.coverage(J, "2026-02", "G1").missed == ()
        assert [m.credit_code for m in engine.roster.coverage(J, "2026-02", "H1").missed] == [code]
        assert engine.roster.coverage(J, "2026-02").missed == ()

    def test_grid_team_visits_count(self, engine: Engine, roster: RosterBuilder) -> None:
        """A visit by the grid chief counts for the grid."""
        code = credit_code(3)
        bijie_like(roster).enterprise(code, date(2026, 1, 5)).in_grid(code, "G1", date(2026, 1, 5))
        roster.member("G1", "chen", "chief", date(2026, 1, 1))
        roster.visit(code, "chen", date(2026, 2, 10))
        assert engine.roster.coverage(J, "2026-02", "G1").missed == ()

    def test_entered_mid_month_is_due_from_its_entry(
        self, engine: Engine, roster: RosterBuilder
    ) -> None:
        """An enterprise that entered on 20 February is due in February; one that left on 1 February is not."""
        new, gone = credit_code(4), credit_code(5)
        bijie_like(roster).enterprise(new, date(2026, 2, 20)).enterprise(gone, date(2026, 1, 5))
        engine.roster.leave_scope(
            jurisdiction=J,
            credit_code=gone,
            on=date(2026, 2, 1),
            basis=ScopeExit.MOVED_OUT,
            reason="迁出",
            command_id="out",
        )
        report = engine.roster.coverage(J, "2026-02")
        assert report.due == (new,)
        assert [m.credit_code for m in report.missed] == [new]
        assert engine.roster.coverage(J, "2026-01").due == tuple(sorted((gone,)))

    def test_unknown_grid(self, engine: Engine) -> None:
        """Coverage of a grid that does not exist is refused."""
        with pytest.raises(NotFound):
            engine.roster.coverage(J, "2026-02", "nowhere")


class TestCadences:
    def test_two_months_on_site(self, engine: Engine, roster: RosterBuilder) -> None:
        """Weifang-like: only on-site visits count, within the month asked and the one before."""
        a, b = credit_code(10), credit_code(11)
        commissioners = roster.of("commissioners")
        commissioners.person("ting", "commissioner", rank="department_level")
        for code in (a, b):
            commissioners.enterprise(code, date(2025, 12, 1))
            commissioners.responsible(code, "ting", on=date(2025, 12, 1))
        commissioners.visit(a, "ting", date(2026, 1, 20), channel="on_site", evidence=())
        commissioners.visit(b, "ting", date(2026, 1, 21), channel="wechat", evidence=())
        feb = engine.roster.coverage("commissioners", "2026-02")
        assert [(m.credit_code, m.responsible) for m in feb.missed] == [(b, ("ting",))]
        assert feb.missed[0].windows[0].first == date(2026, 1, 1)
        assert {
            m.credit_code for m in engine.roster.coverage("commissioners", "2026-03").missed
        } == {a, b}

    def test_weekly(self, engine: Engine, roster: RosterBuilder) -> None:
        """Qingdao-like: every ISO week of the month needs its visit; the missed weeks are listed."""
        code = credit_code(12)
        zones = roster.of("zones").person("li", "officer").enterprise(code, date(2026, 1, 1))
        for day in (3, 10, 24, 31):
            zones.visit(code, "li", date(2026, 3, day), channel="phone", evidence=())
        (missed,) = engine.roster.coverage("zones", "2026-03").missed
        assert [w.label for w in missed.windows] == ["2026-W12"]
        assert engine.roster.coverage("zones", "2026-04").missed[0].windows[0].label == "2026-W15"


# -- the bundled rules: Qingdao per grid, Bijie from August 2021 -------------------------

Q = "qingdao"
INCUBATOR = "incubator-1"
A, B, C = credit_code(31), credit_code(32), credit_code(33)


@pytest.fixture
def qingdao(engine: Engine, roster: RosterBuilder) -> Engine:
    """Qingdao's rules: an incubator grid with a "1+2" team (chief zhang, officers li and
    wang) serving enterprises A and B; a location grid whose officer is zhao."""
    q = roster.of(Q).person("zhang", "grid_chief")
    for pid in ("li", "wang", "zhao"):
        q.person(pid, "officer")
    q.grid(INCUBATOR, "incubator").grid("location-1", "location")
    for g, pid, position in (
        (INCUBATOR, "zhang", "chief"),
        (INCUBATOR, "li", "officer"),
        (INCUBATOR, "wang", "officer"),
        ("location-1", "zhao", "officer"),
    ):
        q.member(g, pid, position, date(2026, 1, 1))
    for code in (A, B):
        q.enterprise(code, date(2026, 1, 5)).in_grid(code, INCUBATOR, date(2026, 1, 5))
    return engine


def qingdao_visit(e: Engine, code: str, who: str, day: date, channel: str = "on_site") -> None:
    """A visit of Qingdao's on ``day`` (Qingdao asks no evidence)."""
    RosterBuilder(e, Q).visit(code, who, day, channel=channel, evidence=())


def grid_report(e: Engine, month: str, g: str | None = None) -> GridCoverageReport:
    report = e.roster.coverage(Q, month, g)
    assert isinstance(report, GridCoverageReport)
    return report


class TestQingdaoWeeklyPerGrid:
    """三(三) 周周有走访: every week, the grid's team visits one of its enterprises."""

    @pytest.fixture
    def rules(self) -> RuleBook:
        """The bundled rules: Qingdao's cadence per grid."""
        return rule_book(RULES)

    def test_a_week_without_a_visit_is_reported_naming_the_chief(self, qingdao: Engine) -> None:
        """A grid visited in weeks 10, 12 and 13 of March 2026 but not in week 11 is reported for week 11 only, with its team, chief first."""
        for day in (date(2026, 3, 3), date(2026, 3, 17), date(2026, 3, 24)):
            qingdao_visit(qingdao, A, "li", day)
        report = grid_report(qingdao, "2026-03")
        assert report.per == "grid"
        assert report.due == (INCUBATOR,)
        (missed,) = report.missed
        assert (missed.grid, [w.label for w in missed.windows]) == (INCUBATOR, ["2026-W11"])
        assert [str(p) for p in missed.misses[0].team] == [
            "zhang (chief)",
            "li (officer)",
            "wang (officer)",
        ]

    def test_an_enterprise_not_visited_in_a_week_is_not_reported_on_its_own(
        self, qingdao: Engine
    ) -> None:
        """A visits every week and B none: the grid kept its rhythm, and B is named nowhere."""
        for day in (date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16), date(2026, 3, 23)):
            qingdao_visit(qingdao, A, "wang", day)
        report = grid_report(qingdao, "2026-03")
        assert (report.due, report.missed, report.covered) == ((INCUBATOR,), (), 1)
        assert B not in str(report.to_dict())

    def test_only_the_grids_team_keeps_its_rhythm(self, qingdao: Engine) -> None:
        """Week 11's visits by another grid's officer, or by phone, do not count for the grid."""
        for day in (date(2026, 3, 3), date(2026, 3, 17), date(2026, 3, 24)):
            qingdao_visit(qingdao, A, "li", day)
        qingdao_visit(qingdao, A, "zhao", date(2026, 3, 10))
        qingdao_visit(qingdao, B, "li", date(2026, 3, 11), channel="phone")
        assert [w.label for w in grid_report(qingdao, "2026-03").missed[0].windows] == ["2026-W11"]
        qingdao_visit(qingdao, B, "zhang", date(2026, 3, 12))
        assert grid_report(qingdao, "2026-03").missed == ()

    def test_each_missed_week_names_the_team_of_its_days(self, qingdao: Engine) -> None:
        """wang leaves the team on 16 March: week 11 names him, week 12 does not."""
        qingdao.roster.remove_grid_member(
            jurisdiction=Q,
            grid_id=INCUBATOR,
            person_id="wang",
            on=date(2026, 3, 16),
            reason="transferred",
            command_id="wang-out",
        )
        for day in (date(2026, 3, 3), date(2026, 3, 24)):
            qingdao_visit(qingdao, A, "li", day)
        (missed,) = grid_report(qingdao, "2026-03").missed
        assert [(x.window.label, [p.person for p in x.team]) for x in missed.misses] == [
            ("2026-W11", ["zhang", "li", "wang"]),
            ("2026-W12", ["zhang", "li"]),
        ]
        assert missed.responsible == ("zhang", "li", "wang")

    def test_a_visit_counts_for_the_grid_the_enterprise_is_in_that_day(
        self, qingdao: Engine
    ) -> None:
        """A moves to the location grid on 9 March; li's visit to it on 10 March no longer keeps the incubator grid's week 11."""
        for day in (date(2026, 3, 3), date(2026, 3, 17), date(2026, 3, 24)):
            qingdao_visit(qingdao, B, "li", day)
        qingdao.roster.assign_grid(
            jurisdiction=Q, credit_code=A, grid_id="location-1", on=date(2026, 3, 9), command_id="m"
        )
        qingdao_visit(qingdao, A, "li", date(2026, 3, 10))
        report = grid_report(qingdao, "2026-03")
        assert [(m.grid, [w.label for w in m.windows]) for m in report.missed] == [
            (INCUBATOR, ["2026-W11"]),
            ("location-1", ["2026-W11", "2026-W12", "2026-W13"]),
        ]

    def test_the_team_named_is_the_one_on_the_last_day_the_grid_was_due(
        self, qingdao: Engine
    ) -> None:
        """A and B leave the incubator grid on Wednesday 11 March and wang leaves its team on the 13th: week 11 still names him."""
        qingdao_visit(qingdao, A, "li", date(2026, 3, 3))
        for code in (A, B):
            qingdao.roster.assign_grid(
                jurisdiction=Q,
                credit_code=code,
                grid_id="location-1",
                on=date(2026, 3, 11),
                command_id=f"m/{code}",
            )
        qingdao.roster.remove_grid_member(
            jurisdiction=Q,
            grid_id=INCUBATOR,
            person_id="wang",
            on=date(2026, 3, 13),
            reason="transferred",
            command_id="wang-out",
        )
        (incubator, _) = grid_report(qingdao, "2026-03").missed
        assert [(x.window.label, [p.person for p in x.team]) for x in incubator.misses] == [
            ("2026-W11", ["zhang", "li", "wang"])
        ]

    def test_an_empty_grid_owes_nothing_and_an_ungridded_enterprise_is_named(
        self, qingdao: Engine
    ) -> None:
        """The location grid has no enterprise, so no week is owed; C, in scope and in no grid, is listed as outside every grid."""
        RosterBuilder(qingdao, Q).enterprise(C, date(2026, 1, 5))
        report = grid_report(qingdao, "2026-03")
        assert "location-1" not in report.due
        assert report.outside_grids == (C,)
        asked = grid_report(qingdao, "2026-03", INCUBATOR)
        assert (asked.grid, asked.due, asked.outside_grids) == (INCUBATOR, (INCUBATOR,), ())
        with pytest.raises(NotFound):
            qingdao.roster.coverage(Q, "2026-03", "nowhere")

    def test_the_command_line_says_it_per_grid(self, qingdao: Engine, store_url: str) -> None:
        """`gridcase coverage` prints the grid, its missed week and its team; --json says per grid."""
        import json

        from click.testing import CliRunner

        from gridcase.cli import main

        for day in (date(2026, 3, 3), date(2026, 3, 17), date(2026, 3, 24)):
            qingdao_visit(qingdao, A, "li", day)
        qingdao.close()
        args = ["coverage", "-j", Q, "--month", "2026-03"]
        common = ["--url", store_url, "--rules", str(RULES)]
        text = CliRunner().invoke(main, [*args, *common])
        assert text.exit_code == 1, text.output  # a grid missed its week: the check found it
        assert "cadence every week per grid (on_site)" in text.output
        assert "1 grid(s) due" in text.output
        assert (
            f"{INCUBATOR} grid {INCUBATOR} (incubator): no visit in 2026-W11 "
            "(team: zhang (chief), li (officer), wang (officer))"
        ) in text.output
        done = CliRunner().invoke(main, [*args, "--json", *common])
        assert done.exit_code == 1, done.output
        report = json.loads(done.output)
        assert (report["per"], report["due"], report["covered"]) == ("grid", 1, 0)
        (missed,) = report["missed"]
        assert missed["misses"][0]["window"]["label"] == "2026-W11"
        assert missed["misses"][0]["team"][0] == {"person": "zhang", "position": "chief"}


class TestBijieFromAugust2021:
    """四(一)3 / 四(二)3 从8月起, 每月至少完成1次 … 全覆盖走访服务."""

    @staticmethod
    def listed_in_june() -> Enterprise:
        """An enterprise on Bijie's list since June 2021, never visited."""
        with recorded_at(cst(2021, 6, 1, 9)):
            ent = Enterprise(
                jurisdiction="bijie",
                credit_code=credit_code(41, division="520502"),
                name="某公司",
                organisation_type="enterprise",
                industry=None,
                location=None,
                tier=None,
            )
            ent.enter_scope(on=date(2021, 6, 1), basis="listed", reason="list")
        return ent

    def test_july_owes_nothing_and_august_does(self) -> None:
        """With Bijie's cadence, July 2021 owes no visit and says why; August 2021 is owed."""
        cadence = load_rules(RULES / "bijie.yaml").rules.visits.cadence  # type: ignore[union-attr]
        ent = self.listed_in_june()

        def ask(month: Month) -> CoverageReport:
            return compute_coverage(
                jurisdiction="bijie",
                month=month,
                cadence=cadence,
                enterprises=[ent],
                visits_of=lambda _: [],
            )

        july = ask(Month(2021, 7))
        assert (july.windows, july.due, july.missed) == ((), (), ())
        assert [w.label for w in july.not_owed] == ["2021-07"]
        assert july.not_owed_reason is not None
        assert "2021-08-01" in july.not_owed_reason
        assert july.to_dict()["owed_from"] == "2021-08-01"
        august = ask(Month(2021, 8))
        assert (august.not_owed, august.not_owed_reason) == ((), None)
        assert [(m.credit_code, [w.label for w in m.windows]) for m in august.missed] == [
            (ent.credit_code, ["2021-08"])
        ]

    @pytest.fixture
    def rules(self) -> RuleBook:
        """The bundled rules: Bijie's cadence from August 2021."""
        return rule_book(RULES)

    @pytest.fixture
    def clock_start(self) -> datetime:
        """Bijie's months of 2021 are past: the clock stands at 1 October 2021."""
        return cst(2021, 10, 1, 9)

    def test_august_2021_is_owed_through_the_roster(
        self, engine: Engine, roster: RosterBuilder
    ) -> None:
        """An enterprise registered on 11 August 2021 and not visited is missed in August; a visit on 20 September covers September."""
        code = credit_code(42, division="520502")
        bijie = roster.of("bijie").person("li", "officer").enterprise(code, date(2021, 8, 11))
        bijie.visit(code, "li", date(2021, 9, 20), channel="phone")
        august = engine.roster.coverage("bijie", "2021-08")
        assert isinstance(august, CoverageReport)
        assert "from 2021-08-01" in august.cadence
        assert [m.credit_code for m in august.missed] == [code]
        assert engine.roster.coverage("bijie", "2021-09").missed == ()


class TestRuleFile:
    def test_a_cadence_per_grid_needs_grids(self) -> None:
        """Weifang's rules have no grids, so a cadence per grid is refused where it is written."""
        text = (RULES / "weifang.yaml").read_text(encoding="utf-8")
        edited = text.replace("    every_months: 2\n", "    every_months: 2\n    per: grid\n", 1)
        assert edited != text
        with pytest.raises(RuleFileError) as info:
            parse_rules(edited, name="weifang.yaml")
        assert [p.path for p in info.value.problems] == ["visits.cadence.per"]
        assert "needs grids" in info.value.problems[0].message

    def test_existing_files_keep_their_meaning(self) -> None:
        """Without per and from, a cadence is per enterprise and owed from the first window."""
        cadence = VisitCadence(every_months=1, cite="t")
        assert (cadence.per, cadence.from_) == (CadencePer.ENTERPRISE, None)
        assert cadence.model_dump(by_alias=True, exclude_defaults=True) == {
            "every_months": 1,
            "cite": "t",
        }


class TestNotOwed:
    def test_the_command_line_says_why_a_month_owes_nothing(self, tmp_path: Path) -> None:
        """Weekly from Wednesday 11 March: February owes nothing, March owes weeks 12 and 13 only, and the CLI says why."""
        from click.testing import CliRunner

        from gridcase.cli import main

        rules = tmp_path / "rules"
        rules.mkdir()
        zones = (FIXTURE_RULES / "zones.yaml").read_text(encoding="utf-8")
        edited = zones.replace("{every_weeks: 1,", "{every_weeks: 1, from: 2026-03-11,", 1)
        assert edited != zones
        (rules / "zones.yaml").write_text(edited, encoding="utf-8")
        url = f"sqlite:///{tmp_path / 'z.db'}"
        with engine_on(url, cst(2026, 6, 1, 9), rules=rules) as (e, _):
            RosterBuilder(e, "zones").enterprise(credit_code(51), date(2026, 1, 5))
        common = ["-j", "zones", "--url", url, "--rules", str(rules)]
        february = CliRunner().invoke(main, ["coverage", "--month", "2026-02", *common])
        assert february.exit_code == 0, february.output
        assert (
            "2026-02 owes no visit: visits are owed from 2026-03-11 (visits.cadence.from)"
            in february.output
        )
        assert "missed" not in february.output
        march = CliRunner().invoke(main, ["coverage", "--month", "2026-03", *common])
        assert "2026-W10, 2026-W11 owe no visit" in march.output
        assert "not visited in 2026-W12, 2026-W13" in march.output


class TestTheLog:
    def test_rebuilt_from_scratch_in_small_pages(
        self, engine: Engine, roster: RosterBuilder
    ) -> None:
        """A fresh projection read one event at a time answers as the live one does."""
        codes = [credit_code(20 + i) for i in range(3)]
        bijie_like(roster).enterprises(*codes, since=date(2026, 1, 5))
        roster.visit(codes[0], "li", date(2026, 2, 2))
        live = engine.roster.coverage(J, "2026-02")
        fresh = RosterProjection()
        fresh.fold_all(engine.log.read(topics=RosterProjection.topics, page=1))
        rebuilt = compute_coverage(
            jurisdiction=J,
            month=Month(2026, 2),
            cadence=monthly(VisitChannel.ON_SITE, VisitChannel.PHONE, VisitChannel.QUESTIONNAIRE),
            enterprises=fresh.enterprises(J).values(),
            visits_of=lambda c: fresh.visits(J, c),
        )
        assert rebuilt.due == live.due
        assert rebuilt.missed == live.missed
        assert len(live.missed) == 2

    def test_gaps_in_notification_ids(self) -> None:
        """Reading goes on after the last id seen, across gaps (as PostgreSQL leaves them)."""

        @dataclass
        class Note:
            id: int

        @dataclass
        class Recorder:
            ids: list[int]
            calls: list[int] = field(default_factory=list)

            def select_notifications(
                self, start: int, limit: int, topics: Any = (), inclusive_of_start: bool = True
            ) -> list[Note]:
                self.calls.append(start)
                return [Note(i) for i in self.ids if i > start][:limit]

        class Mapper:
            def to_domain_event(self, note: Note) -> int:
                return note.id * 10

        class App:
            recorder = Recorder([1, 2, 5, 9, 10, 14])
            mapper = Mapper()

        app = App()
        got = list(EventLog(app).read(page=2))  # type: ignore[arg-type]
        assert got == [(1, 10), (2, 20), (5, 50), (9, 90), (10, 100), (14, 140)]
        assert app.recorder.calls == [0, 2, 9, 14]


# -- the property: projection == day-by-day model --------------------------------------

GRIDS = ("G1", "G2", "H1")


@dataclass
class Firm:
    code: str
    entry: date
    leave: date | None
    back: date | None
    vertical: list[tuple[date, str, str | None]]
    horizontal: tuple[date, str | None] | None

    def scope_changes(self) -> list[tuple[date, bool]]:
        out = [(self.entry, True)]
        if self.leave:
            out.append((self.leave, False))
        if self.back:
            out.append((self.back, True))
        return out

    def in_scope(self, day: date) -> bool:
        status = False
        for d, inside in self.scope_changes():
            if d <= day:
                status = inside
        return status

    def joins(self, g: str) -> list[tuple[date, str | None, date | None]]:
        """(start, officer, end) of each membership of grid ``g``."""
        if g == "H1":
            return [(self.horizontal[0], self.horizontal[1], None)] if self.horizontal else []
        out = []
        for i, (d, gid, officer) in enumerate(self.vertical):
            if gid == g:
                end = self.vertical[i + 1][0] if i + 1 < len(self.vertical) else None
                out.append((d, officer, end))
        return out

    def in_grid(self, g: str, day: date) -> bool:
        return any(s <= day and (e is None or day < e) for s, _, e in self.joins(g))

    def officer(self, g: str, day: date) -> str | None:
        for s, officer, e in self.joins(g):
            if officer is None or not (s <= day and (e is None or day < e)):
                continue
            if not self.in_scope(s):
                continue  # the assignment was refused: not in scope when made
            if self.leave is not None and s <= self.leave <= day:
                continue  # released when it left the scope
            return officer
        return None


def day_strategy(low: int = 0, high: int = 119) -> st.SearchStrategy[date]:
    return st.integers(min_value=low, max_value=high).map(lambda n: DAY0 + timedelta(days=n))


@st.composite
def firms(draw: st.DrawFn, index: int) -> Firm:
    entry = draw(day_strategy(0, 100))
    leave = draw(st.none() | day_strategy((entry - DAY0).days + 1, 119))
    back = None
    if leave is not None and (leave - DAY0).days < 119:
        back = draw(st.none() | day_strategy((leave - DAY0).days + 1, 119))
    raw = draw(
        st.lists(
            st.tuples(
                day_strategy(), st.sampled_from(("G1", "G2")), st.sampled_from((None, "li", "wang"))
            ),
            max_size=3,
        )
    )
    vertical: list[tuple[date, str, str | None]] = []
    for d, g, officer in sorted(raw, key=lambda t: t[0]):
        if vertical and (vertical[-1][1] == g or vertical[-1][0] == d):
            continue
        vertical.append((d, g, officer))
    horizontal = draw(st.none() | st.tuples(day_strategy(), st.sampled_from((None, "li", "wang"))))
    return Firm(credit_code(1000 + index), entry, leave, back, vertical, horizontal)


@st.composite
def scenarios(draw: st.DrawFn, per: CadencePer = CadencePer.ENTERPRISE) -> dict[str, Any]:
    count = draw(st.integers(min_value=1, max_value=4))
    fs = [draw(firms(i)) for i in range(count)]
    chief_from = draw(day_strategy())
    chief_until = draw(st.none() | day_strategy((chief_from - DAY0).days + 1, 120))
    officer_from = draw(day_strategy())
    visits = draw(
        st.lists(
            st.tuples(
                st.integers(0, count - 1),
                st.sampled_from(("li", "wang", "chen", "boss")),
                day_strategy(),
                st.sampled_from(("on_site", "phone")),
            ),
            max_size=12,
        )
    )
    unit, channels = draw(
        st.sampled_from(
            [
                ({"every_months": 1}, list(VisitChannel)),
                ({"every_months": 2}, [VisitChannel.ON_SITE]),
                ({"every_weeks": 1}, list(VisitChannel)),
                ({"every_weeks": 2}, [VisitChannel.PHONE]),
            ]
        )
    )
    start = draw(st.none() | day_strategy())
    cadence = VisitCadence.model_validate(
        {**unit, "per": per, "from": start, "counting_channels": channels, "cite": "t"}
    )
    month = Month(2026, draw(st.integers(1, 4)))
    g = draw(st.sampled_from((None, *GRIDS)))
    return {
        "firms": fs,
        "chief_from": chief_from,
        "chief_until": chief_until,
        "officer_from": officer_from,
        "visits": visits,
        "cadence": cadence,
        "month": month,
        "grid": g,
    }


def drive(e: Engine, sc: dict[str, Any]) -> None:
    roster = bijie_like(RosterBuilder(e, J)).member("G1", "chen", "chief", sc["chief_from"])
    if sc["chief_until"] is not None:
        e.roster.remove_grid_member(
            jurisdiction=J,
            grid_id="G1",
            person_id="chen",
            on=sc["chief_until"],
            reason="moved on",
            command_id="chief/out",
        )
    roster.member("G2", "wang", "officer", sc["officer_from"])
    for f in sc["firms"]:
        # The enterprise is registered on its entry date; grid joins before that are dropped
        # (the model drops them too).
        timeline: list[tuple[date, int, str, Any]] = [
            (d, 0, "scope", inside) for d, inside in f.scope_changes()
        ]
        timeline += [(d, 1, g, officer) for d, g, officer in f.vertical if d >= f.entry]
        if f.horizontal and f.horizontal[0] >= f.entry:
            timeline.append((f.horizontal[0], 1, "H1", f.horizontal[1]))
        for n, (d, _, what, arg) in enumerate(sorted(timeline, key=lambda t: (t[0], t[1]))):
            cid = f"{f.code}/{n}"
            if what == "scope" and n == 0:
                roster.enterprise(f.code, d)
            elif what == "scope" and arg:
                e.roster.enter_scope(
                    jurisdiction=J,
                    credit_code=f.code,
                    on=d,
                    basis=ScopeEntry.REINSTATED,
                    reason="back",
                    command_id=cid,
                )
            elif what == "scope":
                e.roster.leave_scope(
                    jurisdiction=J,
                    credit_code=f.code,
                    on=d,
                    basis=ScopeExit.MOVED_OUT,
                    reason="out",
                    command_id=cid,
                )
            else:
                roster.in_grid(f.code, what, d)
                if arg is not None and f.in_scope(d):
                    roster.responsible(f.code, arg, grid=what, on=d)
    for n, (i, who, d, channel) in enumerate(sc["visits"]):
        f = sc["firms"][i]
        if f.in_scope(d):
            roster.visit(f.code, who, d, channel=channel, visit_id=f"visit{n}")


def model_windows(cadence: VisitCadence, month: Month) -> list[tuple[date, date]]:
    """The windows owed: every unit's window, less those that begin before ``from``."""
    return [
        w for w in all_model_windows(cadence, month) if not cadence.from_ or w[0] >= cadence.from_
    ]


def all_model_windows(cadence: VisitCadence, month: Month) -> list[tuple[date, date]]:
    if cadence.every_months:
        return [(month.shift(1 - cadence.every_months).first, month.last)]
    out = []
    day = month.first
    while day <= month.last:
        if day.weekday() == 3:
            monday = day - timedelta(days=3)
            out.append(
                (
                    monday - timedelta(weeks=(cadence.every_weeks or 1) - 1),
                    monday + timedelta(days=6),
                )
            )
        day += timedelta(days=1)
    return out


def recorded(f: Firm) -> Firm:
    """The firm as the engine knows it: a grid joined before the enterprise existed was
    never recorded, so the model drops those joins."""
    return Firm(
        f.code,
        f.entry,
        f.leave,
        f.back,
        [v for v in f.vertical if v[0] >= f.entry],
        f.horizontal if f.horizontal and f.horizontal[0] >= f.entry else None,
    )


def team(sc: dict[str, Any], g: str, day: date) -> list[tuple[str, str]]:
    """The grid's team on ``day``: chen is G1's chief for a while, wang a G2 officer from a day."""
    until = sc["chief_until"]
    if g == "G1" and sc["chief_from"] <= day and (until is None or day < until):
        return [("chen", "chief")]
    if g == "G2" and sc["officer_from"] <= day:
        return [("wang", "officer")]
    return []


def for_grid(sc: dict[str, Any], f: Firm, g: str, who: str, day: date) -> bool:
    """Whether ``who`` visits for grid ``g`` on ``day``: in its team, or responsible there."""
    return who in [p for p, _ in team(sc, g, day)] or f.officer(g, day) == who


def days_of(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def model(sc: dict[str, Any]) -> tuple[list[str], dict[str, tuple[int, list[str]]]]:
    """Due codes, and for each missed code (number of missed windows, people responsible)."""
    g = sc["grid"]
    cadence: VisitCadence = sc["cadence"]
    due: list[str] = []
    missed: dict[str, tuple[int, list[str]]] = {}
    for i, f in enumerate(sc["firms"]):
        f = recorded(f)

        def served(day: date, f: Firm = f) -> bool:
            return f.in_scope(day) and (g is None or f.in_grid(g, day))

        def eligible(who: str, day: date, f: Firm = f) -> bool:
            return g is None or for_grid(sc, f, g, who, day)

        counting = [
            d
            for (k, who, d, channel) in sc["visits"]
            if k == i
            and f.in_scope(d)
            and channel in cadence.counting_channels
            and served(d)
            and eligible(who, d)
        ]
        was_due = False
        missed_count = 0
        last_due: date | None = None
        for first, last in model_windows(cadence, sc["month"]):
            due_days = [d for d in days_of(first, last) if served(d)]
            if not due_days:
                continue
            was_due = True
            if not any(first <= d <= last for d in counting):
                missed_count += 1
                last_due = due_days[-1]
        if was_due:
            due.append(f.code)
        if missed_count:
            assert last_due is not None
            grids = GRIDS if g is None else (g,)
            people = sorted({p for gg in grids if (p := f.officer(gg, last_due)) is not None})
            missed[f.code] = (missed_count, people)
    return sorted(due), missed


def grid_model(
    sc: dict[str, Any],
) -> tuple[list[str], dict[str, list[tuple[date, date, list[tuple[str, str]]]]], list[str]]:
    """Due grids; for each missed grid its missed windows with the team on the last due day;
    and, asked of the whole district, the firms in scope but in no grid on an owed day."""
    asked = sc["grid"]
    cadence: VisitCadence = sc["cadence"]
    fs = [recorded(f) for f in sc["firms"]]
    windows = model_windows(cadence, sc["month"])
    due: list[str] = []
    missed: dict[str, list[tuple[date, date, list[tuple[str, str]]]]] = {}
    for g in GRIDS if asked is None else (asked,):
        for first, last in windows:
            due_days = [
                d
                for d in days_of(first, last)
                if any(f.in_scope(d) and f.in_grid(g, d) for f in fs)
            ]
            if not due_days:
                continue
            if g not in due:
                due.append(g)
            if not any(
                first <= d <= last
                and channel in cadence.counting_channels
                and fs[k].in_scope(d)
                and fs[k].in_grid(g, d)
                and for_grid(sc, fs[k], g, who, d)
                for k, who, d, channel in sc["visits"]
            ):
                missed.setdefault(g, []).append((first, last, team(sc, g, due_days[-1])))
    outside = []
    if asked is None:
        outside = [
            f.code
            for f in fs
            if any(
                f.in_scope(d) and not any(f.in_grid(g, d) for g in GRIDS)
                for first, last in windows
                for d in days_of(first, last)
            )
        ]
    return due, missed, sorted(outside)


def report_of(sc: dict[str, Any]) -> CoverageReport | GridCoverageReport:
    with engine_on("sqlite:///:memory:", cst(2026, 6, 1, 9), rules=FIXTURE_RULES) as (e, _):
        drive(e, sc)
        view = e.roster.view()
        common: dict[str, Any] = {
            "jurisdiction": J,
            "month": sc["month"],
            "cadence": sc["cadence"],
            "enterprises": view.enterprises(J).values(),
            "visits_of": lambda c: view.visits(J, c),
        }
        if sc["cadence"].per is CadencePer.GRID:
            return compute_grid_coverage(
                **common,
                grids=view.grids(J).values(),
                grid=sc["grid"],
                positions=("chief", "deputy", "officer"),
            )
        return compute_coverage(**common, grid=view.grids(J)[sc["grid"]] if sc["grid"] else None)


def owed_as_modelled(report: CoverageReport | GridCoverageReport, sc: dict[str, Any]) -> None:
    cadence: VisitCadence = sc["cadence"]
    owed = model_windows(cadence, sc["month"])
    assert [(w.first, w.last) for w in report.windows] == owed
    everything = all_model_windows(cadence, sc["month"])
    assert [(w.first, w.last) for w in report.not_owed] == [w for w in everything if w not in owed]
    assert (report.not_owed_reason is None) == (len(owed) == len(everything))


@given(scenarios())
def test_coverage_equals_the_model(sc: dict[str, Any]) -> None:
    """For random enterprises, scope changes, grids, officers, visits and start days, the projection answers as the model does."""
    report = report_of(sc)
    assert isinstance(report, CoverageReport)
    owed_as_modelled(report, sc)
    due, missed = model(sc)
    assert list(report.due) == due
    assert {m.credit_code: (len(m.windows), sorted(m.responsible)) for m in report.missed} == missed


@given(scenarios(per=CadencePer.GRID))
def test_grid_coverage_equals_the_model(sc: dict[str, Any]) -> None:
    """Per grid, for random enterprises, grid moves, teams, visits and start days, the projection answers as the model does."""
    report = report_of(sc)
    assert isinstance(report, GridCoverageReport)
    owed_as_modelled(report, sc)
    due, missed, outside = grid_model(sc)
    assert list(report.due) == sorted(due)
    assert {
        m.grid: [
            (x.window.first, x.window.last, [(p.person, p.position) for p in x.team])
            for x in m.misses
        ]
        for m in report.missed
    } == missed
    assert list(report.outside_grids) == outside
