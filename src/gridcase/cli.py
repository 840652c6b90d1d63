"""The ``gridcase`` command line.

Commands are thin: parse the arguments at the edge (moments become aware China time),
call the library, print. Every command prints a short human answer, or one JSON object
with ``--json`` for scripts. A malformed argument exits with status 2 (click's usage
error), a refused rule or calendar file with status 1.

To add a command group, define it with ``@main.group("name")`` in a section of its own
below, and reuse the ``parse_*`` callbacks, ``library_errors`` and ``emit_json`` here.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from gridcase.calendar import Deadline, WorkingCalendar, load_calendar, national_calendar
from gridcase.kernel.clock import CST
from gridcase.kernel.errors import GridcaseError, InvalidInput, RefusedByRule, RuleFileError

if TYPE_CHECKING:
    from gridcase.projections.coverage import GridCoverageReport

__all__ = ["main"]


# -- shared: parameter types, errors, output -----------------------------------------


def parse_moment(ctx: click.Context, param: click.Parameter, value: str) -> datetime:
    """An ISO 8601 moment; a bare date means 00:00 and a moment without offset China time."""
    text = value.strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(0, 0), tzinfo=CST)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not an ISO 8601 date or moment "
            "(e.g. 2026-02-13, 2026-02-13T09:30 or 2026-02-13T09:30+08:00)"
        ) from None
    return moment.replace(tzinfo=CST) if moment.tzinfo is None else moment.astimezone(CST)


def parse_date(ctx: click.Context, param: click.Parameter, value: str) -> date:
    """A calendar date, YYYY-MM-DD."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date in the form YYYY-MM-DD") from None


def parse_time_of_day(ctx: click.Context, param: click.Parameter, value: str) -> time:
    """A China time of day, HH:MM on the 24-hour clock."""
    hours, sep, minutes = value.strip().partition(":")
    if sep and len(minutes) == 2 and hours.isdigit() and minutes.isdigit():
        h, m = int(hours), int(minutes)
        if 0 <= h <= 23 and 0 <= m <= 59:
            return time(h, m)
    raise click.BadParameter(f"{value!r} is not a time of day in the form HH:MM (00:00 to 23:59)")


def parse_year_month(ctx: click.Context, param: click.Parameter, value: str) -> tuple[int, int]:
    """A month, YYYY-MM."""
    year, sep, month = value.strip().partition("-")
    digits = year.isdigit() and month.isdigit()
    if sep and len(year) == 4 and len(month) == 2 and digits and 1 <= int(month) <= 12:
        return int(year), int(month)
    raise click.BadParameter(f"{value!r} is not a month in the form YYYY-MM")


@contextmanager
def library_errors() -> Iterator[None]:
    """Turn the library's refusals into click's: bad input exits 2, anything else refused 1."""
    try:
        yield
    except InvalidInput as exc:
        raise click.UsageError(str(exc)) from None
    except RuleFileError as exc:
        raise click.ClickException(str(exc)) from None
    except RefusedByRule as exc:
        # An official needs to see which rule said no, and the paragraph behind it.
        lines = [f"{type(exc).__name__}: {exc}", f"  rule: {exc.rule}"]
        if exc.cite:
            lines.append(f"  source: {exc.cite}")
        raise click.ClickException("\n".join(lines)) from None
    except GridcaseError as exc:
        raise click.ClickException(f"{type(exc).__name__}: {exc}") from None


def emit_output(data: str | bytes, output: Path | None) -> None:
    """Print ``data``, or write it to ``output`` and say so."""
    if output is None:
        click.echo(data if isinstance(data, str) else data.decode(), nl=False)
        return
    if isinstance(data, str):
        output.write_text(data, encoding="utf-8")
    else:
        output.write_bytes(data)
    click.echo(f"wrote {output}")


def emit_json(data: dict[str, Any]) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


# -- the root ----------------------------------------------------------------------


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="gridcase", prog_name="gridcase")
def main() -> None:
    """gridcase: event-sourced case management for grid-based enterprise service."""


# -- calendar ------------------------------------------------------------------------

_WEEKDAYS = ("Mon 周一", "Tue 周二", "Wed 周三", "Thu 周四", "Fri 周五", "Sat 周六", "Sun 周日")

