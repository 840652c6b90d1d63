"""The database's own errors, turned into gridcase's typed store errors at the storage edge.

SQLite and PostgreSQL report a full disk, a lock held too long, a read-only medium, a
corrupt file, an unreachable server or a connection killed mid-transaction in their own
ways (``sqlite3.OperationalError: database is locked``, ``psycopg.errors.AdminShutdown``
…), and eventsourcing wraps some of them once more. :func:`translated` walks the cause
chain of whatever escapes a store operation and raises the matching
:class:`~gridcase.kernel.errors.StoreError` instead, naming the store and where its URL
came from. Integrity errors (a lost race) pass through untouched: the store turns them
into :class:`~gridcase.kernel.errors.Conflict` itself. Nothing above the storage layer
ever sees a driver's exception.

:func:`guard` installs the translation on an eventsourcing datastore, so that every
read and write through it (eventsourcing's own and gridcase's) is covered.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from gridcase.kernel.errors import (
    GridcaseError,
    StoreBusy,
    StoreConnectionLost,
    StoreCorrupt,
    StoreError,
    StoreFull,
    StoreReadOnly,
    StoreUnavailable,
)
from gridcase.storage.url import StoreLocation

__all__ = ["guard", "store_error", "translated"]

_SQLITE_MESSAGES: tuple[tuple[str, type[StoreError]], ...] = (
    ("database is locked", StoreBusy),
    ("database table is locked", StoreBusy),
    ("database or disk is full", StoreFull),
    ("readonly database", StoreReadOnly),
    ("read-only", StoreReadOnly),
    ("file is not a database", StoreCorrupt),
    ("malformed", StoreCorrupt),
    ("unable to open database file", StoreUnavailable),
    ("disk i/o error", StoreUnavailable),
)

# PostgreSQL SQLSTATE codes (Appendix A of the PostgreSQL manual) and what they mean here.
_PG_STATES: dict[str, type[StoreError]] = {
    "55P03": StoreBusy,  # lock_not_available (lock_timeout ran out)
    "40P01": StoreBusy,  # deadlock_detected
    "53100": StoreFull,  # disk_full
    "53200": StoreFull,  # out_of_memory
    "54000": StoreFull,  # program_limit_exceeded
    "25006": StoreReadOnly,  # read_only_sql_transaction
    "57P01": StoreConnectionLost,  # admin_shutdown (pg_terminate_backend)
    "57P02": StoreConnectionLost,  # crash_shutdown
    "57P03": StoreUnavailable,  # cannot_connect_now
    "08000": StoreConnectionLost,
    "08003": StoreConnectionLost,
    "08006": StoreConnectionLost,
    "3D000": StoreUnavailable,  # invalid_catalog_name (no such database)
    "28000": StoreUnavailable,  # invalid_authorization_specification
    "28P01": StoreUnavailable,  # invalid_password
    "XX001": StoreCorrupt,  # data_corrupted
    "XX002": StoreCorrupt,  # index_corrupted
}

_HINTS: dict[type[StoreError], str] = {
    StoreBusy: "another writer holds it; try again shortly, or wait longer with ?lock_timeout=SECONDS",
    StoreFull: "free space on its disk, then try again (nothing of this command was written)",
    StoreReadOnly: "it can be read but not written; use a writable copy",
    StoreCorrupt: "it is not a readable gridcase store; restore it from a backup",
    StoreUnavailable: "check the URL and that the database is up",
    StoreConnectionLost: "the connection broke off; try again (a command with the same id "
    "is recorded once)",
}


def _where(location: StoreLocation) -> str:
    src = {"argument": "given as argument", "default": "the default"}.get(
        location.source, f"from {location.source}"
    )
    return f"{location.display} ({src})"


def store_error(
    cls: type[StoreError], location: StoreLocation, what: str, *, hint: bool = True
) -> StoreError:
    """A typed store error naming the store, where its URL came from, and what to do."""
    message = f"store {_where(location)}: {what}"
    if hint:
        message += f"; {_HINTS[cls]}"
    if cls is StoreBusy:
        return StoreBusy(
            message,
            url=location.display,
            source=location.source,
            waited=float(location.lock_timeout),
        )
    return cls(message, url=location.display, source=location.source)


def _classify(exc: BaseException) -> tuple[type[StoreError], str] | None:
    """The store error a driver error means, with the driver's own words; None if none."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, GridcaseError):
            return None
        found = _sqlite(current) or _postgres(current)
        if found is not None:
            return found
        current = current.__cause__ or current.__context__
    return None


def _sqlite(exc: BaseException) -> tuple[type[StoreError], str] | None:
    if not isinstance(exc, sqlite3.Error) or isinstance(exc, sqlite3.IntegrityError):
        return None
    text = str(exc).lower()
    for needle, cls in _SQLITE_MESSAGES:
        if needle in text:
            return cls, str(exc)
    if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError):
        return StoreCorrupt, str(exc)
    return None


def _postgres(exc: BaseException) -> tuple[type[StoreError], str] | None:
    try:
        import psycopg
        from psycopg_pool import PoolTimeout
    except ImportError:  # pragma: no cover - the postgres extra is not installed
        return None
    if isinstance(exc, PoolTimeout):
        return StoreUnavailable, "no connection to the server could be made in time"
    if not isinstance(exc, psycopg.Error) or isinstance(exc, psycopg.IntegrityError):
        return None
    state = getattr(exc, "sqlstate", None)
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if state in _PG_STATES:
        return _PG_STATES[state], first
    if isinstance(exc, psycopg.OperationalError):
        text = str(exc).lower()
        if "connection" in text and ("closed" in text or "lost" in text or "terminat" in text):
            return StoreConnectionLost, first
        if "consuming input failed" in text or "server closed" in text:
            return StoreConnectionLost, first
        return StoreUnavailable, first
    if isinstance(exc, psycopg.InterfaceError):
        return StoreConnectionLost, first
    return None


@contextmanager
def translated(location: StoreLocation) -> Iterator[None]:
    """Run a store operation; a driver error that means a store fault is raised typed."""
    try:
        yield
    except GridcaseError:
        raise
    except Exception as exc:
        found = _classify(exc)
        if found is None:
            raise
        cls, words = found
        raise store_error(cls, location, words) from exc


def _wrapped(
    method: Callable[..., AbstractContextManager[Any]], location: StoreLocation
) -> Callable[..., AbstractContextManager[Any]]:
    @contextmanager
    def wrapper(*args: Any, **kwargs: Any) -> Iterator[Any]:
        with translated(location), method(*args, **kwargs) as inner:
            yield inner

    return wrapper


def guard(datastore: Any, location: StoreLocation) -> None:
    """Translate every fault raised through ``datastore``'s connections and transactions."""
    for name in ("transaction", "get_connection"):
        method = getattr(datastore, name, None)
        if method is not None and not getattr(method, "_gridcase_guarded", False):
            wrapper = _wrapped(method, location)
            wrapper._gridcase_guarded = True  # type: ignore[attr-defined]
            setattr(datastore, name, wrapper)
