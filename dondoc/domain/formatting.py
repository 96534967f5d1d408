"""How dates and deadlines read in Vietnamese, the same in mail, pages and the CLI."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from dondoc.domain.deadlines import Deadline, DeadlineKind

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")


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
