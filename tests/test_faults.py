"""Faults of the store: each gives its typed error, writes nothing, and the store works again.

A missing, empty, foreign or corrupt file, a store of an unknown schema version, a lock
held by another writer, a full disk, a read-only medium, an unreachable server, killed
PostgreSQL connections and a writer killed with SIGKILL mid-load. Every test checks the
same three things: the error is the typed one (never a driver's exception), every
command acknowledged before the fault survived, and once the cause is gone the store
takes commands again and verifies.

The fault-injection runs here are a few cycles each; ``bench/faults.py`` runs hundreds.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.builders import RosterBuilder
from tests.support import FIXTURE_RULES, AdminEngine, credit_code, cst, rule_book

from gridcase import (
    Engine,
    ManualClock,
    StoreBusy,
    StoreCorrupt,
    StoreFull,
    StoreReadOnly,
    StoreUnavailable,
    UnknownSchemaVersion,
)
from gridcase.cli import main
from gridcase.interfaces.cli.errors import EXIT_STATUS

J = "twogrids"


def open_on(url: str, *, create: bool = True) -> Engine:
    return AdminEngine(
        url, rules=rule_book(FIXTURE_RULES), clock=ManualClock(cst(2026, 3, 2, 9)), create=create
    )


def load(engine: Engine, first: int, count: int) -> list[str]:
    """Register ``count`` enterprises; the command ids acknowledged, in order."""
    builder = RosterBuilder(engine, J)
    done = []
    for i in range(first, first + count):
        builder.enterprise(credit_code(i))
        done.append(builder._id("enterprise", credit_code(i)))
    return done


def survived(engine: Engine, acknowledged: list[str]) -> None:
    missing = [cid for cid in acknowledged if not engine.carried_out(cid)]
    assert missing == []
    assert engine.verify().ok


def sqlite_url(path: Path, query: str = "") -> str:
    return f"sqlite:///{path}{query}"


# -- opening: reads never create ------------------------------------------------------------


def test_a_read_of_a_missing_store_creates_nothing_and_names_the_url_s_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    typo = tmp_path / "typo.db"
    with pytest.raises(StoreUnavailable) as raised:
        open_on(sqlite_url(typo), create=False)
    assert raised.value.source == "argument"
    assert "typo.db" in str(raised.value)
    monkeypatch.setenv("GRIDCASE_URL", sqlite_url(typo))
    with pytest.raises(StoreUnavailable, match="GRIDCASE_URL") as raised:
        Engine(None, rules=rule_book(FIXTURE_RULES), create=False)
    assert raised.value.source == "GRIDCASE_URL"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "content",
    [b"", b"not a database at all\n" * 10, b"PK\x03\x04" + b"\x00" * 200],
    ids=["empty", "text", "zip"],
)
def test_a_file_that_is_not_a_store_is_refused_as_corrupt_and_left_as_it_is(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "other.db"
    path.write_bytes(content)
    with pytest.raises(StoreCorrupt):
        open_on(sqlite_url(path), create=False)
    assert path.read_bytes() == content
    if content:  # even asked to create, a file with something else in it is not taken over
        with pytest.raises(StoreCorrupt):
            open_on(sqlite_url(path))
        assert path.read_bytes() == content


def test_a_sqlite_file_of_another_program_is_not_a_store(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE invoices (n INTEGER)")
        conn.commit()
    before = path.read_bytes()
    with pytest.raises(StoreCorrupt, match="not a gridcase store"):
        open_on(sqlite_url(path), create=False)
    assert path.read_bytes() == before


def test_a_store_records_its_schema_version_and_refuses_an_unknown_one(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with open_on(sqlite_url(path)) as engine:
        acknowledged = load(engine, 0, 3)
    with contextlib.closing(sqlite3.connect(path)) as conn:
        held = conn.execute("SELECT value FROM gridcase_meta WHERE key = 'schema_version'")
        assert held.fetchone() == ("2",)
        conn.execute("UPDATE gridcase_meta SET value = '99' WHERE key = 'schema_version'")
        conn.commit()
    for create in (False, True):
        with pytest.raises(UnknownSchemaVersion) as raised:
            open_on(sqlite_url(path), create=create)
        assert raised.value.version == "99"
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("UPDATE gridcase_meta SET value = '2' WHERE key = 'schema_version'")
        conn.commit()
    with open_on(sqlite_url(path), create=False) as engine:
        survived(engine, acknowledged)


# -- faults while writing ------------------------------------------------------------------


def test_a_lock_held_too_long_is_store_busy_after_the_configured_wait(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with open_on(sqlite_url(path)) as engine:
        acknowledged = load(engine, 0, 2)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with open_on(sqlite_url(path, "?lock_timeout=1")) as engine:
            started = time.monotonic()
            with pytest.raises(StoreBusy) as raised:
                load(engine, 10, 1)
            assert 0.9 <= time.monotonic() - started < 5
            assert raised.value.waited == 1.0
            assert "lock_timeout" in str(raised.value)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with open_on(sqlite_url(path)) as engine:
        assert not engine.carried_out(f"enterprise/{J}/{credit_code(10)}")
        acknowledged += load(engine, 10, 1)
        survived(engine, acknowledged)


@contextlib.contextmanager
def tmpfs(where: Path, size: str) -> Iterator[Path]:
    """A small RAM disk, or the test is skipped saying why."""
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip() or 'not permitted'}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_a_full_disk_is_store_full_and_the_store_works_once_space_is_freed(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "disk", "2m") as disk:
        url = sqlite_url(disk / "s.db")
        acknowledged: list[str] = []
        with open_on(url) as engine:
            acknowledged += load(engine, 0, 5)
            filler = disk / "filler"
            with contextlib.suppress(OSError), filler.open("wb") as f:
                while True:
                    f.write(b"\0" * 65536)
                    f.flush()

            def fill() -> None:
                for i in range(100, 2100):
                    acknowledged.extend(load(engine, i, 1))

            with pytest.raises(StoreFull):
                fill()
            filler.unlink()
            acknowledged += load(engine, 5000, 3)
            survived(engine, acknowledged)


def test_a_store_on_a_read_only_medium_opens_for_reading_and_refuses_writes(
    tmp_path: Path,
) -> None:
    with tmpfs(tmp_path / "disk", "4m") as disk:
        url = sqlite_url(disk / "s.db")
        with open_on(url) as engine:
            acknowledged = load(engine, 0, 4)
        before = (disk / "s.db").read_bytes()
        remount = subprocess.run(["mount", "-o", "remount,ro", str(disk)], capture_output=True)
        if remount.returncode != 0:
            pytest.skip("cannot remount the tmpfs read-only")
        for create in (False, True):
            with open_on(url, create=create) as engine:
                assert engine.read_only
                assert engine.roster.enterprise(J, credit_code(0)).name
                survived_reads = [cid for cid in acknowledged if engine.carried_out(cid)]
                assert survived_reads == acknowledged
                with pytest.raises(StoreReadOnly):
                    load(engine, 10, 1)
        assert (disk / "s.db").read_bytes() == before
        subprocess.run(["mount", "-o", "remount,rw", str(disk)], check=True)
        with open_on(url) as engine:
            acknowledged += load(engine, 10, 1)
            survived(engine, acknowledged)


def test_a_corrupt_file_is_store_corrupt_never_a_driver_error(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with open_on(sqlite_url(path)) as engine:
        load(engine, 0, 60)
    for leftover in tmp_path.glob("s.db-*"):
        leftover.unlink()
    data = bytearray(path.read_bytes())
    data[4096:] = os.urandom(len(data) - 4096)
    path.write_bytes(bytes(data))

    def use() -> None:
        with open_on(sqlite_url(path), create=False) as engine:
            engine.verify()
            load(engine, 100, 1)

    with pytest.raises(StoreCorrupt):
        use()


# -- the command line: one line, a documented status ---------------------------------------


def test_the_cli_answers_each_store_fault_with_one_line_and_its_exit_status(
    tmp_path: Path,
) -> None:
    junk = tmp_path / "junk.db"
    junk.write_text("junk")
    cases = {
        StoreUnavailable: sqlite_url(tmp_path / "typo.db"),
        StoreCorrupt: sqlite_url(junk),
    }
    for cls, url in cases.items():
        done = CliRunner().invoke(main, ["cases", "list", "--url", url])
        assert done.exit_code == EXIT_STATUS[cls]
        assert done.stderr.count("\n") == 1
        assert cls.__name__ in done.stderr
        assert "Traceback" not in done.output
        debug = CliRunner().invoke(main, ["--debug", "cases", "list", "--url", url])
        assert isinstance(debug.exception, cls)
    assert not (tmp_path / "typo.db").exists()
    assert len(set(EXIT_STATUS.values()) - {69}) == len(EXIT_STATUS) - 2


def test_gridcase_init_creates_the_store_a_read_then_finds(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "new.db")
    assert CliRunner().invoke(main, ["init", "--url", url]).exit_code == 0
    assert CliRunner().invoke(main, ["cases", "list", "--url", url]).exit_code == 0


def test_a_first_write_that_fails_leaves_no_file_behind(tmp_path: Path) -> None:
    bad = tmp_path / "roster.csv"
    bad.write_text("credit_code,name\nnot-a-code,某公司\n", encoding="utf-8")
    url = sqlite_url(tmp_path / "fresh.db")
    done = CliRunner().invoke(
        main,
        ["enterprises", "import", str(bad), "-j", J, "--url", url, "--rules", str(FIXTURE_RULES)],
    )
    assert done.exit_code != 0
    assert list(tmp_path.glob("fresh.db*")) == []


# -- SIGKILL mid-load ---------------------------------------------------------------------

_WRITER = """
import sys
from tests.builders import RosterBuilder
from tests.support import FIXTURE_RULES, AdminEngine, credit_code, cst, rule_book
from gridcase import ManualClock
url, first = sys.argv[1], int(sys.argv[2])
engine = AdminEngine(url, rules=rule_book(FIXTURE_RULES), clock=ManualClock(cst(2026, 3, 2, 9)))
b = RosterBuilder(engine, "twogrids")
print("ready", flush=True)
for i in range(first, first + 100000):
    b.enterprise(credit_code(i))
    print(b._id("enterprise", credit_code(i)), flush=True)
