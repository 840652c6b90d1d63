"""Helpers for the roster tests: the fixture rule folder and short-hand registrations."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from gridcase.application.engine import Engine
from gridcase.application.results import CommandResult

FIXTURE_RULES = Path(__file__).resolve().parent / "fixtures" / "rules"

DIGEST = "a" * 64
EVIDENCE = {"sha256": DIGEST, "size": 2048, "media_type": "image/jpeg"}


def person(
    engine: Engine, jurisdiction: str, person_id: str, roles: list[str], rank: str | None = None
) -> CommandResult:
    return engine.roster.register_person(
        jurisdiction=jurisdiction,
        person_id=person_id,
        name=f"name of {person_id}",
        roles=roles,
        rank=rank,
        command_id=f"person/{jurisdiction}/{person_id}",
    )


def enterprise(
    engine: Engine, jurisdiction: str, code: str, since: date, name: str | None = None
) -> CommandResult:
    return engine.roster.register_enterprise(
        jurisdiction=jurisdiction,
        credit_code=code,
        name=name or f"enterprise {code[-6:]}",
        in_scope_from=since,
        command_id=f"enterprise/{jurisdiction}/{code}",
    )


def grid(engine: Engine, jurisdiction: str, grid_id: str, kind: str) -> CommandResult:
    return engine.roster.register_grid(
        jurisdiction=jurisdiction,
        grid_id=grid_id,
        kind=kind,
        name=f"grid {grid_id}",
        command_id=f"grid/{jurisdiction}/{grid_id}",
    )
