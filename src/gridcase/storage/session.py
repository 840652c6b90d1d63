"""One write transaction held across a command's reads and its save, or across a batch.

Before this module a command read the versions of what it decides on (its case, its
actor) in one transaction and saved in another: two transactions, two trips through the
connection pool, ``BEGIN`` and ``ROLLBACK`` for the read alone, and on SQLite a window in
which another process could write between the read and the save. A session holds one
transaction on one connection for the whole command: on SQLite it starts with ``BEGIN
IMMEDIATE`` (the write lock is taken first, so what the command reads is what it saves
on, and no writer can come between), on PostgreSQL it is one transaction on one pooled
connection (eventsourcing's table lock is still taken at the insert, so the order of
positions is the order of commits, as before).

:class:`WriteSessions` is installed on an eventsourcing datastore, over its
``transaction`` and ``get_connection``: while the calling thread holds a session, every
read and write through the datastore, eventsourcing's own and gridcase's, runs on the
session's connection, inside its transaction; other threads use the pool as before.

A session opened inside another is a savepoint: a batch (:meth:`WriteSessions.batch`)
holds one transaction for many commands, each command a savepoint of its own, so one
refused or conflicting command leaves the others of the batch untouched; the batch
commits every ``limit`` commands, which keeps every transaction bounded in size (one
``eventsourcing.postgres`` save of ~100k events was seen to hang in psycopg's pipeline
mode). What must follow a commit (caching what was saved, destroying a key) is
registered with :meth:`WriteSessions.after_commit`; what must follow the rollback of
something already saved (forgetting caches that took it in) with
:meth:`WriteSessions.on_rollback`.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.persistence import IntegrityError

__all__ = ["WriteSessions"]


@dataclass
class _Held:
    """The calling thread's session: its connection and what waits on its outcome."""

    connection: Any
    stack: ExitStack
    transaction: Any = None
    """PostgreSQL: the open ``conn.transaction()`` context (None on SQLite)."""
    depth: int = 0
    """Sessions open inside this one (a batch's commands)."""
    savepoints: int = 0
    batch_limit: int | None = None
    """In a batch: commit after this many commands."""
    count: int = 0
    """In a batch: commands since the last commit."""
    dirty: bool = False
    """Something was saved since the last commit (a rollback must then forget caches)."""
    after_commit: list[Callable[[], object]] = field(default_factory=list)


