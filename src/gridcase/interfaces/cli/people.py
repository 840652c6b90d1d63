"""``gridcase people``: who may act in a jurisdiction (officers, grid chiefs, commissioners)."""

from __future__ import annotations

from pathlib import Path

import click

from gridcase.interfaces.cli.common import (
    command_id_option,
    jurisdiction_option,
    roster_call,
    rules_folder_option,
    said,
    url_option,
)

__all__ = ["people_group"]


@click.group("people")
def people_group() -> None:
    """People of a jurisdiction's roster (officers, grid chiefs, liaisons, commissioners)."""


@people_group.command("bootstrap")
@click.argument("person_id")
@jurisdiction_option
@click.option("--name", required=True, help="The administrator's name.")
@command_id_option
@url_option
@rules_folder_option
def people_bootstrap(
    person_id: str,
    jurisdiction: str,
    name: str,
    command_id: str | None,
    url: str | None,
    rules_folder: Path | None,
) -> None:
    """Name the jurisdiction's first roster administrator (once; recorded).

    Afterwards roster commands are given as an administrator: ``gridcase --actor ID …``
    or ``GRIDCASE_ACTOR=ID``; administrators add others with ``people add --role
    administrator``.
    """
    result = roster_call(
        url,
        rules_folder,
        lambda e: e.bootstrap_administrator(
            jurisdiction=jurisdiction,
            person_id=person_id,
            name=name,
            command_id=command_id or f"cli/bootstrap/{jurisdiction}",
        ),
    )
    said(result, f"{person_id} is the first administrator of {jurisdiction}")


@people_group.command("add")
@click.argument("person_id")
@jurisdiction_option
@click.option("--name", required=True, help="The name shown in ledgers and tables.")
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
    result = roster_call(
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
    said(result, f"registered {person_id} in {jurisdiction} as {', '.join(roles)}")


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
    # The new set is part of the default key: the same change twice is one change, a
    # later different change is another.
    key = "/".join([",".join(roles), ",".join(units), rank or ""])
    result = roster_call(
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
    said(result, f"{person_id} in {jurisdiction} now acts as {', '.join(roles)}")


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
    result = roster_call(
        url,
        rules_folder,
        lambda e: e.roster.deactivate_person(
            jurisdiction=jurisdiction,
            person_id=person_id,
            reason=reason,
            command_id=command_id or f"cli/person-off/{jurisdiction}/{person_id}",
        ),
    )
    said(result, f"{person_id} no longer acts in {jurisdiction}")
