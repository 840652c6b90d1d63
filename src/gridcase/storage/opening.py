"""Opening a store: only what exists is opened, unless creating was asked for.

A read never creates a store: ``Store(location, create=False)`` (what every read command
of the CLI uses) refuses a missing file, an empty file, a file that is not SQLite, a
SQLite file without gridcase's tables, an unknown PostgreSQL schema or an unreachable
server, each with its typed error, and leaves nothing behind. Creating is explicit
(``create=True``: ``gridcase init``, the demo, an embedder's first open).

A SQLite file that cannot be written (read-only file or medium) is opened read-only: it
can be read, and any write is refused as :class:`~gridcase.kernel.errors.StoreReadOnly`.

Every store records the version of its schema in ``gridcase_meta``
(``schema_version``); a store of a version this release does not know is refused as
:class:`~gridcase.kernel.errors.UnknownSchemaVersion` before anything is read or written.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from gridcase.kernel.errors import StoreCorrupt, StoreUnavailable, UnknownSchemaVersion
from gridcase.storage.faults import store_error, translated
from gridcase.storage.url import StoreLocation

__all__ = ["KNOWN_SCHEMA_VERSIONS", "SCHEMA_VERSION", "Opening", "check_schema_version", "prepare"]

SCHEMA_VERSION = "2"
"""The schema this release writes: release 0.1's tables plus the command fingerprint,
the hash chain, the security log and the sealing keys (release 0.2)."""
KNOWN_SCHEMA_VERSIONS = frozenset({"1", "2"})

_SQLITE_HEADER = b"SQLite format 3\x00"
_STORE_TABLES = ("stored_events", "gridcase_events", "gridcase_commands", "gridcase_meta")
"""A store holds eventsourcing's events table (named per backend) or gridcase's own."""


@dataclass(frozen=True)
class Opening:
    """How to open the store: the environment to add, and whether it is read-only."""

    env: dict[str, str]
    read_only: bool = False


def prepare(location: StoreLocation, *, create: bool) -> Opening:
    """Check what is at ``location`` before eventsourcing opens (and would create) it."""
    if location.kind == "sqlite":
        return _sqlite(location, create=create)
    _postgres(location, create=create)
    return Opening({})


def _sqlite(location: StoreLocation, *, create: bool) -> Opening:
    if location.path is None:  # in memory: private to this engine, always new
        return Opening({})
    path = Path(location.path)
    if not path.exists():
        if create:
            return Opening({})
        raise store_error(
            StoreUnavailable,
            location,
            f"there is no store at {path} (create one with gridcase init)",
            hint=False,
        )
    if path.is_dir():
        raise store_error(StoreUnavailable, location, f"{path} is a folder", hint=False)
    with translated(location), path.open("rb") as f:
        header = f.read(len(_SQLITE_HEADER))
    if not header and not create:
        raise store_error(StoreCorrupt, location, f"{path} is an empty file, not a store")
    if header and header != _SQLITE_HEADER:
        raise store_error(StoreCorrupt, location, f"{path} is not a SQLite database")
    # A read-only file in a writable folder is opened mode=ro (SQLite still shares its
    # WAL index with writers); on a read-only medium nobody can write, and SQLite could
    # not create the WAL index, so the file is opened immutable.
    uri = f"file:{quote(str(path.resolve()))}"
    medium = os.access(path.parent, os.W_OK)
    writable = medium and os.access(path, os.W_OK)
    uri += "?mode=ro" if medium else "?immutable=1"
    env: dict[str, str] = {}
    if not writable:
        env["SQLITE_DBNAME"] = uri
        env["CREATE_TABLE"] = "no"
    if header and not create:
        _require_tables(location, path, uri)
    return Opening(env, read_only=not writable)


def _require_tables(location: StoreLocation, path: Path, uri: str) -> None:
    with translated(location):
        conn = sqlite3.connect(uri, uri=True)
        try:
            found = conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN (?, ?, ?, ?)",
                _STORE_TABLES,
            ).fetchone()
        finally:
            conn.close()
    if found is None:
        raise store_error(
            StoreCorrupt, location, f"{path} is a SQLite database but not a gridcase store"
        )


def _postgres(location: StoreLocation, *, create: bool) -> None:
    """Reach the server within the connect timeout; without ``create``, the schema must exist."""
    import psycopg

    env = location.env
    with translated(location):
        conn = psycopg.connect(
            dbname=env["POSTGRES_DBNAME"],
            host=env["POSTGRES_HOST"],
            port=env["POSTGRES_PORT"],
            user=env["POSTGRES_USER"],
            password=env["POSTGRES_PASSWORD"],
            connect_timeout=location.connect_timeout,
            autocommit=True,
        )
        try:
            schema = location.schema or "public"
            row = conn.execute(
                "SELECT count(*) FROM information_schema.tables "
                "WHERE table_schema = %s AND table_name = ANY(%s)",
                (schema, list(_STORE_TABLES)),
            ).fetchone()
        finally:
            conn.close()
    if not create and (row is None or row[0] == 0):
        raise store_error(
            StoreUnavailable,
            location,
            f"there is no gridcase store in schema {schema!r} (create one with gridcase init)",
            hint=False,
        )


def check_schema_version(location: StoreLocation, held: str | None) -> None:
    """Refuse a store whose recorded schema version this release does not know."""
    if held is not None and held not in KNOWN_SCHEMA_VERSIONS:
        raise UnknownSchemaVersion(
            f"store {location.display}: schema version {held!r} is not one this release of "
            f"gridcase knows ({', '.join(sorted(KNOWN_SCHEMA_VERSIONS))}); "
            "open it with the release that wrote it, or a newer one",
            url=location.display,
            source=location.source,
            version=held,
        )
