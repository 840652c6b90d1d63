"""Enterprise liaisons (企业联络员): named by the enterprise, capped by the rules, acting for it alone.

Weifang 服务专员工作方式: 每个被联系企业确定1-2名联络员, 服务专员与企业联络员保持实时沟通联络. The
rule file declares the cap (``roster.enterprise_liaisons.max: 2``); a liaison acts in the
enterprise's roles, for that enterprise only, as ``<credit code>/<liaison id>``, until
withdrawn. The tests run on SQLite and PostgreSQL (the ``engine`` and ``roster``
fixtures), apart from those on edited Malu rule files; those on several engines check what
a portal running several engines on one store relies on: the cap holds against two
namings at once, and a withdrawal made by another engine is seen at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.utils import get_topic
from tests.builders import RosterBuilder
from tests.support import RULES, AdminEngine, credit_code, cst, engine_on, rule_book

from gridcase import Action, ActOnCase, ManualClock, RuleBook, SubmitDemand
from gridcase.application.engine import Engine
from gridcase.domain.enterprise import Enterprise, liaison_actor_id, split_liaison_actor
from gridcase.kernel.errors import (
    Conflict,
    InvalidInput,
    NotAuthorised,
    NotFound,
    OutOfScope,
    RefusedByRule,
    RuleFileError,
    StoreBusy,
    UnknownActor,
)
from gridcase.workflow.loader import parse_rules

START = cst(2026, 3, 2, 9)
WORKS = credit_code(41, division="370705")
"""The enterprise whose liaisons the tests name (an engine works in Weifang)."""
BUILDER = credit_code(42, division="370705")
"""Another enterprise, with liaisons of its own."""

MALU_ROSTER = "roster:\n  responsible_role: butler\n"
MALU_LIAISONS = (
    "roster:\n"
    "  enterprise_liaisons:\n"
    "    max: 1\n"
    "    assumption: a test declaration, one liaison per enterprise\n"
    "  responsible_role: butler\n"
)


def events_of(engine: Engine) -> int:
    return engine.log.head()


WEIFANG_SINCE = date(2021, 3, 1)
"""Weifang's enterprises are in scope from its release of March 2021."""
MALU_SINCE = date(2024, 1, 1)


def name(
    engine: Engine,
    liaison_id: str,
    code: str = WORKS,
    *,
    jurisdiction: str = "weifang",
    person: str | None = None,
    command_id: str | None = None,
) -> Any:
    return engine.roster.name_liaison(
        jurisdiction=jurisdiction,
        credit_code=code,
        liaison_id=liaison_id,
        name=person or f"联络员{liaison_id}",
        command_id=command_id or f"liaison/{code}/{liaison_id}",
    )


def withdraw(
    engine: Engine, liaison_id: str, code: str = WORKS, *, jurisdiction: str = "weifang"
) -> Any:
    return engine.roster.withdraw_liaison(
        jurisdiction=jurisdiction,
        credit_code=code,
        liaison_id=liaison_id,
        reason="离职",
        command_id=f"liaison-off/{code}/{liaison_id}",
    )


def report(engine: Engine, actor: str, command_id: str, enterprise: str = WORKS) -> UUID:
    """企业直报: a matter reported to Weifang's platform in the enterprise's role."""
    return engine.submit(
        SubmitDemand(
            jurisdiction="weifang",
            enterprise=enterprise,
            category="enterprise_development",
            title="企业直报：用电增容",
            actor=actor,
            role="enterprise",
            command_id=command_id,
        )
    ).case_id


def active(engine: Engine, code: str = WORKS) -> list[str]:
    return [x.liaison_id for x in engine.roster.enterprise("weifang", code).active_liaisons()]


@pytest.fixture
def rules() -> RuleBook:
    """The bundled rules: Weifang declares liaisons, Malu does not."""
    return rule_book(RULES)


@pytest.fixture
def jurisdiction() -> str:
    """Weifang, whose release names enterprise liaisons."""
    return "weifang"


@pytest.fixture
def weifang(engine: Engine, roster: RosterBuilder) -> Engine:
    """Weifang's rules with two enterprises registered, WORKS and BUILDER."""
    roster.enterprises(WORKS, BUILDER, since=WEIFANG_SINCE)
    return engine


