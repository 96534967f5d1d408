"""What still needs a person's eye in a draft, read against the values now in the form.

- A flag stands until its field is changed, or a person ticks «Đã kiểm tra» for it.
- A field the notice cannot be issued with (empty, an unreadable deadline, anything the
  notice's validation refuses) is flagged until it is changed; a tick does not clear it.
- Every deadline phrase is read again for its due day, and a year the text left out is
  flagged, as the parser flags what it guessed.

``review`` runs on every POST of the form, and once more when «Ban hành» is pressed, so
what is issued is what the server found nothing standing against, whatever the page said.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from dondoc.domain.calendar import WorkingCalendar
from dondoc.domain.deadlines import Deadline, DeadlineError, DeadlineKind, resolve_deadline
from dondoc.domain.formatting import format_moment
from dondoc.domain.notice import Problem
from dondoc.web.console.draft_form import (
    HEADER_FIELDS,
    NOTICE,
    NUMBER,
    TASK_FIELDS,
    DraftForm,
    Flag,
    Header,
    Part,
    Row,
    Value,
)

CalendarFor = Callable[[date], WorkingCalendar]
Validate = Callable[[dict[str, Any]], list[Problem]]

_DATED = {
    DeadlineKind.DATE,
    DeadlineKind.DATETIME,
    DeadlineKind.MONTH,
    DeadlineKind.QUARTER,
    DeadlineKind.HALF_YEAR,
    DeadlineKind.YEAR,
}


def review(form: DraftForm, calendar_for: CalendarFor, validate: Validate) -> None:
    """Set every part's ``standing`` flags and every row's due day; apply the ticks."""
    raised: dict[str, list[Flag]] = {name: [] for name, _ in form.parts()}
    _check_header(form.header, raised[NOTICE])
    notice_date = form.header.notice_date()
    seen: dict[tuple[Value, Value], int] = {}
    for position, row in enumerate(form.rows, start=1):
        _check_row(row, raised[row.uid], notice_date, calendar_for)
        same = (row.value("owner"), row.value("work"))
        if not (same[0] and same[1]):
            continue
        if same in seen:
            message = f"trùng với nhiệm vụ {seen[same]} (cùng đơn vị chủ trì và nội dung)"
            raised[row.uid].append(Flag("owner", message, same[0], origin="check"))
        else:
            seen[same] = position
    if not form.rows:
        raised[NOTICE].append(
            Flag("tasks", "chưa có nhiệm vụ nào; thêm ít nhất một", "", True, "blank")
        )
    for problem in validate(form.notice_input()):
        part, name = _place(form, problem.location)
        value = (form.header if part == NOTICE else form.row(part)).value(name)
        raised[part].append(Flag(name, problem.message, value, True, "validation"))

    if form.rows:  # "no task found" was the parser's; the rows answer it
        form.header.flags = [f for f in form.header.flags if f.field != "tasks"]
    for name, part in form.parts():
        ticked = form.ticked.get(name, set())
        part.standing = _settle(part, raised[name], ticked, form.ticked_keys)
    form.ticked, form.ticked_keys = {}, set()


def due_words(deadline: Deadline) -> str:
    """The due moment beside the phrase it came from (so the phrase is not repeated)."""
    if deadline.due is None or deadline.kind == DeadlineKind.ONGOING:
        every = deadline.report_every_months or 1
        period = {1: "hằng tháng", 3: "hằng quý"}.get(every, f"{every} tháng một lần")
        return f"thường xuyên, báo cáo {period}"
    return format_moment(deadline.due)


def repeated(form: DraftForm) -> list[tuple[Flag, list[str]]]:
    """The same remark standing on several rows (every addressee of a letter, every member
    of a group), with the rows: one tick may confirm it everywhere."""
    found: dict[str, tuple[Flag, list[str]]] = {}
    for part, flag in form.standing():
        if part == NOTICE or flag.fix:
            continue
        found.setdefault(flag.key, (flag, []))[1].append(part)
    return [(flag, parts) for flag, parts in found.values() if len(parts) > 1]


def _settle(part: Part, raised: list[Flag], ticked: set[str], keys: set[str]) -> list[Flag]:
    """The flags of one part that stand, fixes first; confirmations recorded."""
    part.confirmed = [c for c in part.confirmed if c.value == part.value(c.field)]
    fixes = {f.field for f in raised if f.fix}
    fixes |= {f.field for f in part.flags if _unusable(part, f.field)}

    def confirmed_now(flag: Flag) -> bool:
        return not flag.fix and (flag.field in ticked or flag.key in keys)

    kept: list[Flag] = []
    for flag in part.flags:
        known = flag.field in TASK_FIELDS or flag.field in HEADER_FIELDS
        if known and flag.value != part.value(flag.field):
            continue  # the field was changed: the remark no longer applies
        flag.fix = flag.field in fixes
        if not confirmed_now(flag):
            kept.append(flag)
    part.flags = kept
    standing = list(kept)
    # What the parser said about a field tells why it is empty better than "empty" does;
    # a validation problem on a field already to be fixed would say it twice.
    explained = {f.field for f in kept}
    for flag in raised:
        flag.fix = flag.fix or flag.field in fixes
        if flag.origin == "blank" and flag.field in explained:
            continue
        if flag.origin == "validation" and any(f.fix and f.field == flag.field for f in standing):
            continue
        if not flag.fix and any(_same(flag, c) for c in part.confirmed):
            continue
        if confirmed_now(flag):
            part.confirmed.append(flag)
            continue
        standing.append(flag)
    unique: dict[tuple[str, str], Flag] = {}
    for flag in standing:
        if (flag.field, flag.message) in unique:
            unique[(flag.field, flag.message)].fix |= flag.fix
        else:
            unique[(flag.field, flag.message)] = flag
    return sorted(unique.values(), key=lambda f: not f.fix)


def _check_header(h: Header, raised: list[Flag]) -> None:
    if not NUMBER.match(h.number.strip()):
        message = (
            "chưa có số văn bản; ghi số, ký hiệu (ví dụ 245/TB-UBND)"
            if not h.number.strip()
            else f"số văn bản «{h.number.strip()}» chưa đủ; ghi dạng 245/TB-UBND"
        )
        raised.append(Flag("number", message, h.value("number"), True, "blank"))
    if not h.date.strip():
        raised.append(Flag("date", "chưa có ngày thông báo", "", True, "blank"))
    elif h.notice_date() is None:
        raised.append(Flag("date", "ngày thông báo không hợp lệ", h.value("date"), True, "check"))
    if not h.leader.strip():
        raised.append(Flag("leader", "chưa chọn lãnh đạo kết luận", "", True, "blank"))
    if not h.subject.strip():
        raised.append(Flag("subject", "chưa có trích yếu", "", True, "blank"))
    if bool(h.signer_name.strip()) != bool(h.signer_title.strip()):
        message = "ghi cả họ tên và chức vụ người ký, hoặc để trống cả hai"
        raised.append(Flag("signer", message, h.value("signer"), True, "check"))


def _check_row(
    row: Row, raised: list[Flag], notice_date: date | None, calendar_for: CalendarFor
) -> None:
    row.due, row.due_on = "", None
    if not row.owner.strip():
        raised.append(Flag("owner", "chưa chọn đơn vị chủ trì", "", True, "blank"))
    if not row.work.strip():
        raised.append(Flag("work", "chưa có nội dung công việc", "", True, "blank"))
    phrase = " ".join(row.deadline.split())
    if not phrase:
        raised.append(Flag("deadline", "chưa có thời hạn", "", True, "blank"))
        return
    if notice_date is None:
        return
    try:
        deadline = resolve_deadline(phrase, notice_date, calendar_for(notice_date))
    except (DeadlineError, OverflowError, ValueError) as err:
        message = str(err) if isinstance(err, DeadlineError) else "thời hạn ngoài phạm vi"
        raised.append(Flag("deadline", message, phrase, True, "check"))
        return
    row.due = due_words(deadline)
    row.due_on = deadline.due.date() if deadline.due else None
    guessed = _year_left_out(phrase, deadline, notice_date, calendar_for)
    if guessed is not None:
        message = f"văn bản không ghi năm; hệ thống hiểu là ngày {guessed:%d/%m/%Y}, kiểm tra lại"
        raised.append(Flag("deadline", message, phrase, origin="check"))


def _year_left_out(
    phrase: str, deadline: Deadline, notice_date: date, calendar_for: CalendarFor
) -> date | None:
    """The due day, when it depends on the year of the notice: a date written without its
    year gives another day for the same phrase a year later."""
    if deadline.kind not in _DATED or deadline.due is None:
        return None
    try:
        later = notice_date.replace(year=notice_date.year + 1)
    except ValueError:  # 29 February
        later = notice_date.replace(year=notice_date.year + 1, day=28)
    try:
        again = resolve_deadline(phrase, later, calendar_for(later))
    except (DeadlineError, OverflowError, ValueError):
        return None
    if again.due is not None and again.due.date() != deadline.due.date():
        return deadline.due.date()
    return None


def _place(form: DraftForm, location: str) -> tuple[str, str]:
    """A validation problem's location (``tasks[2].coordinators[1]``) on the form."""
    m = re.match(r"^tasks\[(\d+)\]\.([a-z_]+)", location)
    if m and 1 <= int(m.group(1)) <= len(form.rows):
        name = m.group(2)
        return form.rows[int(m.group(1)) - 1].uid, name if name in TASK_FIELDS else "work"
    name = location.split(".")[0].split("[")[0]
    return NOTICE, name if name in HEADER_FIELDS or name == "tasks" else NOTICE


def _unusable(part: Part, name: str) -> bool:
    """A field the notice cannot be issued with, so its flags must be fixed."""
    value = part.value(name)
    if isinstance(part, Header):
        if name == "number":
            return not NUMBER.match(str(value))
        return name in {"date", "leader", "subject"} and not value
    return name in {"owner", "work", "deadline"} and not value


def _same(flag: Flag, other: Flag) -> bool:
    return (flag.field, flag.message, flag.value) == (other.field, other.message, other.value)
