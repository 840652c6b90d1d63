"""The closed vocabulary of case actions, shared by every jurisdiction.

Rule files decide *which* of these actions is allowed when, by whom and with which
clock; they cannot invent new ones. That is what lets a ledger, a metric or an auditor
read the events of any jurisdiction without knowing the jurisdiction: a ``dispatch``
in Malu (分派工单) and a ``dispatch`` in Qingdao (分理、批办) are the same kind of fact.

Each action has a typed payload (:mod:`gridcase.domain.payloads`) and its own event
class (:mod:`gridcase.domain.case`).
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["SYSTEM_ACTOR", "SYSTEM_ROLE", "Action", "Channel", "Satisfaction"]

SYSTEM_ROLE = "system"
"""The role under which gridcase itself acts when a clock runs out."""

SYSTEM_ACTOR = "system"
"""The actor id recorded on steps gridcase takes by itself."""


class Action(StrEnum):
    """What someone (or a clock) can do to a case."""

    SUBMIT = "submit"
    """提出诉求 / 登记: the matter is registered."""
    DISPATCH = "dispatch"
    """分派工单 / 分理 / 批办: sent to the unit responsible for it."""
    ACCEPT = "accept"
    """受理确认 / 审核: the unit (or its liaison) accepts the work order."""
    REQUEST_RETURN = "request_return"
    """申请退回工单: the unit says the matter is outside its duty, with a reason."""
    DECIDE_RETURN = "decide_return"
    """明确处理意见 (仍分派原责任单位): a return request is refused; the same unit keeps it."""
    REDISPATCH = "redispatch"
    """重新分派: the matter goes to another unit (also the joint decision when no liaison accepts)."""
    ESCALATE = "escalate"
    """逐级上报 / 提交专项小组: one level up the ladder, by decision or by a clock."""
    TAKE_UP = "take_up"
    """上会研究: a meeting (problem-solving group, executive meeting) takes the matter up."""
    SET_PLAN = "set_plan"
    """明确责任领导和解决措施, 限时化解: the problem ledger's responsible leader, measures and time limit."""
    REPORT_PROGRESS = "report_progress"
    """填报办理进展: progress reported on an unfinished matter."""
    RECORD_DELAY_REASON = "record_delay_reason"
    """注明原因 / 分析问题原因: why the matter is late."""
    RESOLVE = "resolve"
    """办结 / 反馈: handling is complete and the enterprise is told."""
    CONFIRM_COMPLETION = "confirm_completion"
    """企业确认办结."""
    REJECT_COMPLETION = "reject_completion"
    """企业确认未办结: the unit must go on handling it."""
    RATE = "rate"
    """满意度评价: the enterprise rates the handling."""
    SIGN_OFF = "sign_off"
    """销号 / 办结: closed for good."""
    REQUEST_INTERNAL_SIGN_OFF = "request_internal_sign_off"
    """书面汇报材料: the unit asks to close a matter the enterprise will not accept."""
    APPROVE_INTERNAL_SIGN_OFF = "approve_internal_sign_off"
    """沟通一致, 确认已完成办理程序: the grid departments agree; internal sign-off may follow."""
    REJECT_INTERNAL_SIGN_OFF = "reject_internal_sign_off"
    """The grid departments do not agree the procedure is complete."""
    REPLY_IN_WRITING = "reply_in_writing"
    """加盖单位公章书面回复企业: a sealed written answer to an unsatisfied enterprise."""
    DECLARE_CANNOT_MEET = "declare_cannot_meet"
    """无法满足企业诉求: the unit records, with why, that the demand cannot be met; the
    sealed written reply is owed from then (Malu 六(四))."""
    CHOOSE_DISPUTE_ROUTE = "choose_dispute_route"
    """企业选择行政复议、诉讼等争议解决途径: the enterprise goes to administrative review or
    litigation; the limit becomes the statutory one, entered on the step (Malu 六(二))."""
    CHANGE_CATEGORY = "change_category"
    """改变诉求类别: the matter turns out to be of another category (it involves a
    department outside the committee); recorded with a reason, its limit recomputed."""
    REOPEN = "reopen"
    """重新办理: handling starts again."""
    WITHDRAW = "withdraw"
    """企业撤回: the enterprise withdraws its demand."""


class Channel(StrEnum):
    """How a demand or a visit reached the government."""

    PLATFORM = "platform"
    """专窗平台 / 潍企通 / 服务平台 APP."""
    VISIT = "visit"
    """Raised during a visit (走访)."""
    PHONE = "phone"
    """电话 / 电话回访."""
    WECHAT = "wechat"
    """微信."""
    HOTLINE = "hotline"
    """12345 热线."""
    QUESTIONNAIRE = "questionnaire"
    """问卷调查."""
    WINDOW = "window"
    """专设服务窗口."""


class Satisfaction(StrEnum):
    """The enterprise's overall verdict (满意度)."""

    SATISFIED = "satisfied"
    BASICALLY_SATISFIED = "basically_satisfied"
    UNSATISFIED = "unsatisfied"
