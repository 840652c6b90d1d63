"""What an engine remembers between commands never hides what another writer stored.

An engine keeps the aggregates it read last (eventsourcing's repository cache), so that
a command replays only what was stored since. Portals run several engines (one per worker) on one store, and the
roster is changed from anywhere: every test here has a second engine write behind the
first one's back, on SQLite and on PostgreSQL, and checks that the first engine decides
on what the store holds, and that what it remembers is exactly what a replay rebuilds.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import date, timedelta
from uuid import UUID

import pytest
from tests.builders import RosterBuilder
from tests.support import RULES, AdminEngine, credit_code, cst, rule_book

from gridcase import (
    Action,
    ActOnCase,
    Conflict,
    Engine,
    ManualClock,
    NotAuthorised,
    SubmitDemand,
    UnknownActor,
)
from gridcase.calendar import national_calendar
from gridcase.domain.case import Case
from gridcase.domain.commands import Actor
from gridcase.domain.person import Person
from gridcase.domain.recorded import recorded_at
from gridcase.storage.rows import CommandRow
from gridcase.storage.store import Store
from gridcase.storage.url import parse_url
from gridcase.workflow.decide import decide_action, decide_submission
from gridcase.workflow.loader import load_rules

ENTERPRISE = credit_code(11)
START = cst(2026, 3, 2, 9)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def engines(store_url: str, clock: ManualClock) -> Iterator[tuple[Engine, Engine]]:
    """Two engines on one store: ``mine`` remembers, ``theirs`` writes behind its back."""
    mine = AdminEngine(store_url, rules=rule_book(RULES), clock=clock)
    theirs = AdminEngine(store_url, rules=rule_book(RULES), clock=clock)
    malu = RosterBuilder(mine, "malu").enterprise(ENTERPRISE, date(2024, 1, 1))
    malu.person("center-1", "center").person("center-2", "center")
    malu.person("liaison", "unit", units=["planning"])
    try:
        yield mine, theirs
    finally:
        theirs.close()
        mine.close()


def submit(engine: Engine, command_id: str) -> UUID:
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
    ).case_id


def dispatch(case_id: UUID, actor: str, command_id: str) -> ActOnCase:
    return ActOnCase(
        case_id, Action.DISPATCH, actor, "center", command_id, payload={"unit": "planning"}
    )


def replayed(url: str, case_id: UUID) -> str:
    """The case as an engine that remembers nothing rebuilds it, time zones included."""
    with AdminEngine(url, rules=rule_book(RULES), clock=ManualClock(START), cache_size=0) as fresh:
        return repr(fresh.case(case_id))


def test_a_case_moved_on_by_another_engine_is_decided_on_its_latest_state(
    store_url: str, engines: tuple[Engine, Engine]
) -> None:
    """The second engine's step is not lost: the first builds on it instead of conflicting."""
    mine, theirs = engines
    case_id = submit(mine, "s")
    mine.act(dispatch(case_id, "center-1", "d"))
    theirs.act(ActOnCase(case_id, Action.ACCEPT, "liaison", "unit", "a"))
    resolved = mine.act(
        ActOnCase(case_id, Action.RESOLVE, "liaison", "unit", "r", payload={"result": "办结"})
    )
    assert [s.version for s in resolved.steps] == [4]
    assert [s.step.kind for s in mine.history(case_id)] == [
        "submit",
        "dispatch",
        "accept",
        "resolve",
    ]
    assert repr(mine.case(case_id)) == replayed(store_url, case_id)


def test_a_person_deactivated_elsewhere_can_no_longer_act(
    engines: tuple[Engine, Engine],
) -> None:
    """A dispatcher this engine has seen act is refused once another engine takes them off."""
    mine, theirs = engines
    mine.act(dispatch(submit(mine, "s1"), "center-2", "d1"))
    theirs.roster.deactivate_person(
        jurisdiction="malu", person_id="center-2", reason="调离", command_id="off"
    )
    with pytest.raises(NotAuthorised, match="no longer active"):
        mine.act(dispatch(submit(mine, "s2"), "center-2", "d2"))


def test_roles_changed_elsewhere_apply_to_the_next_command(
    engines: tuple[Engine, Engine],
) -> None:
    """A person moved to another role elsewhere no longer acts in the old one here."""
    mine, theirs = engines
    mine.act(dispatch(submit(mine, "s1"), "center-2", "d1"))
    theirs.roster.change_person(
        jurisdiction="malu",
        person_id="center-2",
        roles=["unit"],
        units=["planning"],
        reason="轮岗",
        command_id="move",
    )
    with pytest.raises(NotAuthorised):
        mine.act(dispatch(submit(mine, "s2"), "center-2", "d2"))


