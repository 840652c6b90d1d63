"""``gridcase report``: performance figures, compliance findings and the periodic reports,
from the ledger table."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from gridcase.application.engine import Engine
from gridcase.interfaces.cli.common import (
    optional,
    parse_date,
    roster_call,
    rules_folder_option,
    url_option,
)
from gridcase.interfaces.cli.output import emit_table, output_options
from gridcase.kernel.clock import CST
from gridcase.projections.ledger import LedgerRow
from gridcase.projections.performance import DIMENSIONS, YearView

__all__ = ["report_group"]


@click.group("report")
def report_group() -> None:
    """Performance figures and compliance findings (read from the ledger table)."""


@report_group.command("performance")
@click.option(
    "--by",
    "by",
    type=click.Choice(DIMENSIONS),
    default="unit",
    show_default=True,
    help="What each row is: a unit, an officer, a month or a jurisdiction.",
)
@click.option("--jurisdiction", default=None, help="Only this jurisdiction (default: all).")
@output_options()
@url_option
@rules_folder_option
def report_performance(
    by: str,
    jurisdiction: str | None,
    fmt: str,
    output: Path | None,
    wide: bool,
    url: str | None,
    rules_folder: Path | None,
) -> None:
    """On-time, return, resolution, response and satisfaction rates; working days to resolve."""
    from gridcase.interfaces.export import performance_table

    rows = roster_call(
        url,
        rules_folder,
        lambda e: e.performance(by, jurisdiction),  # type: ignore[arg-type]
        create=False,
    )
    emit_table(performance_table(rows), fmt, output, wide=wide, title="绩效")


@report_group.command("findings")
@click.option("--jurisdiction", default=None, help="Only this jurisdiction (default: all).")
@output_options()
@url_option
@rules_folder_option
def report_findings(
    jurisdiction: str | None,
    fmt: str,
    output: Path | None,
    wide: bool,
    url: str | None,
    rules_folder: Path | None,
) -> None:
    """Late without a reason, missing progress reports, unanswered unsatisfied cases,
    sign-offs without a rating (each with the steps that prove it); enterprises or grids
    not visited on cadence, ledgers not sent by their due day or sent late (each with the
    events that prove it)."""
    from gridcase.interfaces.export import findings_table

    found = roster_call(url, rules_folder, lambda e: e.findings(jurisdiction), create=False)
    emit_table(findings_table(found), fmt, output, wide=wide, title="问题发现")


@report_group.command("progress-due")
@click.option("--jurisdiction", default=None, help="Only this jurisdiction (default: all).")
@click.option(
    "--on",
    "on",
    callback=optional(parse_date),
    default=None,
    help="The day the reports are owed (default: today); Malu's is the first working day.",
)
@output_options()
@url_option
@rules_folder_option
def report_progress_due(
    jurisdiction: str | None,
    on: date | None,
    fmt: str,
    output: Path | None,
    wide: bool,
    url: str | None,
    rules_folder: Path | None,
) -> None:
    """Open cases owing their monthly progress report by a day (Malu)."""
    from gridcase.interfaces.export import problem_ledger_table
    from gridcase.projections.performance import progress_reports_due

    def due(e: Engine) -> list[LedgerRow]:
        day = on or e.clock.now().astimezone(CST).date()
        return progress_reports_due(e.ledger(jurisdiction), day)

    rows = roster_call(url, rules_folder, due, create=False)
    emit_table(problem_ledger_table(rows, labelled=True), fmt, output, wide=wide, title="进展填报")


@report_group.command("year")
@click.option("--jurisdiction", required=True, help="The jurisdiction (e.g. malu).")
@click.option(
    "--year", type=click.IntRange(2000, 2100), required=True, help="The calendar year, YYYY."
)
@output_options()
@url_option
@rules_folder_option
def report_year(
    jurisdiction: str,
    year: int,
    fmt: str,
    output: Path | None,
    wide: bool,
    url: str | None,
    rules_folder: Path | None,
) -> None:
    """A year by month of receipt, the whole year, and the findings by kind (Yingkou's
    April research report)."""
    from gridcase.interfaces.export import performance_table
    from gridcase.projections.performance import FINDING_KINDS, year_view

    def of_year(e: Engine) -> YearView:
        e.known_jurisdiction(jurisdiction)
        return year_view(e.ledger(jurisdiction), jurisdiction, year)

    view = roster_call(url, rules_folder, of_year, create=False)
    rows = [*view.months, *([view.whole_year] if view.whole_year else [])]
    emit_table(performance_table(rows), fmt, output, wide=wide, title=f"{year}年度")
    if fmt == "table":
        for kind, (zh, en) in FINDING_KINDS.items():
            click.echo(f"{zh} ({en}): {view.findings.get(kind, 0)}")
