"""Store URLs: ``sqlite:///FILE`` (the embedded default) or ``postgresql://…``, the same code for both.

A URL becomes an eventsourcing environment (a flat dict of strings, as the library
configures itself), so choosing the database is configuration, never code.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

from gridcase.kernel.errors import InvalidInput
from gridcase.storage.chain import ALGORITHMS, DEFAULT_ALGORITHM, NO_CHAIN

__all__ = ["DEFAULT_URL", "URL_ENV", "StoreLocation", "parse_url"]

DEFAULT_URL = "sqlite:///gridcase.db"
URL_ENV = "GRIDCASE_URL"


@dataclass(frozen=True)
class StoreLocation:
    """A parsed store URL, as an eventsourcing environment."""

    kind: Literal["sqlite", "postgres"]
    env: Mapping[str, str]
    display: str
    schema: str | None = None
    chain: str = DEFAULT_ALGORITHM
    """The hash chain a new store is created with (``?chain=sm3``); a store keeps the one
    it was created with."""


def parse_url(url: str | None) -> StoreLocation:
    """Turn a gridcase store URL into an eventsourcing environment.

    ``sqlite:///gridcase.db`` (a file relative to the working folder),
    ``sqlite:////var/lib/gridcase.db`` (absolute), ``sqlite:///:memory:`` (private, in
    memory), ``postgresql://user:password@host:5432/dbname?schema=name``. Without a URL,
    ``GRIDCASE_URL`` from the environment, else ``sqlite:///gridcase.db``.
    """
    raw = (url or os.environ.get(URL_ENV) or DEFAULT_URL).strip()
    parts = urlsplit(raw)
    scheme = parts.scheme.lower()
    query = parse_qs(parts.query)
    chain = (query.get("chain") or [DEFAULT_ALGORITHM])[0]
    if chain not in (*ALGORITHMS, NO_CHAIN):
        raise InvalidInput(
            f"unknown chain {chain!r} in {raw!r} (known: {', '.join((*ALGORITHMS, NO_CHAIN))})",
            field="url",
        )
    if scheme == "sqlite":
        path = unquote(parts.path)
        if not path.startswith("/") or path == "/":
            raise InvalidInput(f"a SQLite URL is sqlite:///FILE, got {raw!r}", field="url")
        name = path[1:]
        if name == ":memory:":
            db = f"file:gridcase-{uuid.uuid4().hex}?mode=memory&cache=shared"
            display = "sqlite:///:memory:"
        else:
            db = str(Path(name).expanduser())
            display = f"sqlite:///{name}"
        return StoreLocation(
            kind="sqlite",
            env={
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": db,
                "SQLITE_LOCK_TIMEOUT": "10",
                "APPLICATION_RECORDER_TOPIC": "gridcase.storage.sqlite:GridcaseSQLiteRecorder",
            },
            display=display,
            chain=chain,
        )
    if scheme in {"postgresql", "postgres", "postgresql+psycopg"}:
        dbname = unquote(parts.path.lstrip("/"))
        if not dbname:
            raise InvalidInput(f"a PostgreSQL URL names its database: {raw!r}", field="url")
        schema = (query.get("schema") or [""])[0]
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": dbname,
            "POSTGRES_HOST": parts.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(parts.port or 5432),
            "POSTGRES_USER": unquote(parts.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(parts.password or ""),
            "POSTGRES_POOL_SIZE": "2",
            "POSTGRES_MAX_OVERFLOW": "4",
            "POSTGRES_LOCK_TIMEOUT": "10",
            "APPLICATION_RECORDER_TOPIC": "gridcase.storage.postgres:GridcasePostgresRecorder",
        }
        if schema:
            env["POSTGRES_SCHEMA"] = schema
        host = parts.hostname or "127.0.0.1"
        display = (
            f"postgresql://{parts.username or 'postgres'}@{host}:{parts.port or 5432}/{dbname}"
        )
        if schema:
            display += f"?schema={schema}"
        return StoreLocation(
            kind="postgres", env=env, display=display, schema=schema or None, chain=chain
        )
    raise InvalidInput(
        f"unsupported store URL {raw!r}: use sqlite:///FILE or postgresql://USER@HOST:PORT/DB",
        field="url",
    )
