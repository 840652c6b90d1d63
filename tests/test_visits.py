"""Visits (走访): recorded with findings and evidence, refused when the rules say so, linked to cases.

On SQLite and PostgreSQL (the ``engine`` and ``roster`` fixtures).
"""

from __future__ import annotations

from datetime import date

import pytest
from eventsourcing.utils import get_topic
from tests.builders import EVIDENCE, RosterBuilder
from tests.support import credit_code, cst

from gridcase import SubmitDemand
from gridcase.application.engine import Engine
from gridcase.domain.enterprise import ScopeExit
from gridcase.domain.payloads import EvidenceRef
from gridcase.kernel.errors import (
    InvalidInput,
    NotAuthorised,
    NotFound,
    OutOfScope,
    RefusedByRule,
    UnknownActor,
)

CODE = credit_code(1)


@pytest.fixture(autouse=True)
def visitors(roster: RosterBuilder) -> None:
    """Every test here starts with officer li in twogrids (Bijie-like: on site, with evidence,
    never an inspection), department-level commissioner ting in commissioners (Weifang-like),
    and enterprise CODE in both, in scope from 5 January 2026."""
    roster.person("li", "officer").enterprise(CODE, date(2026, 1, 5))
    commissioners = roster.of("commissioners")
    commissioners.person("ting", "commissioner", rank="department_level")
    commissioners.enterprise(CODE, date(2026, 1, 5))


def visit(e: Engine, **overrides: object) -> object:
    args: dict[str, object] = {
        "jurisdiction": "twogrids",
        "enterprise": CODE,
        "visitor": "li",
        "visited_at": cst(2026, 2, 3, 10),
        "channel": "on_site",
        "evidence": [EVIDENCE],
        "findings": {"operations": "正常生产", "difficulties": "用工紧张"},
        "command_id": "v1",
    }
    args.update(overrides)
    return e.roster.record_visit(**args)  # type: ignore[arg-type]


def notifications(e: Engine) -> int:
    return e.log.count()


class TestRecording:
    def test_what_a_visit_keeps(self, engine: Engine) -> None:
        """Who, which enterprise, when, how, findings and evidence by digest are kept."""
        visit(engine, visit_id="V-001")
        v = engine.roster.visit("twogrids", "V-001")
        assert (v.enterprise, v.visitor, v.channel, v.purpose) == (CODE, "li", "on_site", "service")
        assert v.at == cst(2026, 2, 3, 10)
        assert v.day == date(2026, 2, 3)
        assert v.findings == {"operations": "正常生产", "difficulties": "用工紧张"}
        assert v.evidence_refs == (EvidenceRef(**EVIDENCE),)  # type: ignore[arg-type]

    def test_the_china_date_counts(self, engine: Engine) -> None:
        """A visit at 23:30 UTC on 2 February took place on 3 February in China."""
        from datetime import UTC, datetime

        visit(engine, visited_at=datetime(2026, 2, 2, 23, 30, tzinfo=UTC), visit_id="V-utc")
        assert engine.roster.visit("twogrids", "V-utc").day == date(2026, 2, 3)

    def test_same_command_twice_records_once(self, engine: Engine) -> None:
        """Re-sending the visit with its command id writes nothing new."""
        visit(engine)
        count = notifications(engine)
        assert visit(engine).duplicate  # type: ignore[attr-defined]
        assert notifications(engine) == count

    def test_phone_and_wechat_where_allowed(self, engine: Engine) -> None:
        """Weifang-like rules record WeChat contacts (they just do not count towards the cadence)."""
        visit(engine, jurisdiction="commissioners", visitor="ting", channel="wechat", evidence=[])


class TestRefusals:
    @pytest.mark.parametrize(
        ("overrides", "error", "text"),
        [
            ({"visitor": "ghost"}, UnknownActor, "not in the twogrids roster"),
            ({"visitor": "system"}, NotAuthorised, "does not visit"),
            (
                {"visited_at": cst(2026, 1, 4, 10)},
                OutOfScope,
                "not in twogrids's scope on 2026-01-04",
            ),
            ({"channel": "wechat"}, RefusedByRule, "does not record visits by wechat"),
            ({"channel": "fax"}, InvalidInput, "unknown visit channel"),
            (
                {"evidence": [{"sha256": "xyz", "size": 1, "media_type": "image/png"}]},
                InvalidInput,
                "sha256",
            ),
            ({"findings": {"mood": "good"}}, InvalidInput, "mood"),
            ({"visited_at": cst(2026, 3, 9, 9)}, InvalidInput, "in the future"),
        ],
    )
    def test_refused_and_nothing_written(
        self, engine: Engine, overrides: dict[str, object], error: type[Exception], text: str
    ) -> None:
        """A bad visit is refused with a typed error naming what is wrong, and writes nothing."""
        before = notifications(engine)
        with pytest.raises(error, match=text):
            visit(engine, **overrides)
        assert notifications(engine) == before

    def test_inspection_forbidden_naming_the_rule(self, engine: Engine) -> None:
        """Bijie-like: a visit recorded as an inspection is refused, citing 严禁将上门服务变味为检查工作."""
        with pytest.raises(RefusedByRule) as info:
            visit(engine, purpose="inspection")
        assert info.value.rule == "twogrids@test.1 visits.forbid_inspection"
        assert "严禁将上门服务变味为检查工作" in (info.value.cite or "")

    def test_inspection_allowed_elsewhere(self, engine: Engine) -> None:
        """Where the rules do not forbid it, an inspection is recorded as such."""
        visit(
            engine, jurisdiction="commissioners", visitor="ting", purpose="inspection", evidence=[]
        )
        assert engine.roster.visit("commissioners", "v1").purpose == "inspection"

    def test_evidence_required(self, engine: Engine) -> None:
        """Bijie-like: a visit without evidence is refused, naming visits.require_evidence."""
        with pytest.raises(RefusedByRule) as info:
            visit(engine, evidence=[])
        assert info.value.rule == "twogrids@test.1 visits.require_evidence"

    def test_after_the_enterprise_left(self, engine: Engine) -> None:
        """A visit dated after the enterprise moved out is refused as out of scope."""
        engine.roster.leave_scope(
            jurisdiction="twogrids",
            credit_code=CODE,
            on=date(2026, 2, 1),
            basis=ScopeExit.MOVED_OUT,
            reason="迁出",
            command_id="out",
        )
        with pytest.raises(OutOfScope):
            visit(engine)
        visit(engine, visited_at=cst(2026, 1, 30, 9), command_id="v-before")


