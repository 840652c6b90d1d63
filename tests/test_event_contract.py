"""Events are a contract with the past: whatever a release stored, every later release reads.

Three rules, each checked here: every stored event class declares its version (and
upcasts every older one); a class that moves keeps its old topic resolving through
:mod:`gridcase.domain.topics`; and every committed golden log (``tests/fixtures/golden``)
loads into a fresh store, SQLite and PostgreSQL, and replays to its committed states,
through eventsourcing and through the engine's public reads. See ``docs/events.md``.
"""

from __future__ import annotations

import re
import subprocess
import sys
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import TopicError, get_topic, resolve_topic
from tests.golden import (
    GENERATOR,
    NOT_REACHABLE,
    RELEASE,
    GoldenEvent,
    aggregate_classes,
    all_stored_event_classes,
    history,
    jsonable,
    read_log,
    read_states,
    releases,
    summary,
)
from tests.support import REPO

from gridcase import Engine
from gridcase.domain.enterprise import Enterprise
from gridcase.domain.topics import MOVED_TOPICS, register_moved_topics
from gridcase.storage.application import GridcaseApplication
from gridcase.storage.url import parse_url

RELEASES = releases()
ENTERPRISE_TOPIC = get_topic(Enterprise)


def _application(url: str) -> GridcaseApplication:
    return GridcaseApplication(env=dict(parse_url(url).env))


def _load(url: str, events: Sequence[StoredEvent]) -> None:
    """Insert stored events into the store at ``url``, as a recorder receives them."""
    app = _application(url)
    try:
        app.recorder.insert_events(list(events))
    finally:
        app.close()


@pytest.fixture
def app_on(store_url: str) -> Iterator[GridcaseApplication]:
    """An eventsourcing application on a fresh store (SQLite, then PostgreSQL)."""
    app = _application(store_url)
    try:
        yield app
    finally:
        app.close()


def _differences(committed: dict[str, Any], replayed: dict[str, Any]) -> list[str]:
    """How ``replayed`` differs from ``committed``, attribute by attribute.

    Every attribute the committed summary records must replay to the same value;
    attributes a later release adds are not compared (they did not exist when the log
    was written). Header keys (type, id, version, times) are compared where the
    replayed summary has them.
    """
    out = [
        f"{key}: committed {committed[key]!r}, replayed {replayed[key]!r}"
        for key in ("type", "id", "version", "created_on", "modified_on")
        if key in replayed and replayed[key] != committed[key]
    ]
    for section in ("state", "attributes"):
        for name, value in committed.get(section, {}).items():
            got = replayed.get(section, {}).get(name, "<missing>")
            if got != value:
                out.append(f"{section}.{name}: committed {value!r}, replayed {got!r}")
    return out


def _as_committed(want: Any, got: Any) -> bool:
    """Whether ``got`` says what ``want`` says; keys a later release added are not compared."""
    if isinstance(want, dict) and isinstance(got, dict):
        return all(k in got and _as_committed(v, got[k]) for k, v in want.items())
    return bool(want == got)


def _history_differences(committed: list[dict[str, Any]], steps: list[Any]) -> list[str]:
    """How a case's history differs from the committed one, step by step and field by field."""
    if len(steps) != len(committed):
        return [f"history: {len(committed)} steps committed, {len(steps)} replayed"]
    return [
        f"history[{i}].{name}: committed {value!r}, replayed {got.get(name, '<missing>')!r}"
        for i, (want, got) in enumerate(zip(committed, steps, strict=True))
        for name, value in want.items()
        if not _as_committed(value, got.get(name, "<missing>"))
    ]


def _name(entry: dict[str, Any]) -> str:
    """``type id (case label or jurisdiction)``, to say which aggregate a difference is in."""
    where = entry.get("label") or entry.get("attributes", {}).get("jurisdiction")
    return f"{entry['type']} {entry['id']} ({where})"


# -- class_version ---------------------------------------------------------------------


def test_every_stored_event_class_declares_an_integer_version_and_its_upcasts() -> None:
    """Each stored event class of every aggregate has an int class_version and upcast_vN_vN+1 for every step below it."""
    problems = []
    for topic, cls in all_stored_event_classes().items():
        version = getattr(cls, "class_version", None)
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            problems.append(f"{topic}: class_version is {version!r}, not an integer from 1")
            continue
        for v in range(1, version):
            if not callable(getattr(cls, f"upcast_v{v}_v{v + 1}", None)):
                problems.append(f"{topic}: class_version {version} but no upcast_v{v}_v{v + 1}")
    assert not problems, "\n".join(problems)