calendar_option = click.option(
    "--calendar",
    "calendar_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A calendar file (a local override file or a national file); default: national.",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")


def _calendar(calendar_file: Path | None) -> WorkingCalendar:
    with library_errors():
        return national_calendar() if calendar_file is None else load_calendar(calendar_file)


def _day(day: date) -> str:
    return f"{day.isoformat()} ({_WEEKDAYS[day.weekday()]})"


def _report(
    cal: WorkingCalendar, result: Deadline, as_json: bool, headline: str, **extra: Any
) -> None:
    if as_json:
        emit_json({"calendar": cal.id, **result.to_dict(), **extra})
        return
    end = result.deadline
    at = "24:00" if end.date() > result.due_date else f"{end:%H:%M}"
    click.echo(f"{headline}: due by {at} on {_day(result.due_date)}, China time.")
    click.echo(f"Calendar: {cal.id}, version {cal.version[:12]}.")
    if result.provisional:
        first, last = result.start.year, result.due_date.year
        missing = [y for y in range(first, last + 1) if y not in cal.published_years]
        years = ", ".join(str(y) for y in missing)
        click.echo(
            f"Provisional: the period reaches into {years}, for which there is no State "
            "Council holiday notice yet; the due date may move when it is published."
        )


@main.group("calendar")
def calendar_group() -> None:
    """Chinese working days and deadlines (State Council notices + local overrides)."""


@calendar_group.command("deadline")
@click.argument("start", callback=parse_moment)
@click.option(
    "--working-days",
    "n",
    type=click.IntRange(min=1),
    required=True,
    help="N: the period is N working days, not counting the day of START.",
)
@calendar_option
@json_option
def calendar_deadline(start: datetime, n: int, calendar_file: Path | None, as_json: bool) -> None:
    """When a period of N working days from START ends (24:00 China time).

    START is an ISO 8601 moment; a bare date means 00:00 and a moment without offset is
    China time.
    """
    cal = _calendar(calendar_file)
    with library_errors():
        result = cal.add_working_days(start, n)
    days = "working day" if n == 1 else "working days"
    headline = f"{n} {days} after {start:%Y-%m-%d %H:%M} (that day not counted)"
    _report(cal, result, as_json, headline, working_days=n)


@calendar_group.command("next-working-day")
@click.argument("start", callback=parse_moment)
@click.option(
    "--at", "at", callback=parse_time_of_day, required=True, help="Time of day, HH:MM China time."
)
@calendar_option
@json_option
def calendar_next_working_day(
    start: datetime, at: time, calendar_file: Path | None, as_json: bool
) -> None:
    """By a time of day on the first working day after START's date."""
    cal = _calendar(calendar_file)
    with library_errors():
        result = cal.next_working_day_at(start, at)
    headline = f"The first working day after {start:%Y-%m-%d}, at {at:%H:%M}"
    _report(cal, result, as_json, headline, at=f"{at:%H:%M}")


@calendar_group.command("first-working-day")
@click.argument("month", callback=parse_year_month, metavar="YYYY-MM")
@calendar_option
@json_option
def calendar_first_working_day(
    month: tuple[int, int], calendar_file: Path | None, as_json: bool
) -> None:
    """The first working day of a month (the period starts 00:00 on the 1st)."""
    cal = _calendar(calendar_file)
    with library_errors():
        result = cal.first_working_day_of_month(*month)
    label = f"{month[0]:04d}-{month[1]:02d}"
    _report(cal, result, as_json, f"The first working day of {label}", month=label)


@calendar_group.command("is-working-day")
@click.argument("day", callback=parse_date, metavar="DATE")
@calendar_option
@json_option
def calendar_is_working_day(day: date, calendar_file: Path | None, as_json: bool) -> None:
    """Whether DATE (YYYY-MM-DD) is a working day."""
    cal = _calendar(calendar_file)
    with library_errors():
        working = cal.is_working_day(day)
        provisional = cal.is_provisional(day, day)
    if as_json:
        emit_json(
            {
                "calendar": cal.id,
                "date": day.isoformat(),
                "working_day": working,
                "provisional": provisional,
                "calendar_version": cal.version,
            }
        )
        return
    weekend = day.weekday() >= 5
    if working:
        kind = "a make-up working day (调休上班)" if weekend else "a working day"
    else:
        kind = "a weekend day off" if weekend else "a day off (holiday or closure)"
    click.echo(f"{_day(day)} is {kind}.")
    click.echo(f"Calendar: {cal.id}, version {cal.version[:12]}.")
    if provisional:
        click.echo(
            f"Provisional: there is no State Council holiday notice for {day.year} yet; "
            "this may change when it is published."
        )


# -- rules ---------------------------------------------------------------------------


@main.group("rules")
def rules_group() -> None:
    """Check rule files, draw them, and export their JSON Schema."""


@rules_group.command("check")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
def rules_check(files: tuple[Path, ...]) -> None:
    """Validate rule FILES; every problem is printed with its file and line (exit 1)."""
    from gridcase.workflow.loader import load_rules

    failed = 0
    for path in files:
        try:
            compiled = load_rules(path)
        except RuleFileError as exc:
            failed += 1
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            continue
        r = compiled.rules
        click.echo(
            f"ok {path}: {r.jurisdiction.id} version {r.version} effective {r.effective.isoformat()}, "
            f"{len(r.states)} states, {len(r.transitions)} transitions, {len(r.clocks)} clocks "
            f"(content {compiled.content_hash[:12]})"
        )
    if failed:
        raise click.exceptions.Exit(1)


@rules_group.command("diagram")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["mermaid", "dot", "svg"]),
    default="mermaid",
    show_default=True,
    help="svg needs Graphviz's dot on the PATH.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
def rules_diagram(file: Path, fmt: str, output: Path | None) -> None:
    """Draw the handling path of the rule FILE (Mermaid text; DOT; SVG with Graphviz)."""
    import shutil
    import subprocess

    from gridcase.workflow.diagram import to_dot, to_mermaid
    from gridcase.workflow.loader import load_rules

    with library_errors():
        rules = load_rules(file).rules
    if fmt == "mermaid":
        data = to_mermaid(rules).encode()
    elif fmt == "dot":
        data = to_dot(rules).encode()
    else:
        dot = shutil.which("dot")
        if dot is None:
            raise click.ClickException(
                "SVG needs Graphviz: install it (apt install graphviz) or use --format mermaid"
            )
        done = subprocess.run(
            [dot, "-Tsvg"], input=to_dot(rules).encode(), capture_output=True, check=False
        )
        if done.returncode != 0:
            raise click.ClickException(
                f"dot failed: {done.stderr.decode(errors='replace').strip()}"
            )
        data = done.stdout
    emit_output(data, output)


@rules_group.command("schema")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
def rules_schema(output: Path | None) -> None:
    """Print the JSON Schema of rule files (for editors that validate as you type)."""
    from gridcase.workflow.schema import rule_file_schema

    emit_output(json.dumps(rule_file_schema(), ensure_ascii=False, indent=2) + "\n", output)


@rules_group.command("list")
@click.option(
    "--rules", "folder", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None
)
def rules_list(folder: Path | None) -> None:
    """The rule files gridcase runs: jurisdiction, version, effective date, file."""
    from gridcase.kernel.resources import rules_root
    from gridcase.workflow.loader import RuleBook

    with library_errors():
        book = RuleBook.from_folder(folder or rules_root())
    for compiled in book:
        r = compiled.rules
        click.echo(
            f"{r.jurisdiction.id:10} {r.version:10} effective {r.effective.isoformat()}  "
            f"{r.jurisdiction.name.zh} / {r.jurisdiction.name.en}  ({Path(compiled.source_name).name})"
        )


# -- scenario ------------------------------------------------------------------------


@main.group("scenario")
def scenario_group() -> None:
    """Run scenario tests: case histories with expectations, in simulated time."""


