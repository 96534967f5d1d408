"""Deadline phrases from conclusion notices, turned into one instant.

Notices state deadlines the way people write them: "trước ngày 15/9/2026", "trong quý
III/2026", "trong 15 ngày làm việc", "thường xuyên". Timers need an instant, so every
phrase resolves to an aware datetime in the calendar's zone (or to none, for ongoing
work that reports periodically instead).

Two rules apply to every dated form:

* A deadline "on a day" expires at the close of that working day (``end_of_day``), unless
  the phrase names a time of day.
* A due day that is not a working day moves to the next working day, as the Civil Code
  (Bộ luật Dân sự 2015, art. 148) does for any period ending on a day off. Periods ("trong
  tháng 10/2026") follow the same rule, so a month ending on a Saturday ends on Monday.

An explicit ISO date-time (or a ``datetime``) is taken as the exact instant, without
moving it: it comes from a machine or a person who chose the minute on purpose.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from dondoc.domain.calendar import WorkingCalendar


class DeadlineKind(StrEnum):
    DATE = "date"
    DATETIME = "datetime"
    WORKING_DAYS = "working_days"
    DAYS = "days"
    MONTH = "month"
    QUARTER = "quarter"
    HALF_YEAR = "half_year"
    YEAR = "year"
    ONGOING = "ongoing"


class Deadline(BaseModel):
    """A resolved deadline; ``phrase`` keeps the words of the notice for display."""

    model_config = ConfigDict(frozen=True)

    phrase: str
    kind: DeadlineKind
    due: datetime | None
    report_every_months: int | None = Field(default=None, ge=1)

    @model_validator(mode="before")
    @classmethod
    def _ongoing_reports_monthly(cls, data: Any) -> Any:
        # Ongoing work with no stated cadence still has to report something, and the
        # provincial office's habit is a monthly report.
        if (
            isinstance(data, dict)
            and data.get("kind") == DeadlineKind.ONGOING
            and data.get("report_every_months") is None
        ):
            return {**data, "report_every_months": 1}
        return data

    @model_validator(mode="after")
    def _due_matches_kind(self) -> Deadline:
        if self.kind == DeadlineKind.ONGOING:
            if self.due is not None:
                raise ValueError("việc thường xuyên không có hạn hoàn thành")
        elif self.due is None:
            raise ValueError("thời hạn phải có ngày hoàn thành")
        elif self.due.tzinfo is None or self.due.utcoffset() is None:
            raise ValueError("hạn hoàn thành phải kèm múi giờ")
        return self


class DeadlineError(ValueError):
    """A deadline that cannot be read; the message says which words and why, in Vietnamese."""

    def __init__(self, phrase: str, reason: str) -> None:
        self.phrase = phrase
        self.reason = reason
        super().__init__(f"không đọc được thời hạn «{phrase}»: {reason}")

    def __reduce__(self) -> tuple[Any, ...]:
        # Errors may cross process boundaries (Temporal activities, workers); the default
        # pickling would call __init__ with the formatted message only.
        return (type(self), (self.phrase, self.reason))


# --------------------------------------------------------------------------- patterns

# Words that introduce a deadline. The parser of whole notices relies on them to tell
# "trước ngày 15/9/2026" (a deadline) from "Kế hoạch số 12/KH-UBND ngày 5/3/2026" (a
# reference to another document).
_CUE = (
    r"(?<!\w)(?P<cue>chậm\s+nhất(?:\s+là)?(?:\s+(?:vào|trong|trước))?|hạn\s+chót(?:\s+là)?"
    r"|trước|đến\s+hết|đến|tới|trong\s+vòng|trong\s+thời\s+hạn|trong)\s+"
)
_OPT_CUE = f"(?:{_CUE})?"
_SEP = r"[/.\-–]"
_NUMERIC_DATE = (
    rf"(?<![\d/.\-–])(?P<d>\d{{1,2}})\s*(?P<sep>{_SEP})\s*(?P<m>\d{{1,2}})"
    rf"(?:\s*(?P=sep)\s*(?P<y>\d{{4}}))?(?!{_SEP}?\d)"
)
_WORDS_DATE = (
    r"(?<!\d)(?P<d>\d{1,2})\s+tháng\s+(?P<m>\d{1,2})"
    r"(?:\s*(?:,\s*)?(?:năm\s+|/\s*)(?P<y>\d{4}))?(?!\s*[/.\-]?\s*\d)"
)
_TIME = (
    r"(?<![\d/.])(?P<h>\d{1,2})\s*(?:giờ|h|:(?=\s*\d))\s*(?:(?P<mi>\d{2})(?:\s*phút)?)?"
    r"(?:\s+(?P<ampm>sáng|trưa|chiều|tối))?"
)
_DAY_WORD = r"(?:ngày\s+)?"
_TIME_TO_DATE = r"\s*,?\s*(?:(?:ngày|hôm)\s+)?"
_DATE_TO_TIME = r"\s*,?\s*(?:vào\s+)?lúc\s+"
_END_OF = r"(?:(?:cuối|hết)\s+)?"
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


@dataclass(frozen=True)
class _Found:
    """What a pattern read: the kind and day, before the working-day rule moves it."""

    kind: DeadlineKind
    day: date
    at: time | None = None


_Handler = Callable[[re.Match[str], str, date, WorkingCalendar], _Found]


@dataclass(frozen=True)
class _Pattern:
    regex: re.Pattern[str]
    handler: _Handler


def _compile(body: str) -> re.Pattern[str]:
    return re.compile(_OPT_CUE + body, re.IGNORECASE)


# ----------------------------------------------------------------------------- helpers


def _year_or_next(
    groups: dict[str, str | None], notice_date: date, end_of: Callable[[int], date]
) -> date:
    """The period's end in the stated year, or the first one not before the notice."""
    if groups.get("y"):
        return end_of(int(groups["y"] or 0))
    for year in (notice_date.year, notice_date.year + 1):
        candidate = end_of(year)
        if candidate >= notice_date:
            return candidate
    return end_of(notice_date.year + 1)  # pragma: no cover - a period ends every year


