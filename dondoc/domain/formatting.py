"""How dates and deadlines read in Vietnamese, the same in mail, pages and the CLI."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from dondoc.domain.calendar import STANDING_LABELS, WEEKDAYS, DayStanding, day_label
from dondoc.domain.deadlines import COUNTED_KINDS, Deadline, DeadlineKind

__all__ = [
    "LOCAL_TZ",
    "WEEKDAYS",
    "deadline_notes",
    "format_counted_from",
    "format_date",
    "format_deadline",
    "format_moment",
    "format_provisional_days",
    "format_standing",
    "local",
]

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def local(at: datetime) -> datetime:
    return at.astimezone(LOCAL_TZ)


def format_date(d: date) -> str:
    return f"{WEEKDAYS[d.weekday()]}, {d:%d/%m/%Y}"


def format_moment(at: datetime) -> str:
    at = local(at)
    return f"{at:%H:%M} {WEEKDAYS[at.weekday()].lower()}, ngày {at:%d/%m/%Y}"


def format_deadline(deadline: Deadline) -> str:
    """``17:00 thứ ba, ngày 15/09/2026 (trước ngày 15/9/2026)`` — the instant and its source."""
    if deadline.due is None or deadline.kind == DeadlineKind.ONGOING:
        every = deadline.report_every_months or 1
        period = (
            "hằng tháng" if every == 1 else ("hằng quý" if every == 3 else f"{every} tháng một lần")
        )
        return f"Thường xuyên, báo cáo {period} ({deadline.phrase})"
    text = format_moment(deadline.due)
    phrase = deadline.phrase.strip()
    if phrase and not phrase[:4].isdigit():
        text += f" ({phrase})"
    return text


def format_counted_from(deadline: Deadline) -> str | None:
    """``Tính từ ngày đơn vị nhận được văn bản (14/09/2026).`` for a counted period.

    The start is what a reader cannot see in "trong 10 ngày làm việc", so pages show it
    beside the deadline; None for named dates and ongoing work.
    """
    if deadline.counted_from is None or deadline.kind not in COUNTED_KINDS:
        return None
    text = deadline.counted_from.describe()
    return text[0].upper() + text[1:] + "."


def deadline_notes(deadline: Deadline, *, review_only: bool = False) -> list[str]:
    """The sentences to show under a deadline: where it counts from, then its flags.

    ``review_only`` keeps what a person must check (a guessed year, a provisional day,
    a time on a day off) and drops the explanations.
    """
    notes: list[str] = []
    start = format_counted_from(deadline)
    if start is not None and not review_only:
        notes.append(start)
    notes.extend(f.message for f in deadline.flags if f.review or not review_only)
    return notes


def format_standing(day: DayStanding) -> str:
    """``thứ Năm 04/02/2027 — dự kiến, chưa chính thức: <nguồn>`` for the console."""
    text = f"{day_label(day.date)} — {STANDING_LABELS[day.standing]}: {day.source}"
    return f"{text} ({day.note})" if day.note else text


def format_provisional_days(days: Iterable[DayStanding]) -> str | None:
    """One sentence saying a plan rests on provisional days, or None if it does not."""
    listed = [day_label(d.date) for d in days if d.is_provisional]
    if not listed:
        return None
    return (
        "Kế hoạch này dựa trên ngày chưa chính thức trong lịch: "
        + ", ".join(listed)
        + "; khi có lịch chính thức, các mốc có thể thay đổi."
    )
