"""Read-model tables made by several openers at once: each finds them whole.

A projection runner started in its own process beside a portal, or the two runners of
one engine, open the same fresh (or older) tables together. On PostgreSQL two of them
creating the tables and writing the schema row at once failed one with a duplicate key
(``bench_writers.py --follow`` met it); they now take turns.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from gridcase.projections.runner import ensure_schema, read_model_engine
from gridcase.projections.tables import META, SCHEMA_VERSION
from gridcase.storage.url import parse_url

OPENERS = 4


def open_together(url: str) -> tuple[list[BaseException], list[bool]]:
    engines = [read_model_engine(parse_url(url)) for _ in range(OPENERS)]
    start = threading.Barrier(OPENERS, timeout=30)
    errors: list[BaseException] = []
    created: list[bool] = []

    def open_one(i: int) -> None:
        try:
            start.wait()
            created.append(ensure_schema(engines[i]))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_one, args=(i,)) for i in range(OPENERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    with engines[0].connect() as conn:
        rows = conn.execute(select(META.c.value).where(META.c.key == "schema")).all()
    assert [tuple(r) for r in rows] == [(str(SCHEMA_VERSION),)]
    for engine in engines:
        engine.dispose()
    return errors, created


@pytest.mark.postgres
def test_openers_of_fresh_tables_on_postgresql_take_turns(pg_url: str) -> None:
    errors, created = open_together(pg_url)
    assert errors == []
    assert sorted(created) == [False] * (OPENERS - 1) + [True]
