"""Personal data is sealed per enterprise, can be erased, and the log still verifies.

PIPL arts. 47 and 51: a contact's name, phone and e-mail and a liaison's name are kept
sealed with a key of the enterprise's own; destroying that key erases them wherever they
were recorded, without touching a stored byte.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from tests.support import RULES, AdminEngine, credit_code, cst
from tests.tamper import Tamper

from gridcase import Engine, ManualClock
from gridcase.kernel.errors import InvalidInput, RecordIntegrityError
from gridcase.storage.sealing import ERASED, FileKeyProvider, Sealer, Unreadable

ONE = credit_code(31, prefix="91", division="370700")
TWO = credit_code(32, prefix="91", division="370700")
START = cst(2026, 3, 2, 9)


def weifang(url: str, **kwargs: object) -> Engine:
    engine = AdminEngine(url, rules=RULES, clock=ManualClock(START), **kwargs)  # type: ignore[arg-type]
    for code in (ONE, TWO):
        engine.register_enterprise(
            jurisdiction="weifang",
            credit_code=code,
            name=f"企业 {code[-4:]}",
            command_id=f"e/{code}",
            in_scope_from=date(2024, 1, 1),
            tier="industrial_above_scale",
        )
        engine.roster.record_contact(
            jurisdiction="weifang",
            credit_code=code,
            name=f"联系人{code[-2:]}",
            phone="13912345678",
            email="contact@example.cn",
            command_id=f"c/{code}",
        )
        engine.roster.name_liaison(
            jurisdiction="weifang",
            credit_code=code,
            liaison_id="wang",
            name="王某",
            command_id=f"l/{code}",
        )
    return engine


@pytest.fixture
def engine(store_url: str) -> Engine:
    return weifang(store_url)


class TestSealing:
    def test_the_store_never_holds_the_data_in_clear(self, store_url: str, engine: Engine) -> None:
        """No stored event carries the phone, the e-mail or the names as text."""
        states = b"".join(r.state for r in Tamper(store_url).rows())
        for secret in ("13912345678", "contact@example.cn", "王某", "联系人"):
            assert secret.encode() not in states

    def test_the_roster_opens_it_with_the_enterprises_key(self, engine: Engine) -> None:
        data = engine.roster.personal_data("weifang", ONE)
        assert data.contact == {
            "name": f"联系人{ONE[-2:]}",
            "phone": "13912345678",
            "email": "contact@example.cn",
        }
        assert data.liaisons == {"wang": "王某"}
        assert not data.erased

    def test_a_ciphertext_copied_to_another_row_does_not_open(
        self, store_url: str, engine: Engine
    ) -> None:
        """The record's identity is bound in: another enterprise's sealed name fails to decrypt here."""
        t = Tamper(store_url)
        named = [r for r in t.rows() if r.topic.endswith("Enterprise.LiaisonNamed")]
        one = next(
            r for r in named if r.originator_id == engine.roster.enterprise("weifang", ONE).id
        )
        two = next(
            r for r in named if r.originator_id == engine.roster.enterprise("weifang", TWO).id
        )
        foreign = json.loads(two.state)["name"]
        t.edit_field(one.position, "name", foreign)
        with (
            AdminEngine(store_url, rules=RULES, clock=ManualClock(START), cache_size=0) as fresh,
            pytest.raises(RecordIntegrityError, match="does not open"),
        ):
            fresh.roster.personal_data("weifang", ONE)

    def test_sm4_can_be_chosen(self, tmp_path: Path) -> None:
        """Where national algorithms are required, new values are sealed with SM4-GCM."""
        e = weifang(f"sqlite:///{tmp_path / 'sm4.db'}", seal_algorithm="sm4-gcm")
        assert e.roster.enterprise("weifang", ONE).contact["phone"].startswith("gcs1:sm4-gcm:")
        assert e.roster.personal_data("weifang", ONE).contact["phone"] == "13912345678"

    def test_keys_may_live_in_files(self, tmp_path: Path) -> None:
        keys = FileKeyProvider(tmp_path / "keys")
        e = weifang(f"sqlite:///{tmp_path / 'f.db'}", keys=keys)
        assert len(list((tmp_path / "keys").iterdir())) == 2
        assert e.roster.personal_data("weifang", TWO).liaisons == {"wang": "王某"}

    def test_a_phone_where_a_phone_belongs_is_checked(self, engine: Engine) -> None:
        with pytest.raises(InvalidInput, match="not a phone number"):
            engine.roster.record_contact(
                jurisdiction="weifang",
                credit_code=ONE,
                name="x",
                phone="call me",
                command_id="bad-phone",
            )


class TestErasing:
    def test_erasing_one_enterprise_leaves_the_other_readable_and_the_store_verifiable(
        self, engine: Engine
    ) -> None:
        engine.roster.erase_personal_data(
            jurisdiction="weifang", credit_code=ONE, reason="企业申请删除", command_id="erase-1"
        )
        gone = engine.roster.personal_data("weifang", ONE)
        assert gone.erased
        assert gone.contact == {"name": ERASED, "phone": ERASED, "email": ERASED}
        assert gone.liaisons == {"wang": ERASED}
        assert engine.roster.personal_data("weifang", TWO).liaisons == {"wang": "王某"}
        assert engine.verify().ok

    def test_nothing_more_can_be_recorded_for_an_erased_enterprise(self, engine: Engine) -> None:
        engine.roster.erase_personal_data(
            jurisdiction="weifang", credit_code=ONE, reason="企业申请删除", command_id="erase-1"
        )
        with pytest.raises(InvalidInput, match="erased"):
            engine.roster.name_liaison(
                jurisdiction="weifang",
                credit_code=ONE,
                liaison_id="li",
                name="李某",
                command_id="again",
            )

    def test_the_erasure_is_recorded_with_its_reason(self, engine: Engine) -> None:
        engine.roster.erase_personal_data(
            jurisdiction="weifang", credit_code=ONE, reason="企业申请删除", command_id="erase-1"
        )
        ent = engine.roster.enterprise("weifang", ONE)
        last = engine.log.events_of(ent.id)[-1]
        assert type(last).__qualname__ == "Enterprise.PersonalDataErased"
        assert last.reason == "企业申请删除"  # type: ignore[attr-defined]


def test_a_sealed_value_is_bound_to_its_field() -> None:
    """The same enterprise's phone, moved into its name field, does not open."""

    class Fixed:
        def key(self, owner: str, *, create: bool) -> bytes | None:
            return b"k" * 32

        def destroy(self, owner: str) -> bool:
            return False

    sealer = Sealer(Fixed())
    token = sealer.seal("w/1", "contact.phone", "contact", "139")
    assert sealer.open("w/1", "contact.phone", "contact", token) == "139"
    with pytest.raises(Unreadable):
        sealer.open("w/1", "contact.name", "contact", token)