def _last_day_of_month(year: int, month: int) -> date:
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    return first_of_next - timedelta(days=1)


def _build_date(groups: dict[str, str | None], phrase: str, notice_date: date) -> date:
    day, month = int(groups["d"] or 0), int(groups["m"] or 0)
    if groups.get("y"):
        year = int(groups["y"] or 0)
        try:
            return date(year, month, day)
        except ValueError:
            raise DeadlineError(phrase, f"ngày {day}/{month}/{year} không tồn tại") from None
    # No year: the first such date on or after the notice ("trong ngày 29/9" issued in
    # December means September next year). 29/2 may need up to eight years.
    for year in range(notice_date.year, notice_date.year + 9):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= notice_date:
            return candidate
    raise DeadlineError(phrase, f"ngày {day}/{month} không tồn tại")


def _build_time(groups: dict[str, str | None], phrase: str) -> time | None:
    if not groups.get("h"):
        return None
    hour, minute = int(groups["h"] or 0), int(groups.get("mi") or 0)
    part = (groups.get("ampm") or "").lower()
    # "2 giờ chiều" is 14:00; "12 giờ trưa" stays 12:00 but "1 giờ trưa" is 13:00.
    afternoon = part in {"chiều", "tối"} and hour < 12
    if afternoon or (part == "trưa" and hour < 11):
        hour += 12
    if hour > 23 or minute > 59:
        raise DeadlineError(phrase, f"giờ {groups['h']}:{groups.get('mi') or '00'} không hợp lệ")
    return time(hour, minute)


def _on_date(m: re.Match[str], phrase: str, notice_date: date, _: WorkingCalendar) -> _Found:
    groups = m.groupdict()
    at = _build_time(groups, phrase)
    day = _build_date(groups, phrase, notice_date)
    return _Found(DeadlineKind.DATETIME if at else DeadlineKind.DATE, day, at)


def _on_month(m: re.Match[str], phrase: str, notice_date: date, _: WorkingCalendar) -> _Found:
    month = int(m["m"])
    if not 1 <= month <= 12:
        raise DeadlineError(phrase, f"tháng {month} không tồn tại")
    day = _year_or_next(m.groupdict(), notice_date, lambda y: _last_day_of_month(y, month))
    return _Found(DeadlineKind.MONTH, day)