@scenario_group.command("run")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--rules",
    "rules_folder",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Folder of rule files for 'rules: <jurisdiction>'; default: two levels above each scenario.",
)
@click.option(
    "--junit",
    "junit_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write a JUnit XML report here (one test case per scenario).",
)
@click.option(
    "--quiet", "-q", is_flag=True, help="One line per scenario, and the diff of failures."
)
def scenario_run(
    paths: tuple[Path, ...], rules_folder: Path | None, junit_path: Path | None, quiet: bool
) -> None:
    """Run scenario FILES (a directory: every *.yaml below it, sorted).

    Exit status: 0 when every scenario passes, 1 when one fails, 2 when a scenario (or
    the rule file it names) is malformed; then nothing runs.
    """
    from gridcase.interfaces.scenarios import (
        format_result,
        format_summary,
        junit_xml,
        load_scenarios,
    )
    from gridcase.interfaces.scenarios.report import junit_xml_for_problems
    from gridcase.interfaces.scenarios.runner import run_loaded

    try:
        loaded = load_scenarios(paths, rules_folder=rules_folder)
    except RuleFileError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        if junit_path is not None:
            junit_path.write_text(junit_xml_for_problems(exc.problems), encoding="utf-8")
        click.echo(f"{len(exc.problems)} problem(s); no scenario was run.", err=True)
        raise click.exceptions.Exit(2) from None
    if not loaded:
        raise click.UsageError("no scenario files (*.yaml) found")
    results = []
    for scenario in loaded:
        result = run_loaded(scenario)
        results.append(result)
        for line in format_result(result, quiet=quiet):
            click.echo(line)
        if not quiet:
            click.echo("")
    click.echo(format_summary(results))
    if junit_path is not None:
        junit_path.write_text(junit_xml(results), encoding="utf-8")
    if not all(r.passed for r in results):
        raise click.exceptions.Exit(1)


@scenario_group.command("schema")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
def scenario_schema_command(output: Path | None) -> None:
    """Print the JSON Schema of scenario files (for editors that validate as you type)."""
    from gridcase.interfaces.scenarios import scenario_schema

    emit_output(json.dumps(scenario_schema(), ensure_ascii=False, indent=2) + "\n", output)


# -- cases and the ledger ------------------------------------------------------------

url_option = click.option(
    "--url", default=None, help="Store URL (default: GRIDCASE_URL, else sqlite:///gridcase.db)."
)
rules_folder_option = click.option(
    "--rules",
    "rules_folder",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Rules folder (default: the bundled rules, or GRIDCASE_RULES).",
)


def _engine(url: str | None, rules_folder: Path | None) -> Any:
    from gridcase.application.engine import Engine

    with library_errors():
        return Engine(url, rules=rules_folder)