class TestFreeText:
    """An ID-card number, a phone or an e-mail typed into free text would outlive any erasure."""

    def case(self, engine: Engine) -> object:
        from gridcase import SubmitDemand

        return engine.submit(
            SubmitDemand(
                jurisdiction="weifang",
                enterprise=ONE,
                category="enterprise_development",
                title="用电增容",
                actor=f"{ONE}/wang",
                role="enterprise",
                command_id="s1",
                description="联系人王某",
            )
        ).case_id

    def test_is_refused_by_default_naming_the_field_and_writes_nothing(
        self, engine: Engine
    ) -> None:
        from gridcase import SubmitDemand

        before = engine.log.head()
        with pytest.raises(InvalidInput, match="mobile") as refused:
            engine.submit(
                SubmitDemand(
                    jurisdiction="weifang",
                    enterprise=ONE,
                    category="enterprise_development",
                    title="用电增容",
                    actor=f"{ONE}/wang",
                    role="enterprise",
                    command_id="s-phone",
                    description="请联系 139 1234 5678",
                )
            )
        assert refused.value.field == "description"
        assert engine.log.head() == before

    def test_an_id_card_number_in_a_payload_is_refused(self, engine: Engine) -> None:
        from gridcase import Action, ActOnCase

        case_id = self.case(engine)
        with pytest.raises(InvalidInput, match="id-card") as refused:
            engine.act(
                ActOnCase(
                    case_id,  # type: ignore[arg-type]
                    Action.DISPATCH,
                    "x",
                    "platform",
                    "d",
                    payload={"unit": "u", "opinion": "身份证 11010519491231002X"},
                )
            )
        assert refused.value.field == "payload.opinion"

    def test_can_be_masked_instead(self, store_url: str) -> None:
        from gridcase import SubmitDemand

        e = weifang(store_url, personal_data_in_text="mask")
        done = e.submit(
            SubmitDemand(
                jurisdiction="weifang",
                enterprise=ONE,
                category="enterprise_development",
                title="用电增容",
                actor=f"{ONE}/wang",
                role="enterprise",
                command_id="s-mask",
                description="请联系 sun@example.cn",
            )
        )
        assert e.case(done.case_id).submission.description == "请联系 [email]"


def test_the_patterns_find_what_they_should_and_leave_credit_codes_alone() -> None:
    from gridcase.kernel.pii import find_pii

    assert [f.kind for f in find_pii("身份证 11010519491231002X")] == ["id_card"]
    assert [f.kind for f in find_pii("电话 0535-1234567")] == ["landline"]
    assert find_pii(f"企业 {ONE} 的诉求, 金额 12345678 元") == []
    assert find_pii("编号 110105194912310021") == []  # wrong check character: not an ID card
