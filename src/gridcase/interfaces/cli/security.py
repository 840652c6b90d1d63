"""``gridcase security log``: who tried what, when, and which rule said no."""

from __future__ import annotations

import click

from gridcase.interfaces.cli.common import (
    emit_json,
    json_option,
    library_errors,
    open_engine,
    url_option,
)

__all__ = ["security_group"]


@click.group("security")
def security_group() -> None:
    """The security log: refusals, late entries and administrator actions."""


@security_group.command("log")
@click.option("--after", type=int, default=0, help="Only entries after this position.")
@click.option(
    "--limit",
    type=click.IntRange(1, 100_000),
    default=1000,
    show_default=True,
    help="At most this many entries.",
)
@click.option(
    "--outcome",
    type=click.Choice(["refused", "late_entry", "administered"]),
    default=None,
    help="Only entries of this outcome.",
)
@json_option
@url_option
def security_log(
    after: int, limit: int, outcome: str | None, as_json: bool, url: str | None
) -> None:
    """Print the security log, oldest first (personal data masked)."""
    engine = open_engine(url, None)
    try:
        with library_errors():
            entries = [
                e
                for e in engine.security_log(after=after, limit=limit)
                if outcome is None or e.outcome == outcome
            ]
        if as_json:
            emit_json({"entries": [e.to_dict() for e in entries]})
            return
        for e in entries:
            who = f"{e.actor or '-'}" + (f" as {e.role}" if e.role else "")
            why = f"  [{e.error}{' ' + e.rule if e.rule else ''}]" if e.error else ""
            click.echo(
                f"{e.position:>6}  {e.recorded_at.strftime('%Y-%m-%d %H:%M:%S')}  "
                f"{e.outcome:<12} {e.kind:<22} {who:<28} {e.jurisdiction or '-':<8}{why}"
            )
            if e.message:
                click.echo(f"{'':>8}{e.message}")
    finally:
        engine.close()
