"""``python -m gridcase``: the same command line as ``gridcase``."""

from gridcase.cli import main

if __name__ == "__main__":  # imported (by a tool walking the package), it does nothing
    main(prog_name="gridcase")
