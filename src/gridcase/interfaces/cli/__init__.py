"""The command groups of ``gridcase`` (the entry point is :mod:`gridcase.cli`), one module each."""
