"""Commands in a batch: one transaction per ``limit`` commands, each command as if alone.

``Engine.batch`` is the bulk path (imports, simulations): a commit's wait is shared by
many commands. What a batch must never do is change what a command means: a command in
it is carried out, refused or found a duplicate exactly as alone; nothing of it is seen
by other writers before its batch commits; and what a failed batch never committed is
forgotten by the engine that ran it (its cache and roster view), so no later command
decides on it. Every test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from datetime import date
from uuid import UUID

import pytest
from tests.builders import RosterBuilder
from tests.support import RULES, AdminEngine, credit_code, cst, rule_book

from gridcase import (
    Action,
    ActOnCase,
    Engine,
    ManualClock,
    NotFound,
    RefusedByRule,
    SubmitDemand,
)
from gridcase.domain.person import Person

ENTERPRISES = [credit_code(40 + i) for i in range(4)]
START = cst(2026, 3, 2, 9)


class Boom(Exception):
    """What an importer's own code might raise half-way through a batch."""


@pytest.fixture
def engines(store_url: str) -> Iterator[tuple[Engine, Engine]]:
    """The engine running batches, and another engine on the same store that reads."""
    clock = ManualClock(START)
    mine = AdminEngine(store_url, rules=rule_book(RULES), clock=clock)
    other = AdminEngine(store_url, rules=rule_book(RULES), clock=clock)
    malu = RosterBuilder(mine, "malu")
    for code in ENTERPRISES:
        malu.enterprise(code, date(2024, 1, 1))
    malu.person("center-1", "center").person("liaison", "unit", units=["planning"])
    try:
        yield mine, other
    finally:
        other.close()
        mine.close()


def submit(engine: Engine, enterprise: str, command_id: str) -> UUID:
    return engine.submit(
        SubmitDemand(
            jurisdiction="malu",
            enterprise=enterprise,
            category="consultation",
            title="咨询",
            actor=enterprise,
            role="enterprise",
            command_id=command_id,
        )
    ).case_id


def dispatch(case_id: UUID, command_id: str) -> ActOnCase:
    return ActOnCase(
        case_id, Action.DISPATCH, "center-1", "center", command_id, payload={"unit": "planning"}
    )


def failing_batch(engine: Engine, limit: int, work: Callable[[], UUID]) -> UUID:
    """Run ``work`` in a batch that then fails (as an importer's own error would)."""
    done: list[UUID] = []
    try:
        with engine.batch(limit=limit):
            done.append(work())
            raise Boom
    except Boom:
        pass
    return done[0]


def cases_seen(engine: Engine) -> set[UUID]:
    return {c.case_id for c in engine.cases("malu")}


def test_nothing_of_a_batch_is_seen_elsewhere_until_it_commits(
    engines: tuple[Engine, Engine],
) -> None:
    mine, other = engines
    with mine.batch(limit=100):
        first = submit(mine, ENTERPRISES[0], "s0")
        mine.act(dispatch(first, "d0"))
        # The batch reads what it has saved so far; nobody else does yet.
        assert [s.step.kind for s in mine.history(first)] == ["submit", "dispatch"]
        assert first not in cases_seen(other)
        with pytest.raises(NotFound):
            other.case(first)
    assert first in cases_seen(other)
    assert [s.step.kind for s in other.history(first)] == ["submit", "dispatch"]


def test_a_batch_commits_every_limit_commands(engines: tuple[Engine, Engine]) -> None:
    mine, other = engines
    with mine.batch(limit=2):
        a = submit(mine, ENTERPRISES[0], "s0")
        assert a not in cases_seen(other)
        mine.act(dispatch(a, "d0"))  # the second command: the batch commits here
        assert a in cases_seen(other)
        b = submit(mine, ENTERPRISES[1], "s1")
        assert b not in cases_seen(other)
    assert b in cases_seen(other)


def test_a_refused_command_is_undone_alone_and_the_batch_goes_on(
    engines: tuple[Engine, Engine],
) -> None:
    mine, other = engines
    with mine.batch(limit=100):
        a = submit(mine, ENTERPRISES[0], "s0")
        with pytest.raises(RefusedByRule):
            mine.act(ActOnCase(a, Action.CONFIRM_COMPLETION, ENTERPRISES[0], "enterprise", "x"))
        mine.act(dispatch(a, "d0"))
    assert [s.step.kind for s in other.history(a)] == ["submit", "dispatch"]
    assert not other.carried_out("x")