"""


def kill_cycles(url: str, cycles: int, *, after: float) -> int:
    """Start a writer, SIGKILL it ``after`` seconds in, check its acknowledged commands."""
    repo = Path(__file__).resolve().parents[1]
    checked = 0
    for cycle in range(cycles):
        writer = subprocess.Popen(
            [sys.executable, "-c", _WRITER, url, str(cycle * 100000)],
            cwd=repo,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert writer.stdout is not None
        writer.stdout.readline()  # "ready": the kill lands while commands are being saved
        timer = threading.Timer(after + 0.2 * cycle, writer.send_signal, (signal.SIGKILL,))
        timer.start()
        out, _ = writer.communicate(timeout=120)
        timer.cancel()
        acknowledged = [line for line in out.splitlines() if line and line != "ready"]
        with open_on(url, create=False) as engine:
            survived(engine, acknowledged)
            load(engine, cycle * 100000 + 90000, 1)  # takes commands again
        checked += len(acknowledged)
    return checked


def test_sigkill_mid_load_on_sqlite_loses_no_acknowledged_command(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "s.db")
    open_on(url).close()
    assert kill_cycles(url, 3, after=0.5) > 0


@pytest.mark.postgres
def test_sigkill_mid_load_on_postgres_loses_no_acknowledged_command(pg_url: str) -> None:
    open_on(pg_url).close()
    assert kill_cycles(pg_url, 2, after=0.5) > 0


# -- PostgreSQL ----------------------------------------------------------------------------


def test_an_unreachable_server_is_refused_within_the_connect_timeout() -> None:
    started = time.monotonic()
    with pytest.raises(StoreUnavailable, match=r"127\.0\.0\.1:1/"):
        open_on("postgresql://postgres@127.0.0.1:1/test?connect_timeout=2")
    assert time.monotonic() - started < 4


@pytest.mark.postgres
def test_a_read_of_a_missing_schema_creates_nothing(pg_server: str) -> None:
    import psycopg

    schema = f"gc_typo_{uuid.uuid4().hex[:8]}"
    sep = "&" if "?" in pg_server else "?"
    with pytest.raises(StoreUnavailable, match=schema):
        open_on(f"{pg_server}{sep}schema={schema}", create=False)
    with psycopg.connect(pg_server) as conn:
        found = conn.execute(
            "SELECT count(*) FROM information_schema.schemata WHERE schema_name = %s", (schema,)
        ).fetchone()
    assert found == (0,)


@pytest.mark.postgres
def test_killed_backends_are_survived_by_retrying_the_command(
    pg_url: str, pg_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import psycopg

    name = f"gridcase-faults-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("PGAPPNAME", name)  # so that only this test's connections are killed
    acknowledged: list[str] = []
    killed = 0
    with open_on(pg_url) as engine, psycopg.connect(pg_server, autocommit=True) as admin:
        for round_ in range(4):
            acknowledged += load(engine, round_ * 10, 5)
            rows = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = %s AND pid <> pg_backend_pid()",
                (name,),
            ).fetchall()
            killed += len(rows)
        acknowledged += load(engine, 1000, 3)
        survived(engine, acknowledged)
    assert killed > 0