def _on_quarter(m: re.Match[str], phrase: str, notice_date: date, _: WorkingCalendar) -> _Found:
    raw = m["q"].lower()
    quarter = _ROMAN[raw] if raw in _ROMAN else int(raw)
    day = _year_or_next(m.groupdict(), notice_date, lambda y: _last_day_of_month(y, quarter * 3))
    return _Found(DeadlineKind.QUARTER, day)


def _on_half(m: re.Match[str], phrase: str, notice_date: date, _: WorkingCalendar) -> _Found:
    month = 6 if m["half"].lower() == "đầu" else 12
    day = _year_or_next(m.groupdict(), notice_date, lambda y: _last_day_of_month(y, month))
    return _Found(DeadlineKind.HALF_YEAR, day)


def _on_year(m: re.Match[str], phrase: str, notice_date: date, _: WorkingCalendar) -> _Found:
    year = int(m["y"]) if m["y"] else notice_date.year
    return _Found(DeadlineKind.YEAR, date(year, 12, 31))


def _count(m: re.Match[str], phrase: str) -> int:
    n = int(m["n"])
    if n < 1:
        raise DeadlineError(phrase, "số ngày phải lớn hơn 0")
    return n


def _on_working_days(
    m: re.Match[str], phrase: str, notice_date: date, calendar: WorkingCalendar
) -> _Found:
    day = calendar.add_working_days(notice_date, _count(m, phrase))
    return _Found(DeadlineKind.WORKING_DAYS, day)


def _on_days(m: re.Match[str], phrase: str, notice_date: date, _: WorkingCalendar) -> _Found:
    return _Found(DeadlineKind.DAYS, notice_date + timedelta(days=_count(m, phrase)))


def _on_weeks(m: re.Match[str], phrase: str, notice_date: date, _: WorkingCalendar) -> _Found:
    return _Found(DeadlineKind.DAYS, notice_date + timedelta(weeks=_count(m, phrase)))


_PERIOD_YEAR = r"(?:\s*(?:/|-|\.|,?\s*năm)\s*(?P<y>\d{4}))?(?!\s*[/.\-]?\s*\d)"

_PATTERNS: tuple[_Pattern, ...] = (
    # Time of day before the date: "trước 14 giờ, ngày 05/12/2026", "14h00 ngày 5/12".
    _Pattern(_compile(_TIME + _TIME_TO_DATE + _NUMERIC_DATE), _on_date),
    _Pattern(_compile(_TIME + _TIME_TO_DATE + _WORDS_DATE), _on_date),
    # Time of day after the date: "ngày 05/12/2026 lúc 14 giờ".
    _Pattern(_compile(_DAY_WORD + _NUMERIC_DATE + _DATE_TO_TIME + _TIME), _on_date),
    _Pattern(_compile(_DAY_WORD + _WORDS_DATE + _DATE_TO_TIME + _TIME), _on_date),
    _Pattern(_compile(_DAY_WORD + _NUMERIC_DATE), _on_date),
    _Pattern(_compile(_DAY_WORD + _WORDS_DATE), _on_date),
    _Pattern(
        _compile(
            r"(?<!\w)(?:(?:0?6|sáu)\s+tháng|nửa)\s+(?P<half>đầu|cuối)\s+năm"
            r"(?:\s*(?P<y>\d{4}))?(?!\s*\d)"
        ),
        _on_half,
    ),
    _Pattern(_compile(_END_OF + r"(?<!\w)tháng\s+(?P<m>\d{1,2})" + _PERIOD_YEAR), _on_month),
    _Pattern(
        _compile(_END_OF + r"(?<!\w)qu[ýí]\s+(?P<q>iv|iii|ii|i|[1-4])(?![\w])" + _PERIOD_YEAR),
        _on_quarter,
    ),
    _Pattern(_compile(_END_OF + r"(?<!\w)năm\s+(?:(?P<y>\d{4})(?!\d)|nay(?!\w))"), _on_year),
    _Pattern(_compile(r"(?<!\w)(?P<n>\d{1,3})\s+ngày\s+làm\s+việc(?!\w)"), _on_working_days),
    _Pattern(
        _compile(r"(?<!\w)(?P<n>\d{1,3})\s+ngày(?!\s+làm\s+việc)(?!\s*[/.\-]?\s*\d)(?!\w)"),
        _on_days,
    ),
    _Pattern(_compile(r"(?<!\w)(?P<n>\d{1,3})\s+tuần(?:\s+lễ)?(?!\w)"), _on_weeks),
)

