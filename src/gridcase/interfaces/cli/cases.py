"""``gridcase cases``: a case as of any moment, the problem ledger (问题台账), due clocks fired."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from uuid import UUID

import click

from gridcase.interfaces.cli.common import (
    emit_json,
    json_option,
    library_errors,
    open_engine,
    optional,
    parse_moment,
    rules_folder_option,
    url_option,
)

__all__ = ["cases_group"]


def _case_id(value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a case id (a UUID)") from None


@click.group("cases")
def cases_group() -> None:
    """Read cases, their history as of any moment, and fire due clocks."""


@cases_group.command("show")
@click.argument("case_id")
@click.option(
    "--as-of",
    "as_of",
    callback=optional(parse_moment),
    default=None,
    help="Show the case as it happened by this moment, steps entered late included "
    "(ISO 8601; China time if no offset).",
)
@click.option(
    "--known-at",
    "known_at",
    callback=optional(parse_moment),
    default=None,
    help="Show the case as the store knew it at this moment: only steps recorded by then.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "html", "jsonl"]),
    default="text",
    show_default=True,
    help="html: the auditor's timeline, one self-contained printable page; jsonl: a step a line.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the html or jsonl there instead of to standard output.",
)
@json_option
@url_option
@rules_folder_option
def cases_show(
    case_id: str,
    as_of: datetime | None,
    known_at: datetime | None,
    fmt: str,
    output: Path | None,
    as_json: bool,
    url: str | None,
    rules_folder: Path | None,
) -> None:
    """A case's state, owner, open clocks and history (as it happened by --as-of, or as
    it was known at --known-at)."""
    from gridcase.interfaces.render import case_summary, history_lines, step_to_dict
    from gridcase.interfaces.timeline import timeline_html, timeline_jsonl

    engine = open_engine(url, rules_folder)
    try:
        with library_errors():
            cid = _case_id(case_id)
            state = engine.case(cid, as_of=as_of, known_at=known_at)
            steps = [
                s
                for s in engine.history(cid)
                if (as_of is None or s.step.at <= as_of)
                and (known_at is None or (s.step.recorded_at or s.step.at) <= known_at)
            ]
            rules = engine.rules_of(cid)
        if fmt in {"html", "jsonl"}:
            text = timeline_html(state, steps, rules) if fmt == "html" else timeline_jsonl(steps)
            if output is not None:
                output.write_text(text, encoding="utf-8")
                click.echo(f"wrote {output}")
            else:
                sys.stdout.write(text)
            return
        if as_json:
            emit_json(
                {
                    "case_id": str(cid),
                    "as_of": as_of.isoformat() if as_of else None,
                    "known_at": known_at.isoformat() if known_at else None,
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
@click.option("--as-of", "as_of", callback=optional(parse_moment), default=None)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json", "xlsx"]),
    default="table",
    show_default=True,
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The workbook to write (with --format xlsx; headers in Chinese and English).",
)
@url_option
@rules_folder_option
def cases_list(
    jurisdiction: str | None,
    as_of: datetime | None,
    fmt: str,
    output: Path | None,
    url: str | None,
    rules_folder: Path | None,
) -> None:
    """The problem ledger (问题台账): one row per case, read from its table (caught up
    first; --as-of rebuilds it as of that moment)."""
    from gridcase.interfaces.export import (
        Column,
        Table,
        csv_text,
        json_text,
        problem_ledger_table,
        write_xlsx,
    )
    from gridcase.interfaces.render import ledger_lines

    if (fmt == "xlsx") != (output is not None):
        raise click.UsageError("--format xlsx writes a workbook: give it --output FILE")

    engine = open_engine(url, rules_folder)
    try:
        with library_errors():
            rows = engine.ledger(jurisdiction, as_of=as_of)
    finally:
        engine.close()
    if fmt == "table":
        for line in ledger_lines(rows):
            click.echo(line)
        return
    if fmt == "xlsx":
        assert output is not None
        write_xlsx(problem_ledger_table(rows, labelled=True), output, title="问题台账")
        click.echo(f"wrote {output}")
        return
    table = problem_ledger_table(rows)
    if fmt == "json":
        click.echo(json_text(table))
        return
    if not rows:
        # An empty ledger's CSV has always been the one header "case_id"; kept as it was.
        table = Table((Column("case_id"),), ())
    # Straight to standard output, as scripts and pipes have always read it.
    sys.stdout.write(csv_text(table))


@cases_group.command("queue")
@click.option("--jurisdiction", default=None)
@click.option("--holder", default=None, help="The party holding the case (person, enterprise).")
@click.option("--role", default=None, help="The role holding the case (center, unit …).")
@click.option("--unit", default=None, help="The unit the case is dispatched to.")
@click.option("--overdue", is_flag=True, help="Only cases that missed a clock.")
@click.option(
    "--due-within",
    "due_within",
    type=click.IntRange(min=1),
    default=None,
    help="Only cases whose next deadline falls within N working days of today.",
)
@click.option(
    "--waiting-on-enterprise", "waiting", is_flag=True, help="Only cases the enterprise holds."
)
@json_option
@url_option
@rules_folder_option
def cases_queue(
    jurisdiction: str | None,
    holder: str | None,
    role: str | None,
    unit: str | None,
    overdue: bool,
    due_within: int | None,
    waiting: bool,
    as_json: bool,
    url: str | None,
    rules_folder: Path | None,
) -> None:
    """A work queue: the open cases on a desk, soonest deadline first (from the ledger table)."""
    from gridcase.calendar import national_calendar
    from gridcase.interfaces.export import json_text, problem_ledger_table
    from gridcase.interfaces.render import ledger_lines
    from gridcase.projections.tables import Queue

    engine = open_engine(url, rules_folder)
    try:
        with library_errors():
            due_by = None
            if due_within is not None:
                # Counted in the national calendar (every bundled jurisdiction's).
                due_by = (
                    national_calendar().add_working_days(engine.clock.now(), due_within).due_date
                )
            rows = engine.queue(
                Queue(
                    jurisdiction=jurisdiction,
                    holder=holder,
                    role=role,
                    unit=unit,
                    overdue=overdue,
                    due_by=due_by,
                    waiting_on_enterprise=waiting,
                )
            )
    finally:
        engine.close()
    if as_json:
        click.echo(json_text(problem_ledger_table(rows)))
        return
    for line in ledger_lines(rows):
        click.echo(line)


@cases_group.command("advance")
@click.option(
    "--now",
    callback=optional(parse_moment),
    default=None,
    help="Fire clocks that ran out by this moment (default: now).",
)
@url_option
@rules_folder_option
def cases_advance(now: datetime | None, url: str | None, rules_folder: Path | None) -> None:
    """Fire every clock that ran out (idempotent; run it from a scheduler)."""
    engine = open_engine(url, rules_folder)
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
