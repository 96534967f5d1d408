"""The domain events of a task: what the audit trail records and the timeline shows."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from dondoc.domain.mail import MailOrder
from dondoc.domain.task import TaskSpec, TaskStatus


class EventKind(StrEnum):
    ASSIGNED = "assigned"
    ACKNOWLEDGED = "acknowledged"
    PROGRESS_REPORTED = "progress_reported"
    COMPLETION_REPORTED = "completion_reported"
    CONFIRMED = "confirmed"
    REPORT_RETURNED = "report_returned"
    COMPLETED = "completed"
    REMINDED = "reminded"
    NUDGED = "nudged"
    OVERDUE = "overdue"
    ESCALATED = "escalated"
    EXTENSION_REQUESTED = "extension_requested"
    EXTENSION_APPROVED = "extension_approved"
    EXTENSION_REFUSED = "extension_refused"
    REASSIGNMENT_PROPOSED = "reassignment_proposed"
    REASSIGNED = "reassigned"
    CANCELLED = "cancelled"
    REOPENED = "reopened"
    REPORT_DUE = "report_due"
    MAIL_SENT = "mail_sent"
    MAIL_BOUNCED = "mail_bounced"
    OFFICIAL_NAMED = "official_named"
    CALENDAR_CHANGED = "calendar_changed"
    DEADLINE_MOVED = "deadline_moved"
    DEADLINE_KEPT = "deadline_kept"
    DEADLINE_COUNTED = "deadline_counted"


EVENT_LABELS: dict[EventKind, str] = {
    EventKind.ASSIGNED: "Giao nhiệm vụ",
    EventKind.ACKNOWLEDGED: "Tiếp nhận",
    EventKind.PROGRESS_REPORTED: "Báo cáo tiến độ",
    EventKind.COMPLETION_REPORTED: "Báo cáo hoàn thành",
    EventKind.CONFIRMED: "Xác nhận hoàn thành",
    EventKind.REPORT_RETURNED: "Trả lại báo cáo",
    EventKind.COMPLETED: "Hoàn thành",
    EventKind.REMINDED: "Nhắc hạn",
    EventKind.NUDGED: "Nhắc tiếp nhận",
    EventKind.OVERDUE: "Quá hạn",
    EventKind.ESCALATED: "Báo cáo vượt cấp",
    EventKind.EXTENSION_REQUESTED: "Đề nghị gia hạn",
    EventKind.EXTENSION_APPROVED: "Đồng ý gia hạn",
    EventKind.EXTENSION_REFUSED: "Không đồng ý gia hạn",
    EventKind.REASSIGNMENT_PROPOSED: "Đề nghị điều chỉnh đơn vị chủ trì",
    EventKind.REASSIGNED: "Giao lại đơn vị chủ trì",
    EventKind.CANCELLED: "Hủy nhiệm vụ",
    EventKind.REOPENED: "Mở lại nhiệm vụ",
    EventKind.REPORT_DUE: "Đến kỳ báo cáo định kỳ",
    EventKind.MAIL_SENT: "Đã gửi thư",
    EventKind.MAIL_BOUNCED: "Thư bị từ chối",
    EventKind.OFFICIAL_NAMED: "Cử cán bộ phụ trách",
    EventKind.CALENDAR_CHANGED: "Lịch làm việc thay đổi",
    EventKind.DEADLINE_MOVED: "Điều chỉnh thời hạn theo lịch mới",
    EventKind.DEADLINE_KEPT: "Giữ thời hạn",
    EventKind.DEADLINE_COUNTED: "Xác định ngày bắt đầu tính hạn",
}


class TaskEvent(BaseModel):
    """One thing that happened to a task, with the task as it stood right after.

    ``id`` is derived from the task and the workflow's event counter, so an activity that
    records it twice after a retry writes one row.
    """

    model_config = ConfigDict(frozen=True)

    id: str
    task_id: str
    seq: int
    at: datetime
    kind: EventKind
    actor: str
    summary: str
    data: dict[str, Any] = {}
    status: TaskStatus
    spec: TaskSpec


class EventEffects(BaseModel):
    """An event to record and the mail it sends: one item of a workflow's queue."""

    event: TaskEvent
    mails: list[MailOrder]


def event_id(task_id: str, seq: int) -> str:
    return f"{task_id}#{seq}"