def _case_id(value: str) -> Any:
    from uuid import UUID

    try:
        return UUID(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a case id (a UUID)") from None


@main.group("cases")
def cases_group() -> None:
    """Read cases, their history as of any moment, and fire due clocks."""


@cases_group.command("show")
@click.argument("case_id")
@click.option(
    "--as-of",
    "as_of",
    callback=lambda c, p, v: parse_moment(c, p, v) if v else None,
    default=None,
    help="Show the case as it was at this moment (ISO 8601; China time if no offset).",
)
@json_option
@url_option
@rules_folder_option
def cases_show(
    case_id: str, as_of: datetime | None, as_json: bool, url: str | None, rules_folder: Path | None
) -> None:
    """A case's state, owner, open clocks and history (as of a moment, with --as-of)."""
    from gridcase.interfaces.render import case_summary, history_lines, step_to_dict

    engine = _engine(url, rules_folder)
    try:
        with library_errors():
            cid = _case_id(case_id)
            state = engine.case(cid, as_of=as_of)
            steps = [s for s in engine.history(cid) if as_of is None or s.step.at <= as_of]
            rules = engine.rules_of(cid)
        if as_json:
            emit_json(
                {
                    "case_id": str(cid),
                    "as_of": as_of.isoformat() if as_of else None,
                    "state": state.state,
                    "final": state.final,
                    "level": state.level,
                    "owner": {"role": state.owner.role, "party": state.owner.party}
                    if state.owner
                    else None,
                    "rules": {
                        "jurisdiction": state.jurisdiction,
                        "version": state.submission.rules_version,
                        "hash": state.submission.rules_hash,
                    },
                    "clocks": {k: oc.deadline.to_dict() for k, oc in state.clocks.items()},
                    "misses": dict(state.misses),
                    "history": [step_to_dict(s) for s in steps],
                }
            )
            return
        for line in case_summary(state, rules):
            click.echo(line)
        click.echo("")
        for line in history_lines(steps, rules):
            click.echo(line)
    finally:
        engine.close()


@cases_group.command("list")
@click.option("--jurisdiction", default=None)
@click.option(
    "--as-of", "as_of", callback=lambda c, p, v: parse_moment(c, p, v) if v else None, default=None
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
)
@url_option
@rules_folder_option
def cases_list(
    jurisdiction: str | None,
    as_of: datetime | None,
    fmt: str,
    url: str | None,
    rules_folder: Path | None,
) -> None:
    """The problem ledger (问题台账): one row per case, rebuilt from the events."""
    from gridcase.interfaces.export import Column, Table, csv_text, json_text, problem_ledger_table
    from gridcase.interfaces.render import ledger_lines
    from gridcase.projections.ledger import ProblemLedger

    engine = _engine(url, rules_folder)
    try:
        rows = ProblemLedger.build(engine.log, as_of=as_of).for_jurisdiction(jurisdiction)
    finally:
        engine.close()
    if fmt == "table":
        for line in ledger_lines(rows):
            click.echo(line)
        return
    table = problem_ledger_table(rows)
    if fmt == "json":
        click.echo(json_text(table))
        return
    if not rows:
        # An empty ledger's CSV has always been the one header "case_id"; kept as it was.
        table = Table((Column("case_id"),), ())
    sys.stdout.write(csv_text(table))


@cases_group.command("advance")
@click.option(
    "--now",
    callback=lambda c, p, v: parse_moment(c, p, v) if v else None,
    default=None,
    help="Fire clocks that ran out by this moment (default: now).",
)
@url_option
@rules_folder_option
def cases_advance(now: datetime | None, url: str | None, rules_folder: Path | None) -> None:
    """Fire every clock that ran out (idempotent; run it from a scheduler)."""
    engine = _engine(url, rules_folder)
    try:
        with library_errors():
            report = engine.advance(now)
    finally:
        engine.close()
    click.echo(
        f"fired {report.steps} step(s) on {len(report.fired)} case(s) up to {report.now.isoformat()}"
    )
    for failure in report.failed:
        click.echo(
            f"not fired: case {failure.case_id}: {type(failure.error).__name__}: {failure.error}",
            err=True,
        )
    if report.failed:
        # The other cases fired; a scheduler still needs to see that some did not.
        sys.exit(1)


# -- roster: enterprises, people, grids, visits, coverage ----------------------------
#
# Command ids default to a key made of the command's own arguments, so running the same
# command line twice records it once; --command-id overrides it.


def _roster_call(url: str | None, rules_folder: Path | None, call: Any) -> Any:
    engine = _engine(url, rules_folder)
    try:
        with library_errors():
            return call(engine)
    finally:
        engine.close()


def _said(result: Any, what: str) -> None:
    click.echo(f"{what} (already recorded: nothing new)" if result.duplicate else what)


jurisdiction_option = click.option(
    "--jurisdiction", "-j", required=True, help="Jurisdiction id (e.g. bijie)."
)
command_id_option = click.option(
    "--command-id", default=None, help="Idempotency key (default: from the arguments)."
)
on_option = click.option(
    "--on", "on", callback=parse_date, required=True, help="The day it takes effect, YYYY-MM-DD."
)


@main.group("enterprises")
def enterprises_group() -> None:
    """The enterprise registry: import a roster, add one, change its scope, grid or officer."""


@enterprises_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@jurisdiction_option
@click.option("--valid-only", is_flag=True, help="Import the valid rows even if some rows are bad.")
@click.option(
    "--in-scope-from",
    "since",
    callback=lambda c, p, v: parse_date(c, p, v) if v else None,
    default=None,
    help="Scope entry date for rows without one (default: today).",
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=1, max=5000),
    default=1000,
    show_default=True,
    help="Aggregates per save.",
)
@command_id_option
@json_option
@url_option
@rules_folder_option
def enterprises_import(
    file: Path,
    jurisdiction: str,
    valid_only: bool,
    since: date | None,
    batch_size: int,
    command_id: str | None,
    as_json: bool,
    url: str | None,
    rules_folder: Path | None,
) -> None:
    """Import an enterprise roster from FILE (.csv or .xlsx); see docs/roster.md for the columns.

    All or nothing unless --valid-only: every bad row is listed with its line number.
    """
    import hashlib
    import sys

    from gridcase.application.importer import ImportRefused, import_roster

    digest = hashlib.sha256(file.read_bytes()).hexdigest()[:24]
    cid = command_id or f"cli/import/{jurisdiction}/{digest}"
    bars: dict[str, Any] = {}
    shown: dict[str, int] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if as_json or stage == "read" or total < 2000:
            return
        if stage not in bars:
            label = "validating" if stage == "validate" else "saving"
            bar: Any = click.progressbar(length=total, label=label, file=sys.stderr)
            bar.__enter__()
            bars[stage] = bar
            shown[stage] = 0
        bars[stage].update(done - shown[stage])
        shown[stage] = done
        if done >= total:
            bars[stage].__exit__(None, None, None)

    engine = _engine(url, rules_folder)
    try:
        try:
            with library_errors():
                report = import_roster(
                    engine,
                    file,
                    jurisdiction=jurisdiction,
                    command_id=cid,
                    in_scope_from=since,
                    valid_only=valid_only,
                    batch_size=batch_size,
                    progress=progress,
                )
        except click.UsageError as exc:
            if not isinstance(exc.__context__, ImportRefused):
                raise
            refused = exc.__context__
            if as_json:
                emit_json(
                    {
                        "rows": refused.rows,
                        "imported": 0,
                        "problems": [
                            {"line": p.line, "column": p.column, "message": p.message}
                            for p in refused.problems
                        ],
                    }
                )
            else:
                for p in refused.problems:
                    click.echo(str(p), err=True)
                click.echo(
                    f"{len({p.line for p in refused.problems})} of {refused.rows} row(s) are bad; "
                    "nothing was imported (--valid-only imports the others).",
                    err=True,
                )
            raise SystemExit(1) from None
    finally:
        engine.close()
    if as_json:
        emit_json(report.to_dict())
        return
    if report.duplicate:
        click.echo(f"import {cid} was carried out before: nothing new.")
        return
    for p in report.problems:
        click.echo(f"skipped {p}", err=True)
    click.echo(
        f"imported {report.imported} of {report.rows} row(s) into {jurisdiction} in {report.batches} batch(es)."
    )
    if report.ignored_columns:
        click.echo(f"ignored columns: {', '.join(report.ignored_columns)}")


@enterprises_group.command("add")
@click.argument("credit_code")
@jurisdiction_option
@click.option("--name", required=True)
@click.option(
    "--since", callback=parse_date, required=True, help="In scope from this day, YYYY-MM-DD."
)
@click.option(
    "--basis",
    type=click.Choice(
        [
            "listed",
            "completion_and_production",
            "tenant_moved_in",
            "incubator_started",
            "reinstated",
        ]
    ),
    default="listed",
    show_default=True,
)
@click.option("--tier", default=None)
@click.option("--industry", default=None)
@click.option("--location", default=None)
@command_id_option
@url_option
@rules_folder_option
def enterprises_add(
    credit_code: str,
    jurisdiction: str,
    name: str,
    since: date,
    basis: str,
    tier: str | None,
    industry: str | None,
    location: str | None,
    command_id: str | None,
    url: str | None,
    rules_folder: Path | None,
) -> None:
    """Register one enterprise, in scope from --since."""
    from gridcase.domain.enterprise import ScopeEntry

    result = _roster_call(
        url,
        rules_folder,
        lambda e: e.roster.register_enterprise(
            jurisdiction=jurisdiction,
            credit_code=credit_code,
            name=name,
            in_scope_from=since,
            basis=ScopeEntry(basis),
            reason=basis,
            tier=tier,
            industry=industry,
            location=location,
            command_id=command_id or f"cli/enterprise/{jurisdiction}/{credit_code.strip().upper()}",
        ),
    )
    _said(
        result,
        f"registered {credit_code.strip().upper()} in {jurisdiction}, in scope from {since.isoformat()}",
    )


