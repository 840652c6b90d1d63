"""Visits (走访): who went to which enterprise, when, how, what they found, and the proof.

A visit is the other way a case starts (a demand raised on the spot) and what coverage
and assessments count. It is recorded after the fact, with the moment it took place;
evidence (notes, photos, a signed questionnaire) is referred to by SHA-256 digest, size
and media type, and the files stay in the portal's own storage. A visit that opened
cases records them (:meth:`Visit.open_case`), and each case records the visit it came
from (``SubmitDemand.visit_id``), so the link can be followed both ways.

Module path and class names are part of the stored events' topics.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID, uuid5

from eventsourcing.domain import event
from pydantic import BaseModel, ConfigDict, Field

from gridcase.calendar import to_cst
from gridcase.domain.ids import NAMESPACE
from gridcase.domain.payloads import EvidenceRef
from gridcase.domain.recorded import RecordedAggregate
from gridcase.kernel.errors import InvalidInput

__all__ = ["Visit", "VisitFindings", "VisitPurpose", "visit_key"]

Finding = Annotated[str, Field(min_length=1, max_length=10_000)]


class VisitPurpose(StrEnum):
    """What a visit was for: a service visit, or (where a jurisdiction allows it) an inspection."""

    SERVICE = "service"
    """上门服务: learning the enterprise's situation and needs."""
    INSPECTION = "inspection"
    """检查: refused where the rules forbid turning a visit into one (Bijie)."""


class VisitFindings(BaseModel):
    """The grid ledger's columns (Yingkou 三(二)1: 企业生产经营、投资意愿、纳税状况、困难需求)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    operations: Finding | None = None
    """生产经营: production and operation."""
    investment_intent: Finding | None = None
    """投资意愿."""
    tax_status: Finding | None = None
    """纳税状况."""
    difficulties: Finding | None = None
    """困难需求: difficulties and needs."""
    note: Finding | None = None


def visit_key(jurisdiction: str, visit_id: str) -> UUID:
    return uuid5(NAMESPACE, f"visit/{jurisdiction}/{visit_id}")


class Visit(RecordedAggregate):
    """One visit to one enterprise by one person of the roster."""

    @staticmethod
    def create_id(jurisdiction: str, visit_id: str, **_: Any) -> Any:
        return visit_key(jurisdiction, visit_id)

    @event("Recorded")
    def __init__(
        self,
        jurisdiction: str,
        visit_id: str,
        enterprise: str,
        visitor: str,
        at: datetime,
        channel: str,
        purpose: str,
        findings: dict[str, Any],
        evidence: list[dict[str, Any]],
        command_id: str | None,
    ) -> None:
        self.jurisdiction = jurisdiction
        self.visit_id = visit_id
        self.enterprise = enterprise
        self.visitor = visitor
        self.at = at
        self.channel = channel
        self.purpose = purpose
        self.findings = dict(findings)
        self.evidence = list(evidence)
        self.command_id = command_id
        self.cases: list[UUID] = []

    def open_case(self, case_id: UUID) -> None:
        """Record a case raised in this visit (once: a case comes from one visit)."""
        if case_id in self.cases:
            raise InvalidInput(
                f"case {case_id} is already linked to visit {self.visit_id}", field="visit_id"
            )
        self._case_opened(case_id=case_id)

    @event("CaseOpened")
    def _case_opened(self, case_id: UUID) -> None:
        self.cases.append(case_id)

    @property
    def day(self) -> date:
        """The China date of the visit (what cadences count in)."""
        return to_cst(self.at).date()

    @property
    def evidence_refs(self) -> tuple[EvidenceRef, ...]:
        return tuple(EvidenceRef.model_validate(e) for e in self.evidence)
