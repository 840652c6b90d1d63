"""Where gridcase finds its data files (``rules/``: rule sets, calendars, scenarios).

The same code runs from a source checkout, where the files sit in ``<repo>/rules``, and
from an installed wheel, which carries them as package data in ``gridcase/_rules``. A
deployment can point elsewhere with ``GRIDCASE_RULES`` (for instance a directory its
officials maintain), so that changing a rule never needs a new release.
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

__all__ = ["RULES_ENV", "rules_root"]

RULES_ENV = "GRIDCASE_RULES"
"""Environment variable naming a rules directory that overrides the bundled one."""


def rules_root() -> Path:
    """The directory holding ``calendars/``, rule sets and scenarios.

    Looked up on every call (it is cheap) so that a test or a deployment that sets
    ``GRIDCASE_RULES`` late is still obeyed. Order: the environment variable, then the
    copy bundled in an installed wheel, then the source checkout's ``rules/``.
    """
    configured = os.environ.get(RULES_ENV, "").strip()
    if configured:
        return Path(configured).expanduser()
    bundled = files("gridcase") / "_rules"
    # Only a real directory will do: a zipped install has no path to hand out.
    if isinstance(bundled, Path) and bundled.is_dir():
        return bundled
    return Path(__file__).resolve().parents[3] / "rules"
