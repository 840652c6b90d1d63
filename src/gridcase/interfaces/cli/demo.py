"""``gridcase demo``: six weeks of Malu's demand handling, recorded into a store and printed."""

from __future__ import annotations

from pathlib import Path

import click

from gridcase.application.engine import Engine
from gridcase.interfaces.cli.common import events_recorded, library_errors
from gridcase.storage.url import parse_url

__all__ = ["demo_command"]


@click.command("demo")
@click.option(
    "--url",
    default=None,
    help="Store URL (default: GRIDCASE_URL, else sqlite:///gridcase.db here).",
)
@click.option("--fresh", is_flag=True, help="Delete the SQLite store first and start over.")
def demo_command(url: str | None, fresh: bool) -> None:
    """Six weeks of Malu's demand handling, recorded and printed: the ledger and one case's history."""
    from gridcase.interfaces.demo import FIRST_COMMAND, demo_clock, run_demo

    with library_errors():
        location = parse_url(url)
    db = location.env.get("SQLITE_DBNAME")
    if fresh:
        if location.kind != "sqlite" or db is None or db.startswith("file:"):
            raise click.UsageError("--fresh deletes a SQLite file; for other stores use a new URL")
        for suffix in ("", "-wal", "-shm"):
            Path(db + suffix).unlink(missing_ok=True)
    clock = demo_clock()
    with library_errors():
        engine = Engine(url, clock=clock)
    try:
        # The demo is rerun freely into its own store, but never mixed into someone's records.
        stored = events_recorded(engine)
        if stored and not engine.carried_out(FIRST_COMMAND):
            raise click.ClickException(
                f"{location.display} already holds other records ({stored} events), so the demo will not "
                "add to it: run it with --fresh to start over, or with --url sqlite:///demo.db elsewhere"
            )
        click.echo(
            "gridcase demo: Malu Town, Jiading, Shanghai (嘉马府发〔2023〕62号 section 六), "
            f"15 September - 31 October 2025, on {location.display}"
        )
        with library_errors():
            result = run_demo(engine, clock, echo=click.echo)
    finally:
        engine.close()
    if result.rerun:
        click.echo(
            f"{location.display} already held this demo: every command was recognised by its command id "
            f"and nothing was written twice ({result.steps_written} new steps). Use --fresh to start over."
        )
    else:
        click.echo(
            f"Recorded {result.steps_written} case steps (and the roster and visits) in {location.display}."
        )
    click.echo(
        f"Next: gridcase cases list{' --url ' + url if url else ''}   |   gridcase cases show {result.cases['A']}"
    )
