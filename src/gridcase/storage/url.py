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

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_LOCK_TIMEOUT",
    "DEFAULT_URL",
    "URL_ENV",
    "StoreLocation",
    "parse_url",
]

DEFAULT_URL = "sqlite:///gridcase.db"
URL_ENV = "GRIDCASE_URL"
DEFAULT_LOCK_TIMEOUT = 10
"""Seconds a write waits for another writer's lock before :class:`StoreBusy` (``?lock_timeout=``)."""
DEFAULT_CONNECT_TIMEOUT = 5
"""Seconds to reach a PostgreSQL server before :class:`StoreUnavailable` (``?connect_timeout=``)."""


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
    source: str = "argument"
    """Where the URL came from: ``argument``, ``GRIDCASE_URL`` or ``default``."""
    path: str | None = None
    """The SQLite file (None in memory and on PostgreSQL)."""
    lock_timeout: int = DEFAULT_LOCK_TIMEOUT
    connect_timeout: int = DEFAULT_CONNECT_TIMEOUT


def parse_url(url: str | None) -> StoreLocation:
    """Turn a gridcase store URL into an eventsourcing environment.

    ``sqlite:///gridcase.db`` (a file relative to the working folder),
    ``sqlite:////var/lib/gridcase.db`` (absolute), ``sqlite:///:memory:`` (private, in
    memory), ``postgresql://user:password@host:5432/dbname?schema=name``. Without a URL,
    ``GRIDCASE_URL`` from the environment, else ``sqlite:///gridcase.db``.
    """
    source = "argument" if url else URL_ENV if os.environ.get(URL_ENV) else "default"
    raw = (url or os.environ.get(URL_ENV) or DEFAULT_URL).strip()
    parts = urlsplit(raw)
    scheme = parts.scheme.lower()
    query = parse_qs(parts.query)
    lock_timeout = _seconds(query, "lock_timeout", DEFAULT_LOCK_TIMEOUT, raw)
    connect_timeout = _seconds(query, "connect_timeout", DEFAULT_CONNECT_TIMEOUT, raw)
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
        file: str | None = None
        if name == ":memory:":
            db = f"file:gridcase-{uuid.uuid4().hex}?mode=memory&cache=shared"
            display = "sqlite:///:memory:"
        else:
            db = file = str(Path(name).expanduser())
            display = f"sqlite:///{name}"
        return StoreLocation(
            kind="sqlite",
            env={
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": db,
                "SQLITE_LOCK_TIMEOUT": str(lock_timeout),
                "APPLICATION_RECORDER_TOPIC": "gridcase.storage.sqlite:GridcaseSQLiteRecorder",
            },
            display=display,
            chain=chain,
            source=source,
            path=file,
            lock_timeout=lock_timeout,
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
            "POSTGRES_LOCK_TIMEOUT": str(lock_timeout),
            "POSTGRES_CONNECT_TIMEOUT": str(connect_timeout),
            # A pooled connection is checked as it is handed out, so one the server
            # dropped (a restart, pg_terminate_backend) is replaced, not used.
            "POSTGRES_PRE_PING": "y",
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
            kind="postgres",
            env=env,
            display=display,
            schema=schema or None,
            chain=chain,
            source=source,
            lock_timeout=lock_timeout,
            connect_timeout=connect_timeout,
        )
    raise InvalidInput(
        f"unsupported store URL {raw!r}: use sqlite:///FILE or postgresql://USER@HOST:PORT/DB",
        field="url",
    )


def _seconds(query: Mapping[str, list[str]], key: str, default: int, raw: str) -> int:
    text = (query.get(key) or [""])[0]
    if not text:
        return default
    if not text.isdigit() or not 1 <= int(text) <= 3600:
        raise InvalidInput(
            f"{key} in {raw!r} is a whole number of seconds from 1 to 3600, got {text!r}",
            field="url",
        )
    return int(text)
