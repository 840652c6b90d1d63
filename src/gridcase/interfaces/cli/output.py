"""One output convention for every command that prints records.

``--format table|csv|json|jsonl|xlsx`` and ``--output FILE`` (and ``--wide`` for the
table) mean the same on every such command: a table for people (:mod:`gridcase.interfaces.table`,
aligned by display width and never cut), CSV for spreadsheets and scripts, JSON (one
array) or JSON Lines (one object a line) for programs, XLSX for the offices (a file only:
it needs ``--output``). The files are laid out by :mod:`gridcase.interfaces.export`.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from gridcase.interfaces.export import Table

__all__ = ["FORMATS", "emit_table", "output_options", "terminal_width"]

FORMATS = ("table", "csv", "json", "jsonl", "xlsx")

F = TypeVar("F", bound=Callable[..., Any])


def output_options(default: str = "table") -> Callable[[F], F]:
    """``--format``, ``--output`` and ``--wide``, as every record-printing command takes them."""

    def decorate(f: F) -> F:
        f = click.option(
            "--wide",
            is_flag=True,
            help="Keep every value of the table on one line, however wide (default: wrap "
            "long values to the terminal's width; nothing is ever cut).",
        )(f)
        f = click.option(
            "--output",
            "-o",
            "output",
            type=click.Path(dir_okay=False, writable=True, path_type=Path),
            default=None,
            help="Write to this file instead of standard output (needed for xlsx).",
        )(f)
        return click.option(
            "--format",
            "fmt",
            type=click.Choice(FORMATS),
            default=default,
            show_default=True,
            help="table for people, csv for spreadsheets, json or jsonl for programs, "
            "xlsx for the offices (with --output).",
        )(f)

    return decorate


def terminal_width() -> int | None:
    """The terminal's width when printing to one, else None (a pipe or file: no wrapping)."""
    if not sys.stdout.isatty():
        return None
    return shutil.get_terminal_size().columns


def emit_table(table: Table, fmt: str, output: Path | None, *, wide: bool, title: str) -> None:
    """``table`` in ``fmt``, on standard output or into ``output``."""
    from gridcase.interfaces import export
    from gridcase.interfaces.cli.common import emit_output
    from gridcase.interfaces.table import render

    if fmt == "xlsx":
        if output is None:
            raise click.UsageError("--format xlsx writes a workbook: give --output FILE.xlsx")
        export.write_xlsx(table, output, title=title)
        click.echo(f"wrote {output}")
        return
    if fmt == "csv":
        if output is not None:
            export.write_csv(table, output)  # with the byte-order mark Excel needs
            click.echo(f"wrote {output}")
            return
        text = export.csv_text(table)
    elif fmt == "json":
        text = export.json_text(table) + "\n"
    elif fmt == "jsonl":
        text = export.jsonl_text(table)
    else:
        lines = render(table, width=None if output else terminal_width(), wide=wide)
        text = "".join(line + "\n" for line in lines)
    emit_output(text, output)
