"""Engines publishing the same rules at once never make a submission fail.

The first case under a rule version publishes the rules' text with it. When several
engines (a portal's workers) file first demands together, all but one lose the race to
publish; each of them must still file its demand, and a Conflict, when there is a real
one, names what the other writer recorded first (tests/test_store.py).
"""

from __future__ import annotations

import threading
from datetime import date

from tests.support import RULES, AdminEngine, cst, rule_book

from gridcase import Engine, ManualClock, SubmitDemand
from gridcase.domain.published_rules import PublishedRules
from gridcase.storage.log import topics_of

MALU = "91350100M000100Y43"
ENGINES = 4


def engine_on(url: str) -> Engine:
    return AdminEngine(url, rules=rule_book(RULES), clock=ManualClock(cst(2026, 3, 2, 9)))


def demand(n: int) -> SubmitDemand:
    return SubmitDemand(
        jurisdiction="malu",
        enterprise=MALU,
        category="consultation",
        title=f"咨询 {n}",
        actor=MALU,
        role="enterprise",
        command_id=f"race-{n}",
    )


def test_concurrent_first_submissions_all_succeed(store_url: str) -> None:
    with engine_on(store_url) as first:
        first.register_enterprise(
            jurisdiction="malu",
            credit_code=MALU,
            name="示例科技有限公司",
            in_scope_from=date(2024, 1, 1),
            command_id="e/malu",
        )
    engines = [engine_on(store_url) for _ in range(ENGINES)]
    start = threading.Barrier(ENGINES)
    failures: list[BaseException] = []

    def file(i: int) -> None:
        start.wait()
        try:
            engines[i].submit(demand(i))
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=file, args=(i,)) for i in range(ENGINES)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    try:
        assert failures == []
        assert all(engines[0].carried_out(f"race-{i}") for i in range(ENGINES))
        published = list(engines[0].log.read(topics=topics_of([PublishedRules.Published])))
        assert len(published) == 1
    finally:
        for e in engines:
            e.close()