def test_the_walk_finds_every_aggregate_and_event_class_the_golden_logs_hold() -> None:
    """The enumeration the contract relies on sees each aggregate type and event topic of every golden log, and no base class."""
    classes = all_stored_event_classes()
    for release in RELEASES:
        assert {v["type"] for v in read_states(release).values()} <= set(aggregate_classes())
        assert {e.topic for e in read_log(release)} <= set(classes)
    assert not [t for t in classes if t.endswith((".Event", ".Created"))]


@pytest.mark.parametrize("release", RELEASES)
def test_version_1_events_reencode_to_the_bytes_they_were_stored_as(release: str) -> None:
    """A golden event whose class is still at version 1 decodes and encodes back byte for byte (no class_version written)."""
    mapper = GridcaseApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}).mapper
    changed = []
    for e in read_log(release):
        if getattr(resolve_topic(e.topic), "class_version", 1) != 1:
            continue
        stored = e.stored()
        again = mapper.to_stored_event(mapper.to_domain_event(stored))
        same = (again.topic, again.state) == (stored.topic, stored.state)
        if not same or '"class_version"' in e.state:
            changed.append(f"#{e.notification_id} {e.topic}")
    assert not changed, "stored form changed without a class_version bump:\n" + "\n".join(changed)


def _example(page: str, name: str) -> str:
    text = (REPO / "docs" / page).read_text(encoding="utf-8")
    found = re.search(rf"<!-- example: {name} -->\n```python\n(.*?)```", text, re.S)
    assert found, f"no example {name!r} in docs/{page}"
    return found.group(1)


def test_the_version_bump_example_in_docs_runs(tmp_path: Path) -> None:
    """docs/events.md's worked example upcasts a version-1 event on load and writes version 2 after."""
    script = tmp_path / "bump.py"
    script.write_text(_example("events.md", "class-version-bump"), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "{'li-2': None}",
        "2",
        "{'li-2': None, 'li-1': datetime.date(2026, 5, 29)}",
    ]


# -- moved topics ----------------------------------------------------------------------


def test_every_registered_old_topic_resolves_to_its_new_home() -> None:
    """Each entry of MOVED_TOPICS makes its old topic resolve to what its new topic names."""
    register_moved_topics()
    for old, new in MOVED_TOPICS.items():
        assert resolve_topic(old) is resolve_topic(new), old


def _moved_enterprise(
    release: str, old_module: str
) -> tuple[UUID, list[StoredEvent], dict[str, Any]]:
    """The golden log's Weifang enterprise (liaisons named and withdrawn), as if stored under ``old_module``.

    Both places that name the class are rewritten: each event's topic, and the
    ``originator_topic`` its creation event records for the aggregate.
    """
    entry = next(
        v
        for v in read_states(release).values()
        if v["type"] == ENTERPRISE_TOPIC and v["attributes"]["liaisons"]
    )
    old = f"{old_module}:Enterprise"
    events = [
        StoredEvent(
            originator_id=e.originator_id,
            originator_version=e.originator_version,
            topic=e.topic.replace(ENTERPRISE_TOPIC, old),
            state=e.state.replace(
                f'"originator_topic":"{ENTERPRISE_TOPIC}"', f'"originator_topic":"{old}"'
            ).encode("utf-8"),
        )
        for e in read_log(release)
        if str(e.originator_id) == entry["id"]
    ]
    assert all(e.topic.startswith(f"{old}.") for e in events)
    assert f'"originator_topic":"{old}"'.encode() in events[0].state
    return UUID(entry["id"]), events, entry


def test_an_event_under_a_vanished_module_path_fails_with_topic_error(store_url: str) -> None:
    """Without a registration, an event whose topic names a module that no longer exists cannot be loaded."""
    old_module = f"gridcase.domain.moved_away_{uuid.uuid4().hex[:8]}"
    aggregate_id, events, _ = _moved_enterprise(RELEASES[-1], old_module)
    _load(store_url, events)
    app = _application(store_url)
    try:
        with pytest.raises(TopicError, match=old_module):
            app.repository.get(aggregate_id)
    finally:
        app.close()


def test_a_moved_event_class_loads_through_its_registered_topic(store_url: str) -> None:
    """Registering the old topic makes those events load into today's class and replay to the committed state."""
    old_module = f"gridcase.domain.moved_away_{uuid.uuid4().hex[:8]}"
    aggregate_id, events, entry = _moved_enterprise(RELEASES[-1], old_module)
    _load(store_url, events)
    register_moved_topics({f"{old_module}:Enterprise": ENTERPRISE_TOPIC})
    app = _application(store_url)
    try:
        replayed: Aggregate = app.repository.get(aggregate_id)
        assert type(replayed) is Enterprise
        assert not _differences(entry, summary(replayed))
        decoded = list(app.events.get(aggregate_id))
        assert [type(e).__qualname__ for e in decoded][-1] == "Enterprise.LiaisonWithdrawn"
        assert all(type(e).__module__ == "gridcase.domain.enterprise" for e in decoded)
    finally:
        app.close()
    with Engine(store_url) as engine:
        attrs = entry["attributes"]
        read = engine.roster.enterprise(attrs["jurisdiction"], attrs["credit_code"])
        assert not _differences(entry, summary(read))


