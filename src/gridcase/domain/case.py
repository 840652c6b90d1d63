"""The Case aggregate: a demand's whole life as immutable events.

Each action of the vocabulary has its own event class (``Case.Dispatched``,
``Case.Rated``, ``Case.ClockExpired`` …), all sharing one shape: who acted, in which
role, when, why, with what payload, and the full outcome the decision computed (state,
level, owner, flags, clocks started with their deadlines, clocks stopped). Applying an
event only copies that outcome into the case state, so a case reloaded from its events
is exactly the case that was live, and ledgers can read any jurisdiction's events
without knowing its rules.

Module path and class names are part of the stored events' topics: do not move or
rename them without registering the old topic (``eventsourcing.utils.register_topic``).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from gridcase.calendar import Deadline
from gridcase.domain.actions import Action
from gridcase.domain.case_state import (
    CLOCK_EXPIRED,
    CaseState,
    OpenClock,
    Outcome,
    Owner,
    Step,
    Submission,
    evolve,
)
from gridcase.domain.payloads import PAYLOAD_MODELS, Payload
from gridcase.domain.recorded import RecordedEvent

__all__ = ["EVENT_CLASSES", "Case"]


def _clock_to_dict(oc: OpenClock) -> dict[str, Any]:
    data: dict[str, Any] = {"clock": oc.clock, **oc.deadline.to_dict()}
    if oc.limit is not None:
        data["limit"] = oc.limit
    return data


def _clock_from_dict(data: Mapping[str, Any]) -> OpenClock:
    limit = data.get("limit")
    return OpenClock(
        str(data["clock"]), Deadline.from_dict(data), int(limit) if limit is not None else None
    )


RECENT_STEPS = 8
"""Steps a case keeps of what was last applied to it: enough for one command's result."""


