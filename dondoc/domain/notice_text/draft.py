"""The draft a parsed notice becomes: the notice schema's fields plus what a reviewer needs.

The fields ``dondoc notice issue`` takes (``number``, ``date``, ``leader``, ``signer``,
``subject``, and per task ``owner``, ``coordinators``, ``work``, ``result``,
``deadline``) come first, with ``None`` where the text did not give a value the directory
or the calendar accepts. After them, review metadata: the task's ``source`` text, the
resolved ``due`` day, a ``confidence`` per field, ``review`` flags that say what to check
and why, and ``spans``: where each field's words are in the text as given (character
offsets, end exclusive), so a page can highlight them beside the draft.

The metadata is not part of the notice: ``notice_input`` strips it, and
``unresolved`` names the fields still empty, which nothing may be issued with.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

TASK_REVIEW_KEYS = ("due", "source", "confidence", "review", "spans")
NOTICE_REVIEW_KEYS = ("confidence", "review", "spans")


class Span(BaseModel):
    """Words of the text as given: ``text[start:end]``."""

    model_config = ConfigDict(frozen=True)

    start: int
    end: int
    text: str
    code: str | None = None
    """For an agency: the code it resolved to, if any."""


class Flag(BaseModel):
    """Something a person must check before issuing: which field and why, in Vietnamese."""

    model_config = ConfigDict(frozen=True)

    field: str
    message: str


class SignerDraft(BaseModel):
    name: str
    title: str


class TaskDraft(BaseModel):
    owner: str | None
    coordinators: list[str] = []
    work: str
    result: str = ""
    deadline: str | None
    due: date | None = None
    source: str
    confidence: dict[str, float] = {}
    review: list[Flag] = []
    spans: dict[str, Span | list[Span]] = {}


class NoticeDraft(BaseModel):
    model_config = ConfigDict(validate_assignment=True)

    number: str | None
    date: date | None
    leader: str | None
    signer: SignerDraft | None = None
    subject: str | None
    tasks: list[TaskDraft] = []
    confidence: dict[str, float] = {}
    review: list[Flag] = []
    spans: dict[str, Span] = Field(default_factory=dict)

    def as_document(self) -> dict[str, Any]:
        """The draft as YAML/JSON data, in the order a person reads it.

        Empty values of the notice's fields stay (``owner: null`` is what a reviewer
        fills in); a span's ``code`` appears only where a name resolved.
        """
        document = self.model_dump(mode="json")
        for spans in [document["spans"], *(t["spans"] for t in document["tasks"])]:
            for value in spans.values():
                for span in value if isinstance(value, list) else [value]:
                    if span.get("code") is None:
                        span.pop("code", None)
        return document

    def unresolved(self) -> list[str]:
        return unresolved(self.as_document())


def notice_input(document: dict[str, Any]) -> dict[str, Any]:
    """The notice schema's fields of a draft (as data), review metadata dropped."""
    out = {k: v for k, v in document.items() if k not in NOTICE_REVIEW_KEYS}
    if out.get("signer") is None:
        out.pop("signer", None)
    tasks = out.get("tasks")
    if isinstance(tasks, list):
        out["tasks"] = [
            {k: v for k, v in task.items() if k not in TASK_REVIEW_KEYS}
            if isinstance(task, dict)
            else task
            for task in tasks
        ]
    return out


def has_review_metadata(document: object) -> bool:
    """Whether a document is a parser draft (so its metadata may be dropped)."""
    if not isinstance(document, dict):
        return False
    if any(k in document for k in NOTICE_REVIEW_KEYS):
        return True
    tasks = document.get("tasks")
    return isinstance(tasks, list) and any(
        isinstance(t, dict) and any(k in t for k in TASK_REVIEW_KEYS) for t in tasks
    )


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def unresolved(document: dict[str, Any]) -> list[str]:
    """Fields a draft still lacks, as ``location: why``; the reason the review flag gave.

    A draft is issuable when this is empty: a person has filled in every value the text
    did not give. Flags on filled-in fields are advice, not blockers.
    """
    flags: dict[str, str] = {}
    for flag in document.get("review") or []:
        if isinstance(flag, dict):
            flags.setdefault(str(flag.get("field")), str(flag.get("message", "")))
    missing: list[str] = []

    def why(field: str, default: str, flags: dict[str, str]) -> str:
        return flags.get(field) or default

    number = document.get("number")
    if _blank(number) or not str(number).strip()[:1].isdigit():
        missing.append(f"number: {why('number', 'chưa có số văn bản', flags)}")
    if _blank(document.get("date")):
        missing.append(f"date: {why('date', 'chưa có ngày ban hành', flags)}")
    if _blank(document.get("leader")):
        missing.append(f"leader: {why('leader', 'chưa xác định lãnh đạo kết luận', flags)}")
    if _blank(document.get("subject")):
        missing.append(f"subject: {why('subject', 'chưa có trích yếu', flags)}")
    tasks = document.get("tasks") or []
    if not tasks:
        missing.append("tasks: không tìm thấy nhiệm vụ nào")
    for index, task in enumerate(tasks, start=1):
        if not isinstance(task, dict):
            continue
        task_flags: dict[str, str] = {}
        for flag in task.get("review") or []:
            if isinstance(flag, dict):
                task_flags.setdefault(str(flag.get("field")), str(flag.get("message", "")))
        for name, default in (
            ("owner", "chưa xác định đơn vị chủ trì"),
            ("work", "chưa có nội dung công việc"),
            ("deadline", "chưa có thời hạn"),
        ):
            if _blank(task.get(name)):
                missing.append(f"tasks[{index}].{name}: {why(name, default, task_flags)}")
    return missing