class WriteSessions:
    """Held write transactions on one datastore, one per thread at most."""

    def __init__(self, datastore: Any, *, postgres: bool) -> None:
        self._datastore = datastore
        self._postgres = postgres
        self._local = threading.local()
        self._rollback_listeners: list[Callable[[], object]] = []
        self._transaction = datastore.transaction
        self._get_connection = datastore.get_connection
        datastore.transaction = self._session_transaction
        datastore.get_connection = self._session_connection
        datastore.gridcase_sessions = self  # the recorders ask whether a session is held

    # -- what the store asks for -----------------------------------------------------------

    @property
    def active(self) -> bool:
        """Whether the calling thread holds a session."""
        return self._held() is not None

    @property
    def nested(self) -> bool:
        """Whether the calling thread's session is inside another (a batch's command)."""
        held = self._held()
        return held is not None and held.depth > 0

    @contextmanager
    def outside(self) -> Iterator[None]:
        """Read through the pool, as if no session were held: what others have committed.

        After a lost race a lone command's PostgreSQL transaction is aborted; the store
        names what the other writer recorded by reading outside it. On SQLite the held
        connection stays usable (the failed save was a savepoint of its own, see
        :meth:`atomic`), and an in-memory store's pool would wait for this very session.
        """
        if not self._postgres:
            yield
            return
        held = self._held()
        self._local.held = None
        try:
            yield
        finally:
            self._local.held = held

    def on_rollback(self, listener: Callable[[], object]) -> None:
        """Call ``listener`` whenever something saved is rolled back (a cache took it in)."""
        self._rollback_listeners.append(listener)

    def after_commit(self, step: Callable[[], object]) -> None:
        """Run ``step`` once what was saved so far is committed (at once outside a session)."""
        held = self._held()
        if held is None:
            step()
        else:
            held.after_commit.append(step)

    def saved(self) -> None:
        """Note that the session's transaction now holds saved events."""
        held = self._held()
        if held is not None:
            held.dirty = True

    @contextmanager
    def session(self) -> Iterator[None]:
        """One transaction for what runs inside; a savepoint when a session is held already."""
        held = self._held()
        if held is not None:
            held.depth += 1
            try:
                with self._savepoint(held):
                    yield
            finally:
                held.depth -= 1
                if held.batch_limit is not None and held.depth == 0:
                    held.count += 1
                    if held.count >= held.batch_limit:
                        held.count = 0
                        self._commit_and_continue()
            return
        held = self._begin()
        try:
            yield
        except BaseException:
            self._end(held, commit=False)
            raise
        self._end(held, commit=True)

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """One save inside a held session: all of its statements or none, the session going on.

        On SQLite a failed statement undoes only itself, so a save whose events lose a race
        after its command row went in would leave that row in the session: a savepoint undoes
        the whole save. eventsourcing's PostgreSQL insert is already a nested transaction.
        """
        held = self._held()
        if held is None or self._postgres:
            yield
            return
        with self._savepoint(held):
            yield

    @contextmanager
    def batch(self, limit: int) -> Iterator[None]:
        """A session whose sessions are savepoints, committed every ``limit`` of them and at the end.

        Not inside a held session: a batch inside a batch would commit its parent's work.
        """
        if limit < 1:
            raise ValueError("a batch holds at least one command")
        if self._held() is not None:
            raise RuntimeError("a batch cannot start inside a session")
        with self.session():
            held = self._held()
            assert held is not None
            held.batch_limit = limit
            yield

    # -- the transaction itself ------------------------------------------------------------

    def _held(self) -> _Held | None:
        held: _Held | None = getattr(self._local, "held", None)
        return held

    def _begin(self) -> _Held:
        stack = ExitStack()
        try:
            if self._postgres:
                conn = stack.enter_context(self._get_connection())
                held = _Held(conn, stack)
                held.transaction = conn.transaction()
                held.transaction.__enter__()
            else:
                conn = stack.enter_context(self._get_connection(commit=True))
                conn.cursor().execute("BEGIN IMMEDIATE")
                held = _Held(conn, stack)
        except BaseException:
            stack.close()
            raise
        self._local.held = held
        return held

    def _end(self, held: _Held, *, commit: bool) -> None:
        self._local.held = None
        try:
            if self._postgres:
                if commit:
                    held.transaction.__exit__(None, None, None)
                else:
                    _rollback_pg(held.transaction)
            elif commit:
                held.connection.commit()
            else:
                held.connection.rollback()
        except BaseException:
            self._rolled_back(held)
            held.stack.close()
            raise
        held.stack.close()
        if commit:
            self._committed(held)
        else:
            self._rolled_back(held)

    def _commit_and_continue(self) -> None:
        """Commit the held transaction and begin the next on the same connection."""
        held = self._held()
        assert held is not None
        try:
            if self._postgres:
                held.transaction.__exit__(None, None, None)
                held.transaction = held.connection.transaction()
                held.transaction.__enter__()
            else:
                held.connection.commit()
                held.connection.cursor().execute("BEGIN IMMEDIATE")
        except BaseException:
            self._rolled_back(held)
            raise
        self._committed(held)

    def _committed(self, held: _Held) -> None:
        steps, held.after_commit, held.dirty = held.after_commit, [], False
        for step in steps:
            step()

    def _rolled_back(self, held: _Held) -> None:
        held.after_commit = []
        if held.dirty:
            held.dirty = False
            for listener in self._rollback_listeners:
                listener()

    @contextmanager
    def _savepoint(self, held: _Held) -> Iterator[None]:
        held.savepoints += 1
        name = f"gridcase_{held.savepoints}"
        pending, dirty = len(held.after_commit), held.dirty
        if self._postgres:
            try:
                with held.connection.transaction():
                    yield
            except BaseException:
                self._forget_since(held, pending, dirty)
                raise
            return
        cursor = held.connection.cursor()
        cursor.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            cursor.execute(f"ROLLBACK TO {name}")
            cursor.execute(f"RELEASE {name}")
            self._forget_since(held, pending, dirty)
            raise
        cursor.execute(f"RELEASE {name}")

    def _forget_since(self, held: _Held, pending: int, dirty: bool) -> None:
        """A savepoint rolled back: drop what waited on its part; forget caches it fed."""
        del held.after_commit[pending:]
        if held.dirty and not dirty:
            for listener in self._rollback_listeners:
                listener()
            held.dirty = False

    # -- the datastore's methods, while a session is held ----------------------------------

    @contextmanager
    def _session_transaction(self, *, commit: bool = False) -> Iterator[Any]:
        held = self._held()
        if held is None:
            with self._transaction(commit=commit) as cursor:
                yield cursor
            return
        if self._postgres:
            with _as_integrity_error(), held.connection.cursor() as cursor:
                yield cursor
            return
        cursor = held.connection.cursor()
        try:
            with _as_integrity_error():
                yield cursor
        finally:
            cursor.sqlite_cursor.close()

    @contextmanager
    def _session_connection(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        held = self._held()
        if held is None:
            with self._get_connection(*args, **kwargs) as conn:
                yield conn
            return
        with _as_integrity_error():
            yield held.connection


@contextmanager
def _as_integrity_error() -> Iterator[None]:
    """A driver's integrity error as eventsourcing's, as its own transactions raise it.

    The store turns eventsourcing's :class:`IntegrityError` (a lost race) into a
    Conflict; on a held connection no eventsourcing transaction is there to translate.
    """
    try:
        yield
    except sqlite3.IntegrityError as exc:
        raise IntegrityError(exc) from exc
    except Exception as exc:
        if type(exc).__module__.startswith("psycopg") and _is_pg_integrity(exc):
            raise IntegrityError(exc) from exc
        raise


def _is_pg_integrity(exc: Exception) -> bool:
    import psycopg  # only reached with a PostgreSQL store, where the extra is installed

    return isinstance(exc, psycopg.IntegrityError)


def _rollback_pg(transaction: Any) -> None:
    """Leave a psycopg transaction context rolling back, as an exception inside it would."""

    class _Abandoned(Exception):
        pass

    with suppress(_Abandoned):
        transaction.__exit__(_Abandoned, _Abandoned(), None)
