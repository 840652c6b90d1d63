"""Coverage: which enterprises in scope were not visited as the cadence requires.

The property test drives the engine with random enterprises, scope changes, grid moves,
officers, a grid team and visits, and compares the projection's answer with a model that
checks the rules of docs/roster.md day by day.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.roster_support import EVIDENCE, FIXTURE_RULES, enterprise, grid, person
from tests.support import credit_code, cst, engine_on

from gridcase.domain.enterprise import ScopeEntry, ScopeExit
from gridcase.engine import Engine
from gridcase.errors import NotFound
from gridcase.projections import Month, RosterProjection, compute_coverage, read_log
from gridcase.projections.coverage import cadence_windows
from gridcase.workflow.model import VisitCadence, VisitChannel

J = "twogrids"
DAY0 = date(2026, 1, 1)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    with engine_on(f"sqlite:///{tmp_path / 't.db'}", cst(2026, 6, 1, 9), rules=FIXTURE_RULES) as (
        e,
        _,
    ):
        yield e


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


def setup_bijie_like(e: Engine) -> None:
    for pid, roles in (
        ("li", ["officer"]),
        ("wang", ["officer"]),
        ("chen", ["chief"]),
        ("boss", ["leader"]),
    ):
        person(e, J, pid, roles)
    for g, kind in (("G1", "vertical"), ("G2", "vertical"), ("H1", "horizontal")):
        grid(e, J, g, kind)


def visit(e: Engine, code: str, who: str, day: date, cid: str, channel: str = "on_site") -> None:
    e.roster.record_visit(
        jurisdiction=J,
        enterprise=code,
        visitor=who,
        visited_at=cst(day.year, day.month, day.day, 10),
        channel=channel,
        evidence=[EVIDENCE],
        command_id=cid,
    )


class TestBijieLike:
    def test_enterprise_in_two_grids_appears_in_both(self, engine: Engine) -> None:
        """An enterprise in a vertical and a horizontal grid is due in both grids' coverage."""
        setup_bijie_like(engine)
        code = credit_code(1)
        enterprise(engine, J, code, date(2026, 1, 5))
        for g, officer in (("G1", "li"), ("H1", "wang")):
            engine.roster.assign_grid(
                jurisdiction=J, credit_code=code, grid_id=g, on=date(2026, 1, 5), command_id=f"g{g}"
            )
            engine.roster.assign_responsible(
                jurisdiction=J,
                credit_code=code,
                person_id=officer,
                grid=g,
                on=date(2026, 1, 5),
                command_id=f"r{g}",
            )
        for g, officer in (("G1", "li"), ("H1", "wang")):
            report = engine.roster.coverage(J, "2026-02", g)
            assert report.due == (code,)
            assert [(m.credit_code, m.responsible) for m in report.missed] == [(code, (officer,))]

    def test_each_grid_visits_its_enterprises(self, engine: Engine) -> None:
        """The vertical grid's visit does not cover the horizontal grid; the whole district is covered."""
        setup_bijie_like(engine)
        code = credit_code(2)
        enterprise(engine, J, code, date(2026, 1, 5))
        for g, officer in (("G1", "li"), ("H1", "wang")):
            engine.roster.assign_grid(
                jurisdiction=J, credit_code=code, grid_id=g, on=date(2026, 1, 5), command_id=f"g{g}"
            )
            engine.roster.assign_responsible(
                jurisdiction=J,
                credit_code=code,
                person_id=officer,
                grid=g,
                on=date(2026, 1, 5),
                command_id=f"r{g}",
            )
        visit(engine, code, "li", date(2026, 2, 10), "v")
        assert engine.roster.coverage(J, "2026-02", "G1").missed == ()
        assert [m.credit_code for m in engine.roster.coverage(J, "2026-02", "H1").missed] == [code]
        assert engine.roster.coverage(J, "2026-02").missed == ()

    def test_grid_team_visits_count(self, engine: Engine) -> None:
        """A visit by the grid chief counts for the grid."""
        setup_bijie_like(engine)
        code = credit_code(3)
        enterprise(engine, J, code, date(2026, 1, 5))
        engine.roster.assign_grid(
            jurisdiction=J, credit_code=code, grid_id="G1", on=date(2026, 1, 5), command_id="g"
        )
        engine.roster.add_grid_member(
            jurisdiction=J,
            grid_id="G1",
            person_id="chen",
            position="chief",
            on=date(2026, 1, 1),
            command_id="m",
        )
        visit(engine, code, "chen", date(2026, 2, 10), "v")
        assert engine.roster.coverage(J, "2026-02", "G1").missed == ()

    def test_entered_mid_month_is_due_from_its_entry(self, engine: Engine) -> None:
        """An enterprise that entered on 20 February is due in February; one that left on 1 February is not."""
        setup_bijie_like(engine)
        new, gone = credit_code(4), credit_code(5)
        enterprise(engine, J, new, date(2026, 2, 20))
        enterprise(engine, J, gone, date(2026, 1, 5))
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
    def test_two_months_on_site(self, engine: Engine) -> None:
        """Weifang-like: only on-site visits count, within the month asked and the one before."""
        person(engine, "commissioners", "ting", ["commissioner"], rank="department_level")
        a, b = credit_code(10), credit_code(11)
        for code in (a, b):
            enterprise(engine, "commissioners", code, date(2025, 12, 1))
            engine.roster.assign_responsible(
                jurisdiction="commissioners",
                credit_code=code,
                person_id="ting",
                on=date(2025, 12, 1),
                command_id=f"r{code}",
            )
        for code, channel, day in ((a, "on_site", 20), (b, "wechat", 21)):
            engine.roster.record_visit(
                jurisdiction="commissioners",
                enterprise=code,
                visitor="ting",
                visited_at=cst(2026, 1, day, 10),
                channel=channel,
                command_id=f"v{code}",
            )
        feb = engine.roster.coverage("commissioners", "2026-02")
        assert [(m.credit_code, m.responsible) for m in feb.missed] == [(b, ("ting",))]
        assert feb.missed[0].windows[0].first == date(2026, 1, 1)
        assert {
            m.credit_code for m in engine.roster.coverage("commissioners", "2026-03").missed
        } == {a, b}

    def test_weekly(self, engine: Engine) -> None:
        """Qingdao-like: every ISO week of the month needs its visit; the missed weeks are listed."""
        person(engine, "zones", "li", ["officer"])
        code = credit_code(12)
        enterprise(engine, "zones", code, date(2026, 1, 1))
        for i, day in enumerate((3, 10, 24, 31)):
            engine.roster.record_visit(
                jurisdiction="zones",
                enterprise=code,
                visitor="li",
                visited_at=cst(2026, 3, day, 10),
                channel="phone",
                command_id=f"v{i}",
            )
        (missed,) = engine.roster.coverage("zones", "2026-03").missed
        assert [w.label for w in missed.windows] == ["2026-W12"]
        assert engine.roster.coverage("zones", "2026-04").missed[0].windows[0].label == "2026-W15"


