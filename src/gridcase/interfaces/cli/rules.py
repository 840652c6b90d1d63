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


@rules_group.command("prove")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--examples",
    default=None,
    type=click.IntRange(min=0),
    help="Stateful examples per file (default 25).",
)
@click.option(
    "--depth",
    default=None,
    type=click.IntRange(min=1),
    help="Exploration depth in moves (default 8).",
)
@click.option(
    "--seed",
    "seed_value",
    default=None,
    type=int,
    help="Seed of the stateful test (default: derandomized).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("counterexamples"),
    show_default=True,
    help="Where counterexample scenarios are written.",
)
def rules_prove(
    files: tuple[Path, ...],
    examples: int | None,
    depth: int | None,
    seed_value: int | None,
    out: Path,
) -> None:
    """Prove rule FILES sound: explore every path to --depth and run --examples stateful
    examples on the engine. Exit 0: every file sound; 1: a violation, an unreachable
    transition or a dead end (counterexamples in --out); 2: a file is malformed."""
    from gridcase.testing.explore import DEFAULT_DEPTH
    from gridcase.testing.prove import DEFAULT_EXAMPLES, prove

    unsound = 0
    for path in files:
        try:
            report = prove(
                path,
                examples=DEFAULT_EXAMPLES if examples is None else examples,
                depth=DEFAULT_DEPTH if depth is None else depth,
                seed_value=seed_value,
                out=out,
            )
        except RuleFileError as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            raise click.exceptions.Exit(2) from None
        for line in report.lines():
            click.echo(line)
        unsound += not report.sound
    if unsound:
        raise click.exceptions.Exit(1)