def test_a_command_repeated_inside_a_batch_is_carried_out_once(
    engines: tuple[Engine, Engine],
) -> None:
    mine, other = engines
    with mine.batch(limit=100):
        a = submit(mine, ENTERPRISES[0], "s0")
        first = mine.act(dispatch(a, "d0"))
        again = mine.act(dispatch(a, "d0"))
    assert again.duplicate
    assert again.case_id == first.case_id
    assert [s.step.kind for s in other.history(a)] == ["submit", "dispatch"]


def test_a_batch_that_fails_leaves_nothing_and_its_engine_forgets_it(
    engines: tuple[Engine, Engine],
) -> None:
    """Nothing committed, and the engine's own cache and roster view do not remember it."""
    mine, other = engines

    def work() -> UUID:
        case_id = submit(mine, ENTERPRISES[0], "s0")
        mine.roster.register_person(
            jurisdiction="malu", person_id="new", name="新", roles=["center"], command_id="p-new"
        )
        return case_id

    a = failing_batch(mine, 100, work)
    for engine in (mine, other):
        with pytest.raises(NotFound):
            engine.case(a)
        assert not engine.carried_out("s0")
        assert "new" not in engine.roster.view().people("malu")
    # The same command ids carry the work out afresh.
    again = submit(mine, ENTERPRISES[0], "s0")
    assert again == a
    assert [s.step.kind for s in other.history(a)] == ["submit"]


def test_what_was_committed_before_a_failure_stays(engines: tuple[Engine, Engine]) -> None:
    mine, other = engines
    a = failing_batch(mine, 1, lambda: submit(mine, ENTERPRISES[0], "s0"))  # limit 1: committed
    assert a in cases_seen(other)


def test_a_batch_does_not_nest(engines: tuple[Engine, Engine]) -> None:
    mine, _ = engines
    with mine.batch(limit=10), pytest.raises(RuntimeError), mine.batch(limit=10):
        pass


def test_a_copy_to_record_on_is_independent_of_the_cached_aggregate(
    engines: tuple[Engine, Engine],
) -> None:
    """The cheap copy the cache hands out shares only what cannot change."""
    mine, _ = engines
    person = mine.roster.person("malu", "liaison")
    clone = copy.deepcopy(person)
    assert isinstance(clone, Person)
    clone.units.append("economy")
    clone.roles.clear()
    assert person.units == ["planning"]
    assert person.roles == ["unit"]
    assert clone.units == ["planning", "economy"]
    assert clone.pending_events == []
    assert clone is not person
    assert clone.assignments == person.assignments
    assert clone.assignments is not person.assignments


@pytest.mark.postgres
def test_a_batch_decides_on_what_other_writers_committed_meanwhile(pg_url: str) -> None:
    """On PostgreSQL a batch holds no lock until it first saves; a command another writer
    commits meanwhile is what the batch's next command reads, not its cached case.

    (Once the batch has saved, eventsourcing's table lock keeps other writers waiting
    until it commits, as it keeps them waiting for any save: positions must be committed
    in order. A batch is for bulk work, not for sharing a store with busy desks.)
    """
    clock = ManualClock(START)
    with (
        AdminEngine(pg_url, rules=rule_book(RULES), clock=clock) as mine,
        AdminEngine(pg_url, rules=rule_book(RULES), clock=clock) as other,
    ):
        malu = RosterBuilder(mine, "malu").enterprise(ENTERPRISES[0], date(2024, 1, 1))
        malu.enterprise(ENTERPRISES[1], date(2024, 1, 1))
        malu.person("center-1", "center").person("liaison", "unit", units=["planning"])
        a = submit(mine, ENTERPRISES[0], "s0")
        mine.case(a)  # remembered as submitted
        with mine.batch(limit=100):
            mine.cases("malu")  # the batch's transaction is open
            other.act(dispatch(a, "theirs"))
            with pytest.raises(RefusedByRule):
                mine.act(dispatch(a, "mine"))  # already dispatched, by the other writer
            b = submit(mine, ENTERPRISES[1], "s1")
            mine.act(dispatch(b, "d1"))
        assert [s.step.kind for s in other.history(b)] == ["submit", "dispatch"]
        assert [s.step.kind for s in other.history(a)] == ["submit", "dispatch"]
