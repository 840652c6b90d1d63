"""The Malu roster the command-path benchmarks share: an administrator, the center, one
planning liaison and ``n`` enterprises with codes ``code(0)``, ``code(1)`` …

Benchmarks import it from their own folder (``python bench/x.py`` puts it on the path).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from gridcase import Engine
from gridcase.domain.credit_code import ALPHABET, check_character

ADMIN = "admin"
"""The roster administrator the benchmarks bootstrap; open engines with ``roster_actor=ADMIN``."""


def code(i: int) -> str:
    """A valid Malu credit code, different for every ``i``."""
    body = "".join(ALPHABET[(i // 31**k) % 31] for k in range(9))
    first17 = f"91310114{body}"
    return first17 + check_character(first17)


def register_malu(engine: Engine, enterprises: Iterable[str]) -> None:
    """Bootstrap the administrator, register the center ``c``, the planning liaison ``u`` and
    ``enterprises`` (in scope from 2024), on ``engine`` opened with ``roster_actor=ADMIN``."""
    engine.bootstrap_administrator(
        jurisdiction="malu", person_id=ADMIN, name="admin", command_id="admin"
    )
    engine.register_person(
        jurisdiction="malu", person_id="c", name="c", roles=["center"], command_id="p1"
    )
    engine.register_person(
        jurisdiction="malu",
        person_id="u",
        name="u",
        roles=["unit"],
        units=["planning"],
        command_id="p2",
    )
    for i, credit_code in enumerate(enterprises):
        engine.register_enterprise(
            jurisdiction="malu",
            credit_code=credit_code,
            name=f"企业{i}",
            command_id=f"e{i}",
            in_scope_from=date(2024, 1, 1),
        )