class TestTheLog:
    def test_rebuilt_from_scratch_in_small_pages(self, engine: Engine) -> None:
        """A fresh projection read one event at a time answers as the live one does."""
        setup_bijie_like(engine)
        for i in range(3):
            enterprise(engine, J, credit_code(20 + i), date(2026, 1, 5))
        visit(engine, credit_code(20), "li", date(2026, 2, 2), "v")
        live = engine.roster.coverage(J, "2026-02")
        fresh = RosterProjection()
        fresh.fold_all(read_log(engine.application, topics=RosterProjection.topics, page=1))
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
        got = list(read_log(app, page=2))  # type: ignore[arg-type]
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
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    count = draw(st.integers(min_value=1, max_value=4))
    fs = [draw(firms(i)) for i in range(count)]
    chief_from = draw(day_strategy())
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
    cadence = draw(
        st.sampled_from(
            [
                VisitCadence(every_months=1, cite="t"),
                VisitCadence(every_months=2, counting_channels=[VisitChannel.ON_SITE], cite="t"),
                VisitCadence(every_weeks=1, cite="t"),
                VisitCadence(every_weeks=2, counting_channels=[VisitChannel.PHONE], cite="t"),
            ]
        )
    )
    month = Month(2026, draw(st.integers(1, 4)))
    g = draw(st.sampled_from((None, *GRIDS)))
    return {
        "firms": fs,
        "chief_from": chief_from,
        "visits": visits,
        "cadence": cadence,
        "month": month,
        "grid": g,
    }


