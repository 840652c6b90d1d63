"""``gridcase coverage``: which enterprises, or grids, were not visited as the rules require."""

from __future__ import annotations

from pathlib import Path

import click

from gridcase.interfaces.cli.common import (
    FOUND,
    emit_json,
    json_option,
    jurisdiction_option,
    parse_year_month,
    roster_call,
    rules_folder_option,
    url_option,
)
from gridcase.projections.coverage import CoverageReport, GridCoverageReport

__all__ = ["coverage_command"]


@click.command("coverage")
@jurisdiction_option
@click.option(
    "--month",
    callback=parse_year_month,
    required=True,
    metavar="YYYY-MM",
    help="The month whose visits count, YYYY-MM.",
)
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
    """Which enterprises (or, for a cadence per grid, which grids) were not visited as required (docs/roster.md).

    Exit status 1 when any was missed (docs/cli.md)."""
    report = roster_call(
        url, rules_folder, lambda e: e.roster.coverage(jurisdiction, month, grid), create=False
    )
    _print(report, jurisdiction, grid, as_json)
    if report.missed:
        # A check that found something: a script (or a cron mail) sees it without parsing.
        raise click.exceptions.Exit(FOUND)


def _print(
    report: CoverageReport | GridCoverageReport, jurisdiction: str, grid: str | None, as_json: bool
) -> None:
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
    else:
        _echo_enterprise_coverage(report)


def _echo_enterprise_coverage(report: CoverageReport) -> None:
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
