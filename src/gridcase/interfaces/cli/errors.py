"""The exit status of every error the command line can end with, in one place.

A script calling ``gridcase`` tells situations apart by the exit status alone: 0 done,
1 refused (by the rules, the roster, a conflict, a missing record, a bad rule file),
2 malformed input (click's usage error), and for a store that cannot serve the command
the codes of BSD's ``sysexits.h`` that mean the same thing, so that a supervisor's
existing retry rules apply (75, EX_TEMPFAIL, is "try again later").

Each error prints one line on stderr (``Error: StoreBusy: …``) and no traceback;
``gridcase --debug …`` re-raises it with its traceback instead.
"""

from __future__ import annotations

from typing import IO

import click

from gridcase.kernel.errors import (
    GridcaseError,
    StoreBusy,
    StoreConnectionLost,
    StoreCorrupt,
    StoreFull,
    StoreReadOnly,
    StoreUnavailable,
    UnknownSchemaVersion,
)

__all__ = ["EXIT_STATUS", "REFUSED", "USAGE", "GridcaseExit", "exit_status"]

REFUSED = 1
USAGE = 2

EXIT_STATUS: dict[type[GridcaseError], int] = {
    StoreCorrupt: 65,  # EX_DATAERR: the data at the URL is not a readable store
    StoreConnectionLost: 69,  # EX_UNAVAILABLE (after the engine's own retries)
    StoreUnavailable: 69,  # EX_UNAVAILABLE: no store there, or no server
    StoreFull: 74,  # EX_IOERR: the disk is full
    StoreBusy: 75,  # EX_TEMPFAIL: locked by another writer; try again later
    StoreReadOnly: 77,  # EX_NOPERM: may be read, not written
    UnknownSchemaVersion: 78,  # EX_CONFIG: written by a newer gridcase
}
"""Exit status by error class; the most specific class listed wins, anything else is 1."""


def exit_status(exc: GridcaseError) -> int:
    """The documented exit status of ``exc``: that of its nearest listed class, else 1."""
    for cls in type(exc).__mro__:
        if cls in EXIT_STATUS:
            return EXIT_STATUS[cls]
    return REFUSED


class GridcaseExit(click.ClickException):
    """A library error as click's exit: its message on stderr, its documented status."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        vars(self)["exit_code"] = exit_code  # click declares it per class; this is per error

    def show(self, file: IO[str] | None = None) -> None:
        click.echo(f"Error: {self.format_message()}", err=True, file=file)