@enterprises_group.command("leave")
@click.argument("credit_code")
@jurisdiction_option
@on_option
@click.option(
    "--basis", type=click.Choice(["moved_out", "deregistered", "delisted"]), required=True
)
@click.option("--reason", required=True)
@command_id_option
@url_option
@rules_folder_option
def enterprises_leave(
    credit_code: str,
    jurisdiction: str,
    on: date,
    basis: str,
    reason: str,
    command_id: str | None,
    url: str | None,
    rules_folder: Path | None,
) -> None:
    """The enterprise leaves the scope (moved out, deregistered, delisted) from --on."""
    from gridcase.domain.enterprise import ScopeExit

    result = _roster_call(
        url,
        rules_folder,
        lambda e: e.roster.leave_scope(
            jurisdiction=jurisdiction,
            credit_code=credit_code,
            on=on,
            basis=ScopeExit(basis),
            reason=reason,
            command_id=command_id
            or f"cli/leave/{jurisdiction}/{credit_code.strip().upper()}/{on.isoformat()}",
        ),
    )
    _said(
        result,
        f"{credit_code.strip().upper()} leaves {jurisdiction}'s scope on {on.isoformat()} ({basis})",
    )


@enterprises_group.command("assign")
@click.argument("credit_code")
@jurisdiction_option
@on_option
@click.option(
    "--grid",
    default=None,
    help="Put the enterprise into this grid (it leaves its grid of that kind).",
)
@click.option(
    "--responsible", default=None, help="Make this person responsible (in --grid, if given)."
)
@command_id_option
@url_option
@rules_folder_option
def enterprises_assign(
    credit_code: str,
    jurisdiction: str,
    on: date,
    grid: str | None,
    responsible: str | None,
    command_id: str | None,
    url: str | None,
    rules_folder: Path | None,
) -> None:
    """Put an enterprise into a grid and/or make a person responsible for it, from --on."""
    if grid is None and responsible is None:
        raise click.UsageError("give --grid, --responsible or both")
    code = credit_code.strip().upper()
    base = command_id or f"cli/assign/{jurisdiction}/{code}/{on.isoformat()}/{grid}/{responsible}"

    def call(e: Any) -> None:
        if grid is not None:
            ent = e.roster.enterprise(jurisdiction, code)
            if not any(s.holder == grid for s in ent.open_grids()):
                _said(
                    e.roster.assign_grid(
                        jurisdiction=jurisdiction,
                        credit_code=code,
                        grid_id=grid,
                        on=on,
                        command_id=f"{base}/grid",
                    ),
                    f"{code} is in grid {grid} from {on}",
                )
        if responsible is not None:
            _said(
                e.roster.assign_responsible(
                    jurisdiction=jurisdiction,
                    credit_code=code,
                    person_id=responsible,
                    grid=grid,
                    on=on,
                    command_id=f"{base}/responsible",
                ),
                f"{responsible} is responsible for {code}"
                + (f" in grid {grid}" if grid else "")
                + f" from {on}",
            )

    _roster_call(url, rules_folder, call)


@enterprises_group.group("liaison")
def liaison_group() -> None:
    """Liaisons an enterprise names to act for it (企业联络员), where the rules declare them."""


@liaison_group.command("add")
@click.argument("credit_code")
@click.argument("liaison_id")
@jurisdiction_option
@click.option("--name", required=True, help="The liaison's name only (no phone number).")
@command_id_option
@url_option
@rules_folder_option
def liaison_add(
    credit_code: str,
    liaison_id: str,
    jurisdiction: str,
    name: str,
    command_id: str | None,
    url: str | None,
    rules_folder: Path | None,
) -> None:
    """Name LIAISON_ID (the portal's id for them) as a liaison of the enterprise, from now on."""
    code = credit_code.strip().upper()
    result = _roster_call(
        url,
        rules_folder,
        lambda e: e.roster.name_liaison(
            jurisdiction=jurisdiction,
            credit_code=code,
            liaison_id=liaison_id,
            name=name,
            command_id=command_id or f"cli/liaison/{jurisdiction}/{code}/{liaison_id}",
        ),
    )
    _said(
        result,
        f"{liaison_id} is a liaison of {code} in {jurisdiction}, acting as {code}/{liaison_id}",
    )


@liaison_group.command("withdraw")
@click.argument("credit_code")
@click.argument("liaison_id")
@jurisdiction_option
@click.option("--reason", required=True, help="Why (left the company, replaced).")
@command_id_option
@url_option
@rules_folder_option
def liaison_withdraw(
    credit_code: str,
    liaison_id: str,
    jurisdiction: str,
    reason: str,
    command_id: str | None,
    url: str | None,
    rules_folder: Path | None,
) -> None:
    """Withdraw a liaison: they no longer act for the enterprise (their id is not reused)."""
    code = credit_code.strip().upper()
    result = _roster_call(
        url,
        rules_folder,
        lambda e: e.roster.withdraw_liaison(
            jurisdiction=jurisdiction,
            credit_code=code,
            liaison_id=liaison_id,
            reason=reason,
            command_id=command_id or f"cli/liaison-off/{jurisdiction}/{code}/{liaison_id}",
        ),
    )
    _said(result, f"{liaison_id} no longer acts for {code} in {jurisdiction}")


@main.group("people")
def people_group() -> None:
    """People of a jurisdiction's roster (officers, grid chiefs, liaisons, commissioners)."""


@people_group.command("add")
@click.argument("person_id")
@jurisdiction_option
@click.option("--name", required=True)
@click.option(
    "--role", "roles", multiple=True, required=True, help="A role of the rule file (repeatable)."
)
@click.option(
    "--unit", "units", multiple=True, help="A unit (department) the person belongs to (repeatable)."
)
@click.option("--rank", default=None, help="Rank, where the rules set quotas by rank.")
@command_id_option
@url_option
@rules_folder_option
def people_add(
    person_id: str,
    jurisdiction: str,
    name: str,
    roles: tuple[str, ...],
    units: tuple[str, ...],
    rank: str | None,
    command_id: str | None,
    url: str | None,
    rules_folder: Path | None,
) -> None:
    """Register a person with the roles they may act in."""
    result = _roster_call(
        url,
        rules_folder,
        lambda e: e.roster.register_person(
            jurisdiction=jurisdiction,
            person_id=person_id,
            name=name,
            roles=list(roles),
            units=list(units),
            rank=rank,
            command_id=command_id or f"cli/person/{jurisdiction}/{person_id}",
        ),
    )
    _said(result, f"registered {person_id} in {jurisdiction} as {', '.join(roles)}")


