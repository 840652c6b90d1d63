"""The rules an engine decides by: the book of rule files, their calendars, the pinned versions.

A case is pinned at submission to the rule version in force and to its content hash,
and the rule text is published into the store with the case's first save
(:class:`~gridcase.domain.published_rules.PublishedRules`), so a case stays decidable
after its file is edited or removed. This service answers "which rules, which calendar"
for every handler, and remembers what it has already found or published.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import lru_cache
from pathlib import Path
from uuid import UUID

from gridcase.calendar import WorkingCalendar, load_calendar, national_calendar
from gridcase.domain.ids import rules_key
from gridcase.domain.published_rules import PublishedRules
from gridcase.domain.registry import RegistryPolicy
from gridcase.kernel.errors import NotFound, Problem, RuleFileError
from gridcase.workflow.compiler import CompiledRules
from gridcase.workflow.loader import RuleBook, parse_rules

__all__ = ["RuleService", "registry_policy"]


@lru_cache(maxsize=256)
def registry_policy(rules: CompiledRules) -> RegistryPolicy:
    """The registry sections of a rule version, as the pure registry rules take them."""
    r = rules.rules
    return RegistryPolicy(
        jurisdiction=rules.jurisdiction,
        version=rules.version,
        roles={name: role.name for name, role in r.roles.items()},
        scope=r.scope,
        roster=r.roster,
        visits=r.visits,
    )


class RuleService:
    """The rule book of one engine, its calendars, and the rule versions cases are pinned to."""

    def __init__(self, book: RuleBook, folder: Path) -> None:
        self.book = book
        self.folder = folder
        self._calendars: dict[str, WorkingCalendar] = {}
        self._stored: dict[str, CompiledRules] = {}
        self._published: set[str] = set()
        for compiled in book:
            self.calendar_for(compiled)

    def known(self, jurisdiction: str) -> None:
        """Refuse a jurisdiction no rule file defines."""
        if jurisdiction not in self.book.jurisdictions:
            known = ", ".join(self.book.jurisdictions)
            raise NotFound(f"unknown jurisdiction {jurisdiction!r} (known: {known})")

    def in_force(self, jurisdiction: str, day: date) -> CompiledRules:
        """The rule version of ``jurisdiction`` in force on ``day``."""
        self.known(jurisdiction)
        return self.book.in_force(jurisdiction, day)

    def calendar_for(self, rules: CompiledRules) -> WorkingCalendar:
        """The working-day calendar a rule set counts in (national, or a local file)."""
        name = rules.rules.calendar
        cal = self._calendars.get(name)
        if cal is None:
            if name == "national":
                cal = national_calendar()
            else:
                path = self.folder / "calendars" / name
                if not path.exists():
                    raise RuleFileError(
                        [Problem(rules.source_name, None, "calendar", f"no calendar file {path}")]
                    )
                cal = load_calendar(path)
            self._calendars[name] = cal
        return cal

    def pinned(
        self, content_hash: str, get: Callable[[type[PublishedRules], UUID], PublishedRules | None]
    ) -> CompiledRules:
        """The exact rules a case was submitted under, from the book or from the store."""
        compiled = self.book.by_hash(content_hash) or self._stored.get(content_hash)
        if compiled is not None:
            return compiled
        record = get(PublishedRules, rules_key(content_hash))
        if not isinstance(record, PublishedRules):
            raise NotFound(f"the rules {content_hash[:12]}… are neither loaded nor stored")
        # Kept apart from the rule book: the stored text is authoritative for the cases
        # pinned to it, even when today's files define the same version differently.
        compiled = parse_rules(record.text, name=f"{record.source_name} (stored)", stored=True)
        self._stored[compiled.content_hash] = compiled
        self._stored[content_hash] = compiled
        return compiled

    def unpublished(
        self,
        rules: CompiledRules,
        get: Callable[[type[PublishedRules], UUID], PublishedRules | None],
    ) -> PublishedRules | None:
        """The record to publish with a case's first save, or None when the store has it."""
        if rules.content_hash in self._published:
            return None
        if get(PublishedRules, rules_key(rules.content_hash)) is not None:
            self._published.add(rules.content_hash)
            return None
        return PublishedRules(
            content_hash=rules.content_hash,
            jurisdiction=rules.jurisdiction,
            version=rules.version,
            effective=rules.rules.effective,
            source_name=Path(rules.source_name).name,
            text=rules.source_text,
        )

    def published(self, content_hash: str) -> None:
        """Remember that the store holds these rules (after a save that published them)."""
        self._published.add(content_hash)

    def forget_published(self, content_hash: str) -> None:
        """Forget a publication that may not have been saved (a save that lost a race)."""
        self._published.discard(content_hash)
