"""``gridcase report``: performance figures, compliance findings and the periodic reports,
from the ledger table."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from gridcase.interfaces.cli.common import (
    library_errors,
    open_engine,
    optional,
    parse_date,
    rules_folder_option,
    url_option,
)
from gridcase.kernel.clock import CST
from gridcase.projections.performance import DIMENSIONS

__all__ = ["report_group"]

_FORMATS = click.Choice(["table", "csv", "json", "xlsx"])


def _write(table: object, fmt: str, output: Path | None, title: str) -> None:
    from gridcase.interfaces.export import Table, csv_text, json_text, write_csv, write_xlsx

    assert isinstance(table, Table)
    if fmt == "xlsx":
        if output is None:
            raise click.UsageError("--format xlsx writes a workbook: give it --output FILE")
        write_xlsx(table, output, title=title)
        click.echo(f"wrote {output}")
    elif fmt == "json":
        click.echo(json_text(table))
    elif fmt == "csv":
        if output is not None:
            write_csv(table, output)
            click.echo(f"wrote {output}")
        else:
            sys.stdout.write(csv_text(table))
    else:
        widths = [max(len(h), 4) for h in table.headers]
        click.echo("  ".join(h.ljust(w) for h, w in zip(table.headers, widths, strict=True)))
        for values in table.values():
            click.echo(
                "  ".join(
                    ("" if v is None else str(v)).ljust(w)
                    for v, w in zip(values, widths, strict=True)
                )
            )


@click.group("report")
def report_group() -> None:
    """Performance figures and compliance findings (read from the ledger table)."""


@report_group.command("performance")
@click.option("--by", "by", type=click.Choice(DIMENSIONS), default="unit", show_default=True)
@click.option("--jurisdiction", default=None)
@click.option("--format", "fmt", type=_FORMATS, default="table", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
@url_option
@rules_folder_option
def report_performance(
    by: str,
    jurisdiction: str | None,
    fmt: str,
    output: Path | None,
    url: str | None,
    rules_folder: Path | None,
) -> None:
    """On-time, return, resolution, response and satisfaction rates; working days to resolve."""
    from gridcase.interfaces.export import performance_table

    engine = open_engine(url, rules_folder)
    try:
        with library_errors():
            rows = engine.performance(by, jurisdiction)  # type: ignore[arg-type]
    finally:
        engine.close()
    _write(performance_table(rows), fmt, output, "绩效")


@report_group.command("findings")
@click.option("--jurisdiction", default=None)
@click.option("--format", "fmt", type=_FORMATS, default="table", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
@url_option
@rules_folder_option
def report_findings(
    jurisdiction: str | None,
    fmt: str,
    output: Path | None,
    url: str | None,
    rules_folder: Path | None,
) -> None:
    """Late without a reason, missing progress reports, unanswered unsatisfied cases,
    sign-offs without a rating: each with the steps that prove it."""
    from gridcase.interfaces.export import findings_table

    engine = open_engine(url, rules_folder)
    try:
        with library_errors():
            found = engine.findings(jurisdiction)
    finally:
        engine.close()
    _write(findings_table(found), fmt, output, "问题发现")


@report_group.command("progress-due")
@click.option("--jurisdiction", default=None)
@click.option(
    "--on",
    "on",
    callback=optional(parse_date),
    default=None,
    help="The day the reports are owed (default: today); Malu's is the first working day.",
)
@click.option("--format", "fmt", type=_FORMATS, default="table", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
@url_option
@rules_folder_option
def report_progress_due(
    jurisdiction: str | None,
    on: date | None,
    fmt: str,
    output: Path | None,
    url: str | None,
    rules_folder: Path | None,
) -> None:
    """Open cases owing their monthly progress report by a day (Malu)."""
    from gridcase.interfaces.export import problem_ledger_table
    from gridcase.projections.performance import progress_reports_due

    engine = open_engine(url, rules_folder)
    try:
        with library_errors():
            day = on or engine.clock.now().astimezone(CST).date()
            rows = progress_reports_due(engine.ledger(jurisdiction), day)
    finally:
        engine.close()
    _write(problem_ledger_table(rows, labelled=True), fmt, output, "进展填报")


@report_group.command("year")
@click.option("--jurisdiction", required=True)
@click.option("--year", type=click.IntRange(2000, 2100), required=True)
@click.option("--format", "fmt", type=_FORMATS, default="table", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
@url_option
@rules_folder_option
def report_year(
    jurisdiction: str,
    year: int,
    fmt: str,
    output: Path | None,
    url: str | None,
    rules_folder: Path | None,
) -> None:
    """A year by month of receipt, the whole year, and the findings by kind (Yingkou's
    April research report)."""
    from gridcase.interfaces.export import performance_table
    from gridcase.projections.performance import FINDING_KINDS, year_view

    engine = open_engine(url, rules_folder)
    try:
        with library_errors():
            engine.known_jurisdiction(jurisdiction)
            view = year_view(engine.ledger(jurisdiction), jurisdiction, year)
    finally:
        engine.close()
    rows = [*view.months, *([view.whole_year] if view.whole_year else [])]
    _write(performance_table(rows), fmt, output, f"{year}年度")
    if fmt == "table":
        for kind, (zh, en) in FINDING_KINDS.items():
            click.echo(f"{zh} ({en}): {view.findings.get(kind, 0)}")
