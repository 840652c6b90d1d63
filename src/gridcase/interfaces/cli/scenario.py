"""``gridcase scenario``: case histories with expectations, run in simulated time."""

from __future__ import annotations

import json
from pathlib import Path

import click

from gridcase.interfaces.cli.common import emit_output
from gridcase.kernel.errors import RuleFileError

__all__ = ["scenario_group"]


@click.group("scenario")
def scenario_group() -> None:
    """Run scenario tests: case histories with expectations, in simulated time."""


@scenario_group.command("run")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--rules",
    "rules_folder",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Folder of rule files for 'rules: <jurisdiction>'; default: two levels above each scenario.",
)
@click.option(
    "--junit",
    "junit_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write a JUnit XML report here (one test case per scenario).",
)
@click.option(
    "--quiet", "-q", is_flag=True, help="One line per scenario, and the diff of failures."
)
@click.option(
    "--coverage",
    "show_coverage",
    is_flag=True,
    help="Report the states, transitions, when branches, guard refusals and clock effects "
    "of each rule file the scenarios exercised.",
)
@click.option(
    "--coverage-json",
    "coverage_json",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the coverage as JSON here (for CI).",
)
def scenario_run(
    paths: tuple[Path, ...],
    rules_folder: Path | None,
    junit_path: Path | None,
    quiet: bool,
    show_coverage: bool,
    coverage_json: Path | None,
) -> None:
    """Run scenario FILES (a directory: every *.yaml below it, sorted).

    Exit status: 0 when every scenario passes, 1 when one fails, 2 when a scenario (or
    the rule file it names) is malformed; then nothing runs.
    """
    from gridcase.interfaces.scenarios import (
        format_result,
        format_summary,
        junit_xml,
        load_scenarios,
    )
    from gridcase.interfaces.scenarios.coverage import ScenarioCoverage
    from gridcase.interfaces.scenarios.report import junit_xml_for_problems
    from gridcase.interfaces.scenarios.runner import run_loaded

    try:
        loaded = load_scenarios(paths, rules_folder=rules_folder)
    except RuleFileError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        if junit_path is not None:
            junit_path.write_text(junit_xml_for_problems(exc.problems), encoding="utf-8")
        click.echo(f"{len(exc.problems)} problem(s); no scenario was run.", err=True)
        raise click.exceptions.Exit(2) from None
    if not loaded:
        raise click.UsageError("no scenario files (*.yaml) found")
    results = []
    coverage = ScenarioCoverage() if show_coverage or coverage_json is not None else None
    for scenario in loaded:
        result = run_loaded(scenario, coverage=coverage)
        results.append(result)
        for line in format_result(result, quiet=quiet):
            click.echo(line)
        if not quiet:
            click.echo("")
    click.echo(format_summary(results))
    if coverage is not None and show_coverage:
        for line in coverage.lines():
            click.echo(line)
    if coverage is not None and coverage_json is not None:
        coverage_json.write_text(
            json.dumps(coverage.to_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    if junit_path is not None:
        junit_path.write_text(junit_xml(results), encoding="utf-8")
    if not all(r.passed for r in results):
        raise click.exceptions.Exit(1)


@scenario_group.command("schema")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file instead of standard output.",
)
def scenario_schema_command(output: Path | None) -> None:
    """Print the JSON Schema of scenario files (for editors that validate as you type)."""
    from gridcase.interfaces.scenarios import scenario_schema

    emit_output(json.dumps(scenario_schema(), ensure_ascii=False, indent=2) + "\n", output)
