"""Pausing Python's cycle collector over a burst of new objects that form no cycle.

Folding a batch of events, or building thousands of ledger rows from a table, makes a
great many small objects at once. None of them is in a reference cycle, so reference
counting frees them all; but each batch of allocations sets the cycle collector going,
and it scans the young objects again and again as they age (measured on the read
models: half of a rebuild's time, two thirds of reading a whole ledger). Pausing it
for the burst and switching it back on after is the remedy Python's own documentation
of :mod:`gc` suggests for allocation-heavy phases.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused"]


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cycle collector for the block; it is switched back on only if it was on
    (a caller that disabled it keeps it disabled)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