@people_group.command("change")
@click.argument("person_id")
@jurisdiction_option
@click.option(
    "--role", "roles", multiple=True, required=True, help="The full new set of roles (repeatable)."
)
@click.option("--unit", "units", multiple=True, help="The full new set of units (repeatable).")
@click.option("--rank", default=None, help="The new rank, where the rules set quotas by rank.")
@click.option("--reason", required=True, help="Why (a transfer, a promotion, a new liaison).")
@command_id_option
@url_option
@rules_folder_option
def people_change(
    person_id: str,
    jurisdiction: str,
    roles: tuple[str, ...],
    units: tuple[str, ...],
    rank: str | None,
    reason: str,
    command_id: str | None,
    url: str | None,
    rules_folder: Path | None,
) -> None:
    """Give a person a new set of roles, units and rank, from now on."""
    key = "/".join([",".join(roles), ",".join(units), rank or ""])
    result = _roster_call(
        url,
        rules_folder,
        lambda e: e.roster.change_person(
            jurisdiction=jurisdiction,
            person_id=person_id,
            roles=list(roles),
            units=list(units),
            rank=rank,
            reason=reason,
            command_id=command_id or f"cli/person-change/{jurisdiction}/{person_id}/{key}",
        ),
    )
    _said(result, f"{person_id} in {jurisdiction} now acts as {', '.join(roles)}")


@people_group.command("deactivate")
@click.argument("person_id")
@jurisdiction_option
@click.option("--reason", required=True, help="Why the person leaves the roster.")
@command_id_option
@url_option
@rules_folder_option
def people_deactivate(
    person_id: str,
    jurisdiction: str,
    reason: str,
    command_id: str | None,
    url: str | None,
    rules_folder: Path | None,
) -> None:
    """Take a person off the roster (refused while they still answer for enterprises or sit in a team)."""
    result = _roster_call(
        url,
        rules_folder,
        lambda e: e.roster.deactivate_person(
            jurisdiction=jurisdiction,
            person_id=person_id,
            reason=reason,
            command_id=command_id or f"cli/person-off/{jurisdiction}/{person_id}",
        ),
    )
    _said(result, f"{person_id} no longer acts in {jurisdiction}")


@main.group("grids")
def grids_group() -> None:
    """Grids (网格) and their teams."""


@grids_group.command("add")
@click.argument("grid_id")
@jurisdiction_option
@click.option("--kind", required=True, help="A grid kind of the rule file (roster.grid_kinds).")
@click.option("--name", required=True)
@click.option("--unit", default=None, help="The department or township running the grid.")
@command_id_option
@url_option
@rules_folder_option
def grids_add(
    grid_id: str,
    jurisdiction: str,
    kind: str,
    name: str,
    unit: str | None,
    command_id: str | None,
    url: str | None,
    rules_folder: Path | None,
) -> None:
    """Register a grid."""
    result = _roster_call(
        url,
        rules_folder,
        lambda e: e.roster.register_grid(
            jurisdiction=jurisdiction,
            grid_id=grid_id,
            kind=kind,
            name=name,
            unit=unit,
            command_id=command_id or f"cli/grid/{jurisdiction}/{grid_id}",
        ),
    )
    _said(result, f"registered grid {grid_id} ({kind}) in {jurisdiction}")


@grids_group.command("member")
@click.argument("grid_id")
@click.argument("person_id")
@jurisdiction_option
@click.option(
    "--position", required=True, help="A team position (roster.team), e.g. chief or officer."
)
@on_option
@command_id_option
@url_option
@rules_folder_option
def grids_member(
    grid_id: str,
    person_id: str,
    jurisdiction: str,
    position: str,
    on: date,
    command_id: str | None,
    url: str | None,
    rules_folder: Path | None,
) -> None:
    """Put a person into a grid's team from --on."""
    result = _roster_call(
        url,
        rules_folder,
        lambda e: e.roster.add_grid_member(
            jurisdiction=jurisdiction,
            grid_id=grid_id,
            person_id=person_id,
            position=position,
            on=on,
            command_id=command_id
            or f"cli/member/{jurisdiction}/{grid_id}/{person_id}/{on.isoformat()}",
        ),
    )
    _said(result, f"{person_id} is {position} of grid {grid_id} from {on.isoformat()}")


@main.group("visits")
def visits_group() -> None:
    """Visits (走访) with their findings and evidence."""


