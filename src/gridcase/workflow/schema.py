"""The JSON Schema of rule files, exported from the pydantic model.

Editors that understand JSON Schema (VS Code's YAML extension, IntelliJ) validate a rule
file as it is typed when the file starts with
``# yaml-language-server: $schema=<path>/rule-file.schema.json``. The schema checks
shape only; meaning (unknown states, unreachable states, clocks nothing stops …) is
checked when the file is loaded (``gridcase rules check``).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from gridcase.workflow.model import SCHEMA_ID, RuleSet

__all__ = ["rule_file_schema", "schema_document"]


def schema_document(
    model: type[BaseModel], schema_id: str, *, title: str, description: str
) -> dict[str, Any]:
    """A file format's JSON Schema (draft 2020-12), exported from its pydantic model."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://gridcase.invalid/schemas/{schema_id}.json",
        **model.model_json_schema(by_alias=True, mode="validation"),
        "title": title,
        "description": description,
    }


def rule_file_schema() -> dict[str, Any]:
    return schema_document(
        RuleSet,
        SCHEMA_ID,
        title="gridcase rule file",
        description=(
            "One version of one jurisdiction's handling path: roles, escalation ladder, "
            "categories, clocks, states and transitions. Every transition, clock, category "
            "and ladder level cites the paragraph it encodes or states an assumption."
        ),
    )
