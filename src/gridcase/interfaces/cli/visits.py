"""``gridcase visits``: record a visit (走访) once; the visit ledger (走访台账) follows from it."""

from __future__ import annotations

import hashlib
import mimetypes
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from gridcase.interfaces.cli.common import (
    command_id_option,
    day_label,
    emit_json,
    json_option,
    jurisdiction_option,
    library_errors,
    open_engine,
    optional,
    parse_date,
    parse_moment,
    parse_year_month,
    roster_call,
    rules_folder_option,
    said,
    url_option,
)
from gridcase.interfaces.cli.output import emit_table, output_options
from gridcase.kernel.errors import NotFound

if TYPE_CHECKING:
    from gridcase.calendar import Deadline
    from gridcase.domain.policy import LedgerDue
    from gridcase.workflow.compiler import CompiledRules

__all__ = ["visits_group"]

EvidenceCells = dict[str, str | int]
"""An evidence reference as the roster takes it: ``sha256``, ``size``, ``media_type``."""


@click.group("visits")
def visits_group() -> None:
    """Visits (走访) with their findings and evidence."""


def _evidence(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> list[EvidenceCells]:
    out: list[EvidenceCells] = []
    for value in values:
        digest, _, rest = value.partition(":")
        size, _, media_type = rest.partition(":")
        if not size.isdigit() or not media_type:
            raise click.BadParameter(
                f"{value!r} is not SHA256:SIZE:MEDIA_TYPE (e.g. 9f86…:20480:image/jpeg)"
            )
        out.append({"sha256": digest.lower(), "size": int(size), "media_type": media_type})
    return out


def _evidence_of(path: Path) -> EvidenceCells:
    """A local file referred to by its digest; the file itself stays where it is."""
    data = path.read_bytes()
    return {
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
        "media_type": mimetypes.guess_type(path.name)[0] or "application/octet-stream",
    }


@visits_group.command("record")
@jurisdiction_option
@click.option("--enterprise", required=True, help="The enterprise's credit code.")
@click.option("--officer", required=True, help="The visitor's person id.")
@click.option(
    "--at", "at", callback=parse_moment, required=True, help="When the visit took place (ISO 8601)."
)
@click.option(
    "--channel",
    type=click.Choice(["on_site", "phone", "wechat", "questionnaire"]),
    required=True,
    help="How the visit was made (实地, 电话, 微信, 问卷).",
)
@click.option(
    "--purpose",
    type=click.Choice(["service", "inspection"]),
    default="service",
    show_default=True,
    help="A service visit (服务) or an inspection (检查).",
)
@click.option("--operations", default=None, help="Finding: production and operation (生产经营).")
@click.option("--investment-intent", default=None, help="Finding: investment intent (投资意愿).")
@click.option("--tax-status", default=None, help="Finding: tax status (纳税状况).")
@click.option("--difficulties", default=None, help="Finding: difficulties and needs (困难需求).")
@click.option("--note", default=None, help="Finding: anything else worth noting.")
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
    evidence: list[EvidenceCells],
    evidence_files: tuple[Path, ...],
    visit_id: str | None,
    command_id: str | None,
    as_json: bool,
    url: str | None,
    rules_folder: Path | None,
) -> None:
    """Record a visit that took place at --at."""
    refs = [*evidence, *(_evidence_of(f) for f in evidence_files)]
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
    result = roster_call(
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
    said(result, f"recorded visit {vid}: {officer} → {code}, {channel}, {at.isoformat()}")


@visits_group.command("ledger")
@jurisdiction_option
@click.option(
    "--month",
    callback=optional(parse_year_month),
    default=None,
    metavar="YYYY-MM",
    help="The month of the ledger (or --from and --to).",
)
@click.option(
    "--from",
    "first",
    callback=optional(parse_date),
    default=None,
    help="First day, YYYY-MM-DD (with --to, instead of --month).",
)
@click.option(
    "--to",
    "last",
    callback=optional(parse_date),
    default=None,
    help="Last day, YYYY-MM-DD (inclusive).",
)
@click.option(
    "--grid", default=None, help="Only visits to enterprises in this grid on the day of the visit."
)
@click.option(
    "--as-of",
    "as_of",
    callback=optional(parse_moment),
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
    help="Write an Excel workbook (one sheet); the same as --format xlsx --output PATH.",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print one JSON object: the period, its due date and the rows.",
)
@output_options()
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
    fmt: str,
    output: Path | None,
    wide: bool,
    url: str | None,
    rules_folder: Path | None,
) -> None:
    """The visit ledger (走访台账): every visit of a month, from the visit tables (docs/ledgers.md)."""
    from gridcase.interfaces.export import visit_ledger_table, write_csv, write_xlsx
    from gridcase.interfaces.render import visit_ledger_view
    from gridcase.projections.visit_ledger import LedgerPeriod, ledger_due

    converted = fmt != "table" or output is not None
    if sum(bool(x) for x in (csv_path, xlsx_path, as_json, converted)) > 1:
        raise click.UsageError("give one of --format/--output, --csv, --xlsx and --json")
    with library_errors():
        if month is not None and first is None and last is None:
            period = LedgerPeriod.of(month)
        elif month is None and first is not None and last is not None:
            period = LedgerPeriod.between(first, last)
        else:
            raise click.UsageError("give --month, or --from and --to")
    rules: CompiledRules | None = None
    rule: LedgerDue | None = None
    deadline: Deadline | None = None
    engine = open_engine(url, rules_folder)
    try:
        with library_errors():
            engine.known_jurisdiction(jurisdiction)
            rows = engine.visit_ledger(jurisdiction, period, grid, as_of=as_of)
            try:
                rules = engine.rules.in_force(jurisdiction, period.last)
            except NotFound:  # a period before the first rules took effect
                rules = None
            visits = rules.rules.visits if rules is not None else None
            rule = visits.ledger_due if visits is not None else None
            # A due date is reckoned from a calendar month, never from a span of days.
            if rules is not None and rule is not None and period.month is not None:
                deadline = ledger_due(rule, period.month, engine.calendar_for(rules))
    finally:
        engine.close()
    due_rule = (
        f"{rules.jurisdiction}@{rules.version} visits.ledger_due" if rules is not None else ""
    )
    if converted:
        name = rules.rules.jurisdiction.name.zh if rules is not None else jurisdiction
        title = " ".join(x for x in (name, grid, "走访台账", str(period)) if x)
        if fmt == "table":
            emit_table(visit_ledger_view(rows), fmt, output, wide=wide, title=title)
        else:
            emit_table(visit_ledger_table(rows), fmt, output, wide=wide, title=title)
        return
    where = f"grid {grid}" if grid else "all grids"
    stood = f", as of {as_of.isoformat()}" if as_of else ""
    if as_json:
        due = (
            {
                **deadline.to_dict(),
                "rule": due_rule,
                "cite": rule.cite,
                "assumption": rule.assumption,
            }
            if deadline is not None and rule is not None
            else None
        )
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
    if deadline is not None and rule is not None:
        flag = " (provisional: the holiday notice is not out yet)" if deadline.provisional else ""
        click.echo(
            f"Due by 24:00 on {day_label(deadline.due_date)}, China time{flag} ({due_rule})."
        )
        click.echo(f"  source: {rule.cite or rule.assumption}")
    if csv_path is not None:
        write_csv(visit_ledger_table(rows), csv_path)
        click.echo(f"wrote {csv_path}")
    elif xlsx_path is not None:
        name = rules.rules.jurisdiction.name.zh if rules is not None else jurisdiction
        title = " ".join(x for x in (name, grid, "走访台账", str(period)) if x)
        write_xlsx(visit_ledger_table(rows), xlsx_path, title=title)
        click.echo(f"wrote {xlsx_path}")
    elif rows:
        emit_table(visit_ledger_view(rows), "table", None, wide=wide, title="走访台账")