def drive(e: Engine, sc: dict[str, Any]) -> None:
    setup_bijie_like(e)
    e.roster.add_grid_member(
        jurisdiction=J,
        grid_id="G1",
        person_id="chen",
        position="chief",
        on=sc["chief_from"],
        command_id="chief",
    )
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
                enterprise(e, J, f.code, d)
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
                e.roster.assign_grid(
                    jurisdiction=J, credit_code=f.code, grid_id=what, on=d, command_id=cid
                )
                if arg is not None and f.in_scope(d):
                    e.roster.assign_responsible(
                        jurisdiction=J,
                        credit_code=f.code,
                        person_id=arg,
                        grid=what,
                        on=d,
                        command_id=f"{cid}/r",
                    )
    for n, (i, who, d, channel) in enumerate(sc["visits"]):
        f = sc["firms"][i]
        if f.in_scope(d):
            e.roster.record_visit(
                jurisdiction=J,
                enterprise=f.code,
                visitor=who,
                visited_at=cst(d.year, d.month, d.day, 10),
                channel=channel,
                evidence=[EVIDENCE],
                command_id=f"visit{n}",
            )


def model_windows(cadence: VisitCadence, month: Month) -> list[tuple[date, date]]:
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


def model(sc: dict[str, Any]) -> tuple[list[str], dict[str, tuple[int, list[str]]]]:
    """Due codes, and for each missed code (number of missed windows, people responsible)."""
    g = sc["grid"]
    cadence: VisitCadence = sc["cadence"]
    due: list[str] = []
    missed: dict[str, tuple[int, list[str]]] = {}
    for i, f in enumerate(sc["firms"]):
        # A grid joined before the enterprise existed was never recorded: the model drops those joins.
        f = Firm(
            f.code,
            f.entry,
            f.leave,
            f.back,
            [v for v in f.vertical if v[0] >= f.entry],
            f.horizontal if f.horizontal and f.horizontal[0] >= f.entry else None,
        )

        def served(day: date, f: Firm = f) -> bool:
            return f.in_scope(day) and (g is None or f.in_grid(g, day))

        def eligible(who: str, day: date, f: Firm = f) -> bool:
            if g is None:
                return True
            return (g == "G1" and who == "chen" and day >= sc["chief_from"]) or f.officer(
                g, day
            ) == who

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
            days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
            due_days = [d for d in days if served(d)]
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


@given(scenarios())
def test_coverage_equals_the_model(sc: dict[str, Any]) -> None:
    """For random enterprises, scope changes, grids, officers and visits, the projection answers as the model does."""
    with engine_on("sqlite:///:memory:", cst(2026, 6, 1, 9), rules=FIXTURE_RULES) as (e, _):
        drive(e, sc)
        view = e.roster.view()
        report = compute_coverage(
            jurisdiction=J,
            month=sc["month"],
            cadence=sc["cadence"],
            enterprises=view.enterprises(J).values(),
            visits_of=lambda c: view.visits(J, c),
            grid=view.grids(J)[sc["grid"]] if sc["grid"] else None,
        )
    due, missed = model(sc)
    assert list(report.due) == due
    assert {m.credit_code: (len(m.windows), sorted(m.responsible)) for m in report.missed} == missed
