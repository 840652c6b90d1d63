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
    """Fold the log into the read models' tables (the problem ledger, its unit turns)."""
    engine = open_engine(url, rules_folder)
    try:
        with library_errors():
            runner = engine.read_models(tables_url, history=history)
            bar: Any = None

            def progress(done: int, total: int) -> None:
                nonlocal bar
                if as_json:
                    return
                if bar is None:
                    bar = click.progressbar(length=total, label="projecting", file=sys.stderr)
                    bar.__enter__()
                bar.update(done - bar.pos)

            stop = threading.Event()
            if follow:
                # Before the first catch-up: a SIGTERM while it runs stops the follow
                # after it, instead of killing the process mid-batch.
                signal.signal(signal.SIGTERM, lambda *_: stop.set())
            folded = runner.rebuild(progress=progress) if rebuild else runner.catch_up()
            if bar is not None:
                bar.__exit__(None, None, None)
            if follow:
                if not as_json:
                    click.echo(f"following {engine.location.display} (Ctrl-C stops)", err=True)
                try:
                    folded += runner.follow(stop, interval=interval)
                except KeyboardInterrupt:
                    stop.set()
            position = runner.position()
        if as_json:
            emit_json({"folded": folded, "position": position, "rebuilt": rebuild})
        else:
            click.echo(f"folded {folded} event(s); the ledger is at position {position}")
    finally:
        engine.close()
