"""Who may act: the probes an attacker with API access tried are refused, and logged.

Each refusal is a typed ``NotAuthorised`` naming the rule that denies it, writes no event,
and appears in the security log with who, what, when and which rule, personal data
masked.
"""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

import pytest
from tests.support import ADMIN, RULES, AdminEngine, credit_code, cst

from gridcase import Action, ActOnCase, Engine, ManualClock, NotAuthorised, SubmitDemand
from gridcase.kernel.errors import InvalidInput

YK = credit_code(21, prefix="91", division="210800")
MALU = credit_code(22)
START = cst(2026, 3, 2, 9)


@pytest.fixture
def engine(store_url: str) -> Engine:
    clock = ManualClock(START)
    e = AdminEngine(store_url, rules=RULES, clock=clock)
    for j, code in (("yingkou", YK), ("malu", MALU)):
        e.register_enterprise(
            jurisdiction=j,
            credit_code=code,
            name=f"{j} 示例企业",
            command_id=f"e/{j}",
            in_scope_from=date(2024, 1, 1),
        )
    people = [
        ("yingkou", "wang", ["officer"], []),
        ("yingkou", "zhang", ["grid_chief"], []),
        ("yingkou", "li", ["officer"], []),
        ("malu", "center-1", ["center"], []),
        ("malu", "liaison-7", ["unit"], ["planning"]),
    ]
    for j, pid, roles, units in people:
        e.register_person(
            jurisdiction=j,
            person_id=pid,
            name=f"name of {pid}",
            roles=roles,
            units=units,
            command_id=f"p/{j}/{pid}",
        )
    return e


def yingkou_case(engine: Engine) -> UUID:
    return engine.submit(
        SubmitDemand(
            jurisdiction="yingkou",
            enterprise=YK,
            category="within_committee",
            title="用地",
            actor="wang",
            role="officer",
            command_id="yk-s",
        )
    ).case_id


def malu_case(engine: Engine) -> UUID:
    return engine.submit(
        SubmitDemand(
            jurisdiction="malu",
            enterprise=MALU,
            category="consultation",
            title="咨询",
            actor=MALU,
            role="enterprise",
            command_id="malu-s",
        )
    ).case_id


def escalate(case_id: UUID, to: str, command_id: str = "up") -> ActOnCase:
    return ActOnCase(
        case_id, Action.ESCALATE, "wang", "officer", command_id, reason="跨部门", payload={"to": to}
    )


class TestTheEscalationRecipient:
    def test_must_hold_the_next_rungs_role(self, engine: Engine) -> None:
        """Escalating to another officer, not the grid chief, is refused naming the rung."""
        case_id = yingkou_case(engine)
        before = engine.log.head()
        with pytest.raises(NotAuthorised, match="does not hold the role 'grid_chief'") as refused:
            engine.act(escalate(case_id, "li"))
        assert refused.value.rule == "yingkou@2022.1 ladder[1]"
        assert engine.log.head() == before

    def test_must_exist(self, engine: Engine) -> None:
        """Escalating to someone nobody registered would leave the case with no one to act."""
        case_id = yingkou_case(engine)
        with pytest.raises(NotAuthorised, match="is not in the roster"):
            engine.act(escalate(case_id, "nobody"))

    def test_the_grid_chief_is_accepted(self, engine: Engine) -> None:
        case_id = yingkou_case(engine)
        engine.act(escalate(case_id, "zhang"))
        assert engine.case(case_id).owner is not None
        assert engine.case(case_id).owner.party == "zhang"  # type: ignore[union-attr]


class TestTheDispatchUnit:
    def test_a_unit_nobody_belongs_to_is_refused(self, engine: Engine) -> None:
        """With no redispatch after acceptance, a matter sent to an empty unit would be stuck."""
        case_id = malu_case(engine)
        with pytest.raises(NotAuthorised, match=r"nobody active .* belongs to unit 'nowhere'"):
            engine.act(
                ActOnCase(
                    case_id, Action.DISPATCH, "center-1", "center", "d", payload={"unit": "nowhere"}
                )
            )

    def test_a_staffed_unit_is_accepted(self, engine: Engine) -> None:
        case_id = malu_case(engine)
        engine.act(
            ActOnCase(
                case_id, Action.DISPATCH, "center-1", "center", "d", payload={"unit": "planning"}
            )
        )
        assert engine.case(case_id).unit == "planning"


