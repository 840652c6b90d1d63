"""``gridcase project``: keep the read models' SQL tables up to date with the log.

``--rebuild`` empties the tables and folds the whole log again (with a progress bar);
``--follow`` keeps folding what is recorded until interrupted (a separate process
beside the portal); without either it catches up once and says how far it got.
"""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from typing import Any

import click

from gridcase.interfaces.cli.common import (
    emit_json,
    json_option,
    library_errors,
    open_engine,
    rules_folder_option,
    url_option,
)

__all__ = ["project_command"]


@click.command("project")
@click.option("--rebuild", is_flag=True, help="Empty the tables and fold the log from position 0.")
@click.option("--follow", is_flag=True, help="Keep folding new events until interrupted.")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.05),
    default=1.0,
    show_default=True,
    help="With --follow: seconds between looks at the log.",
)
@click.option(
    "--tables-url",
    default=None,
    help="Write the tables into this database (a SQLAlchemy URL) instead of the store's.",
)
@click.option(
    "--history/--no-history",
    default=None,
    help="Keep (or stop keeping) every version of every ledger row, so --as-of is one "
    "query; changing it refolds the ledger. Left out: as the tables were.",
)
@json_option
@url_option
@rules_folder_option
def project_command(
    rebuild: bool,
    follow: bool,
    interval: float,
    tables_url: str | None,
    history: bool | None,
    as_json: bool,
    url: str | None,
    rules_folder: Path | None,
) -> None:
    """Fold the log into the read models' tables (the problem ledger, its unit turns, the
    visit ledger, the grid ledger and the ledger submissions)."""
    engine = open_engine(url, rules_folder)
    try:
        with library_errors():
            stop = threading.Event()
            if follow:  # before the first catch-up: a SIGTERM during it stops cleanly too
                signal.signal(signal.SIGTERM, lambda *_: stop.set())
            runners = [
                engine.read_models(tables_url, history=history),
                engine.visit_books.runner(tables_url),
            ]
            bar: Any = None

            def progress(done: int, total: int) -> None:
                nonlocal bar
                if as_json:
                    return
                if bar is None:
                    bar = click.progressbar(length=total, label="projecting", file=sys.stderr)
                    bar.__enter__()
                bar.update(done - bar.pos)

            folded_by: dict[str, int] = {}
            for runner in runners:
                done = runner.rebuild(progress=progress) if rebuild else runner.catch_up()
                folded_by[runner.view.projection] = done
                if bar is not None:
                    bar.__exit__(None, None, None)
                    bar = None
            folded = sum(folded_by.values())
            if follow:
                if not as_json:
                    click.echo(f"following {engine.location.display} (Ctrl-C stops)", err=True)
                try:
                    while not stop.is_set():
                        folded += sum(runner.catch_up() for runner in runners)
                        stop.wait(interval)
                except KeyboardInterrupt:
                    stop.set()
            positions = {runner.view.projection: runner.position() for runner in runners}
            position = runners[0].position()
        if as_json:
            emit_json(
                {
                    "folded": folded,
                    "folded_by": folded_by,
                    "position": position,
                    "positions": positions,
                    "rebuilt": rebuild,
                }
            )
        else:
            click.echo(f"folded {folded} event(s); the ledger is at position {position}")
    finally:
        engine.close()
