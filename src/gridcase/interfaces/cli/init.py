"""``gridcase init``: create a store explicitly (reads never create one)."""

from __future__ import annotations

from pathlib import Path

import click

from gridcase.interfaces.cli.common import (
    emit_json,
    events_recorded,
    json_option,
    open_engine,
    rules_folder_option,
    url_option,
)

__all__ = ["init_command"]


@click.command("init")
@url_option
@rules_folder_option
@json_option
def init_command(url: str | None, rules_folder: Path | None, as_json: bool) -> None:
    """Create the store at --url (or GRIDCASE_URL); an existing store is left as it is."""
    engine = open_engine(url, rules_folder, create=True)
    try:
        held = events_recorded(engine)
        where = engine.location.display
    finally:
        engine.close()
    if as_json:
        emit_json({"url": where, "events": held})
        return
    click.echo(f"store {where} ready ({held} event(s) recorded)")