# "kể từ ngày ký", "tính từ ngày nhận được văn bản": relative periods count from the
# notice date in this product, so the clause is dropped before reading (up to a comma).
_COUNTED_FROM = re.compile(r"(?<!\w)(?:kể|tính)\s+từ(?!\w)[^,;]*", re.IGNORECASE)

# Ongoing work and its reporting cadence. Explicit cadences come first so that
# "thường xuyên, báo cáo định kỳ hằng quý" reports quarterly.
_CADENCES: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(r"(?<!\w)(?:định\s+kỳ\s+)?(?:hằng|hàng|mỗi)\s+quý(?!\w)", re.I), 3),
    (re.compile(r"(?<!\w)(?:định\s+kỳ\s+)?(?:hằng|hàng|mỗi)\s+tháng(?!\w)", re.I), 1),
    (
        re.compile(
            r"(?<!\w)(?:định\s+kỳ\s+(?:0?6|sáu)\s+tháng|(?:0?6|sáu)\s+tháng\s+(?:một|1)\s+lần)"
            r"(?!\w)",
            re.I,
        ),
        6,
    ),
    (re.compile(r"(?<!\w)(?:định\s+kỳ\s+)?(?:hằng|hàng|mỗi)\s+năm(?!\w)", re.I), 12),
)
_CONTINUOUS = re.compile(r"(?<!\w)thường\s+xuyên(?!\w)", re.I)

# "Quy hoạch tỉnh thời kỳ 2021-2030, tầm nhìn đến năm 2050" names a plan, not a deadline.
_NOT_A_DEADLINE_BEFORE = re.compile(
    r"(?<!\w)(?:tầm\s+nhìn|định\s+hướng|giai\s+đoạn|thời\s+kỳ)\s*$", re.IGNORECASE
)
_RANGE_START_BEFORE = re.compile(r"(?<!\w)từ\s*$", re.IGNORECASE)

_SHORT_YEAR = re.compile(r"(?<![\d/.\-])\d{1,2}([/.\-])\d{1,2}\1\d{2}(?!\d)")

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?",
    re.IGNORECASE,
)

_HINT = (
    "hãy viết như «trước ngày 15/9/2026», «trước 14 giờ ngày 15/9/2026», «trong tháng "
    "10/2026», «trong quý III/2026», «trong 15 ngày làm việc» hoặc «thường xuyên»"
)


# ------------------------------------------------------------------------------ public


def resolve_deadline(
    value: str | date | datetime, notice_date: date, calendar: WorkingCalendar
) -> Deadline:
    """Turn a deadline as written (or as a date/datetime) into a ``Deadline``.

    Words around the deadline are tolerated ("hoàn thành trước ngày 15/9/2026"), but two
    different dates in one phrase are refused: guessing which one was meant would set
    the wrong timers without anyone noticing.
    """
    if isinstance(value, datetime):
        return Deadline(
            phrase=value.isoformat(), kind=DeadlineKind.DATETIME, due=_as_aware(value, calendar)
        )
    if isinstance(value, date):
        return Deadline(
            phrase=value.isoformat(),
            kind=DeadlineKind.DATE,
            due=calendar.end_of_day(calendar.next_working_day(value)),
        )

    phrase = _normalise(value)
    if not phrase:
        raise DeadlineError(phrase, "chưa ghi thời hạn")
    iso = _resolve_iso(phrase, calendar)
    if iso is not None:
        return iso

    cadence = _cadence(phrase)
    scan = _COUNTED_FROM.sub(" ", phrase)
    found = _matches(scan)
    if not found:
        if cadence is not None:
            return Deadline(
                phrase=phrase,
                kind=DeadlineKind.ONGOING,
                due=None,
                report_every_months=cadence[0],
            )
        if _SHORT_YEAR.search(scan):
            raise DeadlineError(phrase, "năm phải viết đủ bốn chữ số, ví dụ 15/9/2026")
        raise DeadlineError(phrase, f"không nhận ra dạng thời hạn; {_HINT}")

    if len(found) == 2 and _is_range(scan, found[0][0], found[1][0]):
        found = found[1:]
    if len(found) > 1:
        raise DeadlineError(
            phrase,
            f"có hơn một mốc thời gian («{_normalise(found[0][0][0])}» và "
            f"«{_normalise(found[1][0][0])}»), cần ghi một thời hạn",
        )
    first, pattern = found[0]
    result = pattern.handler(first, phrase, notice_date, calendar)
    due_day = calendar.next_working_day(result.day)
    due = calendar.at(due_day, result.at) if result.at else calendar.end_of_day(due_day)
    return Deadline(
        phrase=phrase,
        kind=result.kind,
        due=due,
        report_every_months=cadence[0] if cadence else None,
    )