def _evidence(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> list[dict[str, Any]]:
    out = []
    for value in values:
        digest, _, rest = value.partition(":")
        size, _, media_type = rest.partition(":")
        if not size.isdigit() or not media_type:
            raise click.BadParameter(
                f"{value!r} is not SHA256:SIZE:MEDIA_TYPE (e.g. 9f86…:20480:image/jpeg)"
            )
        out.append({"sha256": digest.lower(), "size": int(size), "media_type": media_type})
    return out


@visits_group.command("record")
@jurisdiction_option
@click.option("--enterprise", required=True, help="The enterprise's credit code.")
@click.option("--officer", required=True, help="The visitor's person id.")
@click.option(
    "--at", "at", callback=parse_moment, required=True, help="When the visit took place (ISO 8601)."
)
@click.option(
    "--channel", type=click.Choice(["on_site", "phone", "wechat", "questionnaire"]), required=True
)
@click.option(
    "--purpose", type=click.Choice(["service", "inspection"]), default="service", show_default=True
)
@click.option("--operations", default=None, help="Finding: production and operation (生产经营).")
@click.option("--investment-intent", default=None, help="Finding: investment intent (投资意愿).")
@click.option("--tax-status", default=None, help="Finding: tax status (纳税状况).")
@click.option("--difficulties", default=None, help="Finding: difficulties and needs (困难需求).")
@click.option("--note", default=None)
@click.option(
    "--evidence",
    "evidence",
    multiple=True,
    callback=_evidence,
    help="SHA256:SIZE:MEDIA_TYPE of a file kept elsewhere (repeatable).",
)
@click.option(
    "--evidence-file",
    "evidence_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A local file to reference by digest (it is not copied; repeatable).",
)
@click.option(
    "--visit-id", default=None, help="The portal's id for the visit (default: the command id)."
)
@command_id_option
@json_option
@url_option
@rules_folder_option
def visits_record(
    jurisdiction: str,
    enterprise: str,
    officer: str,
    at: datetime,
    channel: str,
    purpose: str,
    operations: str | None,
    investment_intent: str | None,
    tax_status: str | None,
    difficulties: str | None,
    note: str | None,
    evidence: list[dict[str, Any]],
    evidence_files: tuple[Path, ...],
    visit_id: str | None,
    command_id: str | None,
    as_json: bool,
    url: str | None,
    rules_folder: Path | None,
) -> None:
    """Record a visit that took place at --at."""
    import hashlib
    import mimetypes

    refs = list(evidence)
    for f in evidence_files:
        data = f.read_bytes()
        refs.append(
            {
                "sha256": hashlib.sha256(data).hexdigest(),
                "size": len(data),
                "media_type": mimetypes.guess_type(f.name)[0] or "application/octet-stream",
            }
        )
    findings = {
        k: v
        for k, v in {
            "operations": operations,
            "investment_intent": investment_intent,
            "tax_status": tax_status,
            "difficulties": difficulties,
            "note": note,
        }.items()
        if v
    }
    code = enterprise.strip().upper()
    cid = command_id or f"cli/visit/{jurisdiction}/{code}/{officer}/{at.isoformat()}"
    result = _roster_call(
        url,
        rules_folder,
        lambda e: e.roster.record_visit(
            jurisdiction=jurisdiction,
            enterprise=code,
            visitor=officer,
            visited_at=at,
            channel=channel,
            purpose=purpose,
            findings=findings,
            evidence=refs,
            visit_id=visit_id,
            command_id=cid,
        ),
    )
    vid = visit_id or cid
    if as_json:
        emit_json(
            {
                "visit_id": vid,
                "aggregate_id": str(result.aggregate_id),
                "duplicate": result.duplicate,
            }
        )
        return
    _said(result, f"recorded visit {vid}: {officer} → {code}, {channel}, {at.isoformat()}")


@main.command("coverage")
@jurisdiction_option
@click.option("--month", callback=parse_year_month, required=True, metavar="YYYY-MM")
@click.option("--grid", default=None, help="A grid id (default: the whole jurisdiction).")
@json_option
@url_option
@rules_folder_option
def coverage_command(
    jurisdiction: str,
    month: tuple[int, int],
    grid: str | None,
    as_json: bool,
    url: str | None,
    rules_folder: Path | None,
) -> None:
    """Which enterprises (or, for a cadence per grid, which grids) were not visited as required (docs/roster.md)."""
    from gridcase.projections.coverage import GridCoverageReport

    report = _roster_call(url, rules_folder, lambda e: e.roster.coverage(jurisdiction, month, grid))
    if as_json:
        emit_json(report.to_dict())
        return
    where = f"grid {grid}" if grid else "all grids"
    click.echo(f"{jurisdiction}, {where}, {report.month}: cadence {report.cadence}.")
    if report.not_owed_reason:
        click.echo(f"{report.not_owed_reason}.")
    if not report.windows:
        return
    if isinstance(report, GridCoverageReport):
        _echo_grid_coverage(report)
        return
    click.echo(
        f"{report.covered} of {len(report.due)} enterprise(s) due were visited as required; "
        f"{len(report.missed)} missed."
    )
    for m in report.missed:
        who = ", ".join(m.responsible) or "nobody responsible"
        windows = ", ".join(w.label for w in m.windows)
        number = f" #{m.map_number}" if m.map_number else ""
        click.echo(
            f"  {m.credit_code}{number} {m.name}: not visited in {windows}; responsible: {who}"
        )


def _echo_grid_coverage(report: GridCoverageReport) -> None:
    click.echo(
        f"{report.covered} of {len(report.due)} grid(s) due had a counting visit in every "
        f"window; {len(report.missed)} missed."
    )
    for m in report.missed:
        # Windows in a row with the same team are said once; a team change starts a new part.
        parts: list[tuple[list[str], str]] = []
        for miss in m.misses:
            team = ", ".join(str(p) for p in miss.team)
            team = f"team: {team}" if team else "no team"
            if parts and parts[-1][1] == team:
                parts[-1][0].append(miss.window.label)
            else:
                parts.append(([miss.window.label], team))
        said = "; ".join(f"{', '.join(labels)} ({team})" for labels, team in parts)
        click.echo(f"  {m.grid} {m.name} ({m.kind}): no visit in {said}")
    if report.outside_grids:
        click.echo(
            f"{len(report.outside_grids)} enterprise(s) in scope but in no grid, which no grid "
            f"owes a visit: {', '.join(report.outside_grids)}"
        )


# -- the visit ledger ------------------------------------------------------------------


@visits_group.command("ledger")
@jurisdiction_option
@click.option(
    "--month",
    callback=lambda c, p, v: parse_year_month(c, p, v) if v else None,
    default=None,
    metavar="YYYY-MM",
    help="The month of the ledger (or --from and --to).",
)
@click.option(
    "--from",
    "first",
    callback=lambda c, p, v: parse_date(c, p, v) if v else None,
    default=None,
    help="First day, YYYY-MM-DD (with --to, instead of --month).",
)
@click.option(
    "--to",
    "last",
    callback=lambda c, p, v: parse_date(c, p, v) if v else None,
    default=None,
    help="Last day, YYYY-MM-DD (inclusive).",
)
@click.option(
    "--grid", default=None, help="Only visits to enterprises in this grid on the day of the visit."
)
@click.option(
    "--as-of",
    "as_of",
    callback=lambda c, p, v: parse_moment(c, p, v) if v else None,
    default=None,
    help="The ledger as the records stood at this moment (ISO 8601; China time if no offset).",
)
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write a CSV file (UTF-8 with BOM, for Excel).",
)
@click.option(
    "--xlsx",
    "xlsx_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write an Excel workbook (one sheet).",
)
@json_option
@url_option
@rules_folder_option
def visits_ledger(
    jurisdiction: str,
    month: tuple[int, int] | None,
    first: date | None,
    last: date | None,
    grid: str | None,
    as_of: datetime | None,
    csv_path: Path | None,
    xlsx_path: Path | None,
    as_json: bool,
    url: str | None,
    rules_folder: Path | None,
) -> None:
    """The visit ledger (走访台账): every visit of a month, rebuilt from the records (docs/ledgers.md)."""
    from gridcase.interfaces.export import visit_ledger_table, write_csv, write_xlsx
    from gridcase.interfaces.render import visit_ledger_lines
    from gridcase.kernel.errors import NotFound
    from gridcase.projections.visit_ledger import LedgerPeriod, VisitLedger, ledger_due

    if sum(bool(x) for x in (csv_path, xlsx_path, as_json)) > 1:
        raise click.UsageError("give one of --csv, --xlsx and --json")
    with library_errors():
        if month is not None and first is None and last is None:
            period = LedgerPeriod.of(month)
        elif month is None and first is not None and last is not None:
            period = LedgerPeriod.between(first, last)
        else:
            raise click.UsageError("give --month, or --from and --to")
    engine = _engine(url, rules_folder)
    try:
        with library_errors():
            engine.known_jurisdiction(jurisdiction)
            rows = VisitLedger.build(engine.log, as_of=as_of).for_period(jurisdiction, period, grid)
            try:
                rules = engine.rules.in_force(jurisdiction, period.last)
            except NotFound:  # a period before the first rules took effect
                rules = None
            visits = rules.rules.visits if rules is not None else None
            rule = visits.ledger_due if visits is not None else None
            due: dict[str, Any] | None = None
            if rules is not None and rule is not None and period.month is not None:
                deadline = ledger_due(rule, period.month, engine.calendar_for(rules))
                due = {
                    **deadline.to_dict(),
                    "rule": f"{rules.jurisdiction}@{rules.version} visits.ledger_due",
                    "cite": rule.cite,
                    "assumption": rule.assumption,
                }
    finally:
        engine.close()
    where = f"grid {grid}" if grid else "all grids"
    stood = f", as of {as_of.isoformat()}" if as_of else ""
    if as_json:
        emit_json(
            {
                "jurisdiction": jurisdiction,
                "period": {
                    "first": period.first.isoformat(),
                    "last": period.last.isoformat(),
                    "month": str(period.month) if period.month else None,
                },
                "grid": grid,
                "as_of": as_of.isoformat() if as_of else None,
                "due": due,
                "visits": len(rows),
                "rows": [r.to_dict() for r in rows],
            }
        )
        return
    click.echo(f"{jurisdiction}, {where}, {period}{stood}: {len(rows)} visit(s).")
    if due is not None:
        last_day = date.fromisoformat(due["due_date"])
        flag = " (provisional: the holiday notice is not out yet)" if due["provisional"] else ""
        click.echo(f"Due by 24:00 on {_day(last_day)}, China time{flag} ({due['rule']}).")
        click.echo(f"  source: {due['cite'] or due['assumption']}")
    if csv_path is not None:
        write_csv(visit_ledger_table(rows), csv_path)
        click.echo(f"wrote {csv_path}")
    elif xlsx_path is not None:
        name = rules.rules.jurisdiction.name.zh if rules is not None else jurisdiction
        title = " ".join(x for x in (name, grid, "走访台账", str(period)) if x)
        write_xlsx(visit_ledger_table(rows), xlsx_path, title=title)
        click.echo(f"wrote {xlsx_path}")
    elif rows:
        for line in visit_ledger_lines(rows):
            click.echo(line)


