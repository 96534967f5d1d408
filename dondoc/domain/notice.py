"""A conclusion notice as it arrives (YAML, JSON, API) and its all-or-nothing validation."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dondoc.domain.calendar import WorkingCalendar
from dondoc.domain.deadlines import DeadlineError, resolve_deadline
from dondoc.domain.ids import notice_key, task_id
from dondoc.domain.task import Signer, TaskSpec


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SignerIn(_In):
    name: str = Field(min_length=1)
    title: str = Field(min_length=1)


# The store's column widths (``store/tables.py``), which PostgreSQL enforces: a longer
# number or phrase is bad input, refused here with the field named.
NUMBER_MAX = 100
PHRASE_MAX = 300


class TaskIn(_In):
    owner: str = Field(min_length=1)
    coordinators: list[str] = []
    work: str = Field(min_length=1)
    result: str = ""
    deadline: date | datetime | Annotated[str, Field(max_length=PHRASE_MAX)]
    policy: str | None = None


class NoticeIn(_In):
    number: str = Field(min_length=1, max_length=NUMBER_MAX, pattern=r"^[0-9]+/[^\s/]+")
    date: date
    leader: str = Field(min_length=1)
    signer: SignerIn | None = None
    subject: str = Field(min_length=1)
    policy: str | None = None
    tasks: list[dict[str, Any]] = Field(min_length=1)
    """Each task is validated on its own, so one bad task does not hide the others' problems."""


class Notice(BaseModel):
    """A notice that passed validation: every code known, every deadline resolved."""

    model_config = ConfigDict(frozen=True)

    key: str
    number: str
    date: date
    leader: str
    signer: Signer | None
    subject: str
    tasks: tuple[TaskSpec, ...]


