"""The ``gridcase`` command line: the entry point (``gridcase = "gridcase.cli:main"``).

Commands are thin: parse the arguments at the edge (moments become aware China time),
call the library, print. Every command prints a short human answer, or one JSON object
with ``--json`` for scripts. A malformed argument exits with status 2 (click's usage
error), a refused rule or calendar file with status 1.

Each command group is a module of :mod:`gridcase.interfaces.cli`. To add one, write it
there with the ``parse_*`` callbacks, options, ``library_errors`` and ``emit_json`` of
:mod:`gridcase.interfaces.cli.common`, and add it to ``main`` below.
"""

from __future__ import annotations

import click

from gridcase.interfaces.cli.calendar import calendar_group
from gridcase.interfaces.cli.cases import cases_group
from gridcase.interfaces.cli.coverage import coverage_command
from gridcase.interfaces.cli.demo import demo_command
from gridcase.interfaces.cli.enterprises import enterprises_group
from gridcase.interfaces.cli.grids import grids_group
from gridcase.interfaces.cli.people import people_group
from gridcase.interfaces.cli.rules import rules_group
from gridcase.interfaces.cli.scenario import scenario_group
from gridcase.interfaces.cli.security import security_group
from gridcase.interfaces.cli.simulate import simulate_command
from gridcase.interfaces.cli.verify import verify_command
from gridcase.interfaces.cli.visits import visits_group

__all__ = ["main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="gridcase", prog_name="gridcase")
@click.option(
    "--actor",
    envvar="GRIDCASE_ACTOR",
    default=None,
    metavar="PERSON",
    help="Who gives roster commands (an administrator of the jurisdiction; a visitor for "
    "their own visit; an enterprise for its own liaisons). Env: GRIDCASE_ACTOR.",
)
@click.pass_context
def main(ctx: click.Context, actor: str | None) -> None:
    """gridcase: event-sourced case management for grid-based enterprise service."""
    ctx.ensure_object(dict)
    ctx.obj["actor"] = actor


for command in (
    calendar_group,
    rules_group,
    scenario_group,
    cases_group,
    enterprises_group,
    people_group,
    grids_group,
    visits_group,
    coverage_command,
    verify_command,
    security_group,
    demo_command,
    simulate_command,
):
    main.add_command(command)
