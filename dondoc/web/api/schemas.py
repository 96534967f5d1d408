"""What the JSON API takes and returns. Field names are English (the document-management
systems that call it are built by programmers); every message a person may read is
Vietnamese."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from dondoc.domain.task import StatusClass, TaskState
from dondoc.domain.view import TaskSummary

# Text fields are stripped of surrounding spaces, so a blank one is empty: the schema says
# so (a string with something other than whitespace), not only the server.
# Python also strips \x1c-\x1f and \x85, which JSON Schema's \s does not count as space.
NON_BLANK = r"[^\s\x1c-\x1f\x85]"


def _iso_day(value: Any) -> Any:
    """Only YYYY-MM-DD: pydantic would also read "0" as a Unix time (1970-01-01)."""
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("ngày phải có dạng YYYY-MM-DD")
    return value


IsoDay = Annotated[date, BeforeValidator(_iso_day)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class FieldProblem(BaseModel):
    field: str = Field(
        description="Đường dẫn tới trường lỗi, ví dụ `tasks[2].deadline` (đếm từ 1)."
    )
    message: str = Field(description="Lý do, bằng tiếng Việt.")


class Problem(BaseModel):
    """Every error answer: a sentence, and for invalid input the fields at fault."""

    detail: str
    errors: list[FieldProblem] = []


class SignerBody(_In):
    name: str = Field(min_length=1, pattern=NON_BLANK, max_length=300)
    title: str = Field(min_length=1, pattern=NON_BLANK, max_length=300)


class TaskBody(_In):
    owner: str = Field(
        min_length=1,
        pattern=NON_BLANK,
        max_length=64,
        description="Mã đơn vị chủ trì trong danh bạ.",
    )
    coordinators: list[str] = Field(
        default=[], max_length=50, description="Mã các đơn vị phối hợp."
    )
    work: str = Field(min_length=1, pattern=NON_BLANK, max_length=4000)
    result: str = Field(default="", max_length=2000)
    deadline: str = Field(
        min_length=1,
        max_length=200,
        description="Như trong thông báo: «trước ngày 30/9/2026», «trong quý III/2026», "
        "«trong 15 ngày làm việc», «thường xuyên», hoặc ngày dạng 2026-09-30.",
    )
    policy: str | None = Field(default=None, max_length=64)


class NoticeBody(_In):
    number: str = Field(min_length=1, pattern=NON_BLANK, max_length=128, examples=["245/TB-UBND"])
    date: IsoDay
    leader: str = Field(
        min_length=1, pattern=NON_BLANK, max_length=64, description="Mã lãnh đạo kết luận."
    )
    subject: str = Field(min_length=1, pattern=NON_BLANK, max_length=4000)
    signer: SignerBody | None = None
    policy: str | None = Field(default=None, max_length=64)
    tasks: list[TaskBody] = Field(min_length=1, max_length=200)


class Deadline(BaseModel):
    phrase: str
    due: datetime | None
    original_due: datetime | None


class TaskPageOut(BaseModel):
    items: list[TaskSummary]
    total: int
    page: int
    per_page: int


class MailOut(BaseModel):
    kind: str
    recipient: str
    addresses: list[str]
    status: Literal["pending", "sent", "failed", "bounced"] | str
    sent_at: datetime | None
    error: str | None


class EventOut(BaseModel):
    at: datetime
    kind: str
    label: str
    actor: str
    description: str
    mails: list[MailOut]


class ReportOut(BaseModel):
    summary: str
    document_number: str
    link: str


class ExtensionOut(BaseModel):
    requested_at: datetime
    new_deadline: datetime | None
    new_deadline_phrase: str
    reason: str


class TaskDetail(TaskSummary):
    result: str
    coordinators: list[str]
    original_deadline: datetime | None
    assigned_at: datetime | None
    acknowledged_at: datetime | None
    reported_at: datetime | None
    completed_at: datetime | None
    report: ReportOut | None
    pending_extension: ExtensionOut | None
    timeline: list[EventOut]


class NoticeSummary(BaseModel):
    key: str
    number: str
    date: date
    leader: str
    subject: str
    issued_at: datetime
    tasks: int
    open: int
    overdue: int


class NoticePageOut(BaseModel):
    items: list[NoticeSummary]
    total: int
    page: int
    per_page: int


class NoticeDetail(NoticeSummary):
    task_list: list[TaskSummary]


class IssueOut(BaseModel):
    notice_key: str
    number: str
    dry_run: bool
    started: list[str] = Field(description="Nhiệm vụ vừa được khởi tạo.")
    already: list[str] = Field(description="Nhiệm vụ đã có từ lần ban hành trước.")
    detail: str


class ActionOut(BaseModel):
    task_id: str
    action: str
    applied: bool = Field(
        description="False khi thao tác đã được ghi nhận nhưng chưa tới quy trình (202)."
    )
    repeated: bool = Field(description="Cùng Idempotency-Key đã được gửi trước đó.")
    state: TaskState | None = None
    status_class: StatusClass | None = None
    deadline: datetime | None = None
    detail: str


class DecisionBody(_In):
    approve: bool = Field(
        description="true: đồng ý gia hạn như đơn vị đề nghị; false: không đồng ý."
    )
    note: str = Field(
        min_length=1, pattern=NON_BLANK, max_length=2000, description="Ý kiến của Văn phòng."
    )


class ReassignBody(_In):
    owner: str = Field(
        min_length=1, pattern=NON_BLANK, max_length=64, description="Mã đơn vị chủ trì mới."
    )
    note: str = Field(
        min_length=1, pattern=NON_BLANK, max_length=2000, description="Lý do giao lại."
    )


class NoteBody(_In):
    note: str = Field(
        min_length=1, pattern=NON_BLANK, max_length=2000, description="Nhận xét của Văn phòng."
    )


class ReasonBody(_In):
    reason: str = Field(min_length=1, pattern=NON_BLANK, max_length=2000)


class ResendBody(_In):
    reason: str = Field(
        min_length=1, pattern=NON_BLANK, max_length=2000, description="Lý do gửi lại."
    )
    mail: str | None = Field(
        default=None,
        max_length=300,
        description="Thư cần gửi lại, dạng `EVENT_ID|KIND`; bỏ trống: thư gần nhất.",
    )


class ResendOut(BaseModel):
    task_id: str
    kind: str
    sent: list[str]
    failed: list[str]
    detail: str
