"""Turn a mail order into the words of one message: a Jinja2 template pair per mail kind.

Each kind has its own ``<kind>.txt.j2`` and ``<kind>.html.j2``; the wording of what
happened and what is asked lives there, in Vietnamese, beside the markup it needs. What
is computed rather than worded — days left or overdue, the report period of ongoing
work, the facts table — is derived here once, so the text and the HTML part always say
the same thing and a template never does date arithmetic.

Everything the templates print from a task (work, subject, notes, agency names) comes
from outside: the HTML templates are autoescaped (``.html.j2``), the text ones are not
markup at all, and ``StrictUndefined`` makes a missing value an error, never an empty
gap in a sentence sent to a department.
"""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from dondoc.domain.calendar import WorkingCalendar
from dondoc.domain.directory import OFFICE_CODE
from dondoc.domain.formatting import format_deadline, format_moment, local
from dondoc.domain.mail import MailKind, MailOrder
from dondoc.domain.task import STATE_LABELS, TaskSpec, TaskStatus, coordinators

_env = Environment(
    loader=PackageLoader("dondoc.activities", "templates/mail"),
    autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)

# A deadline this close reads as urgent (amber) rather than as information (grey): the
# week the first reminder (five working days before) falls in.
SOON_DAYS = 7
# When nothing names the hour, a report "for the month" is due at close of business.
_CLOSE_OF_BUSINESS = time(17, 0)
_ROMAN = ("I", "II", "III", "IV")


class Role(StrEnum):
    """Whom one copy of a mail addresses; the same event reads differently to each."""

    OWNER = "owner"
    COORDINATOR = "coordinator"
    OFFICE = "office"
    LEADER = "leader"
    # An agency that is neither owner nor coordinator: the former owner after a reassignment.
    OTHER = "other"


def recipient_role(code: str, is_agency: bool, order: MailOrder) -> Role:
    """The recipient's part in the task as the order's status stands (after the event)."""
    if code == OFFICE_CODE:
        return Role.OFFICE
    if not is_agency:
        return Role.LEADER
    if code == order.status.owner:
        return Role.OWNER
    if code in coordinators(order.spec, order.status):
        return Role.COORDINATOR
    return Role.OTHER


@dataclass(frozen=True, slots=True)
class Timing:
    """How a due moment stands against the mail's time, in days as a person counts them.

    Days are local calendar days (Asia/Ho_Chi_Minh), the way the deadline itself is
    written in the notice: due on the 15th and read on the 10th is "còn 5 ngày".
    """

    due: datetime
    days_left: int
    days_overdue: int
    overdue: bool
    phrase: str
    tone: str

    @classmethod
    def of(cls, due: datetime, now: datetime) -> Timing:
        due_day, today = local(due).date(), local(now).date()
        hour = f"{local(due):%H:%M}"
        if now <= due:
            left = (due_day - today).days
            phrase = f"hết hạn lúc {hour} hôm nay" if left == 0 else f"còn {left} ngày"
            tone = "soon" if left <= SOON_DAYS else "calm"
            return cls(due, left, 0, False, phrase, tone)
        late = (today - due_day).days
        phrase = f"đã quá hạn {late} ngày" if late else f"đã quá hạn (hết hạn lúc {hour} hôm nay)"
        return cls(due, 0, late, True, phrase, "late")


@dataclass(frozen=True, slots=True)
class Period:
    """One reporting period of ongoing work: what it is called and when its report is due."""

    end: date
    label: str
    due: datetime
    timing: Timing


def _period_label(end: date, every: int) -> str:
    if every == 1:
        return f"tháng {end.month}/{end.year}"
    if every == 3 and end.month % 3 == 0:
        return f"quý {_ROMAN[end.month // 3 - 1]}/{end.year}"
    if every == 6 and end.month in (6, 12):
        half = "đầu" if end.month == 6 else "cuối"
        return f"6 tháng {half} năm {end.year}"
    if every == 12 and end.month == 12:
        return f"năm {end.year}"
    return f"kỳ kết thúc ngày {end:%d/%m/%Y}"