def malu_rules(tmp_path: Path, *, older_version_too: bool = False) -> Path:
    """A rules folder whose Malu file declares liaisons (Malu's enterprise confirms and rates).

    With ``older_version_too`` the bundled Malu file (no liaisons) stays in force until
    2026-03-01, when a version ``2026.1`` that declares them takes over.
    """
    folder = tmp_path / "rules"
    folder.mkdir()
    text = (RULES / "malu.yaml").read_text(encoding="utf-8")
    assert text.count(MALU_ROSTER) == 1
    declared = text.replace(MALU_ROSTER, MALU_LIAISONS)
    if older_version_too:
        (folder / "malu.yaml").write_text(text, encoding="utf-8")
        declared = declared.replace('version: "2023.1"', 'version: "2026.1"').replace(
            "effective: 2023-12-26", "effective: 2026-03-01"
        )
        (folder / "malu-2026.yaml").write_text(declared, encoding="utf-8")
    else:
        (folder / "malu.yaml").write_text(declared, encoding="utf-8")
    return folder


def malu_roster(engine: Engine, *codes: str) -> RosterBuilder:
    """Malu's enterprises ``codes``, its service center's duty officer and the planning liaison."""
    malu = RosterBuilder(engine, "malu").enterprises(*codes, since=MALU_SINCE)
    return malu.person("center-1", "center").person("planning-liaison", "unit", units=["planning"])


def resolved_case(engine: Engine, code: str, tag: str, submitter: str | None = None) -> UUID:
    """A Malu consultation handled up to the completion notice (六(三) 办结通知)."""
    case_id = engine.submit(
        SubmitDemand(
            jurisdiction="malu",
            enterprise=code,
            category="consultation",
            title="咨询",
            actor=submitter or code,
            role="enterprise",
            command_id=f"{tag}/submit",
        )
    ).case_id
    for action, actor, role, payload in (
        (Action.DISPATCH, "center-1", "center", {"unit": "planning"}),
        (Action.ACCEPT, "planning-liaison", "unit", {}),
        (Action.RESOLVE, "planning-liaison", "unit", {"result": "已答复"}),
    ):
        engine.act(
            ActOnCase(case_id, action, actor, role, f"{tag}/{action.value}", payload=payload)
        )
    return case_id


class TestTheRuleFile:
    """``roster.enterprise_liaisons`` says whether, and how many; it cites its source."""

    def test_weifang_declares_at_most_two_citing_the_release(self, weifang: Engine) -> None:
        """Weifang's rule file allows at most two liaisons an enterprise and cites the release that says so."""
        roster = weifang.rules.in_force("weifang", START.date()).rules.roster
        assert roster is not None
        assert roster.enterprise_liaisons is not None
        assert roster.enterprise_liaisons.max == 2
        assert "每个被联系企业确定1-2名联络员" in (roster.enterprise_liaisons.cite or "")

    def test_a_declaration_without_a_source_is_refused(self) -> None:
        """A liaison declaration with neither cite nor assumption is refused where it is written."""
        text = (RULES / "malu.yaml").read_text(encoding="utf-8")
        bare = text.replace(
            MALU_ROSTER, "roster:\n  enterprise_liaisons: {max: 1}\n  responsible_role: butler\n"
        )
        with pytest.raises(RuleFileError, match=r"roster\.enterprise_liaisons\].*needs a 'cite'"):
            parse_rules(bare)

    def test_liaisons_need_an_enterprise_role_to_act_in(self) -> None:
        """Rules that declare liaisons but no role of kind enterprise are refused."""
        text = (RULES / "malu.yaml").read_text(encoding="utf-8").replace(MALU_ROSTER, MALU_LIAISONS)
        role = "  enterprise:\n    name: {zh: 企业, en: enterprise}\n    kind: enterprise\n"
        assert text.count(role) == 1
        with pytest.raises(RuleFileError, match="declare a role of kind 'enterprise'"):
            parse_rules(text.replace(role, role.replace("kind: enterprise", "kind: office")))

    def test_a_cap_below_one_is_refused(self) -> None:
        """A cap of zero liaisons is refused."""
        text = (RULES / "malu.yaml").read_text(encoding="utf-8")
        zero = MALU_LIAISONS.replace("max: 1", "max: 0")
        with pytest.raises(RuleFileError, match=r"enterprise_liaisons\.max"):
            parse_rules(text.replace(MALU_ROSTER, zero))


