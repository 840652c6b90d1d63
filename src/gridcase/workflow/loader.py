"""Loading rule files: YAML text → checked rule set → compiled machine.

Loading refuses a file with every problem it has, each with the file, the line and
what is wrong, and never leaves a half-loaded rule set behind. A :class:`RuleBook` holds
every rule file of a folder and answers which version of a jurisdiction's rules was in
force on a date, and which rules a stored case was pinned to.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path

from pydantic import ValidationError

from gridcase.kernel.errors import NotFound, Problem, RuleFileError
from gridcase.kernel.yamldata import YamlDocument, problems_from_pydantic, read_yaml, read_yaml_file
from gridcase.workflow.checks import check_ruleset
from gridcase.workflow.compiler import CompiledRules, compile_rules
from gridcase.workflow.model import SCHEMA_ID, RuleSet

__all__ = ["RuleBook", "load_rules", "parse_rules"]


def _validate(doc: YamlDocument, *, stored: bool = False) -> RuleSet:
    if not isinstance(doc.data, dict):
        raise RuleFileError(
            [doc.problem((), "a rule file is a mapping (key: value) at the top level")]
        )
    if doc.data.get("schema") != SCHEMA_ID:
        raise RuleFileError(
            [doc.problem(("schema",), f"not a gridcase rule file: 'schema' must be {SCHEMA_ID!r}")]
        )
    try:
        rules = RuleSet.model_validate(doc.data)
    except ValidationError as exc:
        raise RuleFileError(problems_from_pydantic(doc, exc.errors())) from None
    findings = check_ruleset(rules, stored=stored)
    if findings:
        raise RuleFileError([doc.problem(path, message) for path, message in findings])
    return rules


def parse_rules(text: str, *, name: str = "<rules>", stored: bool = False) -> CompiledRules:
    """Check and compile rule-file text (for files kept in the event store, or tests).

    ``stored``: the text comes from a store, published by an earlier gridcase; see
    :func:`gridcase.workflow.checks.check_ruleset`.
    """
    rules = _validate(read_yaml(text, name=name), stored=stored)
    return compile_rules(rules, source_name=name, source_text=text)


def load_rules(path: str | Path) -> CompiledRules:
    """Load, check and compile one rule file."""
    doc = read_yaml_file(path)
    return compile_rules(
        _validate(doc), source_name=doc.name, source_text=Path(path).read_text(encoding="utf-8")
    )


class RuleBook:
    """All the rules an engine knows: every version of every jurisdiction."""

    def __init__(
        self, rule_sets: Iterable[CompiledRules] = (), *, folder: Path | None = None
    ) -> None:
        self.folder = folder
        """Where the rule files were read from; local calendar files live in its ``calendars/``."""
        self._by_hash: dict[str, CompiledRules] = {}
        self._by_jurisdiction: dict[str, list[CompiledRules]] = {}
        for rs in rule_sets:
            self.add(rs)

    @classmethod
    def from_folder(cls, folder: str | Path) -> RuleBook:
        """Every ``*.yaml`` rule file directly in ``folder`` (calendars and scenarios live below it)."""
        root = Path(folder)
        if not root.is_dir():
            raise RuleFileError([Problem(str(root), None, "", "no such rules folder")])
        problems: list[Problem] = []
        loaded: list[CompiledRules] = []
        for path in sorted(root.glob("*.yaml")):
            try:
                loaded.append(load_rules(path))
            except RuleFileError as exc:
                problems.extend(exc.problems)
        if problems:
            raise RuleFileError(problems)
        return cls(loaded, folder=root)

    def add(self, rules: CompiledRules) -> None:
        """Add a rule set; two different files may not claim the same jurisdiction and version."""
        if rules.content_hash in self._by_hash:
            return
        versions = self._by_jurisdiction.setdefault(rules.jurisdiction, [])
        for other in versions:
            if other.version == rules.version:
                raise RuleFileError(
                    [
                        Problem(
                            rules.source_name,
                            None,
                            "version",
                            f"{rules.jurisdiction} version {rules.version} is also defined, differently, "
                            f"in {other.source_name}: give the new rules a new version",
                        )
                    ]
                )
        versions.append(rules)
        versions.sort(key=lambda r: (r.rules.effective, r.version))
        self._by_hash[rules.content_hash] = rules

    def __iter__(self) -> Iterator[CompiledRules]:
        for versions in self._by_jurisdiction.values():
            yield from versions

    @property
    def jurisdictions(self) -> list[str]:
        return sorted(self._by_jurisdiction)

    def in_force(self, jurisdiction: str, on: date) -> CompiledRules:
        """The version of ``jurisdiction``'s rules in force on ``on``."""
        versions = self._by_jurisdiction.get(jurisdiction)
        if not versions:
            known = ", ".join(self.jurisdictions) or "none"
            raise NotFound(f"no rules for jurisdiction {jurisdiction!r} (known: {known})")
        current = [r for r in versions if r.rules.effective <= on]
        if not current:
            raise NotFound(
                f"no rules of {jurisdiction!r} were in force on {on.isoformat()}; "
                f"the earliest take effect on {versions[0].rules.effective.isoformat()}"
            )
        return current[-1]

    def by_hash(self, digest: str) -> CompiledRules | None:
        return self._by_hash.get(digest)
