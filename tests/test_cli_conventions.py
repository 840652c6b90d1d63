"""Conventions every command keeps: help on every option, one output convention, the group's options."""

from __future__ import annotations

from collections.abc import Iterator

import click
import pytest

from gridcase.cli import main


def commands(
    group: click.Group = main, path: tuple[str, ...] = ()
) -> Iterator[tuple[str, click.Command]]:
    for name, command in sorted(group.commands.items()):
        yield " ".join((*path, name)), command
        if isinstance(command, click.Group):
            yield from commands(command, (*path, name))


ALL = [("gridcase", main), *commands()]


@pytest.mark.parametrize(("name", "command"), ALL, ids=[n for n, _ in ALL])
def test_every_option_and_command_has_help(name: str, command: click.Command) -> None:
    assert command.help or command.short_help, f"{name} has no help"
    missing = [
        p.opts[0]
        for p in command.params
        if isinstance(p, click.Option) and not p.help and p.name not in ("help", "version")
    ]
    assert not missing, f"{name}: options without help: {missing}"


RECORD_COMMANDS = [
    "cases list",
    "people list",
    "grids list",
    "enterprises list",
    "visits list",
    "visits ledger",
]


@pytest.mark.parametrize("name", RECORD_COMMANDS)
def test_record_commands_take_the_one_output_convention(name: str) -> None:
    command = dict(ALL)[name]
    options = {o for p in command.params for o in p.opts}
    assert {"--format", "--output", "--wide"} <= options
    fmt = next(p for p in command.params if p.name == "fmt")
    assert isinstance(fmt.type, click.Choice)
    assert set(fmt.type.choices) == {"table", "csv", "json", "jsonl", "xlsx"}


def test_url_rules_verbose_and_actor_are_options_of_the_group() -> None:
    options = {o for p in main.params for o in p.opts}
    assert {"--url", "--rules", "--verbose", "--actor"} <= options


def test_python_dash_m_gridcase_is_the_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import runpy
    import sys

    monkeypatch.setattr(sys, "argv", ["gridcase", "--version"])
    with pytest.raises(SystemExit) as exit_:
        runpy.run_module("gridcase", run_name="__main__")
    assert exit_.value.code == 0


def test_help_of_the_package_is_short_and_points_to_the_docs() -> None:
    """``help(gridcase)`` ran to 5,869 lines; the docstring now points to docs/ instead."""
    import gridcase

    assert gridcase.__doc__ is not None
    assert len(gridcase.__doc__.splitlines()) <= 40
    assert "docs/embedding.md" in gridcase.__doc__


@pytest.mark.slow
def test_a_reader_that_stops_reading_is_no_failure() -> None:
    """``gridcase … | head`` exits 0: the broken pipe is the reader's choice, not an error."""
    import subprocess
    import sys

    child = subprocess.Popen(
        [sys.executable, "-m", "gridcase", "rules", "schema"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdout is not None
    child.stdout.close()  # before the child has written anything
    _, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    assert err == b""
