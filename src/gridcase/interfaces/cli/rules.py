"""``gridcase rules``: check, draw and list rule files, and give editors their JSON Schema."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import click

from gridcase.interfaces.cli.common import emit_output, library_errors
from gridcase.kernel.errors import RuleFileError
from gridcase.kernel.resources import rules_root
from gridcase.workflow.loader import RuleBook, load_rules

__all__ = ["rules_group"]


@click.group("rules")
def rules_group() -> None:
    """Check rule files, draw them, and export their JSON Schema."""


@rules_group.command("check")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
def rules_check(files: tuple[Path, ...]) -> None:
    """Validate rule FILES; every problem is printed with its file and line (exit 1)."""
    failed = 0
    for path in files:
        try:
            compiled = load_rules(path)
        except RuleFileError as exc:
            failed += 1
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            continue
        r = compiled.rules
        click.echo(
            f"ok {path}: {r.jurisdiction.id} version {r.version} effective {r.effective.isoformat()}, "
            f"{len(r.states)} states, {len(r.transitions)} transitions, {len(r.clocks)} clocks "
            f"(content {compiled.content_hash[:12]})"
        )
    if failed:
        raise click.exceptions.Exit(1)


@rules_group.command("diagram")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["mermaid", "dot", "svg"]),
    default="mermaid",
    show_default=True,
    help="svg needs Graphviz's dot on the PATH.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file instead of standard output.",
)
def rules_diagram(file: Path, fmt: str, output: Path | None) -> None:
    """Draw the handling path of the rule FILE (Mermaid text; DOT; SVG with Graphviz)."""
    from gridcase.workflow.diagram import to_dot, to_mermaid

    with library_errors():
        rules = load_rules(file).rules
    if fmt == "mermaid":
        data = to_mermaid(rules).encode()
    elif fmt == "dot":
        data = to_dot(rules).encode()
    else:
        dot = shutil.which("dot")
        if dot is None:
            raise click.ClickException(
                "SVG needs Graphviz: install it (apt install graphviz) or use --format mermaid"
            )
        done = subprocess.run(
            [dot, "-Tsvg"], input=to_dot(rules).encode(), capture_output=True, check=False
        )
        if done.returncode != 0:
            raise click.ClickException(
                f"dot failed: {done.stderr.decode(errors='replace').strip()}"
            )
        data = done.stdout
    emit_output(data, output)


@rules_group.command("schema")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file instead of standard output.",
)
def rules_schema(output: Path | None) -> None:
    """Print the JSON Schema of rule files (for editors that validate as you type)."""
    from gridcase.workflow.schema import rule_file_schema

    emit_output(json.dumps(rule_file_schema(), ensure_ascii=False, indent=2) + "\n", output)


@rules_group.command("list")
@click.option(
    "--rules",
    "folder",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Rules folder (default: GRIDCASE_RULES, else the bundled rules).",
)
def rules_list(folder: Path | None) -> None:
    """The rule files gridcase runs: jurisdiction, version, effective date, file."""
    with library_errors():
        book = RuleBook.from_folder(folder or rules_root())
    for compiled in book:
        r = compiled.rules
        click.echo(
            f"{r.jurisdiction.id:10} {r.version:10} effective {r.effective.isoformat()}  "
            f"{r.jurisdiction.name.zh} / {r.jurisdiction.name.en}  ({Path(compiled.source_name).name})"
        )
