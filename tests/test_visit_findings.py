"""The roster's compliance findings: a ledger not sent by its due day, visits not made on cadence.

Bijie 五(五): each township's and authority's liaison sends the month's visit ledger to the
district office before the 27th (于每月27日前), read as by 24:00 on the 26th, a calendar
day whatever day of the week it is (the rule file's ``assumption``). Every jurisdiction
whose rules have a visit cadence finds the enterprises (or grids) it was not kept for.
Each finding carries the recorded events that prove it.
"""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from click.testing import CliRunner
from tests.builders import RosterBuilder
from tests.support import RULES, credit_code, cst, rule_book

from gridcase import RuleBook
from gridcase.application.engine import Engine
from gridcase.cli import main
from gridcase.kernel.clock import ManualClock
from gridcase.kernel.errors import InvalidInput, NotAuthorised, NotFound
from gridcase.projections.visit_findings import VisitFinding

B = "bijie"
A = credit_code(81, division="520502")


@pytest.fixture
def rules() -> RuleBook:
    """The bundled rules of the five jurisdictions."""
    return rule_book(RULES)


@pytest.fixture
def clock_start() -> datetime:
    """The rosters are set up on 2 January 2026."""
    return cst(2026, 1, 2, 9)


@pytest.fixture
def bijie(roster: RosterBuilder) -> RosterBuilder:
    """Township 1 (officer li and chief zhang on its team) and the industry grid (li too)
    serve enterprise A from 5 January 2026; wang is an officer on no team, boss the chief
    grid chief."""
    b = roster.of(B).person("li", "officer").person("wang", "officer")
    b.person("zhang", "grid_chief").person("boss", "chief_grid_chief")
    b.grid("town-1", "horizontal").grid("industry-1", "vertical")
    for g in ("town-1", "industry-1"):
        b.member(g, "li", "officer", date(2026, 1, 5))
    b.member("town-1", "zhang", "chief", date(2026, 1, 5))
    b.enterprise(A, date(2026, 1, 5)).in_grid(A, "town-1", date(2026, 1, 5))
    b.in_grid(A, "industry-1", date(2026, 1, 5))
    return b


def send(
    engine: Engine,
    clock: ManualClock,
    at: datetime,
    *,
    month: str = "2026-03",
    grid: str = "town-1",
    who: str = "li",
    role: str = "officer",
) -> None:
    clock.set(at)
    engine.roster_as(who).submit_visit_ledger(
        jurisdiction=B, grid=grid, month=month, role=role, command_id=f"send/{grid}/{month}/{who}"
    )


def ledger_findings(engine: Engine) -> list[VisitFinding]:
    return [
        f
        for f in engine.findings(B)
        if isinstance(f, VisitFinding) and f.kind.startswith("ledger_")
    ]


def kinds(found: list[VisitFinding]) -> set[tuple[str, str, str | None]]:
    return {(f.kind, f.period, f.grid) for f in found}


