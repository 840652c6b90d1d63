"""Typed payloads of the case actions.

A payload is what an action says beyond who, when and why: the unit a matter goes to,
the rating an enterprise gives, the sealed reply a unit sends. Each action accepts only
its own fields (unknown fields are refused, so a typo cannot vanish into the record);
which of them are *required* is the rule file's business (``guards.payload``).

Documents never enter the store: a payload refers to them by SHA-256 digest, size and
media type, and the files stay in the portal's own storage.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from gridcase.domain.actions import Action, Satisfaction
from gridcase.kernel.errors import InvalidInput

__all__ = [
    "PAYLOAD_MODELS",
    "EvidenceRef",
    "Payload",
    "parse_payload",
    "payload_fields",
]

_MEDIA_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")

NonEmpty = Annotated[str, Field(min_length=1, max_length=10_000)]
Score = Annotated[int, Field(ge=1, le=5)]


class EvidenceRef(BaseModel):
    """A file kept elsewhere, named by what it is rather than where it is."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    size: Annotated[int, Field(ge=0)]
    media_type: str

    @field_validator("media_type")
    @classmethod
    def _media_type(cls, value: str) -> str:
        value = value.strip().lower()
        if not _MEDIA_TYPE.match(value):
            raise ValueError(f"not a media type: {value!r} (expected type/subtype)")
        return value


class Payload(BaseModel):
    """Fields every action may carry."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    note: NonEmpty | None = None
    documents: tuple[EvidenceRef, ...] = ()


class DispatchPayload(Payload):
    unit: NonEmpty | None = None
    """The responsible unit (责任单位 / 承办部门)."""
    opinion: NonEmpty | None = None
    """拟办意见: the platform's proposed handling opinion."""
    time_limit_working_days: Annotated[int, Field(ge=1, le=365)] | None = None
    """明确办理时限: a time limit set for this matter when it is dispatched (Qingdao)."""


class EscalatePayload(Payload):
    to: NonEmpty | None = None
    """The person or body the matter goes to, where the ladder leaves it open."""


class TakeUpPayload(Payload):
    meeting: NonEmpty | None = None
    """Which meeting took the matter up (e.g. 问题解决专项小组第12次会议)."""


class PlanPayload(Payload):
    responsible_leader: NonEmpty | None = None
    """责任领导."""
    measures: NonEmpty | None = None
    """解决措施."""
    time_limit_working_days: Annotated[int, Field(ge=1, le=365)] | None = None
    """限时化解: the time limit set for this problem, in working days."""


class ProgressPayload(Payload):
    progress: NonEmpty | None = None


class ResolvePayload(Payload):
    result: NonEmpty | None = None
    """What was done, as fed back to the enterprise (办结有回音)."""


class RatePayload(Payload):
    satisfaction: Satisfaction | None = None
    efficiency: Score | None = None
    """服务效率, 1-5."""
    attitude: Score | None = None
    """服务态度, 1-5."""
    quality: Score | None = None
    """办理结果质量, 1-5."""


class InternalSignOffPayload(Payload):
    report: NonEmpty | None = None
    """书面汇报材料: the handling unit's written report."""


class WrittenReplyPayload(Payload):
    sealed: bool = False
    """加盖单位公章: the reply carries the unit's official seal."""
    summary: NonEmpty | None = None


class DisputeRoutePayload(Payload):
    route: Literal["administrative_review", "litigation", "other"] | None = None
    """行政复议, 诉讼, or another dispute-resolution route (等争议解决途径)."""
    legal_basis: NonEmpty | None = None
    """The law or regulation that sets the limit (e.g. 《中华人民共和国行政复议法》)."""
    statutory_due_date: date | None = None
    """The day by which the law requires the matter decided, as entered by the unit."""


class CategoryPayload(Payload):
    category: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    """The category the matter has from this step on (one of the rule file's)."""


PAYLOAD_MODELS: Mapping[Action, type[Payload]] = {
    Action.SUBMIT: Payload,
    Action.DISPATCH: DispatchPayload,
    Action.ACCEPT: Payload,
    Action.REQUEST_RETURN: Payload,
    Action.DECIDE_RETURN: Payload,
    Action.REDISPATCH: DispatchPayload,
    Action.ESCALATE: EscalatePayload,
    Action.TAKE_UP: TakeUpPayload,
    Action.SET_PLAN: PlanPayload,
    Action.REPORT_PROGRESS: ProgressPayload,
    Action.RECORD_DELAY_REASON: Payload,
    Action.RESOLVE: ResolvePayload,
    Action.CONFIRM_COMPLETION: Payload,
    Action.REJECT_COMPLETION: Payload,
    Action.RATE: RatePayload,
    Action.SIGN_OFF: Payload,
    Action.REQUEST_INTERNAL_SIGN_OFF: InternalSignOffPayload,
    Action.APPROVE_INTERNAL_SIGN_OFF: Payload,
    Action.REJECT_INTERNAL_SIGN_OFF: Payload,
    Action.REPLY_IN_WRITING: WrittenReplyPayload,
    Action.DECLARE_CANNOT_MEET: Payload,
    Action.CHOOSE_DISPUTE_ROUTE: DisputeRoutePayload,
    Action.CHANGE_CATEGORY: CategoryPayload,
    Action.REOPEN: Payload,
    Action.WITHDRAW: Payload,
}


def payload_fields(action: Action) -> frozenset[str]:
    """The payload fields an action accepts (rule files may require any of them)."""
    return frozenset(PAYLOAD_MODELS[action].model_fields)


def parse_payload(action: Action, data: Mapping[str, Any] | None) -> dict[str, Any]:
    """Validate a payload for ``action`` and return its JSON-safe form.

    Only fields that were given (or differ from their default) are kept, so the
    stored record says what the actor said and nothing more.
    """
    model = PAYLOAD_MODELS[action]
    try:
        parsed = model.model_validate(dict(data or {}))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "payload"
        raise InvalidInput(
            f"invalid payload for {action.value}: {where}: {first['msg']}",
            field=f"payload.{where}",
        ) from None
    return parsed.model_dump(mode="json", exclude_defaults=True)
