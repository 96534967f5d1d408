"""A task's life: its states, the transitions each action may make, and its report class.

Pure rules, shared by the workflow (which enforces them in Update validators) and by the
pages (which only offer the actions the state allows).
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from dondoc.domain.deadlines import Deadline


class TaskState(StrEnum):
    ASSIGNED = "assigned"
    ACKNOWLEDGED = "acknowledged"
    AWAITING_CONFIRMATION = "awaiting_confirmation"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


STATE_LABELS: dict[TaskState, str] = {
    TaskState.ASSIGNED: "Đã giao, chờ tiếp nhận",
    TaskState.ACKNOWLEDGED: "Đã tiếp nhận, đang thực hiện",
    TaskState.AWAITING_CONFIRMATION: "Đã báo cáo, chờ Văn phòng xác nhận",
    TaskState.COMPLETED: "Đã hoàn thành",
    TaskState.CANCELLED: "Đã hủy",
}

OPEN_STATES = frozenset(
    {TaskState.ASSIGNED, TaskState.ACKNOWLEDGED, TaskState.AWAITING_CONFIRMATION}
)


class StatusClass(StrEnum):
    """The Government Office's own reporting classes; every task is in exactly one."""

    IN_PROGRESS_ON_TIME = "in_progress_on_time"
    IN_PROGRESS_OVERDUE = "in_progress_overdue"
    DONE_ON_TIME = "done_on_time"
    DONE_LATE = "done_late"
    CANCELLED = "cancelled"


STATUS_CLASS_LABELS: dict[StatusClass, str] = {
    StatusClass.IN_PROGRESS_ON_TIME: "Đang thực hiện, trong hạn",
    StatusClass.IN_PROGRESS_OVERDUE: "Đang thực hiện, quá hạn",
    StatusClass.DONE_ON_TIME: "Hoàn thành đúng hạn",
    StatusClass.DONE_LATE: "Hoàn thành quá hạn",
    StatusClass.CANCELLED: "Đã hủy",
}


class Action(StrEnum):
    """What a person can ask of a task; each is a Temporal Update of the same name."""

    ACKNOWLEDGE = "acknowledge"
    COMPLETE = "complete"
    REPORT_PROGRESS = "report_progress"
    REQUEST_EXTENSION = "request_extension"
    DECIDE_EXTENSION = "decide_extension"
    PROPOSE_REASSIGNMENT = "propose_reassignment"
    REASSIGN = "reassign"
    CONFIRM = "confirm"
    RETURN_REPORT = "return_report"
    CANCEL = "cancel"
    REOPEN = "reopen"


ACTION_LABELS: dict[Action, str] = {
    Action.ACKNOWLEDGE: "Tiếp nhận",
    Action.COMPLETE: "Báo cáo hoàn thành",
    Action.REPORT_PROGRESS: "Báo cáo tiến độ",
    Action.REQUEST_EXTENSION: "Đề nghị gia hạn",
    Action.DECIDE_EXTENSION: "Quyết định gia hạn",
    Action.PROPOSE_REASSIGNMENT: "Đề nghị điều chỉnh đơn vị chủ trì",
    Action.REASSIGN: "Giao lại đơn vị chủ trì",
    Action.CONFIRM: "Xác nhận hoàn thành",
    Action.RETURN_REPORT: "Trả lại báo cáo",
    Action.CANCEL: "Hủy nhiệm vụ",
    Action.REOPEN: "Mở lại nhiệm vụ",
}

AGENCY_ACTIONS = frozenset(
    {
        Action.ACKNOWLEDGE,
        Action.COMPLETE,
        Action.REPORT_PROGRESS,
        Action.REQUEST_EXTENSION,
        Action.PROPOSE_REASSIGNMENT,
    }
)


class Signer(BaseModel):
    model_config = ConfigDict(frozen=True)
    name: str
    title: str


class TaskSpec(BaseModel):
    """A validated task of an issued notice: everything its workflow needs to start."""

    model_config = ConfigDict(frozen=True)

    id: str
    position: int
    notice_key: str
    notice_number: str
    notice_date: date
    notice_subject: str
    leader: str
    owner: str
    coordinators: tuple[str, ...] = ()
    work: str
    result: str = ""
    deadline: Deadline
    policy: str = "default"


WEB_LINK_TEXT = "Đường dẫn văn bản phải là địa chỉ web, bắt đầu bằng http:// hoặc https://."


def _web_link(value: str) -> str:
    """Only a web address: the link is shown to the office and mailed on, and a
    ``javascript:`` or ``data:`` one would run or show whatever its author wrote."""
    if not value:
        return value
    try:
        parts = urlsplit(value)
    except ValueError:  # an unbalanced "[" in the host
        raise ValueError(WEB_LINK_TEXT) from None
    if (
        parts.scheme.lower() not in ("http", "https")
        or not parts.hostname
        # Control and invisible format characters (U+202E) would disguise where it leads.
        or any(unicodedata.category(c) in ("Cc", "Cf") for c in value)
    ):
        raise ValueError(WEB_LINK_TEXT)
    return value