def find_deadline_phrase(text: str) -> str | None:
    """The deadline phrase inside a longer sentence of a notice, or None.

    Only phrases introduced by a deadline word ("trước", "chậm nhất", "trong", "đến") count,
    because sentences also cite other documents by date, and those dates are not
    deadlines. Failing that, a word of ongoing work ("thường xuyên", "hằng quý") is
    returned. The result is meant to be passed to ``resolve_deadline``.
    """
    text = unicodedata.normalize("NFC", text)
    # Blank out "kể từ ..." clauses instead of deleting them, so positions still match.
    scan = _COUNTED_FROM.sub(lambda m: " " * len(m[0]), text)
    for match, _ in _matches(scan):
        if match["cue"] and not _NOT_A_DEADLINE_BEFORE.search(scan, 0, match.start()):
            return _normalise(match[0])
    cadence = _cadence(text)
    return _normalise(cadence[1]) if cadence else None


# ----------------------------------------------------------------------------- private


def _normalise(text: str) -> str:
    # NFD input (common when text is pasted from macOS or PDFs) would not match the
    # precomposed letters in the patterns.
    return " ".join(unicodedata.normalize("NFC", text).split())


def _as_aware(value: datetime, calendar: WorkingCalendar) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        return value.replace(tzinfo=calendar.zone())
    return value.astimezone(calendar.zone())


def _resolve_iso(phrase: str, calendar: WorkingCalendar) -> Deadline | None:
    if _ISO_DATE.fullmatch(phrase):
        try:
            day = date.fromisoformat(phrase)
        except ValueError:
            raise DeadlineError(phrase, f"ngày {phrase} không tồn tại") from None
        return Deadline(
            phrase=phrase,
            kind=DeadlineKind.DATE,
            due=calendar.end_of_day(calendar.next_working_day(day)),
        )
    if _ISO_DATETIME.fullmatch(phrase):
        try:
            instant = datetime.fromisoformat(phrase.upper())
        except ValueError:
            raise DeadlineError(phrase, f"thời điểm {phrase} không tồn tại") from None
        return Deadline(phrase=phrase, kind=DeadlineKind.DATETIME, due=_as_aware(instant, calendar))
    return None


def _matches(scan: str) -> list[tuple[re.Match[str], _Pattern]]:
    """All matches, earliest first, longest first among equal starts, without overlaps.

    The earliest match wins because deadline words come first ("trước 14 giờ, ngày
    5/12/2026" starts at the time, not at the date); matches overlapping a kept one are
    pieces of it ("năm 2026" inside "tháng 10 năm 2026") and are dropped.
    """
    candidates: list[tuple[int, int, int, re.Match[str], _Pattern]] = []
    for order, pattern in enumerate(_PATTERNS):
        for match in pattern.regex.finditer(scan):
            candidates.append((match.start(), -len(match[0]), order, match, pattern))
    candidates.sort(key=lambda c: (c[0], c[1], c[2]))
    kept: list[tuple[re.Match[str], _Pattern]] = []
    end = -1
    for start, _, _, match, pattern in candidates:
        if start >= end:
            kept.append((match, pattern))
            end = match.end()
    return kept


def _is_range(scan: str, start: re.Match[str], end: re.Match[str]) -> bool:
    """Whether two matches read "từ <start> đến <end>", whose deadline is the end."""
    cue = (end["cue"] or "").lower()
    return cue.startswith(("đến", "tới")) and bool(
        _RANGE_START_BEFORE.search(scan, 0, start.start())
    )


def _cadence(text: str) -> tuple[int, str] | None:
    """Reporting interval in months and the words that said so, if the text names one."""
    for regex, months in _CADENCES:
        match = regex.search(text)
        if match:
            return months, match[0]
    match = _CONTINUOUS.search(text)
    if match:
        return 1, match[0]
    return None
