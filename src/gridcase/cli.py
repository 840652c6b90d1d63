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

import os
import sys
from pathlib import Path

import click

import gridcase.interfaces.cli.roster_views  # noqa: F401  (adds list and show to the roster groups)
from gridcase.interfaces.cli.calendar import calendar_group
from gridcase.interfaces.cli.cases import cases_group
from gridcase.interfaces.cli.common import Settings, show_logs
from gridcase.interfaces.cli.coverage import coverage_command
from gridcase.interfaces.cli.demo import demo_command
from gridcase.interfaces.cli.enterprises import enterprises_group
from gridcase.interfaces.cli.grids import grids_group
from gridcase.interfaces.cli.init import init_command
from gridcase.interfaces.cli.people import people_group
from gridcase.interfaces.cli.project import project_command
from gridcase.interfaces.cli.report import report_group
from gridcase.interfaces.cli.rules import rules_group
from gridcase.interfaces.cli.scenario import scenario_group
from gridcase.interfaces.cli.security import security_group
from gridcase.interfaces.cli.verify import verify_command
from gridcase.interfaces.cli.visits import visits_group

__all__ = ["main"]


class _Gridcase(click.Group):
    """The root group: a reader that stops reading (``gridcase … | head``) is no failure."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            # The reader has what it wanted. Point standard output at nothing, so that the
            # interpreter's last flush does not fail again, and end with status 0.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise click.exceptions.Exit(0) from None


@click.group(cls=_Gridcase, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="gridcase", prog_name="gridcase")
@click.option(
    "--url",
    default=None,
    help="Store URL for every command (default: GRIDCASE_URL, else sqlite:///gridcase.db).",
)
@click.option(
    "--rules",
    "rules_folder",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Rules folder for every command (default: GRIDCASE_RULES, else the bundled rules).",
)
@click.option(
    "--verbose",
    "-v",
    count=True,
    help="Show what the library does on standard error: -v commands, clocks and imports; "
    "-vv every detail.",
)
@click.option(
    "--actor",
    envvar="GRIDCASE_ACTOR",
    default=None,
    help="Who is at the keyboard: the person id roster commands are given as (an "
    "administrator; a visitor for their own visit; an enterprise for its own liaisons). "
    "Default: GRIDCASE_ACTOR.",
)
@click.option(
    "--debug", is_flag=True, help="Show a refusal's or a fault's traceback, not one line."
)
@click.pass_context
def main(
    ctx: click.Context,
    url: str | None,
    rules_folder: Path | None,
    verbose: int,
    actor: str | None,
    debug: bool,
) -> None:
    """gridcase: event-sourced case management for grid-based enterprise service.

    Options before the command apply to every command; see docs/cli.md for the output
    formats and the exit statuses.
    """
    ctx.obj = Settings(url=url, rules_folder=rules_folder, verbose=verbose, actor=actor)
    show_logs(verbose)


for command in (
    init_command,
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
    project_command,
    report_group,
    security_group,
    demo_command,
):
    main.add_command(command)