def _month_ends(around: date, every: int) -> list[date]:
    """Period ends from a year before ``around`` to a year after, as the policy counts them:
    calendar month (or quarter, half-year, year) ends; every month end when the cadence
    does not divide the year."""
    aligned = 12 % every == 0
    ends: list[date] = []
    year, month = around.year - 1, around.month
    for _ in range(26):
        if month % every == 0 or not aligned:
            ends.append(date(year, month, monthrange(year, month)[1]))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return ends


def report_period(
    status: TaskStatus, now: datetime, *, upcoming: bool, calendar: WorkingCalendar | None
) -> Period | None:
    """The period a periodic-report mail is about; None for work with a fixed deadline.

    The mail carries no period, so it is found from the mail's time: a "report due" mail
    goes out before its period ends (the first end not yet past), a "report missed" mail
    after it (the last end already past). The report is due at the close of the period's
    last day, moved to the next working day when that is a day off, as the follow-up
    policy anchors it.
    """
    if status.deadline.due is not None:
        return None
    every = status.deadline.report_every_months or 1
    today = local(now).date()
    ends = _month_ends(today, every)
    chosen = next(e for e in ends if e >= today) if upcoming else [e for e in ends if e < today][-1]
    if calendar is not None:
        due = calendar.end_of_day(calendar.next_working_day(chosen))
    else:
        due = datetime.combine(chosen, _CLOSE_OF_BUSINESS, tzinfo=local(now).tzinfo)
    return Period(chosen, _period_label(chosen, every), due, Timing.of(due, now))


def cadence(status: TaskStatus) -> str:
    every = status.deadline.report_every_months or 1
    return {1: "hằng tháng", 3: "hằng quý", 6: "6 tháng một lần", 12: "hằng năm"}.get(
        every, f"{every} tháng một lần"
    )


def _report_timing(status: TaskStatus) -> str | None:
    """Whether the completion report came in time: "đúng hạn" or "quá hạn N ngày"."""
    reported = status.reported_at or status.completed_at
    due = status.deadline.due
    if reported is None:
        return None
    if due is None or reported <= due:
        return "đúng hạn"
    late = (local(reported).date() - local(due).date()).days
    return f"quá hạn {late} ngày" if late else "quá hạn (trong ngày hết hạn)"


def _facts(context: Mapping[str, Any]) -> list[tuple[str, str, bool]]:
    """The task facts table, (label, value, emphasised), shared by the text and HTML parts."""
    spec: TaskSpec = context["spec"]
    status: TaskStatus = context["status"]
    rows = [
        ("Thông báo", f"Số {spec.notice_number} ngày {spec.notice_date:%d/%m/%Y}", False),
        ("Trích yếu", spec.notice_subject, False),
        ("Lãnh đạo chỉ đạo", context["leader_label"], False),
        ("Nội dung công việc", spec.work, True),
        ("Kết quả cần đạt", spec.result or "(thông báo không nêu)", False),
        ("Đơn vị chủ trì", context["owner_name"], False),
    ]
    if context["coordinator_names"]:
        rows.append(("Đơn vị phối hợp", ", ".join(context["coordinator_names"]), False))
    rows.append(("Thời hạn", format_deadline(status.deadline), True))
    if status.deadline.due != status.original_deadline.due:
        rows.append(("Thời hạn ban đầu", format_deadline(status.original_deadline), False))
    rows.append(("Trạng thái", STATE_LABELS[status.state], False))
    return rows


def _name_of(code: str, context: Mapping[str, Any]) -> str:
    """A bounce note names the recipient by code ("STC: 550 …"); the office reads names.

    Whoever a task's mail goes to is its owner, a coordinator, the office or its leader,
    so the names already in the context are enough; an unknown code is shown as is.
    """
    spec: TaskSpec = context["spec"]
    status: TaskStatus = context["status"]
    known = {
        status.owner: context["owner_name"],
        **dict(zip(coordinators(spec, status), context["coordinator_names"], strict=False)),
        spec.leader: context["leader_label"],
        OFFICE_CODE: context["office_name"],
    }
    name = known.get(code)
    return f"{name} ({code})" if name and name != code else code