class TestLedgerDue:
    def test_sent_on_the_26th_is_on_time_and_earlier_months_not_sent_are_found(
        self, engine: Engine, clock: ManualClock, bijie: RosterBuilder
    ) -> None:
        """March's ledger sent at 22:00 on 26 March is on time; January's and February's, never sent, are findings of both grids."""
        send(engine, clock, cst(2026, 3, 26, 22))
        clock.set(cst(2026, 4, 2, 9))
        found = ledger_findings(engine)
        assert kinds(found) == {
            ("ledger_not_submitted", month, grid)
            for month in ("2026-01", "2026-02")
            for grid in ("town-1", "industry-1")
        } | {("ledger_not_submitted", "2026-03", "industry-1")}
        assert all(f.rule == "bijie@2021.1 visits.ledger_due" for f in found)

    def test_sent_on_the_27th_is_late_with_the_submission_as_proof(
        self, engine: Engine, clock: ManualClock, bijie: RosterBuilder
    ) -> None:
        """Sent at 09:00 on 27 March, after the deadline of 24:00 on the 26th: late, proved by the submission's event and the deadline."""
        send(engine, clock, cst(2026, 3, 27, 9))
        (late,) = [f for f in ledger_findings(engine) if f.kind == "ledger_submitted_late"]
        assert (late.period, late.grid, late.zh) == ("2026-03", "town-1", "台账逾期报送")
        submitted, due = late.evidence
        assert (submitted.record, submitted.version, submitted.at) == (
            "ledger town-1 2026-03",
            1,
            cst(2026, 3, 27, 9),
        )
        assert submitted.kind == "Submitted by li"
        assert due.at == cst(2026, 3, 27, 0)
        assert str(due) == "bijie@2021.1 visits.ledger_due: 2026-03 due by 24:00 on 2026-03-26"

    def test_not_sent_is_found_only_once_the_deadline_has_passed(
        self, engine: Engine, clock: ManualClock, bijie: RosterBuilder
    ) -> None:
        """At 23:59 on 26 March March's ledger is not yet missing; at 00:00 on the 27th it is."""
        clock.set(cst(2026, 3, 26, 23, 59))
        assert ("ledger_not_submitted", "2026-03", "town-1") not in kinds(ledger_findings(engine))
        clock.set(cst(2026, 3, 27, 0))
        assert ("ledger_not_submitted", "2026-03", "town-1") in kinds(ledger_findings(engine))

    def test_a_26th_on_a_saturday_is_not_moved_to_the_next_working_day(
        self, engine: Engine, clock: ManualClock, bijie: RosterBuilder
    ) -> None:
        """26 September 2026 is a Saturday (the 27th a Sunday): sent that Saturday is on time, sent on Monday the 28th is late."""
        assert date(2026, 9, 26).isoweekday() == 6
        send(engine, clock, cst(2026, 9, 26, 21), month="2026-09")
        send(engine, clock, cst(2026, 9, 28, 9), month="2026-09", grid="industry-1")
        september = [f for f in ledger_findings(engine) if f.period == "2026-09"]
        assert kinds(september) == {("ledger_submitted_late", "2026-09", "industry-1")}

    def test_the_submission_records_the_rows_sent(
        self, engine: Engine, clock: ManualClock, bijie: RosterBuilder
    ) -> None:
        """The submission says how many visits the grid's ledger held when it was sent."""
        clock.set(cst(2026, 3, 12, 9))
        bijie.visit(A, "li", date(2026, 3, 10)).visit(A, "li", date(2026, 3, 11))
        send(engine, clock, cst(2026, 3, 20, 9))
        (sent,) = engine.visit_books.submissions(B)
        assert (sent.grid, str(sent.month), sent.submitted_by, sent.visits) == (
            "town-1",
            "2026-03",
            "li",
            2,
        )


class TestWhoSends:
    def test_refusals_write_nothing(
        self, engine: Engine, clock: ManualClock, bijie: RosterBuilder
    ) -> None:
        """Refused: a role the rules do not let send (the chief grid chief), an officer on
        another team, a role the actor does not hold, a month not begun, an unknown grid, a
        jurisdiction that records no submission; a second sending of the same ledger."""
        clock.set(cst(2026, 3, 20, 9))
        head = engine.log.head()
        refused = [
            (NotAuthorised, "does not send a ledger", {"who": "boss", "role": "chief_grid_chief"}),
            (NotAuthorised, "not on the team of grid town-1", {"who": "wang"}),
            (NotAuthorised, "does not hold the role", {"role": "grid_chief"}),
            (InvalidInput, "before the month begins", {"month": "2026-04"}),
            (NotFound, "no grid 'town-9'", {"grid": "town-9"}),
        ]
        for error, message, args in refused:
            with pytest.raises(error, match=message):
                send(engine, clock, cst(2026, 3, 20, 9), **args)  # type: ignore[arg-type]
        assert engine.log.head() == head
        with pytest.raises(NotFound, match="records no ledger submission"):
            engine.roster_as("li").submit_visit_ledger(
                jurisdiction="yingkou", grid="g", month="2026-03", role="officer", command_id="y"
            )
        send(engine, clock, cst(2026, 3, 20, 9), who="zhang", role="grid_chief")
        with pytest.raises(InvalidInput, match="was sent already"):
            send(engine, clock, cst(2026, 3, 21, 9))

    def test_the_command_line_sends_and_the_report_finds(
        self, engine: Engine, clock: ManualClock, bijie: RosterBuilder, store_url: str
    ) -> None:
        """``gridcase --actor li visits submit-ledger`` records it; ``report findings`` lists the late ledger with its proof."""
        if not store_url.startswith("sqlite"):
            pytest.skip("the command line is driven on the SQLite file")
        clock.set(cst(2026, 3, 28, 9))
        sent = CliRunner().invoke(
            main,
            [
                "--actor",
                "li",
                "visits",
                "submit-ledger",
                "--url",
                store_url,
                "-j",
                B,
                "--grid",
                "town-1",
                "--month",
                "2026-03",
                "--role",
                "officer",
                "--at",
                "2026-03-27T08:30",
                "--late-reason",
                "补录",
            ],
        )
        assert sent.exit_code == 0, sent.output
        assert "sent grid town-1's ledger of 2026-03" in sent.output
        report = CliRunner().invoke(
            main,
            ["report", "findings", "--url", store_url, "--jurisdiction", B, "--format", "json"],
        )
        assert report.exit_code == 0, report.output
        rows = json.loads(report.output)
        late = [r for r in rows if r["kind_en"] == "ledger submitted late"]
        assert [(r["grid"], r["period"]) for r in late] == [("town-1", "2026-03")]
        assert "ledger town-1 2026-03 v1 Submitted by li 2026-03-27 08:30" in late[0]["evidence"]