class TestNamingALiaison:
    def test_a_liaison_is_recorded_on_the_enterprise_with_the_name_in_a_field_of_its_own(
        self, weifang: Engine
    ) -> None:
        """The stored event carries the id apart and the name sealed with the enterprise's key."""
        name(weifang, "wang", person="王某")
        ent = weifang.roster.enterprise("weifang", WORKS)
        assert [(x.liaison_id, x.active) for x in ent.liaisons] == [("wang", True)]
        assert weifang.roster.personal_data("weifang", WORKS).liaisons == {"wang": "王某"}
        last = weifang.log.events_of(ent.id)[-1]
        assert get_topic(type(last)) == "gridcase.domain.enterprise:Enterprise.LiaisonNamed"
        assert last.liaison_id == "wang"
        assert last.name.startswith("gcs1:aes-256-gcm:")
        assert "王某" not in last.name

    def test_a_third_active_liaison_is_refused_naming_the_rule_and_writing_nothing(
        self, weifang: Engine
    ) -> None:
        """A third active liaison is refused naming the cap and its source, and writes nothing."""
        name(weifang, "wang")
        name(weifang, "sun")
        before = events_of(weifang)
        with pytest.raises(RefusedByRule) as info:
            name(weifang, "zhou")
        assert info.value.rule == "weifang@2021.1 roster.enterprise_liaisons.max"
        assert "每个被联系企业确定1-2名联络员" in (info.value.cite or "")
        assert "at most 2" in str(info.value)
        assert events_of(weifang) == before
        assert active(weifang) == ["wang", "sun"]

    def test_the_cap_is_per_enterprise(self, weifang: Engine) -> None:
        """Each enterprise has its own two places."""
        name(weifang, "wang")
        name(weifang, "sun")
        name(weifang, "wang", BUILDER)
        name(weifang, "zhao", BUILDER)
        assert active(weifang, BUILDER) == ["wang", "zhao"]

    def test_a_withdrawal_frees_a_place(self, weifang: Engine) -> None:
        """Once a liaison is withdrawn, another may be named in the place."""
        name(weifang, "li")
        name(weifang, "wang")
        withdraw(weifang, "li")
        name(weifang, "sun")
        assert active(weifang) == ["wang", "sun"]

    def test_an_id_is_never_given_to_another_liaison_of_the_enterprise(
        self, weifang: Engine
    ) -> None:
        """A withdrawn liaison's id stays theirs: case histories name them by it."""
        name(weifang, "li")
        withdraw(weifang, "li")
        with pytest.raises(InvalidInput, match="withdrawn; ids are not reused") as info:
            name(weifang, "li", command_id="again")
        assert info.value.field == "liaison_id"
        with pytest.raises(InvalidInput, match=r"li was \(withdrawn"):
            name(weifang, "Li", command_id="other-case")
        name(weifang, "wang")
        with pytest.raises(InvalidInput, match="wang is a liaison"):
            name(weifang, "WANG", command_id="upper-case")

    def test_re_sending_the_command_records_once(self, weifang: Engine) -> None:
        """Re-sending a naming with its command id records it once."""
        first = name(weifang, "wang")
        second = name(weifang, "wang")
        assert not first.duplicate
        assert second.duplicate
        assert active(weifang) == ["wang"]

    def test_an_unregistered_enterprise_is_refused(self, weifang: Engine) -> None:
        """An enterprise not in the registry names no liaison."""
        with pytest.raises(NotFound, match="not registered"):
            name(weifang, "wang", credit_code(43, division="370705"))

    def test_an_enterprise_out_of_scope_is_refused(
        self, weifang: Engine, roster: RosterBuilder
    ) -> None:
        """An enterprise not yet in scope names no liaison, and nothing is written."""
        later = credit_code(44, division="370705")
        roster.enterprise(later, date(2026, 5, 1))
        before = events_of(weifang)
        with pytest.raises(OutOfScope, match="not in weifang's scope on 2026-03-02"):
            name(weifang, "wang", later)
        assert events_of(weifang) == before

    def test_rules_that_declare_no_liaisons_name_none(
        self, engine: Engine, roster: RosterBuilder
    ) -> None:
        """Malu's rule file is silent on enterprise liaisons: none can be named there."""
        code = credit_code(45)
        roster.of("malu").enterprise(code, MALU_SINCE)
        with pytest.raises(RefusedByRule) as info:
            name(engine, "wang", code, jurisdiction="malu")
        assert info.value.rule == "malu@2023.1 roster.enterprise_liaisons"
        assert "declares no enterprise liaisons" in str(info.value)

    @pytest.mark.parametrize("bad", ["", "wang/li", "王某", "-wang", "x" * 65, "wang li"])
    def test_a_liaison_id_is_a_short_opaque_key(self, weifang: Engine, bad: str) -> None:
        """A liaison id that is empty, too long, starts with a dash, or holds a slash, a space or Chinese is refused."""
        with pytest.raises(InvalidInput) as info:
            name(weifang, bad, command_id="bad")
        assert info.value.field == "liaison_id"

    @pytest.mark.parametrize("bad", ["", "  ", "王某 13805361234", "王某 0536-8123456"])
    def test_only_a_name_is_kept_never_a_phone_number(self, weifang: Engine, bad: str) -> None:
        """A blank name, or one that carries a phone number, is refused."""
        with pytest.raises(InvalidInput) as info:
            name(weifang, "wang", person=bad or " ")
        assert info.value.field == "name"
        assert active(weifang) == []


