"""A conclusion notice as it arrives (YAML, JSON, API) and its all-or-nothing validation."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from dondoc.domain.calendar import WorkingCalendar
from dondoc.domain.deadlines import DeadlineError, NamedDayOff, past_date_problem, resolve_deadline
from dondoc.domain.ids import notice_key, task_id
from dondoc.domain.policy import Policy
from dondoc.domain.task import Signer, TaskSpec
from dondoc.domain.validation_words import WITH_LIMITS, reason


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# The longest each field may be: far beyond any real notice, and the same as the API's
# (dondoc.web.api.schemas), so a file and an API call are refused alike, naming the field,
# before a 100,000-character "work" reaches a mail, a page or a workflow's history. None
# is wider than its column in ``store/tables.py``, which PostgreSQL enforces.
CODE_MAX = 64
NUMBER_MAX = 100
NAME_MAX = 300
TEXT_MAX = 4000
RESULT_MAX = 2000
PHRASE_MAX = 200
COORDINATORS_MAX = 50
TASKS_MAX = 200

Code = Annotated[str, Field(min_length=1, max_length=CODE_MAX)]


def _not_a_number(value: object) -> object:
    """A day is written as a day: pydantic would read 20261201 as seconds since 1970."""
    if isinstance(value, int | float):
        raise ValueError("ngày không hợp lệ (dạng YYYY-MM-DD)")
    return value


FIRST_YEAR, LAST_YEAR = 1900, 2999


def _plausible_year(value: date) -> date:
    """The calendar and the deadline rules know plausible years only: "15 working days"
    after 20/12/9999 would overflow the date type."""
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"năm của thông báo phải từ {FIRST_YEAR} đến {LAST_YEAR}")
    return value


Day = Annotated[date, BeforeValidator(_not_a_number), AfterValidator(_plausible_year)]


class SignerIn(_In):
    name: str = Field(min_length=1, max_length=NAME_MAX)
    title: str = Field(min_length=1, max_length=NAME_MAX)


class TaskIn(_In):
    owner: Code
    coordinators: list[Code] = Field(default=[], max_length=COORDINATORS_MAX)
    work: str = Field(min_length=1, max_length=TEXT_MAX)
    result: str = Field(default="", max_length=RESULT_MAX)
    deadline: date | datetime | Annotated[str, Field(max_length=PHRASE_MAX)]
    policy: str | None = Field(default=None, max_length=CODE_MAX)


class NoticeIn(_In):
    number: str = Field(min_length=1, max_length=NUMBER_MAX, pattern=r"^[0-9]+/[^\s/]+")
    date: Day
    leader: Code
    signer: SignerIn | None = None
    subject: str = Field(min_length=1, max_length=TEXT_MAX)
    policy: str | None = Field(default=None, max_length=CODE_MAX)
    tasks: list[dict[str, Any]] = Field(min_length=1, max_length=TASKS_MAX)
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


_PATTERN = {"string_pattern_mismatch": "không đúng dạng (ví dụ: 245/TB-UBND)"}

ECHO_MAX = 80
"""How much of a wrong value a message repeats; a megabyte of it helps nobody."""


def _echo(value: object) -> str:
    text = str(value)
    return text if len(text) <= ECHO_MAX else text[:ECHO_MAX] + "…"


_DEADLINE_BRANCHES = {"date", "datetime", "str", "constrained-str"}
"""How pydantic names the branches of the deadline's union in an error's location."""


def _where(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int) and parts and parts[-1] == "tasks":
            parts[-1] = f"tasks[{item + 1}]"
        elif isinstance(item, int):
            parts[-1] = f"{parts[-1]}[{item + 1}]"
        elif item in _DEADLINE_BRANCHES and parts and parts[-1].endswith("deadline"):
            continue
        else:
            parts.append(str(item))
    return ".".join(parts) or "notice"


def _translate(err: ValidationError, prefix: tuple[int | str, ...] = ()) -> list[Problem]:
    seen: dict[str, Problem] = {}
    for e in err.errors():
        where = _where(prefix + tuple(e["loc"]))
        if e["type"] in WITH_LIMITS:
            msg = reason(e)
        elif where.endswith("deadline"):
            msg = f"không đọc được thời hạn «{_echo(e.get('input'))}»"
        else:
            msg = _PATTERN.get(e["type"]) or reason(e)
        if e["type"] in WITH_LIMITS:
            # Over a limit says more than "not a date" of the union's other branches.
            seen[where] = Problem(location=where, message=msg)
        else:
            seen.setdefault(where, Problem(location=where, message=msg))
    return list(seen.values())


def validate_notice(
    raw: object,
    *,
    agencies: Collection[str],
    leaders: Collection[str],
    policies: Collection[str] | Mapping[str, Policy],
    calendar_for: Callable[[date], WorkingCalendar],
) -> Notice:
    """Check a whole notice and return it resolved, or raise with every problem found.

    All-or-nothing by construction: nothing is started from a notice until this returns.
    Given the policies themselves (not only their names), each deadline follows its
    policy's ``named_day_off`` setting; given names, the default rule.
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
            deadline = resolve_deadline(
                task.deadline,
                notice.date,
                calendar,
                named_day_off=_named_day_off(policies, policy),
            )
        except DeadlineError as err:
            problems.append(Problem(location=f"{where}.deadline", message=str(err)))
            continue
        past = past_date_problem(deadline, notice.date)
        if past is not None:
            problems.append(Problem(location=f"{where}.deadline", message=past))
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


def _named_day_off(policies: Collection[str] | Mapping[str, Policy], name: str) -> NamedDayOff:
    found = policies.get(name) if isinstance(policies, Mapping) else None
    return found.named_day_off if isinstance(found, Policy) else NamedDayOff.PREVIOUS_WORKING_DAY
