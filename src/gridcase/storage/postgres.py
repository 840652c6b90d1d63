"""The PostgreSQL side of :mod:`gridcase.storage.sqlite` (needs the ``gridcase[postgres]`` extra).

Imported by eventsourcing through the recorder topic only when a ``postgresql://`` URL
is used, so the embedded SQLite default never needs psycopg.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.errors import DuplicateObject

from gridcase.storage.chain import DEFAULT_ALGORITHM, NO_CHAIN, ChainLink, links_for
from gridcase.storage.rows import (
    CASE_COLUMNS,
    COMMAND_COLUMNS,
    CaseRow,
    CommandRow,
    case_params,
    case_row,
    rows_from_kwargs,
)
from gridcase.storage.security import SECURITY_COLUMNS, SecurityEntry

__all__ = ["GridcasePostgresRecorder"]


class GridcasePostgresRecorder(PostgresApplicationRecorder):
    """eventsourcing's PostgreSQL application recorder, plus gridcase's command and case tables."""

    def _table(self, name: str) -> str:
        return f'"{self.datastore.schema}"."{name}"'

    def create_table(self) -> None:
        """Create the schema, eventsourcing's tables and ours, unless they are there already.

        PostgreSQL DDL is not safe to run from two sessions at once: two engines opening
        the same schema together fail with "tuple concurrently updated" (eventsourcing's
        ``CREATE OR REPLACE FUNCTION``) or a duplicate ``pg_type`` row. Portals open many
        engines at once (one per worker), so every opener takes the same transaction-level
        advisory lock, keyed by schema, and does all of its DDL inside that transaction;
        a second opener waits, then finds everything in place.

        Even DDL that changes nothing takes locks: ``CREATE INDEX IF NOT EXISTS`` a share
        lock on the events table, ``ALTER TABLE … ADD COLUMN IF NOT EXISTS`` an exclusive
        one on the command table. An engine opened while others write (a projection
        runner started beside the writers, measured by ``bench_writers.py --follow``)
        then deadlocked with a writer holding a command row and waiting for the events
        table. So the DDL's digest is kept in ``gridcase_meta`` and an opener that finds
        the same digest there runs no DDL at all: opening an existing store writes and
        locks nothing.
        """
        digest = self._ddl_digest()
        if self._ddl_in_place(digest):
            self.datastore.register_type_adapters()
            return
        with (
            self.datastore.get_connection() as conn,
            conn.transaction(),
            conn.cursor() as curs,
        ):
            # DDL waits for other sessions' locks like any write: as long as they may, no longer.
            timeout = int(getattr(self.datastore, "lock_timeout", 0) or 0)
            curs.execute(f"SET LOCAL lock_timeout = '{timeout}s'")
            curs.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))",
                (f"gridcase.create_table:{self.datastore.schema}",),
            )
            curs.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.datastore.schema}"')
            for statement in self.sql_create_statements:
                if "CREATE TYPE" in statement.as_string():
                    # No IF NOT EXISTS for types: a savepoint keeps the transaction alive.
                    with contextlib.suppress(DuplicateObject), conn.transaction():
                        curs.execute(statement, prepare=False)
            self._create_table(curs)
            for ddl in self._gridcase_statements():
                curs.execute(ddl)
            curs.execute(
                f"INSERT INTO {self._table('gridcase_meta')} VALUES ('ddl', %s) "
                "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                (digest,),
            )
        self.datastore.register_type_adapters()

    def _ddl_digest(self) -> str:
        """What this release's DDL says, as a digest: a store holding it needs none of it.

        eventsourcing's insert function is left out: its body names the opener's own lock
        timeout (so two engines with different ``?lock_timeout=`` would each see the other's
        DDL as different), and gridcase never calls it (its inserts are statements).
        """
        texts = [
            s.as_string()
            for s in self.sql_create_statements
            if "CREATE OR REPLACE FUNCTION" not in s.as_string()
        ] + self._gridcase_statements()
        return hashlib.sha256("\n".join(texts).encode()).hexdigest()

    def _ddl_in_place(self, digest: str) -> bool:
        """Whether the store's tables were made by this very DDL (one read, no lock)."""
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute("SELECT to_regclass(%s) AS t", (self._table("gridcase_meta"),))
            row = curs.fetchone()
            if row is None or row["t"] is None:
                return False
            curs.execute(f"SELECT value FROM {self._table('gridcase_meta')} WHERE key = 'ddl'")
            found = curs.fetchone()
        return found is not None and found["value"] == digest

    def _gridcase_statements(self) -> list[str]:
        return [
            f"CREATE TABLE IF NOT EXISTS {self._table('gridcase_commands')} ("
            "command_id text PRIMARY KEY, originator_id uuid NOT NULL, "
            "first_version bigint NOT NULL, last_version bigint NOT NULL, kind text, fingerprint text)",
            # Stores made before release 0.2 lack these two columns; old rows keep NULL.
            f"ALTER TABLE {self._table('gridcase_commands')} ADD COLUMN IF NOT EXISTS kind text",
            f"ALTER TABLE {self._table('gridcase_commands')} ADD COLUMN IF NOT EXISTS fingerprint text",
            f"CREATE TABLE IF NOT EXISTS {self._table('gridcase_cases')} ("
            "case_id text PRIMARY KEY, jurisdiction text NOT NULL, enterprise text NOT NULL, "
            "category text NOT NULL, state text NOT NULL, final integer NOT NULL, level integer NOT NULL, "
            "owner_role text, owner_party text, unit text, next_deadline bigint, "
            "submitted_at bigint NOT NULL, last_at bigint NOT NULL, version bigint NOT NULL)",
            f"CREATE INDEX IF NOT EXISTS gridcase_cases_due ON {self._table('gridcase_cases')} (next_deadline)",
            f"CREATE TABLE IF NOT EXISTS {self._table('gridcase_chain')} ("
            "position bigint PRIMARY KEY, originator_id uuid NOT NULL, "
            "originator_version bigint NOT NULL, prev_hash text NOT NULL, hash text NOT NULL)",
            "CREATE INDEX IF NOT EXISTS gridcase_chain_originator "
            f"ON {self._table('gridcase_chain')} (originator_id, originator_version)",
            f"CREATE TABLE IF NOT EXISTS {self._table('gridcase_meta')} ("
            "key text PRIMARY KEY, value text NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {self._table('gridcase_security')} ("
            "position bigserial PRIMARY KEY, recorded_at text NOT NULL, claimed_at text, "
            "outcome text NOT NULL, kind text NOT NULL, command_id text, actor text, role text, "
            "jurisdiction text, aggregate_id text, error text, rule text, message text NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {self._table('gridcase_keys')} ("
            "owner text PRIMARY KEY, key bytea NOT NULL)",
        ]

    def _insert_events(
        self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        commands, cases = rows_from_kwargs(kwargs)
        for entry in kwargs.get("gridcase_security", ()):
            curs.execute(
                f"INSERT INTO {self._table('gridcase_security')} ({SECURITY_COLUMNS}) "
                "VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
                entry.params(),
            )
        for cmd in commands:
            curs.execute(
                f"INSERT INTO {self._table('gridcase_commands')} ({COMMAND_COLUMNS}) "
                "VALUES (%s, %s, %s, %s, %s, %s)",
                cmd.params(),
            )
        for row in cases:
            curs.execute(
                f"INSERT INTO {self._table('gridcase_cases')} ({CASE_COLUMNS}) "
                "VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) "
                "ON CONFLICT (case_id) DO UPDATE SET "
                + ", ".join(f"{col} = EXCLUDED.{col}" for col in CASE_COLUMNS.split(", ")[1:]),
                case_params(row),
            )
        super()._insert_events(curs, stored_events, **kwargs)

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """eventsourcing's pipelined insert, on the held connection when a session is held.

        A lone command's session needs no savepoint: a lost race rolls the whole session
        back (the store names what the other writer recorded from outside it). In a
        batch the save is a savepoint of its own, taken before the pipeline starts and
        rolled back after it ends (eventsourcing nests its ``conn.transaction()`` inside
        the pipeline, which leaves a held transaction aborted when the insert fails), so
        the batch goes on.
        """
        sessions = getattr(self.datastore, "gridcase_sessions", None)
        if sessions is None or not sessions.active:
            plain: Sequence[int] | None = super().insert_events(stored_events, **kwargs)
            return plain
        with self.datastore.get_connection() as conn:
            if sessions.nested:
                with conn.transaction():
                    return self._pipelined(conn, stored_events, **kwargs)
            return self._pipelined(conn, stored_events, **kwargs)

    def _pipelined(
        self, conn: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        exc: Exception | None = None
        ids: Sequence[int] | None = None
        with conn.pipeline() as pipeline:
            with conn.cursor() as curs:
                self._insert_events(curs, stored_events, **kwargs)
            if stored_events:
                with conn.cursor() as curs:
                    try:
                        self._insert_stored_events(curs, stored_events, **kwargs)
                        pipeline.sync()
                        ids = self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
                    except Exception as e:  # raised after the pipeline has ended
                        exc = e
        if exc is not None:
            raise exc
        return ids

    # -- the hash chain ------------------------------------------------------------------

    def _fetch_ids_after_insert_events(
        self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """The positions just given, then their links: the events table is still locked
        (eventsourcing's ``LOCK TABLE … IN EXCLUSIVE MODE``, held to commit), so no other
        writer can come between the last link and these."""
        positions = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        if positions and stored_events:
            self._chain(curs, positions, stored_events)
        return positions

    def _chain(self, curs: Any, positions: Sequence[int], events: Sequence[StoredEvent]) -> None:
        algorithm = self._algorithm(curs)
        if algorithm == NO_CHAIN:
            return
        curs.execute(
            f"SELECT * FROM {self._table('gridcase_chain')} ORDER BY position DESC LIMIT 1"
        )
        last = curs.fetchone()
        links = links_for(algorithm, _link(last) if last else None, positions, events)
        curs.executemany(
            f"INSERT INTO {self._table('gridcase_chain')} VALUES (%s, %s, %s, %s, %s)",
            [
                (k.position, k.originator_id, k.originator_version, k.prev_hash, k.hash)
                for k in links
            ],
        )

    _chain_algorithm: str | None = None

    def _algorithm(self, curs: Any) -> str:
        if self._chain_algorithm is None:
            curs.execute(
                f"SELECT value FROM {self._table('gridcase_meta')} WHERE key = 'chain_algorithm'"
            )
            row = curs.fetchone()
            self._chain_algorithm = row["value"] if row else DEFAULT_ALGORITHM
        return self._chain_algorithm

    def meta(self) -> dict[str, str]:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(f"SELECT key, value FROM {self._table('gridcase_meta')}")
            return {r["key"]: r["value"] for r in curs.fetchall()}

    def set_meta_default(self, key: str, value: str) -> str:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                f"INSERT INTO {self._table('gridcase_meta')} VALUES (%s, %s) "
                "ON CONFLICT (key) DO NOTHING",
                (key, value),
            )
            curs.execute(f"SELECT value FROM {self._table('gridcase_meta')} WHERE key = %s", (key,))
            row = curs.fetchone()
            assert row is not None
            held = str(row["value"])
        if key == "chain_algorithm":
            self._chain_algorithm = held
        return held

    def seal_unlinked(self) -> int:
        """Link events stored before the chain existed, under the events table's lock."""
        events_table = self._table(self.events_table_name)
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(f"LOCK TABLE {events_table} IN EXCLUSIVE MODE")
            curs.execute(f"SELECT MAX(position) AS p FROM {self._table('gridcase_chain')}")
            row = curs.fetchone()
            linked = (row["p"] if row else None) or 0
            curs.execute(
                "SELECT notification_id, originator_id, originator_version, topic, state "
                f"FROM {events_table} WHERE notification_id > %s ORDER BY notification_id",
                (linked,),
            )
            rows = curs.fetchall()
            if not rows:
                return 0
            events = [
                StoredEvent(
                    r["originator_id"], r["originator_version"], r["topic"], bytes(r["state"])
                )
                for r in rows
            ]
            self._chain(curs, [r["notification_id"] for r in rows], events)
            return len(rows)

    def select_links(self, *, after: int, limit: int) -> list[ChainLink]:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(
                f"SELECT * FROM {self._table('gridcase_chain')} WHERE position > %s "
                "ORDER BY position LIMIT %s",
                (after, limit),
            )
            return [_link(r) for r in curs.fetchall()]

    def links_of(self, originator_id: UUID) -> list[ChainLink]:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(
                f"SELECT * FROM {self._table('gridcase_chain')} WHERE originator_id = %s "
                "ORDER BY originator_version",
                (originator_id,),
            )
            return [_link(r) for r in curs.fetchall()]

    def lookup_command(self, command_id: str) -> CommandRow | None:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(
                f"SELECT {COMMAND_COLUMNS} FROM {self._table('gridcase_commands')} "
                "WHERE command_id = %s",
                (command_id,),
            )
            r = curs.fetchone()
        if r is None:
            return None
        return CommandRow(
            r["command_id"],
            r["originator_id"],
            r["first_version"],
            r["last_version"],
            r["kind"],
            r["fingerprint"],
        )

    def select_events_after(self, wanted: Sequence[tuple[UUID, int]]) -> list[StoredEvent]:
        """The events of several aggregates after a version each, in one round trip."""
        if not wanted:
            return []
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                "SELECT e.originator_id, e.originator_version, e.topic, e.state "
                f"FROM {self._table(self.events_table_name)} e "
                "JOIN unnest(%s::uuid[], %s::bigint[]) AS w(id, version) "
                "ON e.originator_id = w.id AND e.originator_version > w.version "
                "ORDER BY e.originator_id, e.originator_version",
                ([oid for oid, _ in wanted], [v for _, v in wanted]),
                prepare=True,
            )
            return [
                StoredEvent(
                    r["originator_id"], r["originator_version"], r["topic"], bytes(r["state"])
                )
                for r in curs.fetchall()
            ]

    def load_key(self, owner: str) -> bytes | None:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(
                f"SELECT key FROM {self._table('gridcase_keys')} WHERE owner = %s", (owner,)
            )
            r = curs.fetchone()
        return bytes(r["key"]) if r else None

    def save_key(self, owner: str, key: bytes) -> bytes:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                f"INSERT INTO {self._table('gridcase_keys')} VALUES (%s, %s) "
                "ON CONFLICT (owner) DO NOTHING",
                (owner, key),
            )
            curs.execute(
                f"SELECT key FROM {self._table('gridcase_keys')} WHERE owner = %s", (owner,)
            )
            r = curs.fetchone()
            assert r is not None
            return bytes(r["key"])

    def delete_key(self, owner: str) -> bool:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(f"DELETE FROM {self._table('gridcase_keys')} WHERE owner = %s", (owner,))
            return bool(curs.rowcount)

    def insert_security(self, entry: SecurityEntry) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                f"INSERT INTO {self._table('gridcase_security')} ({SECURITY_COLUMNS}) "
                "VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
                entry.params(),
            )

    def select_security(self, *, after: int, limit: int) -> list[SecurityEntry]:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(
                f"SELECT * FROM {self._table('gridcase_security')} WHERE position > %s "
                "ORDER BY position LIMIT %s",
                (after, limit),
            )
            return [SecurityEntry.from_row(r) for r in curs.fetchall()]

    def due_cases(self, until: int, limit: int) -> list[UUID]:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(
                f"SELECT case_id FROM {self._table('gridcase_cases')} WHERE next_deadline IS NOT NULL "
                "AND next_deadline <= %s ORDER BY next_deadline, case_id LIMIT %s",
                (until, limit),
            )
            return [UUID(r["case_id"]) for r in curs.fetchall()]

    def select_cases(self, jurisdiction: str | None = None) -> list[CaseRow]:
        sql = f"SELECT {CASE_COLUMNS} FROM {self._table('gridcase_cases')}"
        params: tuple[Any, ...] = ()
        if jurisdiction is not None:
            sql += " WHERE jurisdiction = %s"
            params = (jurisdiction,)
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(sql + " ORDER BY submitted_at, case_id", params)
            return [case_row(r) for r in curs.fetchall()]

    def replace_case_rows(self, rows: Sequence[CaseRow]) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(f"DELETE FROM {self._table('gridcase_cases')}")
            for row in rows:
                curs.execute(
                    f"INSERT INTO {self._table('gridcase_cases')} ({CASE_COLUMNS}) "
                    "VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
                    case_params(row),
                )


def _link(r: Any) -> ChainLink:
    return ChainLink(
        int(r["position"]),
        r["originator_id"],
        int(r["originator_version"]),
        r["prev_hash"],
        r["hash"],
    )