class Case(Aggregate):
    """One demand (诉求 / 工单), pinned at submission to the rules it is handled under."""

    def __init__(self) -> None:
        self._state: CaseState | None = None

    @property
    def state(self) -> CaseState:
        assert self._state is not None
        return self._state

    def __deepcopy__(self, memo: dict[int, Any]) -> Case:
        """A copy to record on, sharing the immutable state (eventsourcing's cache hands
        out deep copies; walking a ``CaseState`` would only copy what cannot change)."""
        clone = copy.copy(self)
        vars(clone)["_pending_events"] = []
        vars(clone)["_steps"] = {}
        return clone

    def _remember_step(self, version: int, step: Step) -> None:
        """Keep the last few steps applied here, so a command's result need not decide them again."""
        steps: dict[int, Step] = vars(self).setdefault("_steps", {})
        steps[version] = step
        if len(steps) > RECENT_STEPS:
            del steps[min(steps)]

    def step_of(self, event: Case.Event) -> Step:
        """The step ``event`` made when it was applied to this case (computed once), else now."""
        found = vars(self).get("_steps", {}).get(event.originator_version)
        return found if found is not None else event.to_step()

    class Event(RecordedEvent, Aggregate.Event):
        """What every case event records (and, from :class:`RecordedEvent`, when it was recorded)."""

        actor: str
        role: str
        command_id: str | None
        reason: str | None
        payload: dict[str, Any]
        state: str
        final: bool
        level: int
        owner_role: str | None
        owner_party: str | None
        unit: str | None
        flags_set: list[str]
        flags_cleared: list[str]
        clocks_started: list[dict[str, Any]]
        clocks_stopped: list[str]

        kind: ClassVar[str] = ""

        class_version: ClassVar[int] = 2
        """The version of the stored form of every case event: 2 added when it was
        recorded (``recorded_at``) and why late (``late_reason``); see ``docs/events.md``."""

        def outcome(self) -> Outcome:
            return Outcome(
                state=self.state,
                final=self.final,
                level=self.level,
                owner=Owner(self.owner_role, self.owner_party)
                if self.owner_role is not None
                else None,
                unit=self.unit,
                flags_set=tuple(self.flags_set),
                flags_cleared=tuple(self.flags_cleared),
                clocks_started=tuple(_clock_from_dict(c) for c in self.clocks_started),
                clocks_stopped=tuple(self.clocks_stopped),
            )

        def typed_payload(self) -> Payload:
            """The payload as its action's model, validated on the way out of the store.

            Readers (ledgers, exports) use this rather than string keys, so a field renamed
            in a later release fails here, loudly, instead of reading as missing.
            A clock expiry carries no payload of its own.
            """
            if self.kind == CLOCK_EXPIRED:
                return Payload()
            return PAYLOAD_MODELS[Action(self.kind)].model_validate(self.payload)

        def to_step(self) -> Step:
            return Step(
                kind=self.kind,
                at=self.timestamp,
                actor=self.actor,
                role=self.role,
                outcome=self.outcome(),
                reason=self.reason,
                payload=dict(self.payload),
                command_id=self.command_id,
                recorded_at=self.recorded_at,
                late_reason=self.late_reason,
            )

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, Case)
            step = self.to_step()
            aggregate._state = evolve(aggregate._state, step, case_id=aggregate.id)
            aggregate._remember_step(self.originator_version, step)

    class Submitted(Event, Aggregate.Created):
        kind: ClassVar[str] = Action.SUBMIT.value
        jurisdiction: str
        rules_version: str
        rules_hash: str
        enterprise: str
        category: str
        title: str
        description: str | None
        channel: str
        visit_id: str | None

        def to_step(self) -> Step:
            return replace(
                super().to_step(),
                submission=Submission(
                    jurisdiction=self.jurisdiction,
                    rules_version=self.rules_version,
                    rules_hash=self.rules_hash,
                    enterprise=self.enterprise,
                    category=self.category,
                    title=self.title,
                    description=self.description,
                    channel=self.channel,
                    visit_id=self.visit_id,
                ),
            )

    class ClockExpired(Event):
        """A clock ran out (a timer firing is recorded like any other fact)."""

        kind: ClassVar[str] = CLOCK_EXPIRED
        clock: str
        misses: int
        notes: list[str]

        def to_step(self) -> Step:
            return replace(
                super().to_step(), clock=self.clock, misses=self.misses, notes=tuple(self.notes)
            )

    class Dispatched(Event):
        kind: ClassVar[str] = Action.DISPATCH.value

    class Accepted(Event):
        kind: ClassVar[str] = Action.ACCEPT.value

    class ReturnRequested(Event):
        kind: ClassVar[str] = Action.REQUEST_RETURN.value

    class ReturnDecided(Event):
        kind: ClassVar[str] = Action.DECIDE_RETURN.value

    class Redispatched(Event):
        kind: ClassVar[str] = Action.REDISPATCH.value

    class Escalated(Event):
        kind: ClassVar[str] = Action.ESCALATE.value

    class TakenUp(Event):
        kind: ClassVar[str] = Action.TAKE_UP.value

    class PlanSet(Event):
        kind: ClassVar[str] = Action.SET_PLAN.value

    class ProgressReported(Event):
        kind: ClassVar[str] = Action.REPORT_PROGRESS.value

    class DelayReasonRecorded(Event):
        kind: ClassVar[str] = Action.RECORD_DELAY_REASON.value

    class Resolved(Event):
        kind: ClassVar[str] = Action.RESOLVE.value

    class CompletionConfirmed(Event):
        kind: ClassVar[str] = Action.CONFIRM_COMPLETION.value

    class CompletionRejected(Event):
        kind: ClassVar[str] = Action.REJECT_COMPLETION.value

    class Rated(Event):
        kind: ClassVar[str] = Action.RATE.value

    class SignedOff(Event):
        kind: ClassVar[str] = Action.SIGN_OFF.value

    class InternalSignOffRequested(Event):
        kind: ClassVar[str] = Action.REQUEST_INTERNAL_SIGN_OFF.value

    class InternalSignOffApproved(Event):
        kind: ClassVar[str] = Action.APPROVE_INTERNAL_SIGN_OFF.value

    class InternalSignOffRejected(Event):
        kind: ClassVar[str] = Action.REJECT_INTERNAL_SIGN_OFF.value

    class RepliedInWriting(Event):
        kind: ClassVar[str] = Action.REPLY_IN_WRITING.value

    class CannotMeetDeclared(Event):
        kind: ClassVar[str] = Action.DECLARE_CANNOT_MEET.value

    class DisputeRouteChosen(Event):
        kind: ClassVar[str] = Action.CHOOSE_DISPUTE_ROUTE.value

    class CategoryChanged(Event):
        """The matter's category changed; the new one is ``payload["category"]``."""

        kind: ClassVar[str] = Action.CHANGE_CATEGORY.value

    class Reopened(Event):
        kind: ClassVar[str] = Action.REOPEN.value

    class Withdrawn(Event):
        kind: ClassVar[str] = Action.WITHDRAW.value

    # -- recording ------------------------------------------------------------------

    @staticmethod
    def _common(step: Step) -> dict[str, Any]:
        out = step.outcome
        return {
            "timestamp": step.at,
            "actor": step.actor,
            "role": step.role,
            "command_id": step.command_id,
            "reason": step.reason,
            "payload": dict(step.payload),
            "state": out.state,
            "final": out.final,
            "level": out.level,
            "owner_role": out.owner.role if out.owner else None,
            "owner_party": out.owner.party if out.owner else None,
            "unit": out.unit,
            "flags_set": list(out.flags_set),
            "flags_cleared": list(out.flags_cleared),
            "clocks_started": [_clock_to_dict(c) for c in out.clocks_started],
            "clocks_stopped": list(out.clocks_stopped),
        }

    @classmethod
    def open(cls, case_id: UUID, step: Step) -> Case:
        """Create a case from its decided submission step."""
        sub = step.submission
        if sub is None:
            raise ValueError("a case opens with a submission step")
        return cls._create(
            cls.Submitted,
            id=case_id,
            jurisdiction=sub.jurisdiction,
            rules_version=sub.rules_version,
            rules_hash=sub.rules_hash,
            enterprise=sub.enterprise,
            category=sub.category,
            title=sub.title,
            description=sub.description,
            channel=sub.channel,
            visit_id=sub.visit_id,
            **cls._common(step),
        )

    def record(self, step: Step) -> None:
        """Record one decided step as the matching event."""
        event_class = EVENT_CLASSES[step.kind]
        extra: dict[str, Any] = {}
        if event_class is Case.ClockExpired:
            extra = {"clock": step.clock, "misses": step.misses, "notes": list(step.notes)}
        self.trigger_event(event_class, **self._common(step), **extra)


EVENT_CLASSES: Mapping[str, type[Case.Event]] = {
    cls.kind: cls
    for cls in (
        Case.ClockExpired,
        Case.Dispatched,
        Case.Accepted,
        Case.ReturnRequested,
        Case.ReturnDecided,
        Case.Redispatched,
        Case.Escalated,
        Case.TakenUp,
        Case.PlanSet,
        Case.ProgressReported,
        Case.DelayReasonRecorded,
        Case.Resolved,
        Case.CompletionConfirmed,
        Case.CompletionRejected,
        Case.Rated,
        Case.SignedOff,
        Case.InternalSignOffRequested,
        Case.InternalSignOffApproved,
        Case.InternalSignOffRejected,
        Case.RepliedInWriting,
        Case.CannotMeetDeclared,
        Case.DisputeRouteChosen,
        Case.CategoryChanged,
        Case.Reopened,
        Case.Withdrawn,
    )
}
"""The event class recording each kind of step (``submit`` opens a case instead)."""

missing = {a.value for a in Action} - {Action.SUBMIT.value} - set(EVENT_CLASSES)
if missing:  # pragma: no cover - guards the vocabulary against a forgotten event class
    raise RuntimeError(f"no event class for actions: {sorted(missing)}")
del missing
