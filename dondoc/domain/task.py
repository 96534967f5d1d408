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

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo

from dondoc.domain.deadlines import Deadline
from dondoc.domain.refusals import Refusal, RefusalCode


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
RUNNING_STATES = frozenset({TaskState.ASSIGNED, TaskState.ACKNOWLEDGED})
"""Open and not waiting for the office: the only states whose class moves with the clock
(a report, a completion or a cancellation fixes it)."""


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
    RESEND = "resend"
    NAME_OFFICIAL = "name_official"
    REPLACE_CALENDAR = "replace_calendar"
    DECIDE_DEADLINE_MOVE = "decide_deadline_move"


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
    Action.RESEND: "Gửi lại thư",
    Action.NAME_OFFICIAL: "Cử cán bộ phụ trách",
    Action.REPLACE_CALENDAR: "Áp dụng lịch làm việc mới",
    Action.DECIDE_DEADLINE_MOVE: "Quyết định thời hạn theo lịch mới",
}

AGENCY_ACTIONS = frozenset(
    {
        Action.ACKNOWLEDGE,
        Action.COMPLETE,
        Action.REPORT_PROGRESS,
        Action.REQUEST_EXTENSION,
        Action.PROPOSE_REASSIGNMENT,
        Action.NAME_OFFICIAL,
    }
)
OFFICE_ACTIONS: tuple[Action, ...] = (
    Action.DECIDE_EXTENSION,
    Action.REASSIGN,
    Action.CONFIRM,
    Action.RETURN_REPORT,
    Action.CANCEL,
    Action.REOPEN,
    Action.DECIDE_DEADLINE_MOVE,
)
"""The office's decisions on a task, in the order the console offers them."""


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


FROM_A_PERSON = {"from_a_person": True}
"""Validation context of input as people send it (forms, the API): the rules for new
input apply. Without it — a workflow's recorded history, the read model — what was
accepted once still loads, so no replay or page breaks on a rule added later."""


def _web_link(value: str, info: ValidationInfo) -> str:
    """Only a web address: the link is shown to the office and mailed on, and a
    ``javascript:`` or ``data:`` one would run or show whatever its author wrote."""
    if (info.context or {}).get("from_a_person") and not is_web_link(value):
        raise ValueError(WEB_LINK_TEXT)
    return value


def is_web_link(value: str) -> bool:
    """Empty, or an http(s) address with a host and nothing that disguises where it leads."""
    if not value:
        return True
    try:
        parts = urlsplit(value)
    except ValueError:  # an unbalanced "[" in the host
        return False
    return (
        parts.scheme.lower() in ("http", "https")
        and bool(parts.hostname)
        # Control and invisible format characters (U+202E) would disguise where it leads.
        and not any(unicodedata.category(c) in ("Cc", "Cf") for c in value)
    )


WebLink = Annotated[str, AfterValidator(_web_link)]


class CompletionReport(BaseModel):
    """What the agency says it delivered when it reports the task done."""

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)

    summary: str = Field(min_length=1, max_length=4000)
    document_number: str = Field(default="", max_length=200)
    link: WebLink = Field(default="", max_length=1000)


class Official(BaseModel):
    """The person the owner agency makes answerable for the task ("rõ người"): later
    mail goes to this person, the agency's address in copy."""

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200)
    position: str = Field(default="", max_length=200)
    email: str = Field(
        min_length=3, max_length=320, pattern=r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$"
    )
    phone: str = Field(default="", max_length=40, pattern=r"^[0-9 +().-]*$")
    named_by: str = ""
    """Which agency named this person: an official belongs to its agency's time as owner."""


class DeadlineMove(BaseModel):
    """A deadline the calendar now places elsewhere, waiting for the office: the deadline
    the agency was told does not move by itself."""

    model_config = ConfigDict(frozen=True)

    proposed_at: datetime
    new_deadline: Deadline
    explanation: str


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
    official: Official | None = None
    pending_deadline_move: DeadlineMove | None = None
    progress_percent: int | None = None
    """The owner's own estimate at its last progress report (0–100), if it gave one."""
    event_seq: int = 0

    @classmethod
    def assigned(cls, spec: TaskSpec, at: datetime) -> TaskStatus:
        """A task just given to its owner: its deadline as the notice set it."""
        return cls(
            task_id=spec.id,
            owner=spec.owner,
            deadline=spec.deadline,
            original_deadline=spec.deadline,
            assigned_at=at,
        )

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
        """The one rule of the reporting classes; ``live_class`` is its shortcut for a
        class recorded earlier, and the store's SQL follows ``live_class``."""
        if self.state == TaskState.CANCELLED:
            return StatusClass.CANCELLED
        late = self.is_overdue(now)
        if self.state == TaskState.COMPLETED:
            return StatusClass.DONE_LATE if late else StatusClass.DONE_ON_TIME
        return StatusClass.IN_PROGRESS_OVERDUE if late else StatusClass.IN_PROGRESS_ON_TIME