WebLink = Annotated[str, AfterValidator(_web_link)]


class CompletionReport(BaseModel):
    """What the agency says it delivered when it reports the task done."""

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)

    summary: str = Field(min_length=1, max_length=4000)
    document_number: str = Field(default="", max_length=200)
    link: WebLink = Field(default="", max_length=1000)


class ExtensionRequest(BaseModel):
    model_config = ConfigDict(frozen=True)

    requested_at: datetime
    new_deadline: Deadline
    reason: str
    requested_by: str


class TaskStatus(BaseModel):
    """The live state of one task, as its workflow holds it and its Query returns it."""

    task_id: str
    state: TaskState = TaskState.ASSIGNED
    owner: str
    deadline: Deadline
    original_deadline: Deadline
    assigned_at: datetime
    acknowledged_at: datetime | None = None
    reported_at: datetime | None = None
    completed_at: datetime | None = None
    cancelled_at: datetime | None = None
    report: CompletionReport | None = None
    escalation_step: int = 0
    pending_extension: ExtensionRequest | None = None
    reassignment_proposed: str | None = None
    event_seq: int = 0

    def is_overdue(self, now: datetime) -> bool:
        """Open past its deadline, or closed after it (the report time is what counts)."""
        due = self.deadline.due
        if due is None or self.state == TaskState.CANCELLED:
            return False
        if self.state in OPEN_STATES and self.state != TaskState.AWAITING_CONFIRMATION:
            return now > due
        finished = self.reported_at or self.completed_at
        return finished is not None and finished > due

    def status_class(self, now: datetime) -> StatusClass:
        if self.state == TaskState.CANCELLED:
            return StatusClass.CANCELLED
        late = self.is_overdue(now)
        if self.state == TaskState.COMPLETED:
            return StatusClass.DONE_LATE if late else StatusClass.DONE_ON_TIME
        return StatusClass.IN_PROGRESS_OVERDUE if late else StatusClass.IN_PROGRESS_ON_TIME


_ALLOWED: dict[Action, frozenset[TaskState]] = {
    Action.ACKNOWLEDGE: frozenset({TaskState.ASSIGNED}),
    Action.COMPLETE: frozenset({TaskState.ASSIGNED, TaskState.ACKNOWLEDGED}),
    Action.REPORT_PROGRESS: frozenset({TaskState.ASSIGNED, TaskState.ACKNOWLEDGED}),
    Action.REQUEST_EXTENSION: frozenset({TaskState.ASSIGNED, TaskState.ACKNOWLEDGED}),
    Action.DECIDE_EXTENSION: OPEN_STATES,
    Action.PROPOSE_REASSIGNMENT: frozenset({TaskState.ASSIGNED, TaskState.ACKNOWLEDGED}),
    Action.REASSIGN: frozenset({TaskState.ASSIGNED, TaskState.ACKNOWLEDGED}),
    Action.CONFIRM: frozenset({TaskState.AWAITING_CONFIRMATION}),
    Action.RETURN_REPORT: frozenset({TaskState.AWAITING_CONFIRMATION}),
    Action.CANCEL: OPEN_STATES,
    Action.REOPEN: frozenset({TaskState.COMPLETED}),
}

_REFUSALS: dict[TaskState, str] = {
    TaskState.ASSIGNED: "nhiệm vụ chưa được tiếp nhận",
    TaskState.ACKNOWLEDGED: "nhiệm vụ đang được thực hiện",
    TaskState.AWAITING_CONFIRMATION: "báo cáo hoàn thành đang chờ Văn phòng xác nhận",
    TaskState.COMPLETED: "nhiệm vụ đã hoàn thành",
    TaskState.CANCELLED: "nhiệm vụ đã bị hủy",
}


def allowed_actions(state: TaskState) -> list[Action]:
    return [a for a, states in _ALLOWED.items() if state in states]


def refusal(action: Action, status: TaskStatus) -> str | None:
    """Why ``action`` may not run now, in words for the person who tried; None if it may."""
    if status.state in _ALLOWED[action]:
        if action == Action.DECIDE_EXTENSION and status.pending_extension is None:
            return "Không có đề nghị gia hạn nào đang chờ quyết định."
        if action == Action.REQUEST_EXTENSION and status.pending_extension is not None:
            return "Đã có một đề nghị gia hạn đang chờ Văn phòng quyết định."
        return None
    if (
        action == Action.ACKNOWLEDGE
        and status.state != TaskState.CANCELLED
        and status.acknowledged_at is not None
    ):
        return "Nhiệm vụ đã được tiếp nhận trước đó."
    label = ACTION_LABELS[action]
    return f"Không thể «{label}»: {_REFUSALS[status.state]}."