class Problem(BaseModel):
    """One thing wrong with the input: where (machine path) and why (for a person)."""

    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class NoticeInvalid(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


_PYDANTIC_MESSAGES = {
    "missing": "thiếu trường bắt buộc",
    "extra_forbidden": "trường không được hỗ trợ",
    "string_too_short": "không được để trống",
    "too_short": "phải có ít nhất một mục",
    "string_pattern_mismatch": "không đúng dạng (ví dụ: 245/TB-UBND)",
    "date_from_datetime_parsing": "ngày không hợp lệ (dạng YYYY-MM-DD)",
    "date_parsing": "ngày không hợp lệ (dạng YYYY-MM-DD)",
    "date_type": "ngày không hợp lệ (dạng YYYY-MM-DD)",
    "string_type": "phải là chuỗi ký tự",
    "list_type": "phải là danh sách",
    "model_type": "phải là một bảng khóa–giá trị",
    "dict_type": "phải là một bảng khóa–giá trị",
}


def _where(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int) and parts and parts[-1] == "tasks":
            parts[-1] = f"tasks[{item + 1}]"
        elif isinstance(item, int):
            parts[-1] = f"{parts[-1]}[{item + 1}]"
        elif (
            item in {"date", "datetime", "str", "constrained-str"}
            and parts
            and parts[-1].endswith("deadline")
        ):
            continue
        else:
            parts.append(str(item))
    return ".".join(parts) or "notice"


def _translate(err: ValidationError, prefix: tuple[int | str, ...] = ()) -> list[Problem]:
    seen: dict[str, Problem] = {}
    # A value too long is the problem to name, not the union's other branches that failed.
    for e in sorted(err.errors(), key=lambda e: e["type"] != "string_too_long"):
        where = _where(prefix + tuple(e["loc"]))
        if e["type"] == "string_too_long":
            msg = f"dài quá {e.get('ctx', {}).get('max_length')} ký tự"
        elif where.endswith("deadline"):
            msg = f"không đọc được thời hạn «{e.get('input')}»"
        else:
            msg = _PYDANTIC_MESSAGES.get(e["type"], e["msg"])
        seen.setdefault(where, Problem(location=where, message=msg))
    return list(seen.values())


def validate_notice(
    raw: object,
    *,
    agencies: Collection[str],
    leaders: Collection[str],
    policies: Collection[str],
    calendar_for: Callable[[date], WorkingCalendar],
) -> Notice:
    """Check a whole notice and return it resolved, or raise with every problem found.

    All-or-nothing by construction: nothing is started from a notice until this returns.
    """
    try:
        notice = NoticeIn.model_validate(raw)
    except ValidationError as err:
        raise NoticeInvalid(_translate(err)) from None
    tasks: list[TaskIn | None] = []
    problems: list[Problem] = []
    for index, raw_task in enumerate(notice.tasks):
        try:
            tasks.append(TaskIn.model_validate(raw_task))
        except ValidationError as err:
            problems.extend(_translate(err, ("tasks", index)))
            tasks.append(None)

    known_agencies = {a.upper() for a in agencies}
    if notice.leader.upper() not in {code.upper() for code in leaders}:
        problems.append(
            Problem(
                location="leader", message=f"mã lãnh đạo «{notice.leader}» không có trong danh bạ"
            )
        )
    if notice.policy and notice.policy not in policies:
        problems.append(
            Problem(location="policy", message=f"không có chính sách đôn đốc «{notice.policy}»")
        )
    calendar = calendar_for(notice.date)
    key = notice_key(notice.number, notice.date)
    specs: list[TaskSpec] = []
    for position, task in enumerate(tasks, start=1):
        if task is None:
            continue
        where = f"tasks[{position}]"
        before = len(problems)
        owner = task.owner.upper()
        if owner not in known_agencies:
            problems.append(
                Problem(
                    location=f"{where}.owner",
                    message=f"mã đơn vị «{task.owner}» không có trong danh bạ",
                )
            )
        coordinators: list[str] = []
        for i, code in enumerate(task.coordinators, start=1):
            if code.upper() not in known_agencies:
                problems.append(
                    Problem(
                        location=f"{where}.coordinators[{i}]",
                        message=f"mã đơn vị «{code}» không có trong danh bạ",
                    )
                )
            elif code.upper() == owner:
                problems.append(
                    Problem(
                        location=f"{where}.coordinators[{i}]",
                        message="đơn vị chủ trì không đồng thời là đơn vị phối hợp",
                    )
                )
            elif code.upper() not in coordinators:
                coordinators.append(code.upper())
        policy = task.policy or notice.policy or "default"
        if task.policy and task.policy not in policies:
            problems.append(
                Problem(
                    location=f"{where}.policy",
                    message=f"không có chính sách đôn đốc «{task.policy}»",
                )
            )
        try:
            deadline = resolve_deadline(task.deadline, notice.date, calendar)
        except DeadlineError as err:
            problems.append(Problem(location=f"{where}.deadline", message=str(err)))
            continue
        if deadline.due is not None and deadline.due.date() < notice.date:
            problems.append(
                Problem(
                    location=f"{where}.deadline",
                    message=(
                        f"thời hạn {deadline.due:%d/%m/%Y} trước ngày ban hành thông báo "
                        f"{notice.date:%d/%m/%Y}"
                    ),
                )
            )
        if len(problems) > before:
            continue
        specs.append(
            TaskSpec(
                id=task_id(key, position),
                position=position,
                notice_key=key,
                notice_number=notice.number,
                notice_date=notice.date,
                notice_subject=notice.subject,
                leader=notice.leader.upper(),
                owner=owner,
                coordinators=tuple(coordinators),
                work=task.work,
                result=task.result,
                deadline=deadline,
                policy=policy,
            )
        )
    if problems:
        raise NoticeInvalid(problems)
    signer = Signer(name=notice.signer.name, title=notice.signer.title) if notice.signer else None
    return Notice(
        key=key,
        number=notice.number,
        date=notice.date,
        leader=notice.leader.upper(),
        signer=signer,
        subject=notice.subject,
        tasks=tuple(specs),
    )
