"""Nothing changes unseen: every edit made behind gridcase's back is found, on both stores.

A store is built through the public API (people, enterprises, cases moving through
their steps), then edited the way someone with write access to the database could:
each kind of edit must make verification fail, naming the first position and what is
wrong there; an untouched store verifies; a checkpoint proves the log only grew.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.support import RULES, AdminEngine, credit_code, cst
from tests.tamper import Tamper

from gridcase import Action, ActOnCase, ManualClock, SubmitDemand
from gridcase.kernel.errors import RecordIntegrityError
from gridcase.storage.chain import link_hash
from gridcase.storage.store import Store
from gridcase.storage.url import parse_url
from gridcase.storage.verify import Checkpoint

START = cst(2026, 3, 2, 9)


def build(url: str, cases: int = 3) -> list[object]:
    """A small, real history: a centre, a unit liaison, enterprises and their cases."""
    clock = ManualClock(START)
    ids = []
    with AdminEngine(url, rules=RULES, clock=clock) as engine:
        engine.register_person(
            jurisdiction="malu", person_id="c", name="c", roles=["center"], command_id="p1"
        )
        engine.register_person(
            jurisdiction="malu",
            person_id="u",
            name="u",
            roles=["unit"],
            units=["planning"],
            command_id="p2",
        )
        for i in range(cases):
            code = credit_code(100 + i)
            engine.register_enterprise(
                jurisdiction="malu",
                credit_code=code,
                name=f"企业{i}",
                command_id=f"e{i}",
                in_scope_from=date(2024, 1, 1),
            )
            case_id = engine.submit(
                SubmitDemand(
                    jurisdiction="malu",
                    enterprise=code,
                    category="consultation",
                    title="t",
                    actor=code,
                    role="enterprise",
                    command_id=f"s{i}",
                )
            ).case_id
            engine.act(
                ActOnCase(
                    case_id, Action.DISPATCH, "c", "center", f"d{i}", payload={"unit": "planning"}
                )
            )
            engine.act(ActOnCase(case_id, Action.ACCEPT, "u", "unit", f"a{i}"))
            ids.append(case_id)
            clock.advance(timedelta(minutes=1))
    return ids


def verify(url: str, since: Checkpoint | None = None) -> list[tuple[int, str]]:
    store = Store(parse_url(url))
    try:
        return [(f.position, f.kind) for f in store.verify(since=since).findings]
    finally:
        store.close()


def checkpoint(url: str) -> Checkpoint:
    store = Store(parse_url(url))
    try:
        return store.checkpoint(store.verify(), START)
    finally:
        store.close()


@pytest.fixture
def url(store_url: str) -> str:
    build(store_url)
    return store_url


def case_event(tamper: Tamper, kind: str, nth: int = 0) -> int:
    return [r.position for r in tamper.rows() if r.topic.endswith(f":Case.{kind}")][nth]


class TestAnUntouchedStore:
    def test_verifies_with_every_event_linked(self, url: str) -> None:
        """Every event has its link and every link its event: no finding."""
        store = Store(parse_url(url))
        try:
            report = store.verify()
        finally:
            store.close()
        assert report.ok, report.findings
        assert report.events == report.links == len(Tamper(url).rows())
        assert report.head_position == Tamper(url).rows()[-1].position

    def test_a_checkpoint_then_more_commands_still_verifies_from_it(self, url: str) -> None:
        """The log grew after the checkpoint: verifying from it checks only what came after."""
        cp = checkpoint(url)
        clock = ManualClock(START + timedelta(hours=1))
        with AdminEngine(url, rules=RULES, clock=clock) as engine:
            engine.register_person(
                jurisdiction="malu", person_id="c2", name="c2", roles=["center"], command_id="p9"
            )
        assert verify(url, since=cp) == []

    def test_sm3_can_be_chosen_when_the_store_is_created(self, tmp_path: Path) -> None:
        """Where national algorithms are required the chain is SM3 (GB/T 32905-2016)."""
        url = f"sqlite:///{tmp_path / 'sm3.db'}?chain=sm3"
        build(url, cases=1)
        assert Tamper(url).algorithm() == "sm3"
        assert verify(url) == []


class TestEveryEditIsFound:
    def test_a_flipped_byte(self, url: str) -> None:
        t = Tamper(url)
        at = case_event(t, "Dispatched")
        t.flip_byte(at)
        assert verify(url)[0] == (at, "changed")

    def test_a_field_changed_and_reencoded_validly(self, url: str) -> None:
        """The acting person of a step, rewritten as valid JSON."""
        t = Tamper(url)
        at = case_event(t, "Accepted")
        t.edit_field(at, "actor", "someone-else")
        assert json.loads(t.row(at).state)["actor"] == "someone-else"
        assert verify(url)[0] == (at, "changed")

    def test_a_deleted_event(self, url: str) -> None:
        t = Tamper(url)
        at = case_event(t, "Dispatched", 1)
        t.delete(at)
        found = verify(url)
        assert found[0] == (at, "missing")
        assert any(kind == "gap" for _, kind in found)

    def test_an_inserted_event(self, url: str) -> None:
        t = Tamper(url)
        t.insert("gridcase.domain.person:Person.Registered", b'{"name":"ghost"}')
        last = t.rows()[-1].position
        assert verify(url)[0] == (last, "inserted")

    def test_two_events_swapped(self, url: str) -> None:
        t = Tamper(url)
        p, q = case_event(t, "Accepted", 0), case_event(t, "Accepted", 1)
        t.swap(p, q)
        assert verify(url)[0] == (p, "reordered")

    def test_a_truncated_tail_against_a_checkpoint(self, url: str) -> None:
        """Dropping the last events and their links leaves a consistent chain: the checkpoint catches it."""
        cp = checkpoint(url)
        Tamper(url).truncate(2)
        assert verify(url) == []  # the chain alone cannot see a tail that was never there
        assert verify(url, since=cp) == [(cp.position, "truncated")]

    def test_a_chain_rewritten_to_agree_with_an_edit_against_a_checkpoint(self, url: str) -> None:
        """An edit plus a recomputed chain verifies alone; the checkpoint kept elsewhere does not agree."""
        cp = checkpoint(url)
        t = Tamper(url)
        at = case_event(t, "Submitted", 1)
        t.edit_field(at, "title", "改过的标题")
        t.rewrite_chain_from(at)
        assert verify(url) == []
        assert verify(url, since=cp) == [(cp.position, "rewritten")]

    def test_a_deleted_link(self, url: str) -> None:
        """The event stays but its link is gone: the next link no longer follows."""
        t = Tamper(url)
        at = case_event(t, "Accepted")
        with t._db() as db:
            db.execute(f"DELETE FROM {t.chain} WHERE position = {t.q}", (at,))
        found = verify(url)
        assert found[0] == (at, "inserted")


class TestReadsOfABrokenHistory:
    def test_a_case_whose_submission_was_deleted_is_broken_not_absent(self, url: str) -> None:
        """case() and history() say the history is broken; neither says "no case"."""
        t = Tamper(url)
        at = case_event(t, "Submitted")
        case_id = t.row(at).originator_id
        t.delete(at)
        with AdminEngine(url, rules=RULES, clock=ManualClock(START), cache_size=0) as engine:
            with pytest.raises(RecordIntegrityError, match=r"broken|gone"):
                engine.case(case_id)
            with pytest.raises(RecordIntegrityError, match="version"):
                engine.history(case_id)

    def test_a_case_missing_its_last_step_is_broken(self, url: str) -> None:
        t = Tamper(url)
        at = case_event(t, "Accepted")
        case_id = t.row(at).originator_id
        t.delete(at)
        with AdminEngine(url, rules=RULES, clock=ManualClock(START), cache_size=0) as engine:
            with pytest.raises(RecordIntegrityError, match="recorded up to version 3"):
                engine.case(case_id)
            with pytest.raises(RecordIntegrityError):
                engine.history(case_id)

    def test_resending_a_command_whose_events_were_deleted_is_not_a_silent_duplicate(
        self, url: str
    ) -> None:
        t = Tamper(url)
        at = case_event(t, "Accepted")
        case_id = t.row(at).originator_id
        t.delete(at)
        with (
            AdminEngine(url, rules=RULES, clock=ManualClock(START), cache_size=0) as engine,
            pytest.raises(RecordIntegrityError),
        ):
            engine.act(ActOnCase(case_id, Action.ACCEPT, "u", "unit", "a0"))


EDITS = ("flip", "field", "delete", "insert", "swap")


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(edit=st.sampled_from(EDITS), pick=st.integers(0, 10_000), other=st.integers(0, 10_000))
def test_any_edit_of_any_event_is_found(
    tmp_path_factory: pytest.TempPathFactory, edit: str, pick: int, other: int
) -> None:
    """Whatever the edit and whichever event it hits, verification fails at or before it."""
    url = f"sqlite:///{tmp_path_factory.mktemp('chain') / 'g.db'}"
    build(url, cases=2)
    t = Tamper(url)
    rows = t.rows()
    target = rows[pick % len(rows)]
    second = rows[other % len(rows)]
    if edit == "flip":
        t.flip_byte(target.position, pick)
    elif edit == "field":
        t.edit_field(
            target.position,
            "timestamp",
            {"_type_": "datetime_iso", "_data_": "2020-01-01T00:00:00+08:00"},
        )
    elif edit == "delete":
        t.delete(target.position)
    elif edit == "insert":
        t.insert(target.topic, target.state)
    elif second.position != target.position and second.state != target.state:
        t.swap(target.position, second.position)
    else:
        t.flip_byte(target.position)
    found = verify(url)
    assert found, f"{edit} at {target.position} went unseen"
    if edit != "insert":
        assert found[0][0] <= max(target.position, second.position)


def test_the_link_formula_covers_every_field() -> None:
    """Changing any one input of a link changes the link."""
    from uuid import UUID

    base = ("sha256", "0" * 64, 7, UUID(int=1), 2, "t:T.E", b"{}")
    h = link_hash(*base)
    variants = [
        ("sha256", "1" * 64, 7, UUID(int=1), 2, "t:T.E", b"{}"),
        ("sha256", "0" * 64, 8, UUID(int=1), 2, "t:T.E", b"{}"),
        ("sha256", "0" * 64, 7, UUID(int=2), 2, "t:T.E", b"{}"),
        ("sha256", "0" * 64, 7, UUID(int=1), 3, "t:T.E", b"{}"),
        ("sha256", "0" * 64, 7, UUID(int=1), 2, "t:T.F", b"{}"),
        ("sha256", "0" * 64, 7, UUID(int=1), 2, "t:T.E", b"{ }"),
        ("sm3", "0" * 64, 7, UUID(int=1), 2, "t:T.E", b"{}"),
    ]
    assert all(link_hash(*v) != h for v in variants)  # type: ignore[arg-type]


class TestTheCommandLine:
    def test_verify_exits_0_on_a_clean_store_and_writes_a_checkpoint(
        self, url: str, tmp_path: Path
    ) -> None:
        from click.testing import CliRunner

        from gridcase.cli import main

        point = tmp_path / "checkpoint.json"
        done = CliRunner().invoke(main, ["verify", "--url", url, "--checkpoint", str(point)])
        assert done.exit_code == 0, done.output
        assert "verified: head" in done.output
        assert Checkpoint.read(point).position == Tamper(url).rows()[-1].position

    def test_verify_exits_1_naming_the_first_broken_position(self, url: str) -> None:
        from click.testing import CliRunner

        from gridcase.cli import main

        t = Tamper(url)
        at = case_event(t, "Dispatched")
        t.flip_byte(at)
        done = CliRunner().invoke(main, ["verify", "--url", url])
        assert done.exit_code == 1
        assert f"position {at}: changed" in done.output

    def test_verify_from_a_checkpoint_finds_a_rewritten_chain(
        self, url: str, tmp_path: Path
    ) -> None:
        from click.testing import CliRunner

        from gridcase.cli import main

        point = tmp_path / "checkpoint.json"
        assert (
            CliRunner().invoke(main, ["verify", "--url", url, "--checkpoint", str(point)]).exit_code
            == 0
        )
        t = Tamper(url)
        at = case_event(t, "Accepted")
        t.edit_field(at, "actor", "nobody")
        t.rewrite_chain_from(at)
        assert CliRunner().invoke(main, ["verify", "--url", url]).exit_code == 0
        done = CliRunner().invoke(main, ["verify", "--url", url, "--from", str(point)])
        assert done.exit_code == 1
        assert "rewritten" in done.output

    def test_an_unreadable_checkpoint_is_a_usage_error(self, url: str, tmp_path: Path) -> None:
        from click.testing import CliRunner

        from gridcase.cli import main

        bad = tmp_path / "bad.json"
        bad.write_text("{}", encoding="utf-8")
        done = CliRunner().invoke(main, ["verify", "--url", url, "--from", str(bad)])
        assert done.exit_code == 2
        assert "not a checkpoint" in done.output