class TestWithdrawingALiaison:
    def test_a_withdrawal_needs_a_reason(self, weifang: Engine) -> None:
        """A withdrawal without a reason is refused and the liaison stays."""
        name(weifang, "wang")
        with pytest.raises(InvalidInput, match="reason"):
            weifang.roster.withdraw_liaison(
                jurisdiction="weifang",
                credit_code=WORKS,
                liaison_id="wang",
                reason=" ",
                command_id="off",
            )
        assert active(weifang) == ["wang"]

    def test_an_unknown_liaison_cannot_be_withdrawn(self, weifang: Engine) -> None:
        """Withdrawing a liaison who was never named is not found."""
        with pytest.raises(NotFound, match="no liaison 'wang'"):
            withdraw(weifang, "wang")

    def test_a_liaison_is_withdrawn_once(self, weifang: Engine) -> None:
        """A second withdrawal of the same liaison is refused."""
        name(weifang, "wang")
        withdraw(weifang, "wang")
        with pytest.raises(InvalidInput, match="already withdrawn"):
            weifang.roster.withdraw_liaison(
                jurisdiction="weifang",
                credit_code=WORKS,
                liaison_id="wang",
                reason="离职",
                command_id="off-again",
            )


class TestActingForTheEnterprise:
    """A liaison holds the enterprise's roles, for that enterprise only, until withdrawn."""

    def test_a_liaison_reports_for_the_enterprise_and_the_record_says_who(
        self, weifang: Engine
    ) -> None:
        """A liaison files a matter for the enterprise, and the history names the liaison."""
        name(weifang, "wang")
        case_id = report(weifang, f"{WORKS}/wang", "c1")
        (submitted,) = weifang.history(case_id)
        assert submitted.step.actor == f"{WORKS}/wang"
        assert weifang.case(case_id).enterprise == WORKS

    def test_the_credit_code_may_be_typed_in_lower_case(self, weifang: Engine) -> None:
        """A liaison's actor id is recorded with the credit code in capitals, however it was typed."""
        name(weifang, "wang")
        case_id = report(weifang, f"{WORKS.lower()}/wang", "c1")
        assert weifang.history(case_id)[0].step.actor == f"{WORKS}/wang"

    def test_a_liaison_does_not_speak_for_another_enterprise(self, weifang: Engine) -> None:
        """A liaison cannot file for an enterprise other than its own."""
        name(weifang, "zhao", BUILDER)
        with pytest.raises(NotAuthorised, match=f"does not speak for enterprise {WORKS}"):
            report(weifang, f"{BUILDER}/zhao", "c1")

    def test_a_liaison_of_one_enterprise_is_not_a_liaison_of_another(self, weifang: Engine) -> None:
        """The same id named by two enterprises is two liaisons; withdrawing one leaves the other."""
        name(weifang, "wang")
        name(weifang, "wang", BUILDER)
        withdraw(weifang, "wang", BUILDER)
        report(weifang, f"{WORKS}/wang", "c1")
        with pytest.raises(NotAuthorised, match="withdrawn"):
            report(weifang, f"{BUILDER}/wang", "c2", enterprise=BUILDER)

    def test_a_withdrawn_liaison_can_no_longer_act(self, weifang: Engine) -> None:
        """A withdrawn liaison is refused, and nothing is written."""
        name(weifang, "li")
        report(weifang, f"{WORKS}/li", "c1")
        withdraw(weifang, "li")
        before = events_of(weifang)
        with pytest.raises(NotAuthorised, match=f"{WORKS}/li was withdrawn"):
            report(weifang, f"{WORKS}/li", "c2")
        assert events_of(weifang) == before

    def test_a_liaison_never_named_is_unknown(self, weifang: Engine) -> None:
        """An actor id of a liaison's form that was never named is unknown."""
        with pytest.raises(UnknownActor):
            report(weifang, f"{WORKS}/wang", "c1")

    def test_a_liaison_holds_only_the_enterprise_roles(self, weifang: Engine) -> None:
        """A liaison cannot act in a role other than the enterprise's."""
        name(weifang, "wang")
        with pytest.raises(NotAuthorised, match="does not hold the role 'commissioner'"):
            weifang.submit(
                SubmitDemand(
                    jurisdiction="weifang",
                    enterprise=WORKS,
                    category="enterprise_development",
                    title="以专员身份上报",
                    actor=f"{WORKS}/wang",
                    role="commissioner",
                    command_id="c1",
                )
            )

    def test_a_liaison_confirms_and_rates_a_matter(self, tmp_path: Path) -> None:
        """Malu 六(三), with liaisons declared: the liaison confirms completion and rates."""
        code, other = credit_code(46), credit_code(47)
        with engine_on(f"sqlite:///{tmp_path / 'm.db'}", START, malu_rules(tmp_path)) as (e, _):
            malu_roster(e, code, other)
            name(e, "wang", code, jurisdiction="malu")
            name(e, "zhao", other, jurisdiction="malu")
            case_id = resolved_case(e, code, "m1")
            liaison = liaison_actor_id(code, "wang")
            with pytest.raises(NotAuthorised, match="does not speak for"):
                e.act(
                    ActOnCase(
                        case_id, Action.CONFIRM_COMPLETION, f"{other}/zhao", "enterprise", "x"
                    )
                )
            e.act(ActOnCase(case_id, Action.CONFIRM_COMPLETION, liaison, "enterprise", "confirm"))
            e.act(
                ActOnCase(
                    case_id,
                    Action.RATE,
                    liaison,
                    "enterprise",
                    "rate",
                    payload={"satisfaction": "satisfied"},
                )
            )
            state = e.case(case_id)
            assert state.state == "rated"
            assert [s.step.actor for s in e.history(case_id)][-2:] == [liaison, liaison]

    def test_a_liaison_acts_only_on_cases_whose_rules_declare_liaisons(
        self, tmp_path: Path
    ) -> None:
        """A case pinned to rules silent on liaisons stays the enterprise's own to confirm."""
        code = credit_code(48)
        folder = malu_rules(tmp_path, older_version_too=True)
        with engine_on(f"sqlite:///{tmp_path / 'm.db'}", cst(2026, 2, 27, 9), folder) as (e, clock):
            malu_roster(e, code)
            old_case = resolved_case(e, code, "old")
            clock.set(START)
            name(e, "wang", code, jurisdiction="malu")
            new_case = resolved_case(e, code, "new")
            liaison = liaison_actor_id(code, "wang")
            with pytest.raises(NotAuthorised, match=r"malu@2023\.1 declares none"):
                e.act(
                    ActOnCase(old_case, Action.CONFIRM_COMPLETION, liaison, "enterprise", "c-old")
                )
            e.act(ActOnCase(new_case, Action.CONFIRM_COMPLETION, liaison, "enterprise", "c-new"))
            e.act(ActOnCase(old_case, Action.CONFIRM_COMPLETION, code, "enterprise", "c-own"))
            assert e.case(old_case).state == e.case(new_case).state == "awaiting_rating"


