"""Helpers shared by the tests: engines on throwaway stores, valid credit codes."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from gridcase import RuleBook
from gridcase.application.engine import Engine
from gridcase.domain.credit_code import ALPHABET, check_character
from gridcase.kernel.clock import CST, ManualClock

REPO = Path(__file__).resolve().parents[1]
RULES = REPO / "rules"
"""The five jurisdictions' bundled rule files."""
FIXTURE_RULES = Path(__file__).resolve().parent / "fixtures" / "rules"
"""Three small test jurisdictions shaped like the real ones: twogrids, zones, commissioners."""


@cache
def rule_book(folder: Path) -> RuleBook:
    """The rule files of ``folder``, read once a session (a book is never changed by an engine,
    and reading the five bundled files takes about a second)."""
    return RuleBook.from_folder(folder)


def credit_code(seed: int, *, prefix: str = "91", division: str = "310114") -> str:
    """A valid unified social credit code, different for every seed (same seed, same code)."""
    rng = random.Random(seed)
    body = "".join(rng.choice(ALPHABET) for _ in range(9))
    first17 = f"{prefix}{division}{body}"
    return first17 + check_character(first17)


def cst(*args: int) -> datetime:
    """A moment in China Standard Time: ``cst(2026, 2, 13, 9)``."""
    return datetime(*args, tzinfo=CST)  # type: ignore[misc]


ADMIN = "admin"
"""The roster administrator every test engine is bootstrapped with, in every jurisdiction."""


class AdminEngine(Engine):
    """An engine whose ``roster`` acts as :data:`ADMIN`, bootstrapped in every jurisdiction.

    Roster commands are authorised (only an administrator registers people, enterprises,
    grids); tests that are not about that authorisation set up their rosters as ADMIN.
    Bootstrapping is a command like any other: re-opening a store repeats it harmlessly.
    """

    def __init__(self, url: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("roster_actor", ADMIN)
        super().__init__(url, **kwargs)
        for jurisdiction in self.rules.jurisdictions:
            self.bootstrap_administrator(
                jurisdiction=jurisdiction,
                person_id=ADMIN,
                name="名册管理员",
                command_id=f"bootstrap/{jurisdiction}",
            )


@contextmanager
def engine_on(
    url: str, start: datetime, rules: RuleBook | Path | str = RULES
) -> Iterator[tuple[Engine, ManualClock]]:
    """An engine on ``url`` driven by a manual clock starting at ``start``.

    The bundled rules and the test rules are read once a session (no test edits them); any
    other folder is read afresh, as a test may have just written it.
    """
    clock = ManualClock(start)
    if not isinstance(rules, RuleBook) and Path(rules) in (RULES, FIXTURE_RULES):
        rules = rule_book(Path(rules))
    engine = AdminEngine(url, rules=rules, clock=clock)
    try:
        yield engine, clock
    finally:
        engine.close()
