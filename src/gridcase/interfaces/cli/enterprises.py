"""``gridcase enterprises``: the enterprise registry, its imports, grids, officers and liaisons."""

from __future__ import annotations

import hashlib
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from gridcase.domain.enterprise import ScopeEntry, ScopeExit
from gridcase.interfaces.cli.common import (
    FOUND,
    command_id_option,
    emit_json,
    json_option,
    jurisdiction_option,
    library_errors,
    on_option,
    opened,
    optional,
    parse_date,
    roster_call,
    rules_folder_option,
    said,
    session_actor,
    url_option,
)

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar

    from gridcase.application.engine import Engine
    from gridcase.application.importer import ImportRefused

__all__ = ["enterprises_group"]


@click.group("enterprises")
def enterprises_group() -> None:
    """The enterprise registry: import a roster, add one, change its scope, grid or officer."""


@enterprises_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@jurisdiction_option
@click.option("--valid-only", is_flag=True, help="Import the valid rows even if some rows are bad.")
@click.option(
    "--in-scope-from",
    "since",
    callback=optional(parse_date),
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
    from gridcase.application.importer import ImportRefused, import_roster

    digest = hashlib.sha256(file.read_bytes()).hexdigest()[:24]
    cid = command_id or f"cli/import/{jurisdiction}/{digest}"
    bars: dict[str, ProgressBar[int]] = {}
    shown: dict[str, int] = {}

    def progress(stage: str, done: int, total: int) -> None:
        # A bar only where a person waits for one: not for scripts, nor a small file.
        if as_json or stage == "read" or total < 2000:
            return
        if stage not in bars:
            label = "validating" if stage == "validate" else "saving"
            bar = click.progressbar(length=total, label=label, file=sys.stderr)
            bar.__enter__()
            bars[stage] = bar
            shown[stage] = 0
        bars[stage].update(done - shown[stage])
        shown[stage] = done
        if done >= total:
            bars[stage].__exit__(None, None, None)

    with opened(url, rules_folder, create=True) as engine, library_errors():
        try:
            report = import_roster(
                engine,
                file,
                jurisdiction=jurisdiction,
                command_id=cid,
                in_scope_from=since,
                valid_only=valid_only,
                batch_size=batch_size,
                progress=progress,
                actor=session_actor(),
            )
        except ImportRefused as refused:
            _say_refused(refused, as_json)
            raise SystemExit(1) from None
    if as_json:
        emit_json(report.to_dict())
    elif report.duplicate:
        click.echo(
            f"import {cid} was carried out before: nothing new "
            f"({report.already_there} row(s) already there)."
        )
    else:
        for p in report.problems:
            click.echo(f"skipped {p}", err=True)
        click.echo(
            f"imported {report.imported} of {report.rows} row(s) into {jurisdiction} in "
            f"{report.batches} batch(es)."
            + (
                f" {report.already_there} were already there (resumed)."
                if report.already_there
                else ""
            )
        )
        if report.ignored_columns:
            click.echo(f"ignored columns: {', '.join(report.ignored_columns)}")
    if report.problems:
        raise click.exceptions.Exit(FOUND)  # rows were skipped (docs/cli.md)


def _say_refused(refused: ImportRefused, as_json: bool) -> None:
    """Every bad row, so that the file can be mended in one go (exit 1, nothing written)."""
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
        return
    for p in refused.problems:
        click.echo(str(p), err=True)
    click.echo(
        f"{len({p.line for p in refused.problems})} of {refused.rows} row(s) are bad; "
        "nothing was imported (--valid-only imports the others).",
        err=True,
    )


@enterprises_group.command("add")
@click.argument("credit_code")
@jurisdiction_option
@click.option("--name", required=True, help="The registered name (企业名称).")
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
    help="Why the enterprise enters the service scope.",
)
@click.option("--tier", default=None, help="A tier of the rule file (e.g. town_key).")
@click.option("--industry", default=None, help="Industry (行业).")
@click.option("--location", default=None, help="Address or park (地址).")
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
    result = roster_call(
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
    said(
        result,
        f"registered {credit_code.strip().upper()} in {jurisdiction}, in scope from {since.isoformat()}",
    )


@enterprises_group.command("leave")
@click.argument("credit_code")
@jurisdiction_option
@on_option
@click.option(
    "--basis",
    type=click.Choice(["moved_out", "deregistered", "delisted"]),
    required=True,
    help="Why it leaves: moved out (迁出), deregistered (注销) or delisted.",
)
@click.option("--reason", required=True, help="The reason in words, for the record.")
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
    result = roster_call(
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
    said(
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

    def call(e: Engine) -> None:
        # Already in the grid: nothing to record, and no refusal for asking twice.
        if grid is not None:
            ent = e.roster.enterprise(jurisdiction, code)
            if not any(s.holder == grid for s in ent.open_grids()):
                said(
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
            said(
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

    roster_call(url, rules_folder, call)


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
    result = roster_call(
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
    said(
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
    result = roster_call(
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
    said(result, f"{liaison_id} no longer acts for {code} in {jurisdiction}")


@enterprises_group.command("contact")
@click.argument("credit_code")
@jurisdiction_option
@click.option("--name", required=True, help="The contact person's name.")
@click.option("--phone", default=None, help="The contact person's phone (kept sealed).")
@click.option("--email", default=None, help="The contact person's e-mail (kept sealed).")
@command_id_option
@url_option
@rules_folder_option
def enterprises_contact(
    credit_code: str,
    jurisdiction: str,
    name: str,
    phone: str | None,
    email: str | None,
    command_id: str | None,
    url: str | None,
    rules_folder: Path | None,
) -> None:
    """Record the enterprise's contact person, sealed with the enterprise's own key."""
    code = credit_code.strip().upper()
    result = roster_call(
        url,
        rules_folder,
        lambda e: e.roster.record_contact(
            jurisdiction=jurisdiction,
            credit_code=code,
            name=name,
            phone=phone,
            email=email,
            command_id=command_id or f"cli/contact/{jurisdiction}/{code}/{name}",
        ),
        create=False,
    )
    said(result, f"{code}'s contact recorded (sealed)")


@enterprises_group.command("erase")
@click.argument("credit_code")
@jurisdiction_option
@click.option(
    "--reason", required=True, help="Why (e.g. the enterprise's request under PIPL art. 47)."
)
@command_id_option
@url_option
@rules_folder_option
def enterprises_erase(
    credit_code: str,
    jurisdiction: str,
    reason: str,
    command_id: str | None,
    url: str | None,
    rules_folder: Path | None,
) -> None:
    """Erase the enterprise's personal data: its key is destroyed; the log and its chain stay."""
    code = credit_code.strip().upper()
    result = roster_call(
        url,
        rules_folder,
        lambda e: e.roster.erase_personal_data(
            jurisdiction=jurisdiction,
            credit_code=code,
            reason=reason,
            command_id=command_id or f"cli/erase/{jurisdiction}/{code}",
        ),
        create=False,
    )
    said(result, f"{code}'s personal data erased; sealed values now read [erased]")