class TestIdsCannotBeConfused:
    """A credit code, a person id and a liaison's actor id never stand for one another."""

    def test_a_liaison_acts_under_the_credit_code_and_its_own_id(self) -> None:
        """A liaison's actor id is ``<credit code>/<liaison id>``, and only that form splits."""
        assert liaison_actor_id(WORKS, "wang") == f"{WORKS}/wang"
        assert split_liaison_actor(f" {WORKS.lower()}/wang") == (WORKS, "wang")
        assert split_liaison_actor(WORKS) is None
        assert split_liaison_actor("planning/li") is None

    def test_a_person_id_of_a_liaisons_form_is_refused(self, weifang: Engine) -> None:
        """A person cannot be registered under an id of a liaison's form."""
        with pytest.raises(InvalidInput, match="form of an enterprise liaison") as info:
            weifang.register_person(
                jurisdiction="weifang",
                person_id=f"{WORKS}/wang",
                name="王某",
                roles=["platform"],
                command_id="p",
            )
        assert info.value.field == "person_id"

    def test_other_person_ids_with_a_slash_are_still_people(self, weifang: Engine) -> None:
        """A person id with a slash that is not a credit code stays a person's."""
        weifang.register_person(
            jurisdiction="weifang",
            person_id="platform/wang",
            name="王某",
            roles=["platform"],
            command_id="p",
        )
        rules = weifang.rules.in_force("weifang", START.date())
        assert weifang.roster.actor(rules, "platform/wang").roles == frozenset({"platform"})

    def test_a_person_and_a_liaison_with_the_same_id_stay_apart(self, weifang: Engine) -> None:
        """Person ``wang`` acts as himself; the liaison ``wang`` only as ``<code>/wang``."""
        weifang.register_person(
            jurisdiction="weifang", person_id="wang", name="王", roles=["platform"], command_id="p"
        )
        name(weifang, "wang")
        rules = weifang.rules.in_force("weifang", START.date())
        person = weifang.roster.actor(rules, "wang")
        liaison = weifang.roster.actor(rules, f"{WORKS}/wang")
        assert (person.roles, person.enterprise) == (frozenset({"platform"}), None)
        assert (liaison.roles, liaison.enterprise) == (frozenset({"enterprise"}), WORKS)
        enterprise = weifang.roster.actor(rules, WORKS)
        assert (enterprise.id, enterprise.enterprise) == (WORKS, WORKS)