# -- demo ----------------------------------------------------------------------------


@main.command("demo")
@click.option(
    "--url",
    default=None,
    help="Store URL (default: GRIDCASE_URL, else sqlite:///gridcase.db here).",
)
@click.option("--fresh", is_flag=True, help="Delete the SQLite store first and start over.")
def demo(url: str | None, fresh: bool) -> None:
    """Six weeks of Malu's demand handling, recorded and printed: the ledger and one case's history."""
    from gridcase.application.engine import Engine
    from gridcase.interfaces.demo import demo_clock, run_demo
    from gridcase.storage.url import parse_url

    with library_errors():
        location = parse_url(url)
    db = location.env.get("SQLITE_DBNAME")
    if fresh:
        if location.kind != "sqlite" or db is None or db.startswith("file:"):
            raise click.UsageError("--fresh deletes a SQLite file; for other stores use a new URL")
        for suffix in ("", "-wal", "-shm"):
            Path(db + suffix).unlink(missing_ok=True)
    clock = demo_clock()
    with library_errors():
        engine = Engine(url, clock=clock)
    try:
        from gridcase.interfaces.demo import FIRST_COMMAND

        stored = engine.log.head()
        if stored and not engine.carried_out(FIRST_COMMAND):
            raise click.ClickException(
                f"{location.display} already holds other records ({stored} events), so the demo will not "
                "add to it: run it with --fresh to start over, or with --url sqlite:///demo.db elsewhere"
            )
        click.echo(
            "gridcase demo: Malu Town, Jiading, Shanghai (嘉马府发〔2023〕62号 section 六), "
            f"15 September - 31 October 2025, on {location.display}"
        )
        with library_errors():
            result = run_demo(engine, clock, echo=click.echo)
    finally:
        engine.close()
    if result.rerun:
        click.echo(
            f"{location.display} already held this demo: every command was recognised by its command id "
            f"and nothing was written twice ({result.steps_written} new steps). Use --fresh to start over."
        )
    else:
        click.echo(
            f"Recorded {result.steps_written} case steps (and the roster and visits) in {location.display}."
        )
    click.echo(
        f"Next: gridcase cases list{' --url ' + url if url else ''}   |   gridcase cases show {result.cases['A']}"
    )
