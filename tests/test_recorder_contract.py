"""gridcase's recorders keep the eventsourcing library's own recorder contract, chain included.

eventsourcing ships its recorder test suites (``eventsourcing.tests.persistence``); each
backend subclasses a case and says how to make a recorder. gridcase's SQLite and
PostgreSQL recorders (which also write the command, case-index and chain rows in the
events' transaction) run them here, and after each test the chain the library's events
left must verify: its own concurrent writers must not have forked it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from uuid import uuid4

import pytest
from eventsourcing.sqlite import SQLiteDatastore
from eventsourcing.tests.persistence import (
    ApplicationRecorderTestCase,
    NonInterleavingNotificationIDsBaseCase,
)

from gridcase.storage.recorder import GridcaseRecorder
from gridcase.storage.sqlite import GridcaseSQLiteRecorder
from gridcase.storage.verify import verify_store


class _SQLite:
    """A fresh SQLite file per recorder, as eventsourcing's own SQLite cases use one."""

    made: list[GridcaseRecorder]

    def setUp(self) -> None:
        self._tmp = tempfile.TemporaryDirectory()
        self.made = []

    def tearDown(self) -> None:
        for recorder in self.made:
            assert verify_store(recorder).ok, verify_store(recorder).findings[:3]
        self._tmp.cleanup()

    def create_recorder(self) -> GridcaseSQLiteRecorder:
        db = Path(self._tmp.name) / f"{uuid4().hex}.db"
        recorder = GridcaseSQLiteRecorder(SQLiteDatastore(db_name=str(db)))
        recorder.create_table()
        self.made.append(recorder)
        return recorder


class TestSQLiteApplicationRecorder(_SQLite, ApplicationRecorderTestCase[Any]):
    pass


class TestSQLiteNonInterleavingIds(_SQLite, NonInterleavingNotificationIDsBaseCase):
    pass


class _Postgres:
    """A fresh schema per test (``pg_url`` drops it afterwards)."""

    made: list[GridcaseRecorder]
    url: str

    @pytest.fixture(autouse=True)
    def _schema(self, pg_url: str) -> None:
        self.url = pg_url
        self.made = []

    def tearDown(self) -> None:
        for recorder in self.made:
            assert verify_store(recorder).ok, verify_store(recorder).findings[:3]
            recorder.datastore.close()  # type: ignore[attr-defined]

    def create_recorder(self) -> GridcaseRecorder:
        # Imported here: without the postgres extra these cases skip, and must still load.
        from eventsourcing.postgres import PostgresDatastore

        from gridcase.storage.postgres import GridcasePostgresRecorder

        parts = urlsplit(self.url)
        datastore = PostgresDatastore(
            dbname=parts.path.lstrip("/"),
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=parts.username or "postgres",
            password=parts.password or "",
            schema=parse_qs(parts.query)["schema"][0],
            pool_size=4,
            max_overflow=8,
        )
        recorder = GridcasePostgresRecorder(datastore, events_table_name="gridcase_events")
        recorder.create_table()
        self.made.append(recorder)
        return recorder  # type: ignore[return-value]


@pytest.mark.postgres
class TestPostgresApplicationRecorder(_Postgres, ApplicationRecorderTestCase[Any]):
    EXPECT_CONTIGUOUS_NOTIFICATION_IDS = False


@pytest.mark.postgres
class TestPostgresNonInterleavingIds(_Postgres, NonInterleavingNotificationIDsBaseCase):
    pass
