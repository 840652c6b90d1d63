"""The building blocks of rule-file data: strict, frozen models that cite their source.

Everything a rule file says carries ``cite`` (the paragraph of the source document it
encodes) or ``assumption`` (what is assumed where the source is silent, and why). The
case path (:mod:`gridcase.workflow.model`) and the registry and visit policy
(:mod:`gridcase.domain.policy`) are both made of these.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Citation", "Slug", "Sourced", "Strict", "Text"]

Slug = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
"""Identifiers of states, roles, clocks, categories and flags: lower_snake_case."""

Citation = Annotated[str, Field(min_length=1, max_length=2000)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Sourced(Strict):
    cite: Citation | None = None
    """The paragraph of the source document this encodes, e.g. ``六(二)``."""
    assumption: Citation | None = None
    """Where the source is silent: what is assumed, and why."""


class Text(Strict):
    """A name in Chinese and English."""

    zh: Annotated[str, Field(min_length=1)]
    en: Annotated[str, Field(min_length=1)]
