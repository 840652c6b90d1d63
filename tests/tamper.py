"""A hostile store: edit gridcase's tables behind its back, on SQLite and on PostgreSQL.

What someone who can write the database could do: flip a byte, change a field and
re-encode it validly, delete, insert, swap, truncate, and recompute the chain from some
point on so that it agrees with their edits.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit
from uuid import UUID, uuid4

from gridcase.storage.chain import GENESIS, link_hash


@dataclass(frozen=True)
class Row:
    position: int
    originator_id: UUID
    version: int
    topic: str
    state: bytes


class Tamper:
    """Raw access to one store's events and links."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.kind = "sqlite" if parts.scheme == "sqlite" else "postgres"
        if self.kind == "sqlite":
            self.path = parts.path[1:]
            self.events, self.chain, self.pos, self.q = (
                "stored_events",
                "gridcase_chain",
                "rowid",
                "?",
            )
        else:
            schema = parse_qs(parts.query)["schema"][0]
            self.dsn = url.split("?", 1)[0]
            self.events = f'"{schema}"."gridcase_events"'
            self.chain = f'"{schema}"."gridcase_chain"'
            self.pos, self.q = "notification_id", "%s"

    @contextmanager
    def _db(self) -> Iterator[Any]:
        if self.kind == "sqlite":
            conn = sqlite3.connect(self.path)
            try:
                yield conn
                conn.commit()
            finally:
                conn.close()
        else:
            import psycopg

            with psycopg.connect(self.dsn, autocommit=False) as conn:
                yield conn

    def _oid(self, value: UUID) -> Any:
        return value.hex if self.kind == "sqlite" else value

    def rows(self) -> list[Row]:
        with self._db() as db:
            cur = db.execute(
                f"SELECT {self.pos}, originator_id, originator_version, topic, state "
                f"FROM {self.events} ORDER BY {self.pos}"
            )
            return [
                Row(r[0], r[1] if isinstance(r[1], UUID) else UUID(r[1]), r[2], r[3], bytes(r[4]))
                for r in cur.fetchall()
            ]

    def row(self, position: int) -> Row:
        return next(r for r in self.rows() if r.position == position)

    def algorithm(self) -> str:
        meta = self.chain.replace("gridcase_chain", "gridcase_meta")
        with self._db() as db:
            cur = db.execute(f"SELECT value FROM {meta} WHERE key = 'chain_algorithm'")
            return str(cur.fetchone()[0])

    # -- edits ---------------------------------------------------------------------------

    def set_state(self, position: int, state: bytes) -> None:
        with self._db() as db:
            db.execute(
                f"UPDATE {self.events} SET state = {self.q} WHERE {self.pos} = {self.q}",
                (state, position),
            )

    def flip_byte(self, position: int, offset: int = 10) -> None:
        state = bytearray(self.row(position).state)
        state[offset % len(state)] ^= 0x01
        self.set_state(position, bytes(state))

    def edit_field(self, position: int, key: str, value: Any) -> None:
        """Change one field of an event's JSON and write it back as valid JSON."""
        data = json.loads(self.row(position).state)
        data[key] = value
        self.set_state(position, json.dumps(data, separators=(",", ":")).encode())

    def delete(self, position: int, *, with_link: bool = False) -> None:
        with self._db() as db:
            db.execute(f"DELETE FROM {self.events} WHERE {self.pos} = {self.q}", (position,))
            if with_link:
                db.execute(f"DELETE FROM {self.chain} WHERE position = {self.q}", (position,))

    def insert(self, topic: str, state: bytes) -> None:
        """An event gridcase never wrote, for an aggregate of the attacker's making."""
        with self._db() as db:
            db.execute(
                f"INSERT INTO {self.events} (originator_id, originator_version, topic, state) "
                f"VALUES ({self.q}, 1, {self.q}, {self.q})",
                (self._oid(uuid4()), topic, state),
            )

    def swap(self, p: int, q: int) -> None:
        """Exchange what two positions hold (each keeps its position)."""
        a, b = self.row(p), self.row(q)
        update = (
            f"UPDATE {self.events} SET originator_id = {self.q}, originator_version = {self.q}, "
            f"topic = {self.q}, state = {self.q} WHERE {self.pos} = {self.q}"
        )
        with self._db() as db:
            for temp, row in ((-1_000_001, a), (-1_000_002, b)):  # free both keys first
                db.execute(
                    f"UPDATE {self.events} SET originator_version = {self.q} "
                    f"WHERE {self.pos} = {self.q}",
                    (temp, row.position),
                )
            db.execute(update, (self._oid(b.originator_id), b.version, b.topic, b.state, p))
            db.execute(update, (self._oid(a.originator_id), a.version, a.topic, a.state, q))

    def truncate(self, count: int) -> None:
        """Drop the last ``count`` events and their links, as if they had never been."""
        for r in self.rows()[-count:]:
            self.delete(r.position, with_link=True)

    def rewrite_chain_from(self, position: int) -> None:
        """Recompute every link from ``position`` on, so the chain agrees with the edits."""
        algorithm = self.algorithm()
        with self._db() as db:
            cur = db.execute(
                f"SELECT hash FROM {self.chain} WHERE position < {self.q} "
                "ORDER BY position DESC LIMIT 1",
                (position,),
            )
            found = cur.fetchone()
            prev = found[0] if found else GENESIS
            db.execute(f"DELETE FROM {self.chain} WHERE position >= {self.q}", (position,))
        for r in self.rows():
            if r.position < position:
                continue
            h = link_hash(algorithm, prev, r.position, r.originator_id, r.version, r.topic, r.state)
            with self._db() as db:
                db.execute(
                    f"INSERT INTO {self.chain} VALUES ({self.q}, {self.q}, {self.q}, {self.q}, {self.q})",
                    (r.position, self._oid(r.originator_id), r.version, prev, h),
                )
            prev = h