@visits_group.command("submit-ledger")
@jurisdiction_option
@click.option("--grid", required=True, help="The grid whose ledger is sent.")
@click.option(
    "--month",
    required=True,
    callback=parse_year_month,
    metavar="YYYY-MM",
    help="The month of the ledger.",
)
@click.option(
    "--role", required=True, help="The role the sender acts in (visits.ledger_submission.roles)."
)
@click.option(
    "--at",
    "at",
    callback=optional(parse_moment),
    default=None,
    help="When it was sent (ISO 8601; default now); the due day is judged against it.",
)
@click.option("--late-reason", default=None, help="Why it is recorded later than it was sent.")
@command_id_option
@json_option
@url_option
@rules_folder_option
def visits_submit_ledger(
    jurisdiction: str,
    grid: str,
    month: tuple[int, int],
    role: str,
    at: datetime | None,
    late_reason: str | None,
    command_id: str | None,
    as_json: bool,
    url: str | None,
    rules_folder: Path | None,
) -> None:
    """Record that a grid's visit ledger of a month was sent (Bijie 五(五)); the sender is --actor."""
    the_month = f"{month[0]:04d}-{month[1]:02d}"
    cid = command_id or f"cli/ledger/{jurisdiction}/{grid}/{the_month}"
    result = roster_call(
        url,
        rules_folder,
        lambda e: e.roster.submit_visit_ledger(
            jurisdiction=jurisdiction,
            grid=grid,
            month=the_month,
            role=role,
            at=at,
            late_reason=late_reason,
            command_id=cid,
        ),
    )
    if as_json:
        emit_json(
            {
                "grid": grid,
                "month": the_month,
                "aggregate_id": str(result.aggregate_id),
                "duplicate": result.duplicate,
            }
        )
        return
    said(result, f"sent grid {grid}'s ledger of {the_month}")


@visits_group.command("grid-ledger")
@jurisdiction_option
@click.option("--grid", default=None, help="Only the enterprises in this grid now.")
@output_options()
@url_option
@rules_folder_option
def visits_grid_ledger(
    jurisdiction: str,
    grid: str | None,
    fmt: str,
    output: Path | None,
    wide: bool,
    url: str | None,
    rules_folder: Path | None,
) -> None:
    """The grid ledger (网格化管理台账): each enterprise's grids, map number, responsible
    people and what its visits last found (Yingkou 三(二)1)."""
    from gridcase.interfaces.export import grid_ledger_table

    rows = roster_call(url, rules_folder, lambda e: e.grid_ledger(jurisdiction, grid), create=False)
    emit_table(grid_ledger_table(rows), fmt, output, wide=wide, title="网格化管理台账")