class TestTheSecurityLog:
    def test_a_refusal_is_logged_with_who_what_when_and_the_rule(self, engine: Engine) -> None:
        case_id = yingkou_case(engine)
        with pytest.raises(NotAuthorised):
            engine.act(escalate(case_id, "li", command_id="probe-1"))
        (entry,) = [e for e in engine.security_log() if e.outcome == "refused"]
        assert (entry.actor, entry.role, entry.kind) == ("wang", "officer", "act:escalate")
        assert (entry.jurisdiction, entry.rule) == ("yingkou", "yingkou@2022.1 ladder[1]")
        assert (entry.error, entry.command_id) == ("NotAuthorised", "probe-1")
        assert entry.recorded_at == START

    def test_personal_data_in_a_refusal_is_masked(self, engine: Engine) -> None:
        """A phone number or an ID-card number typed into a refused command never reaches the log."""
        case_id = yingkou_case(engine)
        with pytest.raises(NotAuthorised):
            engine.act(escalate(case_id, "13912345678"))
        (entry,) = [e for e in engine.security_log() if e.outcome == "refused"]
        assert "13912345678" not in entry.message
        assert "[mobile]" in entry.message

    def test_a_late_entry_and_the_administrators_actions_are_logged(self, engine: Engine) -> None:
        clock = engine.clock
        assert isinstance(clock, ManualClock)
        case_id = yingkou_case(engine)
        clock.advance(timedelta(days=2))
        engine.act(
            ActOnCase(
                case_id,
                Action.RECORD_DELAY_REASON,
                "wang",
                "officer",
                "late-1",
                at=START + timedelta(hours=1),
                reason="等待意见",
                late_reason="出差补录",
            )
        )
        administered = [e for e in engine.security_log() if e.outcome == "administered"]
        assert len(administered) == 5 + 7  # five bootstraps; two enterprises, five people
        assert {e.actor for e in administered} == {ADMIN}
        (late,) = [e for e in engine.security_log() if e.outcome == "late_entry"]
        assert late.message == "出差补录"
        assert late.claimed_at == START + timedelta(hours=1)


class TestRosterAdministration:
    """Registering who may act is itself authorised: only administrators change the roster."""

    def officer_registers_a_center(self, engine: Engine, command_id: str = "p/x") -> None:
        engine.roster_as("wang").register_person(
            jurisdiction="yingkou",
            person_id="mallory",
            name="mallory",
            roles=["committees"],
            command_id=command_id,
        )

    def test_an_officer_cannot_register_a_person(self, engine: Engine) -> None:
        """The probe: anyone able to call the API registering a powerful role, then acting as it."""
        before = engine.log.head()
        with pytest.raises(NotAuthorised, match="wang is not an administrator") as refused:
            self.officer_registers_a_center(engine)
        assert refused.value.rule == "yingkou roster administrators"
        assert engine.log.head() == before
        (entry,) = [e for e in engine.security_log() if e.outcome == "refused"]
        assert (entry.actor, entry.kind, entry.rule) == (
            "wang",
            "register_person",
            "yingkou roster administrators",
        )

    def test_a_roster_command_without_an_actor_is_refused(self, store_url: str) -> None:
        with Engine(store_url, rules=RULES, clock=ManualClock(START)) as plain:
            with pytest.raises(NotAuthorised, match="names its actor"):
                plain.roster.register_person(
                    jurisdiction="malu", person_id="x", name="x", roles=["center"], command_id="x"
                )
            assert plain.log.head() == 0

    def test_the_first_administrator_is_bootstrapped_once(self, store_url: str) -> None:
        with Engine(store_url, rules=RULES, clock=ManualClock(START)) as plain:
            with pytest.raises(NotAuthorised, match="has no administrator yet"):
                plain.roster_as("root").register_person(
                    jurisdiction="malu", person_id="x", name="x", roles=["center"], command_id="x"
                )
            plain.bootstrap_administrator(
                jurisdiction="malu", person_id="root", name="管理员", command_id="b1"
            )
            with pytest.raises(NotAuthorised, match="already has its administration"):
                plain.bootstrap_administrator(
                    jurisdiction="malu", person_id="eve", name="eve", command_id="b2"
                )
            plain.roster_as("root").register_person(
                jurisdiction="malu", person_id="x", name="x", roles=["center"], command_id="x"
            )
            (boot,) = [e for e in plain.security_log() if e.kind == "bootstrap_administrator"][:1]
            assert (boot.outcome, boot.actor) == ("administered", "root")

    def test_an_administrator_adds_another_and_the_last_cannot_be_removed(
        self, engine: Engine
    ) -> None:
        admin = engine.roster_as(ADMIN)
        admin.register_person(
            jurisdiction="yingkou",
            person_id="second",
            name="second",
            roles=["administrator"],
            command_id="p/second",
        )
        engine.roster_as("second").change_person(
            jurisdiction="yingkou",
            person_id=ADMIN,
            roles=[],
            units=[],
            reason="调岗",
            command_id="c1",
        )
        with pytest.raises(NotAuthorised, match="admin is not an administrator"):
            admin.register_person(
                jurisdiction="yingkou", person_id="y", name="y", roles=["officer"], command_id="y"
            )
        with pytest.raises(InvalidInput, match="last administrator of yingkou"):
            engine.roster_as("second").change_person(
                jurisdiction="yingkou",
                person_id="second",
                roles=[],
                units=[],
                reason="调岗",
                command_id="c2",
            )

    def test_an_administrator_of_another_jurisdiction_is_refused(self, engine: Engine) -> None:
        """Administrators are per jurisdiction: Malu's cannot change Yingkou's roster."""
        engine.roster_as(ADMIN).register_person(
            jurisdiction="malu",
            person_id="malu-admin",
            name="m",
            roles=["administrator"],
            command_id="p/m",
        )
        with pytest.raises(NotAuthorised, match="malu-admin is not in the roster of yingkou"):
            engine.roster_as("malu-admin").register_person(
                jurisdiction="yingkou", person_id="z", name="z", roles=["officer"], command_id="z"
            )
