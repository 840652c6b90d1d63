"""Shared test configuration: hypothesis profiles, the PostgreSQL switch, engines and rosters.

PostgreSQL tests run when ``GRIDCASE_TEST_POSTGRES`` names a server (CI sets it to
``postgresql://postgres@127.0.0.1:5432/test``); without it they skip and say so. When
it is set, an unreachable server fails the run: CI must never pass by skipping.
Every PostgreSQL test works in a schema of its own, dropped afterwards, so nothing an
earlier run left behind can matter.

A test that asks for ``engine`` (or ``roster``, a :class:`tests.builders.RosterBuilder` on
it) runs twice, on a SQLite file and on a PostgreSQL schema: the roster, visits, ledgers
and coverage keep one contract on both stores. A module changes what the engine reads
and when it starts by overriding ``rules``, ``clock_start`` and ``jurisdiction``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from tests.builders import RosterBuilder
from tests.support import FIXTURE_RULES, AdminEngine, cst, rule_book

from gridcase import Engine, ManualClock, RuleBook

settings.register_profile("dev", max_examples=40, deadline=None)
settings.register_profile(
    "ci",
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

PG_ENV = "GRIDCASE_TEST_POSTGRES"


def _pg_base_url() -> str:
    url = os.environ.get(PG_ENV, "").strip()
    if not url:
        pytest.skip(
            f"PostgreSQL tests are off: set {PG_ENV}=postgresql://postgres@127.0.0.1:5432/test"
        )
    return url


@pytest.fixture(scope="session")
def pg_server() -> str:
    """The PostgreSQL URL from the environment, checked to answer."""
    url = _pg_base_url()
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=5) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        pytest.fail(f"{PG_ENV} is set to {url!r} but the server does not answer: {exc}")
    return url


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A gridcase URL on a fresh schema of its own, dropped after the test."""
    import psycopg

    schema = f"gc_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in pg_server else "?"
    try:
        yield f"{pg_server}{sep}schema={schema}"
    finally:
        with psycopg.connect(pg_server, autocommit=True) as conn:
            # A connection a failed test left open must not make the teardown wait for ever.
            conn.execute("SET lock_timeout = '30s'")
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh store on each backend: a SQLite file, and a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'gridcase.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def rules() -> RuleBook:
    """The rules an ``engine`` reads: the small test jurisdictions of tests/fixtures/rules."""
    return rule_book(FIXTURE_RULES)


@pytest.fixture
def clock_start() -> datetime:
    """The moment an ``engine``'s clock starts at."""
    return cst(2026, 3, 2, 9)


@pytest.fixture
def clock(clock_start: datetime) -> ManualClock:
    """The manual clock an ``engine`` runs on; a test moves it with ``clock.set``."""
    return ManualClock(clock_start)


@pytest.fixture
def engine(store_url: str, rules: RuleBook, clock: ManualClock) -> Iterator[Engine]:
    """An engine on a fresh store of each backend, reading ``rules``, driven by ``clock``."""
    with AdminEngine(store_url, rules=rules, clock=clock) as engine:
        yield engine


@pytest.fixture
def jurisdiction() -> str:
    """The jurisdiction a ``roster`` builder works in."""
    return "twogrids"


@pytest.fixture
def roster(engine: Engine, jurisdiction: str) -> RosterBuilder:
    """A roster builder on ``engine`` for ``jurisdiction`` (``roster.of(...)`` for another)."""
    return RosterBuilder(engine, jurisdiction)