def _derive(kind: MailKind, context: Mapping[str, Any]) -> dict[str, Any]:
    """Everything a template needs beyond the raw order: computed once, worded nowhere."""
    spec: TaskSpec = context["spec"]
    status: TaskStatus = context["status"]
    now: datetime = context["now"]
    role = Role(context["recipient_role"])
    timing = Timing.of(status.deadline.due, now) if status.deadline.due else None
    if timing is None:
        due_clause = f"định kỳ {cadence(status)}"
    elif timing.overdue:
        due_clause = "ngay"
    else:
        due_clause = f"trước {format_moment(timing.due)}"
    bounce_code, _, bounce_reason = str(context["note"]).partition(": ")
    reported = status.reported_at
    return {
        "kind": kind,
        "role": role.value,
        "notice_ref": f"Thông báo số {spec.notice_number} ngày {spec.notice_date:%d/%m/%Y}",
        "timing": timing,
        "due_clause": due_clause,
        "cadence": cadence(status),
        "period": report_period(
            status,
            now,
            upcoming=kind != MailKind.REPORT_MISSED,
            calendar=context.get("calendar"),
        ),
        "report_timing": _report_timing(status),
        "waiting_days": (local(now).date() - local(reported).date()).days if reported else 0,
        "facts": _facts(context),
        "signature": (
            f"Hệ thống Đôn đốc – {context['office_name']}"
            if role == Role.OFFICE
            else context["office_name"]
        ),
        "bounce_recipient": _name_of(bounce_code, context) if bounce_reason else "",
        "bounce_reason": bounce_reason or bounce_code,
    }


def _capfirst(text: str) -> str:
    """ "đồng chí Vinh, …" opens a salutation as "Đồng chí Vinh, …" (Kính gửi: Đồng chí …)."""
    return text[:1].upper() + text[1:]


_env.filters["deadline"] = format_deadline
_env.filters["moment"] = format_moment
_env.filters["capfirst"] = _capfirst

_BLANK_RUNS = re.compile(r"\n[ \t]*(?:\n[ \t]*){2,}")
_TRAILING = re.compile(r"(?m)(?<!^--)[ \t]+$")


def _tidy(text: str) -> str:
    """At most one blank line in a row: block-based text templates leave gaps where a
    kind has nothing to say (no note, no button), and a plain-text reader sees every one.
    Trailing spaces go too, except in the signature separator "-- " that clients know."""
    text = _TRAILING.sub("", text)
    return _BLANK_RUNS.sub("\n\n", text).strip() + "\n"


@dataclass(frozen=True, slots=True)
class RenderedMail:
    text: str
    html: str


def template_names(kind: MailKind) -> tuple[str, str]:
    return f"{kind.value}.txt.j2", f"{kind.value}.html.j2"


def render(kind: MailKind, context: Mapping[str, Any]) -> RenderedMail:
    """Render the kind's own template pair.

    ``context`` holds what the mail activity knows: ``spec``, ``status``, ``note``, ``now``
    (the mail's time), ``recipient_name``, ``recipient_role`` (a ``Role``), ``owner_name``,
    ``coordinator_names``, ``leader_label``, ``office_name``, ``link``, ``agency_link``
    (None for the office and leaders), ``subject`` and optionally ``calendar`` (the
    working calendar, for when a periodic report falls due). A kind without its own pair
    is an error rather than a generic fallback: a vague mail to an agency is worse than a
    failing activity that the test suite catches first.
    """
    ctx = {**context, **_derive(kind, context)}
    text_name, html_name = template_names(kind)
    return RenderedMail(
        text=_tidy(_env.get_template(text_name).render(ctx)),
        html=_env.get_template(html_name).render(ctx),
    )
