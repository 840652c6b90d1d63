"""``gridcase grids``: grids (网格) and the people in their teams."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from gridcase.interfaces.cli.common import (
    command_id_option,
    jurisdiction_option,
    on_option,
    roster_call,
    rules_folder_option,
    said,
    url_option,
)

__all__ = ["grids_group"]


@click.group("grids")
def grids_group() -> None:
    """Grids (网格) and their teams."""


@grids_group.command("add")
@click.argument("grid_id")
@jurisdiction_option
@click.option("--kind", required=True, help="A grid kind of the rule file (roster.grid_kinds).")
@click.option("--name", required=True, help="The name shown in ledgers and tables.")
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
    result = roster_call(
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
    said(result, f"registered grid {grid_id} ({kind}) in {jurisdiction}")


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
    result = roster_call(
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
    said(result, f"{person_id} is {position} of grid {grid_id} from {on.isoformat()}")
