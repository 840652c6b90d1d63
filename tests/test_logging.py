"""The library logs under ``gridcase…`` and is silent by default; ``gridcase -v`` shows it."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

import pytest
from click.testing import CliRunner
from tests.builders import RosterBuilder
from tests.support import RULES, credit_code, cst, engine_on

from gridcase import SubmitDemand
from gridcase.cli import main

CODE = credit_code(1661)


def _malu(url: str) -> None:
    with engine_on(url, cst(2026, 2, 12, 10)) as (engine, _):
        RosterBuilder(engine, "malu", since=date(2024, 1, 1)).enterprise(CODE).person(
            "center-1", "center"
        )
        engine.submit(
            SubmitDemand(
                jurisdiction="malu",
                enterprise=CODE,
                category="consultation",
                title="t",
                actor=CODE,
                role="enterprise",
                command_id="log-1",
            )
        )


def test_commands_carried_out_and_refused_are_logged(
    tmp_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gridcase")
    _malu(f"sqlite:///{tmp_path / 'g.db'}")
    carried = [r for r in caplog.records if r.name == "gridcase.commands"]
    assert any("submit log-1 carried out" in r.getMessage() for r in carried)
    assert any("register_enterprise" in r.getMessage() for r in carried)


def test_clocks_fired_are_logged(tmp_path: Any, caplog: pytest.LogCaptureFixture) -> None:
    url = f"sqlite:///{tmp_path / 'g.db'}"
    _malu(url)
    caplog.set_level(logging.INFO, logger="gridcase")
    with engine_on(url, cst(2026, 3, 1, 9)) as (engine, _):
        engine.advance()
    fired = [r.getMessage() for r in caplog.records if r.name == "gridcase.clocks"]
    assert any("clock_expired" in m or "dispatch" in m for m in fired), fired
    assert fired[-1].startswith("advance to 2026-03-01T09:00:00+08:00")


def test_the_command_line_is_silent_without_verbose_and_talks_with_it(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'g.db'}"
    _malu(url)
    quiet = CliRunner().invoke(main, ["--url", url, "--rules", str(RULES), "cases", "list"])
    assert quiet.exit_code == 0
    assert quiet.stderr == ""
    loud = CliRunner().invoke(
        main,
        ["-vv", "--url", url, "--rules", str(RULES), "cases", "advance", "--now", "2026-03-01"],
    )
    assert loud.exit_code == 0, loud.output
    assert "gridcase.clocks" in loud.stderr
    logging.getLogger("gridcase").setLevel(logging.NOTSET)