# -- the golden logs -------------------------------------------------------------------


def test_the_golden_logs_hold_every_event_class() -> None:
    """Every stored event class in the codebase appears in a committed golden log (or is listed as unreachable, with why)."""
    logged = {e.topic for release in RELEASES for e in read_log(release)}
    missing = sorted(set(all_stored_event_classes()) - logged - set(NOT_REACHABLE))
    assert not missing, (
        "event classes no golden log holds:\n  "
        + "\n  ".join(missing)
        + f"\nrecord each in the history of {GENERATOR.relative_to(REPO)}, then write the golden "
        f"log of release {RELEASE} (--replace while it is unreleased, else under a new "
        "version): see docs/events.md, 'Adding an event class'"
    )


def test_unreachable_event_classes_are_real_and_absent_from_the_logs() -> None:
    """Each class listed as unreachable through the public API exists, and no golden log holds it (else unlist it)."""
    classes = all_stored_event_classes()
    for topic in NOT_REACHABLE:
        assert topic in classes, f"{topic} is listed as unreachable but is no stored event class"
        for release in RELEASES:
            assert topic not in {e.topic for e in read_log(release)}, (
                f"{topic} is in golden log {release}: it is reachable, remove it from NOT_REACHABLE"
            )


@pytest.mark.parametrize("release", RELEASES)
def test_every_golden_topic_resolves_to_a_stored_event_class(release: str) -> None:
    """Each topic in the log names an event class that still exists, at its path or through MOVED_TOPICS."""
    unresolved = []
    for topic in sorted({e.topic for e in read_log(release)}):
        try:
            resolve_topic(topic)
        except TopicError as exc:
            unresolved.append(f"{topic}: {exc}")
    assert not unresolved, "register the old topics in gridcase.domain.topics:\n" + "\n".join(
        unresolved
    )


@pytest.mark.parametrize("release", RELEASES)
def test_the_golden_log_loads_in_its_order(release: str, app_on: GridcaseApplication) -> None:
    """Inserted into a fresh store, the log's events keep their notification ids, originators, versions and topics."""
    golden = read_log(release)
    app_on.recorder.insert_events([e.stored() for e in golden])
    loaded = [
        GoldenEvent.of(n)
        for n in app_on.recorder.select_notifications(start=None, limit=len(golden) + 1)
    ]
    assert loaded == golden


@pytest.mark.parametrize("release", RELEASES)
def test_the_golden_log_replays_to_the_committed_states(
    release: str, app_on: GridcaseApplication
) -> None:
    """Every aggregate of the log, replayed by eventsourcing's repository, is as the states file says."""
    app_on.recorder.insert_events([e.stored() for e in read_log(release)])
    states = read_states(release)
    assert {str(e.originator_id) for e in read_log(release)} == set(states)
    problems = []
    for aggregate_id, entry in states.items():
        replayed: Aggregate = app_on.repository.get(UUID(aggregate_id))
        problems += [f"{_name(entry)}: {d}" for d in _differences(entry, summary(replayed))]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("release", RELEASES)
def test_the_engine_reads_the_golden_log_as_committed(release: str, store_url: str) -> None:
    """engine.case, engine.history and engine.roster.enterprise/person/visit answer what the states file says."""
    _load(store_url, [e.stored() for e in read_log(release)])
    problems: list[str] = []
    with Engine(store_url) as engine:
        for aggregate_id, entry in read_states(release).items():
            attrs = entry.get("attributes", {})
            kind = entry["type"].rsplit(":", 1)[1]
            if kind == "Case":
                case_id = UUID(aggregate_id)
                steps = engine.history(case_id)
                read_case = {"version": steps[-1].version, "state": jsonable(engine.case(case_id))}
                found = _differences(entry, read_case)
                found += _history_differences(entry["history"], history(steps))
                problems += [f"{_name(entry)}: {d}" for d in found]
                continue
            if kind == "Enterprise":
                read: Aggregate = engine.roster.enterprise(
                    attrs["jurisdiction"], attrs["credit_code"]
                )
            elif kind == "Person":
                read = engine.roster.person(attrs["jurisdiction"], attrs["person_id"])
            elif kind == "Visit":
                read = engine.roster.visit(attrs["jurisdiction"], attrs["visit_id"])
            else:
                continue  # no public read of its own: replayed through the repository above
            problems += [f"{_name(entry)}: {d}" for d in _differences(entry, summary(read))]
    assert not problems, "\n".join(problems)