def test_a_person_registered_elsewhere_acts_at_once(engines: tuple[Engine, Engine]) -> None:
    """An unknown actor is not remembered as unknown: registered elsewhere, they may act."""
    mine, theirs = engines
    case_id = submit(mine, "s")
    with pytest.raises(UnknownActor):
        mine.act(dispatch(case_id, "newcomer", "d1"))
    theirs.register_person(
        jurisdiction="malu", person_id="newcomer", name="新人", roles=["center"], command_id="p"
    )
    assert not mine.act(dispatch(case_id, "newcomer", "d2")).duplicate


def test_a_step_recorded_but_not_saved_is_forgotten(
    store_url: str, engines: tuple[Engine, Engine]
) -> None:
    """A save that loses a race leaves nothing of its step in what the store remembers."""
    mine, theirs = engines
    case_id = submit(mine, "s")
    mine.act(dispatch(case_id, "center-1", "d"))
    rules = mine.rules_of(case_id)
    store = Store(parse_url(store_url))
    try:
        loaded = store.get(Case, case_id)
        assert loaded is not None
        command = ActOnCase(case_id, Action.ACCEPT, "liaison", "unit", "a-mine")
        actor = Actor("liaison", frozenset({"unit"}), frozenset({"planning"}))
        loaded.record(
            decide_action(rules, mine.calendar_for(rules), loaded.state, command, actor, at=START)
        )
        again = store.get(Case, case_id)
        assert again is not None
        assert again.pending_events == []
        theirs.act(ActOnCase(case_id, Action.ACCEPT, "liaison", "unit", "a-theirs"))
        with pytest.raises(Conflict):
            store.save([loaded], command=CommandRow("a-mine", case_id, 3, 3, "act:accept", "x"))
        latest = store.get(Case, case_id)
        assert latest is not None
        assert repr(latest.state) == replayed(store_url, case_id)
        assert latest.state.commands >= {"a-theirs"}
        assert "a-mine" not in latest.state.commands
    finally:
        store.close()


def test_what_an_engine_remembers_is_what_a_replay_rebuilds(
    store_url: str, engines: tuple[Engine, Engine], clock: ManualClock
) -> None:
    """After commands, fired clocks and another engine's writes, nothing differs from a replay."""
    mine, theirs = engines
    cases = [submit(mine, f"s{i}") for i in range(3)]
    for i, case_id in enumerate(cases):
        mine.act(dispatch(case_id, "center-1", f"d{i}"))
    theirs.act(ActOnCase(cases[0], Action.ACCEPT, "liaison", "unit", "a0"))
    clock.advance(timedelta(days=30))
    assert mine.advance().fired
    mine.act(ActOnCase(cases[1], Action.ACCEPT, "liaison", "unit", "a1"))
    for case_id in cases:
        assert repr(mine.case(case_id)) == replayed(store_url, case_id)
    again = mine.act(ActOnCase(cases[1], Action.ACCEPT, "liaison", "unit", "a1"))
    assert again.duplicate


def test_an_engine_that_remembers_nothing_decides_the_same(
    store_url: str, clock: ManualClock
) -> None:
    """``cache_size=0`` turns remembering off; commands and answers are unchanged."""
    with AdminEngine(store_url, rules=rule_book(RULES), clock=clock, cache_size=0) as engine:
        RosterBuilder(engine, "malu").enterprise(ENTERPRISE, date(2024, 1, 1)).person(
            "c", "center"
        ).person("u", "unit", units=["planning"])
        case_id = submit(engine, "s")
        engine.act(dispatch(case_id, "c", "d"))
        assert engine.act(dispatch(case_id, "c", "d")).duplicate
        assert engine.roster.person("malu", "c").active
        assert repr(engine.case(case_id)) == replayed(store_url, case_id)


def test_a_cached_case_is_copied_cheaply_and_recorded_on_apart() -> None:
    """The cache hands out deep copies; a case's copy shares its immutable state, not its pending events."""
    with recorded_at(START):
        person = Person(
            jurisdiction="malu", person_id="p", name="x", roles=["center"], units=[], rank=None
        )
    original = person
    twin = copy.deepcopy(original)
    with recorded_at(START):
        twin.deactivate(reason="left")
    assert original.active
    assert len(original.pending_events) == 1
    case = _a_case()
    clone = copy.deepcopy(case)
    assert clone.state is case.state
    assert clone.pending_events == []
    assert len(case.pending_events) == 1


def _a_case() -> Case:
    rules = load_rules(RULES / "malu.yaml")
    command = SubmitDemand(
        jurisdiction="malu",
        enterprise=ENTERPRISE,
        category="consultation",
        title="t",
        actor=ENTERPRISE,
        role="enterprise",
        command_id="s",
    )
    step = decide_submission(
        rules,
        national_calendar(),
        command,
        Actor(ENTERPRISE, frozenset({"enterprise"}), enterprise=ENTERPRISE),
        at=START,
    )
    return Case.open(UUID(int=1), step)