class TestCasesFromVisits:
    def test_linked_both_ways(self, engine: Engine) -> None:
        """A demand raised in a visit records the visit, and the visit records the case."""
        visit(engine, visit_id="V-9")
        result = engine.roster.raise_demand(
            jurisdiction="twogrids",
            visit_id="V-9",
            category="general",
            title="用工紧张",
            actor="li",
            role="officer",
            command_id="case-1",
            at=cst(2026, 2, 3, 11),
            late_reason="raised in the visit, entered afterwards",
        )
        state = engine.case(result.case_id)
        assert state.submission.visit_id == "V-9"
        assert state.submission.channel == "visit"
        assert engine.roster.visit("twogrids", "V-9").cases == [result.case_id]

    def test_resending_completes_the_link_once(self, engine: Engine) -> None:
        """Re-sending the same demand neither opens a second case nor links it twice."""
        visit(engine, visit_id="V-9")
        args = {
            "jurisdiction": "twogrids",
            "visit_id": "V-9",
            "category": "general",
            "title": "t",
            "actor": "li",
            "role": "officer",
            "command_id": "case-1",
            "at": cst(2026, 2, 3, 11),
            "late_reason": "raised in the visit, entered afterwards",
        }
        first = engine.roster.raise_demand(**args)  # type: ignore[arg-type]
        again = engine.roster.raise_demand(**args)  # type: ignore[arg-type]
        assert again.duplicate
        assert again.case_id == first.case_id
        assert engine.roster.visit("twogrids", "V-9").cases == [first.case_id]

    def test_one_visit_many_cases(self, engine: Engine) -> None:
        """A visit can open several cases."""
        visit(engine, visit_id="V-9")
        ids = [
            engine.roster.raise_demand(
                jurisdiction="twogrids",
                visit_id="V-9",
                category="general",
                title=f"t{i}",
                actor="li",
                role="officer",
                command_id=f"case-{i}",
                at=cst(2026, 2, 3, 11),
                late_reason="raised in the visit, entered afterwards",
            ).case_id
            for i in range(2)
        ]
        assert engine.roster.visit("twogrids", "V-9").cases == ids

    def test_a_portal_submitting_with_a_visit_id_gets_the_same_link(self, engine: Engine) -> None:
        """engine.submit naming a visit links it both ways in the one save that opens the case."""
        visit(engine, visit_id="V-9")
        before = notifications(engine)
        result = engine.submit(
            SubmitDemand(
                jurisdiction="twogrids",
                enterprise=CODE,
                category="general",
                title="用工紧张",
                actor="li",
                role="officer",
                command_id="portal-1",
                at=cst(2026, 2, 3, 11),
                late_reason="raised in the visit, entered afterwards",
                visit_id="V-9",
            )
        )
        assert engine.roster.visit("twogrids", "V-9").cases == [result.case_id]
        written = [e for _, e in engine.log.read(after=before)]
        topics = sorted(get_topic(type(e)).rsplit(":", 1)[1] for e in written)
        # One save: the rule text (on its first use), the case and the visit's link.
        assert topics == ["Case.Submitted", "PublishedRules.Published", "Visit.CaseOpened"]

    @pytest.mark.parametrize(
        ("visit_id", "enterprise", "at", "error", "says"),
        [
            ("V-404", CODE, cst(2026, 2, 3, 11), NotFound, "no visit 'V-404'"),
            ("V-9", credit_code(2), cst(2026, 2, 3, 11), InvalidInput, "was to"),
            ("V-9", CODE, cst(2026, 2, 3, 9), InvalidInput, "yet to happen"),
        ],
        ids=["unknown-visit", "another-enterprise", "before-the-visit"],
    )
    def test_a_demand_naming_a_wrong_visit_is_refused_and_writes_nothing(
        self,
        engine: Engine,
        roster: RosterBuilder,
        visit_id: str,
        enterprise: str,
        at: object,
        error: type[Exception],
        says: str,
    ) -> None:
        """A demand naming an unknown visit, another enterprise's, or one yet to happen is refused and writes nothing."""
        visit(engine, visit_id="V-9")
        roster.enterprise(credit_code(2), date(2026, 1, 5))
        before = notifications(engine)
        with pytest.raises(error, match=says):
            engine.submit(
                SubmitDemand(
                    jurisdiction="twogrids",
                    enterprise=enterprise,
                    category="general",
                    title="t",
                    actor="li",
                    role="officer",
                    command_id="portal-2",
                    at=at,  # type: ignore[arg-type]
                    visit_id=visit_id,
                )
            )
        assert notifications(engine) == before
        assert engine.roster.visit("twogrids", "V-9").cases == []
