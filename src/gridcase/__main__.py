"""``python -m gridcase``: the same command line as ``gridcase``."""

from gridcase.cli import main

main(prog_name="gridcase")
