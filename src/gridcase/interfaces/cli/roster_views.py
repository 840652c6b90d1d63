"""``gridcase people|grids|enterprises|visits list|show``: the roster as it stands on a day.

The groups themselves (and their commands that change the roster) live in their own
modules; the reading commands are added to them here, all alike: ``list`` with filters
and the output convention of :mod:`gridcase.interfaces.cli.output`, ``show`` one record in
full (``--json`` for programs). An unknown jurisdiction is bad input (exit 2), a record
that is not there is ``NotFound`` (exit 1).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import click

from gridcase.application.engine import Engine
from gridcase.calendar import to_cst
from gridcase.interfaces.cli.common import (
    emit_json,
    jurisdiction_option,
    optional,
    parse_date,
    require_jurisdiction,
    roster_call,
    rules_folder_option,
    url_option,
)
from gridcase.interfaces.cli.enterprises import enterprises_group
from gridcase.interfaces.cli.grids import grids_group
from gridcase.interfaces.cli.output import emit_table, output_options
from gridcase.interfaces.cli.people import people_group
from gridcase.interfaces.cli.visits import visits_group
from gridcase.interfaces.export import Table

__all__ = ["enterprises_list", "grids_list", "people_list", "visits_list"]

_on_option = click.option(
    "--on",
    "on",
    callback=optional(parse_date),
    default=None,
    help="The day whose memberships, responsibilities and scope count (default: today, China time).",
)


def _today(engine: Engine, on: date | None) -> date:
    return on if on is not None else to_cst(engine.clock.now()).date()


def _listed(
    url: str | None,
    rules_folder: Path | None,
    jurisdiction: str,
    build: Callable[[Engine], Table],
    fmt: str,
    output: Path | None,
    wide: bool,
    title: str,
) -> None:
    def call(engine: Engine) -> Table:
        require_jurisdiction(engine, jurisdiction)
        return build(engine)

    table = roster_call(url, rules_folder, call)
    emit_table(table, fmt, output, wide=wide, title=f"{jurisdiction} {title}")


def _shown(record: Mapping[str, Any], as_json: bool) -> None:
    if as_json:
        emit_json(record)
        return
    width = max(len(k) for k in record)
    for key, value in record.items():
        if isinstance(value, list | tuple):
            click.echo(f"{key:<{width}}  {len(value)}")
            for item in value:
                if isinstance(item, Mapping):
                    item = "  ".join(f"{k}={v}" for k, v in item.items() if v is not None)
                click.echo(f"{'':<{width}}  - {item}")
        elif isinstance(value, Mapping):
            click.echo(f"{key:<{width}}")
            for k, v in value.items():
                click.echo(f"{'':<{width}}  {k}: {v}")
        else:
            click.echo(f"{key:<{width}}  {'-' if value is None else value}")


_json_flag = click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")


# -- people ---------------------------------------------------------------------------------


@people_group.command("list")
@jurisdiction_option
@click.option("--role", default=None, help="Only people holding this role.")
@click.option("--unit", default=None, help="Only people of this unit (department).")
@click.option("--grid", default=None, help="Only the team of this grid on the day.")
@click.option("--inactive", is_flag=True, help="Include people taken off the roster.")
@_on_option
@output_options()
@url_option
@rules_folder_option
def people_list(
    jurisdiction: str,
    role: str | None,
    unit: str | None,
    grid: str | None,
    inactive: bool,
    on: date | None,
    fmt: str,
    output: Path | None,
    wide: bool,
    url: str | None,
    rules_folder: Path | None,
) -> None:
    """The people of a jurisdiction, their roles, units, grids and enterprises."""
    from gridcase.interfaces.roster_tables import people_table

    _listed(
        url,
        rules_folder,
        jurisdiction,
        lambda e: people_table(
            e.roster.view(),
            jurisdiction,
            _today(e, on),
            role=role,
            unit=unit,
            grid=grid,
            inactive=inactive,
        ),
        fmt,
        output,
        wide,
        "人员",
    )


@people_group.command("show")
@click.argument("person_id")
@jurisdiction_option
@_on_option
@_json_flag
@url_option
@rules_folder_option
def people_show(
    person_id: str,
    jurisdiction: str,
    on: date | None,
    as_json: bool,
    url: str | None,
    rules_folder: Path | None,
) -> None:
    """One person: roles, units, grids, and everything they answered for."""
    from gridcase.interfaces.roster_tables import person_record

    def call(e: Engine) -> dict[str, object]:
        person = e.roster.person(jurisdiction, person_id)
        return person_record(e.roster.view(), person, _today(e, on))

    _shown(roster_call(url, rules_folder, call), as_json)


# -- grids ----------------------------------------------------------------------------------


@grids_group.command("list")
@jurisdiction_option
@click.option("--unit", default=None, help="Only grids run by this unit.")
@click.option("--kind", default=None, help="Only grids of this kind (e.g. horizontal).")
@_on_option
@output_options()
@url_option
@rules_folder_option
def grids_list(
    jurisdiction: str,
    unit: str | None,
    kind: str | None,
    on: date | None,
    fmt: str,
    output: Path | None,
    wide: bool,
    url: str | None,
    rules_folder: Path | None,
) -> None:
    """The grids of a jurisdiction, their teams and how many enterprises each holds."""
    from gridcase.interfaces.roster_tables import grids_table

    _listed(
        url,
        rules_folder,
        jurisdiction,
        lambda e: grids_table(e.roster.view(), jurisdiction, _today(e, on), unit=unit, kind=kind),
        fmt,
        output,
        wide,
        "网格",
    )


@grids_group.command("show")
@click.argument("grid_id")
@jurisdiction_option
@_on_option
@_json_flag
@url_option
@rules_folder_option
def grids_show(
    grid_id: str,
    jurisdiction: str,
    on: date | None,
    as_json: bool,
    url: str | None,
    rules_folder: Path | None,
) -> None:
    """One grid: its team over time and its enterprises on the day."""
    from gridcase.interfaces.roster_tables import grid_record

    def call(e: Engine) -> dict[str, object]:
        grid = e.roster.grid(jurisdiction, grid_id)
        return grid_record(e.roster.view(), grid, _today(e, on))

    _shown(roster_call(url, rules_folder, call), as_json)


# -- enterprises ----------------------------------------------------------------------------


@enterprises_group.command("list")
@jurisdiction_option
@click.option("--grid", default=None, help="Only enterprises in this grid on the day.")
@click.option(
    "--responsible", default=None, help="Only enterprises this person answers for on the day."
)
@click.option(
    "--scope",
    type=click.Choice(["in", "out", "all"]),
    default="in",
    show_default=True,
    help="In the service scope (在册) on the day, out of it, or all.",
)
@_on_option
@output_options()
@url_option
@rules_folder_option
def enterprises_list(
    jurisdiction: str,
    grid: str | None,
    responsible: str | None,
    scope: str,
    on: date | None,
    fmt: str,
    output: Path | None,
    wide: bool,
    url: str | None,
    rules_folder: Path | None,
) -> None:
    """The enterprises of a jurisdiction: scope, grids and who answers for each."""
    from gridcase.interfaces.roster_tables import enterprises_table

    _listed(
        url,
        rules_folder,
        jurisdiction,
        lambda e: enterprises_table(
            e.roster.view(),
            jurisdiction,
            _today(e, on),
            grid=grid,
            responsible=responsible,
            scope=scope,
        ),
        fmt,
        output,
        wide,
        "企业",
    )


@enterprises_group.command("show")
@click.argument("credit_code")
@jurisdiction_option
@_on_option
@_json_flag
@url_option
@rules_folder_option
def enterprises_show(
    credit_code: str,
    jurisdiction: str,
    on: date | None,
    as_json: bool,
    url: str | None,
    rules_folder: Path | None,
) -> None:
    """One enterprise: scope history, grids, responsibles, liaison ids and visits (no
    personal data: ``enterprises contact`` reads that, and logs it)."""
    from gridcase.interfaces.roster_tables import enterprise_record

    def call(e: Engine) -> dict[str, object]:
        found = e.roster.enterprise(jurisdiction, credit_code)
        return enterprise_record(e.roster.view(), found, _today(e, on))

    _shown(roster_call(url, rules_folder, call), as_json)


# -- visits ---------------------------------------------------------------------------------


@visits_group.command("list")
@jurisdiction_option
@click.option(
    "--from", "first", callback=optional(parse_date), default=None, help="First day, YYYY-MM-DD."
)
@click.option(
    "--to", "last", callback=optional(parse_date), default=None, help="Last day, YYYY-MM-DD."
)
@click.option("--enterprise", default=None, help="Only visits to this credit code.")
@click.option("--visitor", default=None, help="Only visits by this person.")
@click.option("--grid", default=None, help="Only visits to enterprises in this grid that day.")
@output_options()
@url_option
@rules_folder_option
def visits_list(
    jurisdiction: str,
    first: date | None,
    last: date | None,
    enterprise: str | None,
    visitor: str | None,
    grid: str | None,
    fmt: str,
    output: Path | None,
    wide: bool,
    url: str | None,
    rules_folder: Path | None,
) -> None:
    """The visits of a jurisdiction, oldest first (the monthly ledger is ``visits ledger``)."""
    from gridcase.interfaces.roster_tables import visits_table

    _listed(
        url,
        rules_folder,
        jurisdiction,
        lambda e: visits_table(
            e.roster.view(),
            jurisdiction,
            first=first,
            last=last,
            enterprise=enterprise,
            visitor=visitor,
            grid=grid,
        ),
        fmt,
        output,
        wide,
        "走访",
    )


@visits_group.command("show")
@click.argument("visit_id")
@jurisdiction_option
@_json_flag
@url_option
@rules_folder_option
def visits_show(
    visit_id: str,
    jurisdiction: str,
    as_json: bool,
    url: str | None,
    rules_folder: Path | None,
) -> None:
    """One visit: when, by whom, its findings, evidence references and the cases raised."""
    from gridcase.interfaces.roster_tables import visit_record

    _shown(
        roster_call(
            url, rules_folder, lambda e: visit_record(e.roster.visit(jurisdiction, visit_id))
        ),
        as_json,
    )