def live_class(
    state: TaskState | str, recorded: StatusClass | str, deadline: datetime | None, now: datetime
) -> StatusClass:
    """The class as of ``now`` of a task whose class was recorded at its last event: a
    running task is overdue once its deadline has passed; any other keeps its class."""
    if state in RUNNING_STATES:
        late = deadline is not None and deadline < now
        return StatusClass.IN_PROGRESS_OVERDUE if late else StatusClass.IN_PROGRESS_ON_TIME
    return StatusClass(recorded)


def coordinators(spec: TaskSpec, status: TaskStatus) -> tuple[str, ...]:
    """The coordinating agencies as the task stands: a coordinator made owner by a
    reassignment coordinates no more."""
    return tuple(c for c in spec.coordinators if c != status.owner)


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
    Action.RESEND: OPEN_STATES | {TaskState.COMPLETED},
    Action.NAME_OFFICIAL: OPEN_STATES,
    Action.REPLACE_CALENDAR: OPEN_STATES | {TaskState.COMPLETED},
    Action.DECIDE_DEADLINE_MOVE: OPEN_STATES,
}

_REFUSALS: dict[TaskState, str] = {
    TaskState.ASSIGNED: "nhiệm vụ chưa được tiếp nhận",
    TaskState.ACKNOWLEDGED: "nhiệm vụ đang được thực hiện",
    TaskState.AWAITING_CONFIRMATION: "báo cáo hoàn thành đang chờ Văn phòng xác nhận",
    TaskState.COMPLETED: "nhiệm vụ đã hoàn thành",
    TaskState.CANCELLED: "nhiệm vụ đã bị hủy",
}


_OFFERED_APART = frozenset(
    {Action.RESEND, Action.NAME_OFFICIAL, Action.REPLACE_CALENDAR, Action.DECIDE_DEADLINE_MOVE}
)


def allowed_actions(state: TaskState) -> list[Action]:
    """The actions the pages offer as buttons in ``state``; naming the official and
    resending a mail have forms of their own."""
    return [a for a, states in _ALLOWED.items() if state in states and a not in _OFFERED_APART]


def refusal(action: Action, status: TaskStatus) -> Refusal | None:
    """Why ``action`` may not run in the task's state, in words for the person who tried;
    None if the state allows it."""
    if status.state in _ALLOWED[action]:
        if action == Action.DECIDE_EXTENSION and status.pending_extension is None:
            return Refusal(
                RefusalCode.NO_PENDING_EXTENSION,
                "Không có đề nghị gia hạn nào đang chờ quyết định.",
            )
        if action == Action.DECIDE_DEADLINE_MOVE and status.pending_deadline_move is None:
            return Refusal(
                RefusalCode.NO_PENDING_EXTENSION,
                "Không có điều chỉnh thời hạn nào đang chờ quyết định.",
            )
        if action == Action.REQUEST_EXTENSION and status.pending_extension is not None:
            return Refusal(
                RefusalCode.ALREADY_DONE,
                "Đã có một đề nghị gia hạn đang chờ Văn phòng quyết định.",
            )
        return None
    if (
        action == Action.ACKNOWLEDGE
        and status.state != TaskState.CANCELLED
        and status.acknowledged_at is not None
    ):
        return Refusal(RefusalCode.ALREADY_DONE, "Nhiệm vụ đã được tiếp nhận trước đó.")
    # The agency's work is reported already: to the agency, another click is a repeat.
    reported = status.state in (TaskState.AWAITING_CONFIRMATION, TaskState.COMPLETED)
    code = (
        RefusalCode.ALREADY_DONE
        if reported and action in AGENCY_ACTIONS
        else RefusalCode.NOT_ALLOWED_NOW
    )
    label = ACTION_LABELS[action]
    return Refusal(code, f"Không thể «{label}»: {_REFUSALS[status.state]}.")
