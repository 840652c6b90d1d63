"""Importing an enterprise roster (with grids, responsible people, map numbers) from CSV or Excel.

Jurisdictions keep their lists in spreadsheets (Yingkou's 《营口片区网格化企业明细表》.xlsx),
so the import reads CSV (UTF-8, or GB 18030 as Chinese Excel saves it) and .xlsx, with
Chinese or English headers (:data:`COLUMNS`; docs/roster.md). It is all or nothing by
default: every row is validated first (credit code and check character, required
columns, organisation type against the scope, tier, known grid, known person holding the
responsible role, quota, unique map number, duplicates within the file, already
registered), every bad row is reported with its line number and reason, and nothing is
written if any row is bad. With ``valid_only`` the valid rows are imported and the bad
ones reported.

Saving goes in bounded batches (``batch_size`` aggregates, default 1,000: a single save of
tens of thousands of aggregates is slow on SQLite and hangs eventsourcing's PostgreSQL
recorder). Each batch is one transaction with command id ``{command_id}#{n}``; an import
whose first batch is recorded was started before: running it again **resumes** it. A row
whose enterprise is already registered under the same name counts as already there (it
is not a problem, and ``already_there`` says how many), every other row is validated and
saved as usual in new batches, so an import killed part-way and run again imports exactly
what is missing; one that had finished is reported as a duplicate. Every batch is
idempotent on its content: its command id is recorded with the fingerprint of its rows.

The file is read twice, row by row (:mod:`gridcase.application.roster_files`): once to
validate every row, once to save the valid ones batch by batch, so memory holds one
batch and what validation must remember (the codes and map numbers seen), never the file.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol
from uuid import UUID

from gridcase.application.results import CommandResult
from gridcase.application.roster_files import COLUMNS, RosterFile, RosterRow, read_roster
from gridcase.application.rulebook import registry_policy
from gridcase.application.unit_of_work import UnitOfWork, check_command_id
from gridcase.domain.credit_code import parse_credit_code
from gridcase.domain.enterprise import Enterprise, MapNumberClaim, ScopeEntry, map_number_key
from gridcase.domain.ids import enterprise_key, person_key
from gridcase.domain.person import ENTERPRISE, Person
from gridcase.domain.policy import GridMembership
from gridcase.domain.recorded import recorded_at
from gridcase.domain.registry import check_organisation, check_responsible, check_tier
from gridcase.kernel.errors import GridcaseError, InvalidInput
from gridcase.workflow.compiler import CompiledRules
from gridcase.workflow.loader import RuleBook

if TYPE_CHECKING:
    from gridcase.application.roster import Roster
    from gridcase.projections.roster import RosterProjection

__all__ = [
    "COLUMNS",
    "ImportRefused",
    "ImportReport",
    "Progress",
    "RosterRow",
    "RowProblem",
    "import_roster",
    "read_roster",
]

_log = logging.getLogger("gridcase.importer")
"""Each import: rows read and bad, each batch saved (INFO)."""

_SEPARATORS = re.compile(r"[;；、,，|/]")

Progress = Callable[[str, int, int], None]
"""Called as ``progress(stage, done, total)``; stages are ``read``, ``validate`` and ``save``."""


@dataclass(frozen=True)
class RowProblem:
    """What is wrong with one line of the file."""

    line: int
    message: str
    column: str | None = None

    def __str__(self) -> str:
        where = f"line {self.line}" + (f" [{self.column}]" if self.column else "")
        return f"{where}: {self.message}"


class ImportRefused(InvalidInput):
    """Rows of the file are bad, and the import was all-or-nothing: nothing was written."""

    def __init__(self, problems: Sequence[RowProblem], rows: int) -> None:
        self.problems = tuple(problems)
        self.rows = rows
        lines = len({p.line for p in self.problems})
        shown = "\n".join(f"  {p}" for p in self.problems[:20])
        more = f"\n  … and {len(self.problems) - 20} more" if len(self.problems) > 20 else ""
        super().__init__(
            f"{lines} of {rows} row(s) are bad; nothing was imported:\n{shown}{more}", field="file"
        )


@dataclass(frozen=True)
class ImportReport:
    """What an import did."""

    rows: int
    imported: int
    problems: tuple[RowProblem, ...] = ()
    batches: int = 0
    duplicate: bool = False
    """The import's command id had been carried out before: nothing new was written."""
    ignored_columns: tuple[str, ...] = ()
    already_there: int = 0
    """Rows an earlier run of the same import had saved (a resumed import skips them)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "imported": self.imported,
            "already_there": self.already_there,
            "skipped": self.rows - self.imported - self.already_there if not self.duplicate else 0,
            "batches": self.batches,
            "duplicate": self.duplicate,
            "ignored_columns": list(self.ignored_columns),
            "problems": [
                {"line": p.line, "column": p.column, "message": p.message} for p in self.problems
            ],
        }


# -- validating --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Planned:
    """A valid row, ready to become events."""

    line: int
    code: str
    name: str
    organisation_type: str
    industry: str | None
    location: str | None
    tier: str | None
    since: date
    basis: str
    map_number: str | None
    grids: list[tuple[str, str]]
    """(grid id, kind)."""
    responsible: list[tuple[str, str | None]]
    """(person id, grid id or None)."""


@dataclass
class _Validator:
    rulebook: RuleBook
    view: RosterProjection
    jurisdiction: str
    default_since: date
    rules_by_day: dict[date, CompiledRules] = field(default_factory=dict)
    seen_codes: dict[str, int] = field(default_factory=dict)
    seen_numbers: dict[str, int] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)
    """Copies of the roster's people carrying the file's assignments so far (quota)."""
    resuming: bool = False
    """The import was started before: a row registered under its own name is already there."""
    already_there: int = 0

    def rules(self, day: date) -> CompiledRules:
        found = self.rules_by_day.get(day)
        if found is None:
            found = self.rulebook.in_force(self.jurisdiction, day)
            self.rules_by_day[day] = found
        return found

    def person(self, person_id: str) -> Person | None:
        if person_id in self.people:
            return self.people[person_id]
        original = self.view.people(self.jurisdiction).get(person_id)
        if original is None:
            return None
        copy = Person.__new__(Person)
        copy.__dict__.update(original.__dict__)
        copy.assignments = list(original.assignments)
        copy._pending_events = []  # the copy's own events, never the projection's
        self.people[person_id] = copy
        return copy

    def check(self, row: RosterRow) -> tuple[_Planned | None, list[RowProblem]]:
        problems: list[RowProblem] = []

        def bad(message: str, column: str | None = None) -> tuple[None, list[RowProblem]]:
            problems.append(RowProblem(row.line, message, column))
            return None, problems

        try:
            code = parse_credit_code(row.text("credit_code"))
        except InvalidInput as exc:
            return bad(str(exc), "credit_code")
        name = row.text("name")
        if not name:
            return bad("the enterprise name is empty", "name")
        first = self.seen_codes.get(code.value)
        if first is not None:
            return bad(f"{code} appears again (first on line {first})", "credit_code")
        self.seen_codes[code.value] = row.line
        registered = self.view.enterprise(self.jurisdiction, code.value)
        if registered is not None:
            if self.resuming and registered.name == name:
                self.already_there += 1
                return None, problems
            return bad(f"{code} is already registered in {self.jurisdiction}", "credit_code")
        raw_since = row.cells.get("in_scope_from", "")
        if isinstance(raw_since, date):
            since = raw_since
        elif raw_since.strip():
            try:
                since = date.fromisoformat(raw_since.strip())
            except ValueError:
                return bad(f"{raw_since!r} is not a date (YYYY-MM-DD)", "in_scope_from")
        else:
            since = self.default_since
        basis = row.text("basis") or ScopeEntry.LISTED.value
        if basis not in {e.value for e in ScopeEntry}:
            known = ", ".join(e.value for e in ScopeEntry)
            return bad(f"unknown basis {basis!r} (known: {known})", "basis")
        try:
            rules = self.rules(since)
            org = check_organisation(
                registry_policy(rules), code, row.text("organisation_type") or None
            )
            tier = row.text("tier") or None
            check_tier(registry_policy(rules), tier)
        except GridcaseError as exc:
            rule = getattr(exc, "rule", None)
            column = getattr(exc, "field", None)
            if column is None:  # the scope rule, read from the type given or from the code
                column = "organisation_type" if row.text("organisation_type") else "credit_code"
            return bad(f"{exc}" + (f" (rule {rule})" if rule else ""), column)
        roster = rules.rules.roster
        number = row.text("map_number") or None
        if number is not None:
            holder = self.view.map_number_holder(self.jurisdiction, number)
            earlier = self.seen_numbers.get(number)
            if holder is not None:
                return bad(f"map number {number} is already held by {holder}", "map_number")
            if earlier is not None:
                return bad(f"map number {number} is also on line {earlier}", "map_number")
            self.seen_numbers[number] = row.line
        elif roster is not None and roster.require_map_number:
            return bad(
                f"{self.jurisdiction} gives every enterprise a map number; this row has none",
                "map_number",
            )
        grids: list[tuple[str, str]] = []
        grid_ids = [g.strip() for g in _SEPARATORS.split(row.text("grid")) if g.strip()]
        known_grids = self.view.grids(self.jurisdiction)
        for g in grid_ids:
            grid = known_grids.get(g)
            if grid is None:
                return bad(f"no grid {g!r} in {self.jurisdiction}", "grid")
            grids.append((g, grid.kind))
        if grids:
            if roster is None:
                return bad(f"{self.jurisdiction} has no grids (no 'roster' section)", "grid")
            if roster.grid_membership is GridMembership.ONE_GRID and len(grids) > 1:
                return bad(
                    f"an enterprise sits in one grid in {self.jurisdiction}, got {len(grids)}",
                    "grid",
                )
            kinds = Counter(k for _, k in grids)
            twice = [k for k, n in kinds.items() if n > 1]
            if twice:
                return bad(
                    f"two grids of kind {twice[0]!r}: an enterprise sits in one of each kind",
                    "grid",
                )
        entries = [p.strip() for p in _SEPARATORS.split(row.text("responsible")) if p.strip()]
        responsible: list[tuple[str, str | None]] = []
        for i, entry in enumerate(entries):
            person_id, at_sign, in_grid = entry.partition("@")
            person_id = person_id.strip()
            grid_of: str | None
            if at_sign:
                grid_of = in_grid.strip()
                if grid_of not in grid_ids:
                    return bad(
                        f"{entry!r} names grid {grid_of!r}, which is not in this row's grids",
                        "responsible",
                    )
            elif len(grid_ids) <= 1:
                grid_of = grid_ids[0] if grid_ids else None
            elif len(entries) == len(grid_ids):
                grid_of = grid_ids[i]
            else:
                return bad(
                    f"the row has {len(grid_ids)} grids and {len(entries)} responsible people: "
                    "write person@grid, or one person per grid in the same order",
                    "responsible",
                )
            responsible.append((person_id, grid_of))
        if roster is not None and roster.one_responsible_per_enterprise:
            per_grid = Counter(g for _, g in responsible)
            if any(n > 1 for n in per_grid.values()):
                return bad(
                    f"{self.jurisdiction} has one responsible person per enterprise (per grid)",
                    "responsible",
                )
        for person_id, grid_of in responsible:
            try:
                person = check_responsible(
                    registry_policy(rules),
                    self.person(person_id),
                    person_id,
                    ENTERPRISE,
                    code.value,
                    since,
                )
            except GridcaseError as exc:
                rule = getattr(exc, "rule", None)
                return bad(f"{exc}" + (f" (rule {rule})" if rule else ""), "responsible")
            person.take(kind=ENTERPRISE, subject=code.value, grid=grid_of, on=since)
            person.collect_events()
        return (
            _Planned(
                line=row.line,
                code=code.value,
                name=name,
                organisation_type=org.value,
                industry=row.text("industry") or None,
                location=row.text("location") or None,
                tier=tier,
                since=since,
                basis=basis,
                map_number=number,
                grids=grids,
                responsible=responsible,
            ),
            problems,
        )


# -- saving ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportBatch:
    """One batch of valid rows, saved as one command (``{command_id}#{n}``)."""

    kind: ClassVar[str] = "import_batch"
    jurisdiction: str
    rows: tuple[_Planned, ...]
    reason: str
    command_id: str
    at: datetime | None = None
    actor: str | None = None
    """The administrator importing (see :mod:`gridcase.application.administration`)."""


def _batches(planned: Iterable[_Planned], batch_size: int) -> Iterator[list[_Planned]]:
    batch: list[_Planned] = []
    people: set[str] = set()
    count = 0
    for p in planned:
        new_people = {pid for pid, _ in p.responsible} - people
        size = 1 + (1 if p.map_number else 0) + len(new_people)
        if batch and count + size > batch_size:
            yield batch
            batch, people, count = [], set(), 0
            new_people = {pid for pid, _ in p.responsible}
            size = 1 + (1 if p.map_number else 0) + len(new_people)
        batch.append(p)
        people |= new_people
        count += size
    if batch:
        yield batch


def import_batch(command: ImportBatch, work: UnitOfWork) -> UUID:
    """Register a batch of validated rows, checking again what may have changed since.

    The rows were validated against the roster as the import began; the batch is
    decided again on the aggregates as stored (enterprise not yet registered, map number
    free, each responsible person's quota), so a change made meanwhile refuses the
    batch instead of slipping past the rules.
    """
    j = command.jurisdiction
    first: UUID | None = None
    for p in command.rows:
        rules = work.in_force(j, p.since)
        policy = registry_policy(rules)
        if work.get(Enterprise, enterprise_key(j, p.code)) is not None:
            raise InvalidInput(
                f"line {p.line}: {p.code} is already registered in {j}", field="credit_code"
            )
        ent = work.add(
            Enterprise(
                jurisdiction=j,
                credit_code=p.code,
                name=p.name,
                organisation_type=p.organisation_type,
                industry=p.industry,
                location=p.location,
                tier=p.tier,
            )
        )
        first = first or ent.id
        ent.enter_scope(on=p.since, basis=p.basis, reason=command.reason)
        if p.map_number is not None:
            claim = work.get(MapNumberClaim, map_number_key(j, p.map_number))
            if claim is None:
                work.add(MapNumberClaim(jurisdiction=j, number=p.map_number, credit_code=p.code))
            else:
                claim.reclaim(credit_code=p.code)
            ent.set_map_number(number=p.map_number)
        for grid_id, kind in p.grids:
            ent.join_grid(grid=grid_id, kind=kind, on=p.since, reason=command.reason)
        for person_id, grid_of in p.responsible:
            person = check_responsible(
                policy,
                work.get(Person, person_key(j, person_id)),
                person_id,
                ENTERPRISE,
                p.code,
                p.since,
            )
            ent.assign_responsible(
                person_id=person_id, grid=grid_of, on=p.since, reason=command.reason
            )
            person.take(kind=ENTERPRISE, subject=p.code, grid=grid_of, on=p.since)
    if first is None:
        raise InvalidInput("an import batch holds at least one row", field="file")
    return first


class _Importing(Protocol):
    """What an import needs of the engine: its rules, clock, roster view and command path."""

    rules: RuleBook

    @property
    def roster(self) -> Roster: ...

    def stamp(self, at: datetime | None, field: str = "at") -> datetime: ...

    def known_jurisdiction(self, jurisdiction: str) -> None: ...

    def carried_out(self, command_id: str) -> bool: ...

    def execute(self, command: object) -> CommandResult: ...


def import_roster(
    engine: _Importing,
    path: str | Path,
    *,
    jurisdiction: str,
    command_id: str,
    in_scope_from: date | None = None,
    valid_only: bool = False,
    batch_size: int = 1000,
    progress: Progress | None = None,
    at: datetime | None = None,
    actor: str | None = None,
) -> ImportReport:
    """Import an enterprise roster file into ``jurisdiction``'s registry.

    Args:
        actor: the administrator of ``jurisdiction`` importing it (default: the engine's
            ``roster_actor``); an import by anyone else is refused at its first batch,
            writing nothing.
        in_scope_from: the scope entry date for rows without an ``in_scope_from`` cell
            (default: the date of ``at``, else today on the engine's clock).
        valid_only: import the valid rows even if some are bad (they are reported).
        batch_size: at most this many aggregates per save.
        progress: told how far reading, validating and saving have got.

    Raises:
        ImportRefused: some rows are bad and ``valid_only`` is not set (nothing written).
        InvalidInput: the file cannot be read, or its header lacks a required column.
    """
    command_id = check_command_id(command_id)
    moment = engine.stamp(at)
    engine.known_jurisdiction(jurisdiction)
    if batch_size < 1:
        raise InvalidInput("batch_size must be at least 1", field="batch_size")
    resuming = engine.carried_out(f"{command_id}#1")
    saved = _batches_saved(engine, command_id) if resuming else 0
    file = RosterFile(path)
    default_since = in_scope_from or moment.date()

    def validator() -> _Validator:
        view = engine.roster.view()
        return _Validator(engine.rules, view, jurisdiction, default_since, resuming=resuming)

    # Validation simulates assignments on people to count quotas; those trial events,
    # like the real ones, carry the import's moment.
    with recorded_at(moment):
        checking = validator()
        problems: list[RowProblem] = []
        total = valid = 0
        for row in file:
            total += 1
            plan, found = checking.check(row)
            problems.extend(found)
            valid += plan is not None
            if progress and total % 500 == 0:
                progress("validate", total, total)
        if progress:
            progress("read", total, total)
            progress("validate", total, total)
    _log.info(
        "import %s into %s: %d row(s) read, %d bad", command_id, jurisdiction, total, len(problems)
    )
    if problems and not valid_only:
        _log.info("import %s refused: %d bad row(s), nothing written", command_id, len(problems))
        raise ImportRefused(problems, total)
    if resuming and valid == 0:
        return ImportReport(
            rows=total, imported=0, duplicate=True, already_there=checking.already_there
        )
    reason = f"imported from {Path(path).name}"
    done = 0
    batches = 0
    with recorded_at(moment):
        # The second reading plans the same rows: the roster it checks against grows only
        # by the batches saved meanwhile, whose rows it has passed (or counts as already
        # there when resuming).
        saving = validator()
        plans = (plan for plan, _ in map(saving.check, file) if plan is not None)
        for batch in _batches(plans, batch_size):
            batches += 1
            engine.execute(
                ImportBatch(
                    jurisdiction=jurisdiction,
                    rows=tuple(batch),
                    reason=reason,
                    command_id=f"{command_id}#{saved + batches}",
                    at=at,
                    actor=actor or engine.roster.acting,
                )
            )
            done += len(batch)
            _log.info(
                "import %s: batch %d saved, %d of %d row(s)", command_id, batches, done, valid
            )
            if progress:
                progress("save", done, valid)
    return ImportReport(
        rows=total,
        imported=done,
        problems=tuple(problems),
        batches=batches,
        ignored_columns=tuple(file.ignored),
        already_there=checking.already_there,
    )


def _batches_saved(engine: _Importing, command_id: str) -> int:
    """How many batches of the import ``command_id`` were saved (they are saved in order)."""
    n = 1
    while engine.carried_out(f"{command_id}#{n + 1}"):
        n += 1
    return n
