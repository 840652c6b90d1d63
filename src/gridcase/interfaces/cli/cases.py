"""``gridcase cases``: a case as of any moment, the problem ledger (问题台账), due clocks fired."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import click

from gridcase.application.engine import Engine
from gridcase.application.results import CommandResult
from gridcase.domain.actions import Action, Channel
from gridcase.domain.commands import ActOnCase, SubmitDemand, action_of
from gridcase.domain.payloads import parse_payload
from gridcase.interfaces.cli.common import (
    emit_json,
    json_option,
    jurisdiction_option,
    library_errors,
    open_engine,
    optional,
    parse_moment,
    require_jurisdiction,
    roster_call,
    rules_folder_option,
    said,
    settings,
    url_option,
)
from gridcase.interfaces.cli.output import emit_table, output_options

__all__ = ["cases_group"]


@click.group("cases")
def cases_group() -> None:
    """Submit and act on cases, read them as of any moment, and fire due clocks.

    Wherever a case ID is asked for, the first digits ``cases list`` shows are enough
    (at least 4, as long as they name one case)."""


def _actor(given: str | None) -> str:
    actor = given or settings().actor
    if not actor:
        raise click.UsageError("say who acts: --as PERSON, or gridcase --actor / GRIDCASE_ACTOR")
    return actor


def _command_id(given: str | None) -> str:
    """The command id given, or a fresh one printed (on standard error) so a retry can reuse it."""
    if given:
        return given
    made = str(uuid4())
    click.echo(f"command id {made} (give it as --command-id to retry safely)", err=True)
    return made


def _payload(action: Action, pairs: tuple[str, ...]) -> dict[str, Any]:
    """``KEY=VALUE`` pairs checked against the action's payload model (unknown keys refused)."""
    data: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{pair!r} is not KEY=VALUE", param_hint="--payload")
        if key.strip() in data:
            raise click.BadParameter(f"{key.strip()!r} is given twice", param_hint="--payload")
        data[key.strip()] = value
    with library_errors():
        return parse_payload(action, data)


_as_option = click.option(
    "--as",
    "actor",
    default=None,
    help="The person (or the enterprise's credit code) acting (default: gridcase --actor).",
)
_role_option = click.option(
    "--role", required=True, help="The role the actor acts in (e.g. center, unit, enterprise)."
)
_at_option = click.option(
    "--at",
    "at",
    callback=optional(parse_moment),
    default=None,
    help="When it happened (ISO 8601; China time if no offset; default: now).",
)
_late_option = click.option(
    "--late-reason",
    default=None,
    help="Why it is recorded later than it happened (needed when --at is past the rules' tolerance).",
)
_command_option = click.option(
    "--command-id",
    default=None,
    help="Idempotency key: the same id twice records once (default: a new one, printed).",
)


@cases_group.command("submit")
@jurisdiction_option
@click.option("--enterprise", required=True, help="The enterprise's unified social credit code.")
@click.option("--category", required=True, help="A category of the jurisdiction's rule file.")
@click.option("--title", required=True, help="The demand in a line (诉求标题).")
@click.option("--description", default=None, help="The demand in full (诉求内容).")
@click.option(
    "--channel",
    type=click.Choice([c.value for c in Channel]),
    default=Channel.PLATFORM.value,
    show_default=True,
    help="How the demand arrived.",
)
@click.option("--visit", "visit_id", default=None, help="The visit the demand was raised in.")
@_as_option
@click.option(
    "--role",
    default="enterprise",
    show_default=True,
    help="The role the submitter acts in.",
)
@_at_option
@_late_option
@_command_option
@json_option
@url_option
@rules_folder_option
def cases_submit(
    jurisdiction: str,
    enterprise: str,
    category: str,
    title: str,
    description: str | None,
    channel: str,
    visit_id: str | None,
    actor: str | None,
    role: str,
    at: datetime | None,
    late_reason: str | None,
    command_id: str | None,
    as_json: bool,
    url: str | None,
    rules_folder: Path | None,
) -> None:
    """Register a demand (诉求); prints the new case's id.

    Without --as the enterprise submits for itself (--as defaults to its credit code)."""
    command = SubmitDemand(
        jurisdiction=jurisdiction,
        enterprise=enterprise,
        category=category,
        title=title,
        description=description,
        channel=Channel(channel),
        visit_id=visit_id,
        actor=actor or enterprise,
        role=role,
        at=at,
        late_reason=late_reason,
        command_id=_command_id(command_id),
    )
    result = roster_call(url, rules_folder, lambda engine: engine.submit(command))
    _report(result, command.command_id, as_json, f"submitted case {result.case_id}")


