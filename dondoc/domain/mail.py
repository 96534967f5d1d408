"""Mail kinds, their subjects, and the keys and Message-IDs that keep mail unique and threaded."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from dondoc.domain.task import TaskSpec, TaskStatus


class MailKind(StrEnum):
    ASSIGNED = "assigned"
    NOT_ACKNOWLEDGED = "not_acknowledged"
    REMINDER = "reminder"
    OVERDUE = "overdue"
    ESCALATION_OFFICE = "escalation_office"
    ESCALATION_LEADER = "escalation_leader"
    OVERDUE_REMINDER = "overdue_reminder"
    ACKNOWLEDGED = "acknowledged"
    PROGRESS_REPORTED = "progress_reported"
    EXTENSION_REQUESTED = "extension_requested"
    EXTENSION_APPROVED = "extension_approved"
    EXTENSION_REFUSED = "extension_refused"
    REASSIGNMENT_PROPOSED = "reassignment_proposed"
    REASSIGNED = "reassigned"
    REASSIGNED_AWAY = "reassigned_away"
    AWAITING_CONFIRMATION = "awaiting_confirmation"
    CONFIRMATION_REMINDER = "confirmation_reminder"
    REPORT_RETURNED = "report_returned"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    REOPENED = "reopened"
    REPORT_DUE = "report_due"
    REPORT_MISSED = "report_missed"
    BOUNCE = "bounce"
    DEADLINE_MOVED = "deadline_moved"


SUBJECT_ACTIONS: dict[MailKind, str] = {
    MailKind.ASSIGNED: "Giao nhiệm vụ",
    MailKind.NOT_ACKNOWLEDGED: "Đề nghị tiếp nhận nhiệm vụ",
    MailKind.REMINDER: "Nhắc thời hạn",
    MailKind.OVERDUE: "Nhiệm vụ quá hạn",
    MailKind.ESCALATION_OFFICE: "Báo cáo nhiệm vụ quá hạn",
    MailKind.ESCALATION_LEADER: "Báo cáo Lãnh đạo nhiệm vụ quá hạn",
    MailKind.OVERDUE_REMINDER: "Tiếp tục quá hạn",
    MailKind.ACKNOWLEDGED: "Đã tiếp nhận",
    MailKind.PROGRESS_REPORTED: "Báo cáo tiến độ",
    MailKind.EXTENSION_REQUESTED: "Đề nghị gia hạn",
    MailKind.EXTENSION_APPROVED: "Đồng ý gia hạn",
    MailKind.EXTENSION_REFUSED: "Không đồng ý gia hạn",
    MailKind.REASSIGNMENT_PROPOSED: "Đề nghị điều chỉnh đơn vị chủ trì",
    MailKind.REASSIGNED: "Giao nhiệm vụ (điều chỉnh đơn vị chủ trì)",
    MailKind.REASSIGNED_AWAY: "Điều chỉnh đơn vị chủ trì",
    MailKind.AWAITING_CONFIRMATION: "Đề nghị xác nhận hoàn thành",
    MailKind.CONFIRMATION_REMINDER: "Nhắc xác nhận hoàn thành",
    MailKind.REPORT_RETURNED: "Trả lại báo cáo hoàn thành",
    MailKind.COMPLETED: "Hoàn thành nhiệm vụ",
    MailKind.CANCELLED: "Hủy nhiệm vụ",
    MailKind.REOPENED: "Mở lại nhiệm vụ",
    MailKind.REPORT_DUE: "Đến kỳ báo cáo định kỳ",
    MailKind.REPORT_MISSED: "Chưa báo cáo định kỳ",
    MailKind.BOUNCE: "Thư không gửi được",
    MailKind.DEADLINE_MOVED: "Điều chỉnh thời hạn",
}


class MailOrder(BaseModel):
    """What the workflow asks the mail activity to send: who (by code), what kind, why."""

    model_config = ConfigDict(frozen=True)

    event_id: str
    kind: MailKind
    to: tuple[str, ...]
    cc: tuple[str, ...] = ()
    spec: TaskSpec
    status: TaskStatus
    note: str = ""
    resend: bool = False
    """A copy sent again on request: a new message, never the one that opens a thread."""


class MailOutcome(BaseModel):
    """What became of one recipient's copy: sent, bounced (refused for good) or no address."""

    recipient: str
    status: str
    detail: str = ""


def without_format_characters(text: str) -> str:
    """``text`` without Unicode's invisible format characters (category Cf).

    The direction controls among them (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F)
    make a mail client show a subject or a sender's name in another order than it is
    written ("Sở Tài chính" followed by U+202E and reversed text); the zero-width ones
    (U+200B, U+2060, U+FEFF) and tag characters hide text or split a word a reader would
    search for. Vietnamese needs none of them, so none reaches a header.
    """
    return "".join(c for c in text if unicodedata.category(c) != "Cf")


def short_title(work: str, limit: int = 70) -> str:
    """The work item cut at a word boundary, for subjects; never a line break (header safety)."""
    flat = re.sub(r"\s+", " ", without_format_characters(work)).strip()
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0].rstrip(",;:.-")
    return f"{cut}…"


def subject(kind: MailKind, spec: TaskSpec) -> str:
    number = without_format_characters(spec.notice_number)
    return f"[{number}] {SUBJECT_ACTIONS[kind]}: {short_title(spec.work)}"


def mail_key(event_id: str, kind: MailKind, recipient: str) -> str:
    return f"{event_id}:{kind.value}:{recipient}"


def message_id(key: str, domain: str) -> str:
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<{digest}@{domain}>"


def thread_root_id(task_id: str, recipient: str, domain: str) -> str:
    """The Message-ID every later mail about this task to this recipient refers to."""
    return message_id(f"thread:{task_id}:{recipient}", domain)