class TestNotVisitedOnCadence:
    @pytest.fixture
    def clock_start(self) -> datetime:
        """The rosters are set up on 2 January 2026; the findings are judged on 1 April."""
        return cst(2026, 1, 2, 9)

    @pytest.mark.parametrize(
        ("jurisdiction", "role", "visits", "missed"),
        [
            ("bijie", "officer", [date(2026, 1, 12), date(2026, 3, 3)], ["2026-02"]),
            ("yingkou", "officer", [date(2026, 1, 12), date(2026, 3, 3)], ["2026-02"]),
            ("weifang", "commissioner", [date(2026, 1, 12)], ["2026-03"]),
        ],
    )
    def test_a_month_without_a_counting_visit_is_a_finding_per_enterprise(
        self,
        engine: Engine,
        clock: ManualClock,
        roster: RosterBuilder,
        jurisdiction: str,
        role: str,
        visits: list[date],
        missed: list[str],
    ) -> None:
        """Bijie and Yingkou monthly: February without a visit; Weifang every two months on site: the window of February and March."""
        code = credit_code(91, division={"bijie": "520502"}.get(jurisdiction, "210800"))
        j = roster.of(jurisdiction).person("officer-1", role)
        j.enterprise(code, date(2026, 1, 5))
        for day in visits:
            clock.set(cst(day.year, day.month, day.day, 12))
            j.visit(code, "officer-1", day)
        clock.set(cst(2026, 4, 1, 9))
        found = [
            f
            for f in engine.findings(jurisdiction)
            if isinstance(f, VisitFinding) and f.kind == "not_visited_on_cadence"
        ]
        assert [(f.enterprise, f.period) for f in found] == [(code, m) for m in missed]
        proof = found[0].evidence
        assert (proof[0].record, proof[0].version, proof[0].kind) == (
            f"enterprise {code}",
            1,
            "Registered",
        )
        assert proof[-1].record.startswith("visit ")
        assert proof[-1].at == cst(2026, 1, 12, 10)
        assert found[0].rule.startswith(f"{jurisdiction}@")

    def test_qingdao_a_week_without_a_visit_by_the_grid_team(
        self, engine: Engine, clock: ManualClock, roster: RosterBuilder
    ) -> None:
        """Qingdao's grids are visited every week: visits on 3, 10 and 24 March 2026 leave week 12 missed, a finding of the grid."""
        code = credit_code(92, division="370212")
        q = roster.of("qingdao").person("zhang", "grid_chief").person("li", "officer")
        q.grid("incubator-1", "incubator")
        q.member("incubator-1", "zhang", "chief", date(2026, 3, 1))
        q.member("incubator-1", "li", "officer", date(2026, 3, 1))
        q.enterprise(code, date(2026, 3, 2)).in_grid(code, "incubator-1", date(2026, 3, 2))
        for day in (date(2026, 3, 3), date(2026, 3, 10), date(2026, 3, 24)):
            clock.set(cst(day.year, day.month, day.day, 12))
            q.visit(code, "li", day, evidence=())
        clock.set(cst(2026, 4, 1, 9))
        found = [f for f in engine.findings("qingdao") if isinstance(f, VisitFinding)]
        assert [(f.kind, f.grid, f.period) for f in found] == [
            ("grid_not_visited_on_cadence", "incubator-1", "2026-W12")
        ]
        assert found[0].evidence[-1].at == cst(2026, 3, 10, 10)