def _report(result: CommandResult, command_id: str, as_json: bool, what: str) -> None:
    if as_json:
        last = result.steps[-1].step if result.steps else None
        emit_json(
            {
                "case_id": str(result.case_id),
                "command_id": command_id,
                "duplicate": result.duplicate,
                "steps": len(result.steps),
                "state": last.outcome.state if last else None,
            }
        )
        return
    said(result, what)
    for rec in result.steps:
        owner = rec.step.outcome.owner
        holder = f" [{owner.role}{'/' + owner.party if owner.party else ''}]" if owner else ""
        click.echo(f"  {rec.version:>3} {rec.step.kind} → {rec.step.outcome.state}{holder}")


@cases_group.command("act")
@click.argument("case_id")
@click.argument("action")
@_as_option
@_role_option
@click.option("--reason", default=None, help="Why (a return, a rejection, a delay…).")
@click.option(
    "--payload",
    "-p",
    "pairs",
    multiple=True,
    metavar="KEY=VALUE",
    help="A field of the action's payload (repeatable), e.g. unit=planning, "
    "satisfaction=satisfied; checked against the action's payload model.",
)
@_at_option
@_late_option
@_command_option
@json_option
@url_option
@rules_folder_option
def cases_act(
    case_id: str,
    action: str,
    actor: str | None,
    role: str,
    reason: str | None,
    pairs: tuple[str, ...],
    at: datetime | None,
    late_reason: str | None,
    command_id: str | None,
    as_json: bool,
    url: str | None,
    rules_folder: Path | None,
) -> None:
    """Take ACTION (dispatch, accept, resolve, rate, sign_off…) on the case CASE_ID."""
    with library_errors():
        chosen = action_of(action)
    payload = _payload(chosen, pairs)
    who = _actor(actor)
    cid = _command_id(command_id)

    def act(engine: Engine) -> CommandResult:
        command = ActOnCase(
            engine.case_id(case_id), chosen, who, role, cid, at, reason, payload, late_reason
        )
        return engine.act(command)

    result = roster_call(url, rules_folder, act)
    _report(result, cid, as_json, f"{chosen.value} on case {result.case_id}")


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
            cid = engine.case_id(case_id)
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
@click.option("--jurisdiction", "-j", default=None, help="Only this jurisdiction's cases.")
@click.option(
    "--as-of",
    "as_of",
    callback=optional(parse_moment),
    default=None,
    help="The ledger as it stood at this moment (ISO 8601; China time if no offset).",
)
@click.option(
    "--as-known-at",
    "as_known_at",
    callback=optional(parse_moment),
    default=None,
    help="The ledger as it could be seen at this moment: only the steps recorded by then "
    "(a step entered late is left out until it was recorded).",
)
@click.option(
    "--grid",
    default=None,
    help="Only the cases received while their enterprise was in this grid.",
)
@click.option(
    "--id",
    "id_prefix",
    default=None,
    help="Only the cases whose id starts with these hex digits.",
)
@output_options()
@url_option
@rules_folder_option
def cases_list(
    jurisdiction: str | None,
    as_of: datetime | None,
    as_known_at: datetime | None,
    grid: str | None,
    id_prefix: str | None,
    fmt: str,
    output: Path | None,
    wide: bool,
    url: str | None,
    rules_folder: Path | None,
) -> None:
    """The problem ledger (问题台账): one row per case, its id first, read from its table
    (caught up first; --as-of as it stood at that moment, --as-known-at as it could be
    seen then).

    The table shows each id's shortest unique start (8 digits or more; --wide shows it
    whole); csv, json, jsonl and xlsx carry every column of docs/ledgers.md (the workbook
    headed in Chinese and English)."""
    from gridcase.interfaces.export import Column, Table, problem_ledger_table, write_xlsx
    from gridcase.interfaces.render import ledger_view

    engine = open_engine(url, rules_folder)
    try:
        with library_errors():
            if jurisdiction is not None:
                require_jurisdiction(engine, jurisdiction)
            rows = engine.ledger(jurisdiction, as_of=as_of, as_known_at=as_known_at, grid=grid)
    finally:
        engine.close()
    if id_prefix:
        digits = id_prefix.strip().lower().replace("-", "")
        rows = [r for r in rows if r.case_id.hex.startswith(digits)]
    if fmt == "table":
        emit_table(ledger_view(rows, full_ids=wide), fmt, output, wide=wide, title="问题台账")
        return
    if fmt == "xlsx":
        assert output is not None
        write_xlsx(problem_ledger_table(rows, labelled=True), output, title="问题台账")
        click.echo(f"wrote {output}")
        return
    table = problem_ledger_table(rows)
    if fmt == "csv" and not rows:
        # An empty ledger's CSV has always been the one header "case_id"; kept as it was.
        table = Table((Column("case_id"),), ())
    emit_table(table, fmt, output, wide=wide, title="问题台账")


@cases_group.command("queue")
@click.option("--jurisdiction", default=None, help="Only this jurisdiction's cases.")
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