@pytest.fixture
def engines(store_url: str) -> Iterator[tuple[Engine, Engine]]:
    """Two engines on one store: ``mine`` remembers, ``theirs`` writes behind its back."""
    clock = ManualClock(START)
    mine = AdminEngine(store_url, rules=rule_book(RULES), clock=clock)
    theirs = AdminEngine(store_url, rules=rule_book(RULES), clock=clock)
    RosterBuilder(mine, "weifang").enterprise(WORKS, WEIFANG_SINCE)
    try:
        yield mine, theirs
    finally:
        theirs.close()
        mine.close()


class TestSeveralEngines:
    """On SQLite and PostgreSQL: the cap and a withdrawal hold across engines."""

    def test_two_namings_at_once_cannot_both_pass_the_cap(
        self, store_url: str, engines: tuple[Engine, Engine], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Another engine's naming is injected between this engine's read and its save.

        PostgreSQL: it commits first, so this save finds the enterprise changed (Conflict)
        and, decided again, is refused by the cap. SQLite: the command holds the write lock
        from its read to its save, so the other engine cannot come between (StoreBusy) and
        this naming is the second of two.
        """
        mine, theirs = engines
        name(mine, "wang")
        store = mine._store  # the race is injected just before this engine's save
        save = store.save
        sqlite = store_url.startswith("sqlite")
        if sqlite:
            theirs.close()
            theirs = AdminEngine(f"{store_url}?lock_timeout=1", rules=rule_book(RULES))

        def theirs_first(*args: Any, **kwargs: Any) -> Any:
            if sqlite:
                with pytest.raises(StoreBusy):
                    name(theirs, "sun")
            else:
                name(theirs, "sun")
            return save(*args, **kwargs)

        monkeypatch.setattr(store, "save", theirs_first)
        try:
            if sqlite:
                name(mine, "zhou")
            else:
                with pytest.raises(Conflict):
                    name(mine, "zhou")
        finally:
            monkeypatch.undo()
            if sqlite:
                theirs.close()
        second = "zhou" if sqlite else "sun"
        assert active(mine) == ["wang", second]
        with pytest.raises(RefusedByRule, match="at most 2"):
            name(mine, "li")

    def test_a_liaison_withdrawn_by_another_engine_can_no_longer_act(
        self, engines: tuple[Engine, Engine]
    ) -> None:
        """A withdrawal made by another engine stops the liaison at once, though this engine remembered the enterprise."""
        mine, theirs = engines
        name(mine, "wang")
        report(mine, f"{WORKS}/wang", "c1")
        assert isinstance(mine.roster.enterprise("weifang", WORKS), Enterprise)
        withdraw(theirs, "wang")
        with pytest.raises(NotAuthorised, match="withdrawn"):
            report(mine, f"{WORKS}/wang", "c2")

    def test_a_liaison_named_by_another_engine_acts_at_once(
        self, engines: tuple[Engine, Engine]
    ) -> None:
        """A liaison named by another engine can act here at once."""
        mine, theirs = engines
        with pytest.raises(UnknownActor):
            report(mine, f"{WORKS}/wang", "c1")
        name(theirs, "wang")
        report(mine, f"{WORKS}/wang", "c2")

    def test_a_withdrawal_elsewhere_stops_a_liaison_acting_on_a_known_case(
        self, store_url: str, tmp_path: Path
    ) -> None:
        """The case is remembered, so its actor's enterprise is checked in the command's first read."""
        rules = malu_rules(tmp_path)
        code = credit_code(49)
        clock = ManualClock(START)
        with (
            AdminEngine(store_url, rules=rules, clock=clock) as mine,
            AdminEngine(store_url, rules=rules, clock=clock) as theirs,
        ):
            malu_roster(mine, code)
            name(mine, "wang", code, jurisdiction="malu")
            first, second = resolved_case(mine, code, "a"), resolved_case(mine, code, "b")
            liaison = liaison_actor_id(code, "wang")
            mine.act(ActOnCase(first, Action.CONFIRM_COMPLETION, liaison, "enterprise", "c1"))
            withdraw(theirs, "wang", code, jurisdiction="malu")
            with pytest.raises(NotAuthorised, match="withdrawn"):
                mine.act(ActOnCase(second, Action.CONFIRM_COMPLETION, liaison, "enterprise", "c2"))
            assert mine.case(second).state == "awaiting_confirmation"


class TestCommandLine:
    def test_naming_and_withdrawing_from_the_command_line(self, tmp_path: Path) -> None:
        """``enterprises liaison add|withdraw``; a third liaison exits 1 naming the rule and source."""
        from click.testing import CliRunner

        from gridcase.cli import main

        common = ["--url", f"sqlite:///{tmp_path / 'cli.db'}", "-j", "weifang"]
        runner = CliRunner()

        def run(*args: str) -> tuple[int, str]:
            result = runner.invoke(main, ["--actor", "admin", *args, *common])
            return result.exit_code, result.output

        assert run("people", "bootstrap", "admin", "--name", "名册管理员")[0] == 0
        assert run("enterprises", "add", WORKS, "--name", "某公司", "--since", "2021-03-01")[0] == 0
        add = ["enterprises", "liaison", "add", WORKS]
        code, out = run(*add, "wang", "--name", "王某")
        assert code == 0, out
        assert f"acting as {WORKS}/wang" in out
        assert "nothing new" in run(*add, "wang", "--name", "王某")[1]
        assert run(*add, "sun", "--name", "孙某")[0] == 0
        code, out = run(*add, "zhou", "--name", "周某")
        assert code == 1
        assert "roster.enterprise_liaisons.max" in out
        assert "每个被联系企业确定1-2名联络员" in out
        code, out = run("enterprises", "liaison", "withdraw", WORKS, "wang", "--reason", "离职")
        assert code == 0, out
        assert "no longer acts" in out
        assert run(*add, "zhou", "--name", "周某")[0] == 0
        code, out = run(*add, "li", "--name", "李某 13805361234")
        assert code == 2
        assert "phone number" in out
