"""The event store's contract, written once and run on SQLite and on PostgreSQL.

As in eventsourcing's own persistence tests, the suite is a base class; each backend
subclasses it and provides one factory (``url``). Whatever a portal relies on — a
command carried out once, a lost race reported as a conflict, a refusal that writes
nothing, history that survives reopening — must hold on both databases.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.builders import RosterBuilder
from tests.support import RULES, AdminEngine, credit_code, cst, rule_book

import gridcase.application.cases
from gridcase import (
    Action,
    ActOnCase,
    Conflict,
    Engine,
    InvalidInput,
    ManualClock,
    NotAuthorised,
    NotFound,
    RefusedByRule,
    StaleTimestamp,
    SubmitDemand,
    UnknownActor,
)
from gridcase.domain.case import Case
from gridcase.domain.commands import Actor
from gridcase.domain.ids import rules_key
from gridcase.domain.published_rules import PublishedRules
from gridcase.storage.rows import CommandRow
from gridcase.storage.store import Store
from gridcase.storage.url import parse_url
from gridcase.workflow.decide import decide_action

ENTERPRISE = credit_code(7)
START = cst(2026, 3, 2, 9)


def _count_events(engine: Engine) -> int:
    return engine.log.head()


class StoreContract:
    """What every store must do; subclasses say where the store is."""

    @pytest.fixture
    def url(self) -> str:  # pragma: no cover - every backend overrides it
        raise AssertionError("a backend must provide the url fixture")

    @pytest.fixture
    def clock(self) -> ManualClock:
        return ManualClock(START)

    @pytest.fixture
    def engine(self, url: str, clock: ManualClock) -> Iterator[Engine]:
        engine = AdminEngine(url, rules=rule_book(RULES), clock=clock)
        malu = RosterBuilder(engine, "malu").enterprise(ENTERPRISE, date(2024, 1, 1))
        malu.person("center-1", "center", name="值班员")
        malu.person("liaison", "unit", units=["planning"], name="联络员")
        yield engine
        engine.close()

    def submit(self, engine: Engine, command_id: str = "submit-1") -> Any:
        return engine.submit(
            SubmitDemand(
                jurisdiction="malu",
                enterprise=ENTERPRISE,
                category="consultation",
                title="咨询",
                actor=ENTERPRISE,
                role="enterprise",
                command_id=command_id,
            )
        )

    # -- idempotency ---------------------------------------------------------------

    def test_a_resent_submission_finds_its_case(self, engine: Engine) -> None:
        """Re-sending a submission's command id returns the first result and writes nothing."""
        first = self.submit(engine)
        before = _count_events(engine)
        again = self.submit(engine)
        assert again.duplicate
        assert again.case_id == first.case_id
        assert [s.step for s in again.steps] == [s.step for s in first.steps]
        assert _count_events(engine) == before

    def test_a_resent_action_is_done_once(self, engine: Engine, clock: ManualClock) -> None:
        """The second delivery of the same command id does nothing and says so."""
        case_id = self.submit(engine).case_id
        command = ActOnCase(
            case_id, Action.DISPATCH, "center-1", "center", "d-1", payload={"unit": "planning"}
        )
        first = engine.act(command)
        clock.advance(timedelta(hours=1))
        second = engine.act(command)
        assert not first.duplicate
        assert second.duplicate
        assert [s.version for s in second.steps] == [s.version for s in first.steps]
        assert len(engine.history(case_id)) == 2

    def test_a_command_id_cannot_be_reused_for_another_case(self, engine: Engine) -> None:
        """A command id names one command: reusing it on another case is bad input."""
        a = self.submit(engine, "s-a").case_id
        b = self.submit(engine, "s-b").case_id
        engine.act(
            ActOnCase(
                a, Action.DISPATCH, "center-1", "center", "same", payload={"unit": "planning"}
            )
        )
        with pytest.raises(InvalidInput, match="already used"):
            engine.act(
                ActOnCase(
                    b, Action.DISPATCH, "center-1", "center", "same", payload={"unit": "planning"}
                )
            )

    # -- refusals write nothing ------------------------------------------------------

    @pytest.mark.parametrize(
        ("command", "error"),
        [
            ({"action": Action.ACCEPT, "actor": "liaison", "role": "unit"}, RefusedByRule),
            (
                {
                    "action": Action.DISPATCH,
                    "actor": "liaison",
                    "role": "unit",
                    "payload": {"unit": "x"},
                },
                NotAuthorised,
            ),
            (
                {
                    "action": Action.DISPATCH,
                    "actor": "nobody",
                    "role": "center",
                    "payload": {"unit": "x"},
                },
                UnknownActor,
            ),
            ({"action": Action.DISPATCH, "actor": "center-1", "role": "center"}, RefusedByRule),
            (
                {
                    "action": Action.DISPATCH,
                    "actor": "center-1",
                    "role": "center",
                    "payload": {"unit": ""},
                },
                InvalidInput,
            ),
            (
                {
                    "action": Action.DISPATCH,
                    "actor": "center-1",
                    "role": "center",
                    "payload": {"colour": "red"},
                },
                InvalidInput,
            ),
        ],
        ids=[
            "illegal-action",
            "wrong-role",
            "unknown-actor",
            "missing-payload",
            "empty-unit",
            "unknown-field",
        ],
    )
    def test_a_refused_command_writes_nothing(
        self, engine: Engine, command: dict[str, Any], error: type
    ) -> None:
        """Each kind of bad command raises its typed error and leaves the store as it was."""
        case_id = self.submit(engine).case_id
        before = _count_events(engine)
        with pytest.raises(error):
            engine.act(ActOnCase(case_id, command_id="bad", **command))
        assert _count_events(engine) == before
        assert not engine.carried_out("bad")

    def test_a_command_from_the_past_is_refused(self, engine: Engine, clock: ManualClock) -> None:
        """A command dated before the case's last event is refused: history is append-only."""
        case_id = self.submit(engine).case_id
        before = _count_events(engine)
        with pytest.raises(StaleTimestamp, match="before the case's last event"):
            engine.act(
                ActOnCase(
                    case_id,
                    Action.DISPATCH,
                    "center-1",
                    "center",
                    "late",
                    at=START - timedelta(days=1),
                    payload={"unit": "planning"},
                )
            )
        assert _count_events(engine) == before

    def test_a_command_from_the_future_is_refused(self, engine: Engine) -> None:
        """A command dated after the engine's clock (beyond a small tolerance) is bad input."""
        case_id = self.submit(engine).case_id
        with pytest.raises(InvalidInput, match="in the future"):
            engine.act(
                ActOnCase(
                    case_id,
                    Action.DISPATCH,
                    "center-1",
                    "center",
                    "future",
                    at=START + timedelta(hours=1),
                    payload={"unit": "planning"},
                )
            )

    def test_an_unknown_case_is_not_found(self, engine: Engine) -> None:
        """Acting on a case id that was never submitted raises NotFound."""
        with pytest.raises(NotFound):
            engine.act(ActOnCase(Case.create_id(), Action.ACCEPT, "liaison", "unit", "x"))

    # -- concurrency -----------------------------------------------------------------

    def test_two_writers_one_wins(self, url: str, engine: Engine) -> None:
        """Two stores save a step decided on the same version of a case: one wins, one is a Conflict."""
        case_id = self.submit(engine).case_id
        rules = engine.rules_of(case_id)
        mine, theirs = Store(parse_url(url)), Store(parse_url(url))
        try:
            first, second = mine.get(Case, case_id), theirs.get(Case, case_id)
            assert first is not None
            assert second is not None
            command = ActOnCase(
                case_id, Action.DISPATCH, "center-1", "center", "w", payload={"unit": "planning"}
            )
            center = Actor("center-1", frozenset({"center"}))
            step = decide_action(
                rules, engine.calendar_for(rules), first.state, command, center, at=START
            )
            first.record(step)
            second.record(step)
            mine.save([first], command=CommandRow("w1", case_id, 2, 2, "act:dispatch", "x"))
            with pytest.raises(Conflict) as raised:
                theirs.save([second], command=CommandRow("w2", case_id, 2, 2, "act:dispatch", "y"))
            assert raised.value.collided == (f"Case {case_id}",)  # what really collided
        finally:
            mine.close()
            theirs.close()
        assert len(engine.history(case_id)) == 2
        assert not engine.carried_out("w2")

    def test_engines_opening_one_store_at_once_all_succeed(self, url: str, engine: Engine) -> None:
        """Workers of a portal open the same store together; none fails on the other's DDL.

        On PostgreSQL, unserialised DDL fails with "tuple concurrently updated"; an earlier
        version of this suite hung on it in CI.
        """
        errors: list[str] = []
        barrier = threading.Barrier(4, timeout=30)

        def open_and_close() -> None:
            try:
                barrier.wait()
                AdminEngine(url, rules=rule_book(RULES), clock=ManualClock(START)).close()
            except BaseException as exc:
                errors.append(repr(exc))

        threads = [threading.Thread(target=open_and_close) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert not any(t.is_alive() for t in threads), "an engine never finished opening"
        assert errors == []

    def test_racing_commands_on_one_case(
        self, url: str, engine: Engine, clock: ManualClock
    ) -> None:
        """Threads sending different commands to one case never lose or duplicate a step."""
        case_id = self.submit(engine).case_id
        engine.act(
            ActOnCase(
                case_id, Action.DISPATCH, "center-1", "center", "d", payload={"unit": "planning"}
            )
        )
        outcomes: list[str] = []
        engines = [AdminEngine(url, rules=rule_book(RULES), clock=clock) for _ in range(2)]
        # A timeout, so a thread that fails early breaks the barrier instead of hanging its twin.
        barrier = threading.Barrier(2, timeout=30)

        def send(
            eng: Engine, command_id: str, action: Action, actor: str, role: str, **kw: Any
        ) -> None:
            try:
                barrier.wait()
                eng.act(ActOnCase(case_id, action, actor, role, command_id, **kw))
                outcomes.append("ok")
            except (Conflict, RefusedByRule) as exc:
                outcomes.append(type(exc).__name__)
            except BaseException as exc:
                outcomes.append(repr(exc))

        threads = [
            threading.Thread(
                target=send, args=(engines[0], "t1", Action.ACCEPT, "liaison", "unit")
            ),
            threading.Thread(
                target=send,
                args=(engines[1], "t2", Action.REQUEST_RETURN, "liaison", "unit"),
                kwargs={"reason": "不属本单位"},
            ),
        ]
        try:
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=60)
        finally:
            for eng in engines:
                eng.close()
        assert not any(t.is_alive() for t in threads), "a command never finished"
        assert outcomes.count("ok") == 1, outcomes
        assert set(outcomes) <= {"ok", "Conflict", "RefusedByRule"}, outcomes
        history = engine.history(case_id)
        assert len(history) == 3
        assert history[-1].step.kind in {"accept", "request_return"}

    def test_one_case_that_cannot_fire_does_not_stop_the_others(
        self, engine: Engine, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """advance() reports a case whose clocks cannot be decided, fires the rest, and retries it next time."""
        broken = self.submit(engine, "submit-broken").case_id
        healthy = self.submit(engine, "submit-healthy").case_id
        real = gridcase.application.cases.decide_expiries

        def refuse_for_broken(rules: Any, calendar: Any, state: Any, now: Any) -> Any:
            if state.case_id == broken:
                raise RefusedByRule("test: this case's expiry cannot be decided", rule="test")
            return real(rules, calendar, state, now)

        monkeypatch.setattr(gridcase.application.cases, "decide_expiries", refuse_for_broken)
        clock.set(cst(2026, 3, 4, 9))  # the 1-working-day dispatch limit ended at 24:00 on 3 March
        report = engine.advance()
        assert [r.case_id for r in report.fired] == [healthy]
        assert [(f.case_id, type(f.error)) for f in report.failed] == [(broken, RefusedByRule)]
        assert len(engine.history(broken)) == 1  # nothing written for the broken case

        again = engine.advance()
        assert again.fired == ()
        assert [f.case_id for f in again.failed] == [broken]  # still due, reported again

        monkeypatch.setattr(gridcase.application.cases, "decide_expiries", real)
        mended = engine.advance()
        assert [r.case_id for r in mended.fired] == [broken]
        assert mended.failed == ()

    # -- durability and pinning ------------------------------------------------------

    def test_history_survives_reopening(self, url: str, engine: Engine, clock: ManualClock) -> None:
        """A second engine on the same store sees exactly the same case and history."""
        case_id = self.submit(engine).case_id
        engine.act(
            ActOnCase(
                case_id, Action.DISPATCH, "center-1", "center", "d", payload={"unit": "planning"}
            )
        )
        live = engine.case(case_id)
        again = AdminEngine(url, rules=rule_book(RULES), clock=clock)
        try:
            assert again.case(case_id) == live
            assert again.history(case_id) == engine.history(case_id)
            assert [r.case_id for r in again.cases()] == [case_id]
        finally:
            again.close()

    def test_the_rules_text_is_kept_with_the_events(
        self, url: str, engine: Engine, clock: ManualClock, tmp_path: Path
    ) -> None:
        """A case stays decidable after its rule file is gone: the pinned text is in the store."""
        case_id = self.submit(engine).case_id
        pinned = engine.case(case_id).submission.rules_hash
        (record,) = engine.log.events_of(rules_key(pinned))
        assert isinstance(record, PublishedRules.Published)
        assert "jurisdiction" in record.text
        empty_rules = tmp_path / "rules"
        empty_rules.mkdir()
        (empty_rules / "malu.yaml").write_text(
            (RULES / "malu.yaml")
            .read_text(encoding="utf-8")
            .replace('version: "2023.1"', 'version: "2099.1"')
            .replace("effective: 2023-12-26", "effective: 2099-01-01"),
            encoding="utf-8",
        )
        other = AdminEngine(url, rules=empty_rules, clock=clock)
        try:
            assert other.rules.by_hash(pinned) is None
            other.act(
                ActOnCase(
                    case_id,
                    Action.DISPATCH,
                    "center-1",
                    "center",
                    "d",
                    payload={"unit": "planning"},
                )
            )
            assert other.rules_of(case_id).content_hash == pinned
        finally:
            other.close()

    def test_a_case_keeps_its_rules_when_the_file_is_edited_in_place(
        self, url: str, engine: Engine, clock: ManualClock, tmp_path: Path
    ) -> None:
        """An edited file (even one that kept its version) never changes an open case's rules."""
        case_id = self.submit(engine).case_id
        edited = tmp_path / "edited"
        edited.mkdir()
        (edited / "malu.yaml").write_text(
            (RULES / "malu.yaml")
            .read_text(encoding="utf-8")
            .replace("handling: {working_days: 5}", "handling: {working_days: 9}"),
            encoding="utf-8",
        )
        other = AdminEngine(url, rules=edited, clock=clock)
        try:
            other.act(
                ActOnCase(
                    case_id,
                    Action.DISPATCH,
                    "center-1",
                    "center",
                    "d",
                    payload={"unit": "planning"},
                )
            )
            clock.set(cst(2026, 3, 3, 9))
            other.act(ActOnCase(case_id, Action.ACCEPT, "liaison", "unit", "a"))
            # Pinned: consultation keeps 5 working days (Mar 4, 5, 6, 9, 10), not the edited 9.
            assert other.case(case_id).clocks["handling"].deadline.due_date == date(2026, 3, 10)
        finally:
            other.close()

    def test_every_event_carries_its_commands_moment(
        self, engine: Engine, clock: ManualClock
    ) -> None:
        """Roster, rule and case events are stamped with the command's moment, never the wall clock."""
        self.submit(engine)
        clock.set(cst(2026, 3, 4, 15))
        engine.register_person(
            jurisdiction="malu",
            person_id="late",
            name="后来者",
            roles=["butler"],
            command_id="p-late",
        )
        stamps = [e.timestamp for _, e in engine.log.read()]
        assert len(stamps) >= 5
        assert set(stamps) == {START, cst(2026, 3, 4, 15)}

    def test_as_of_replays_a_past_moment(self, engine: Engine, clock: ManualClock) -> None:
        """``case(id, as_of=T)`` is the case as its events up to T say it was."""
        case_id = self.submit(engine).case_id
        clock.set(cst(2026, 3, 3, 10))
        engine.act(
            ActOnCase(
                case_id, Action.DISPATCH, "center-1", "center", "d", payload={"unit": "planning"}
            )
        )
        assert engine.case(case_id, as_of=cst(2026, 3, 2, 12)).state == "submitted"
        assert engine.case(case_id, as_of=cst(2026, 3, 3, 11)).state == "dispatched"
        with pytest.raises(NotFound):
            engine.case(case_id, as_of=cst(2026, 3, 1))

    def test_the_case_index_can_be_rebuilt(self, engine: Engine) -> None:
        """The case index is a projection: rebuilt from the events it comes out the same."""
        self.submit(engine, "a")
        self.submit(engine, "b")
        before = engine.cases()
        engine.rebuild_case_index()
        assert engine.cases() == before


class TestSQLiteStore(StoreContract):
    @pytest.fixture
    def url(self, tmp_path: Path) -> str:
        return f"sqlite:///{tmp_path / 'gridcase.db'}"


@pytest.mark.postgres
class TestPostgresStore(StoreContract):
    @pytest.fixture
    def url(self, pg_url: str) -> str:
        return pg_url

    def test_an_engine_opens_beside_a_writer_holding_its_locks(
        self, url: str, engine: Engine
    ) -> None:
        """Opening an existing store runs no DDL, so it waits for no writer's locks.

        A writer in the middle of a save holds a command row and eventsourcing's lock on
        the events table; an opener that ran ``ALTER TABLE … ADD COLUMN IF NOT EXISTS``
        waited for the one while holding a lock the writer's next step needed (a deadlock
        a projection runner started beside busy writers met). Here the opener has one
        second before the lock timeout would refuse it.
        """
        import psycopg

        base, schema = url.split("?schema=")
        with psycopg.connect(base) as writer:
            writer.execute(
                f'INSERT INTO "{schema}".gridcase_commands VALUES '
                "('held', gen_random_uuid(), 1, 1, 'submit', 'x')"
            )
            writer.execute(f'LOCK TABLE "{schema}".gridcase_events IN EXCLUSIVE MODE')
            with Engine(f"{url}&lock_timeout=1", rules=rule_book(RULES)) as opened:
                assert opened.log.head() == engine.log.head()
            writer.rollback()


class TestTheResponsiblePersonHoldsANewCase:
    """A demand an enterprise files itself lands with the officer the roster names for it."""

    def test_yingkou_enterprise_filing_goes_to_its_officer(self, store_url: str) -> None:
        """Not "any officer": the one responsible for the enterprise that day (Yingkou 三(二))."""
        code = credit_code(99, division="210804")
        clock = ManualClock(cst(2026, 3, 2, 9))
        engine = AdminEngine(store_url, rules=rule_book(RULES), clock=clock)
        try:
            yingkou = RosterBuilder(engine, "yingkou", since=date(2022, 3, 1))
            yingkou.grid("econ", "department", name="经济发展服务局")
            yingkou.person("officer-wang", "officer", name="王某")
            yingkou.enterprise(code, name="营口企业")
            engine.roster.assign_map_number(
                jurisdiction="yingkou", credit_code=code, number="Y-001", command_id="m"
            )
            yingkou.in_grid(code, "econ", officer="officer-wang")
            case_id = engine.submit(
                SubmitDemand(
                    jurisdiction="yingkou",
                    enterprise=code,
                    category="within_committee",
                    title="用电",
                    actor=code,
                    role="enterprise",
                    command_id="s",
                )
            ).case_id
            owner = engine.case(case_id).owner
            assert owner is not None
            assert (owner.role, owner.party) == ("officer", "officer-wang")
        finally:
            engine.close()
