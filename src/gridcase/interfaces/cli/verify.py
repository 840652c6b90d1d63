"""``gridcase verify``: prove a store holds what gridcase wrote, and that its log only grew.

Exit status: 0 the store verifies; 1 something is wrong (each finding printed, the first
first, with its position and kind); 2 a usage error (a bad URL, an unreadable
checkpoint file). A checkpoint is written only after a clean verification.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from gridcase.interfaces.cli.common import (
    emit_json,
    json_option,
    library_errors,
    open_engine,
    url_option,
)
from gridcase.storage.verify import Checkpoint

__all__ = ["verify_command"]


@click.command("verify")
@click.option(
    "--from",
    "since",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="A checkpoint written earlier: prove the log only grew since (the whole log is checked too).",
)
@click.option(
    "--checkpoint",
    "checkpoint_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="After a clean verification, write the head (position, hash, time) to this file.",
)
@json_option
@url_option
def verify_command(
    since: Path | None, checkpoint_file: Path | None, as_json: bool, url: str | None
) -> None:
    """Check every link of the hash chain and every aggregate's versions."""
    engine = open_engine(url, None)
    try:
        with library_errors():
            start = Checkpoint.read(since) if since is not None else None
            bar: Any = None

            def progress(done: int, total: int) -> None:
                nonlocal bar
                if total < 20_000 or as_json:
                    return
                if bar is None:
                    bar = click.progressbar(length=total, label="verifying", file=sys.stderr)
                    bar.__enter__()
                bar.update(done - bar.pos)

            report = engine.verify(since=start, progress=progress)
            if bar is not None:
                bar.__exit__(None, None, None)
            written = None
            if checkpoint_file is not None and report.ok:
                point = engine.checkpoint(report)
                checkpoint_file.write_text(point.to_json() + "\n", encoding="utf-8")
                written = str(checkpoint_file)
        if as_json:
            emit_json({**report.to_dict(), "checkpoint_written": written})
        else:
            against = f", against the checkpoint of {start.taken_at.isoformat()}" if start else ""
            click.echo(
                f"{engine.location.display}: {report.events} events, {report.links} links, "
                f"{report.aggregates} aggregates (chain {report.algorithm}{against})"
            )
            for finding in report.findings:
                click.echo(f"  {finding}")
            if report.more:
                click.echo(f"  … and {report.more} more")
            if report.ok:
                click.echo(f"verified: head {report.head_position} {report.head_hash}")
            if written:
                click.echo(f"checkpoint written to {written}")
        if not report.ok:
            sys.exit(1)
    finally:
        engine.close()
