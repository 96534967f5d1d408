"""Reading the words of a deadline phrase, before any calendar is applied.

"trước ngày 15/9/2026", "trong quý III/2026", "trong 15 ngày làm việc kể từ ngày nhận được
văn bản", "thường xuyên": this module says what the phrase names (a day, a period, a count
from a start, ongoing work) and nothing about working days; ``deadlines`` applies the
calendar and the law to a ``Reading``. Keeping the two apart lets the rules be read on one
screen, and lets a workflow re-apply a changed calendar to the same words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time, timedelta
from enum import StrEnum


class DeadlineKind(StrEnum):
    DATE = "date"
    DATETIME = "datetime"
    WORKING_DAYS = "working_days"
    DAYS = "days"
    MONTHS = "months"
    MONTH = "month"
    QUARTER = "quarter"
    HALF_YEAR = "half_year"
    YEAR = "year"
    ONGOING = "ongoing"


# Periods counted from a start: the Civil Code moves their last day past a day off.
COUNTED_KINDS = frozenset({DeadlineKind.WORKING_DAYS, DeadlineKind.DAYS, DeadlineKind.MONTHS})
# A day or a span of the calendar that the notice names: due on it, never after it.
NAMED_PERIOD_KINDS = frozenset(
    {DeadlineKind.MONTH, DeadlineKind.QUARTER, DeadlineKind.HALF_YEAR, DeadlineKind.YEAR}
)


class StartBasis(StrEnum):
    """What a counted period counts from."""

    NOTICE = "notice"  # the notice's date (also "kể từ ngày ký")
    STATED = "stated"  # a date the phrase itself names ("kể từ ngày 12/9/2026")
    DELIVERY = "delivery"  # the day the owner received the document (first delivered mail)
    DECISION = "decision"  # the day the office decided an extension
    OTHER_EVENT = "other_event"  # an event the system does not see ("nhận đủ hồ sơ")


class DeadlineError(ValueError):
    """A deadline that cannot be read; the message says which words and why, in Vietnamese."""

    def __init__(self, phrase: str, reason: str) -> None:
        self.phrase = phrase
        self.reason = reason
        super().__init__(f"không đọc được thời hạn «{phrase}»: {reason}")

    def __reduce__(self) -> tuple[object, ...]:
        # Errors may cross process boundaries (Temporal activities, workers); the default
        # pickling would call __init__ with the formatted message only.
        return (type(self), (self.phrase, self.reason))


@dataclass(frozen=True)
class StartClause:
    """What "kể từ ..." / "tính từ ..." says; ``day`` only for a stated date."""

    basis: StartBasis
    words: str
    day: date | None = None
    guessed_from: date | None = None


@dataclass(frozen=True)
class Reading:
    """What the words name, before the working-day rules.

    ``day`` is the named day, or the last day of a named period; ``count`` the number
    of units of a counted period; ``period`` names a named period with a ``{year}`` slot
    ("quý I/{year}"). ``guessed_from`` is set when the phrase left out the
    year and the date (or period) in the notice's year had already passed: it holds
    that passed day, and ``day`` the next year's, which is a guess to review.
    """

    kind: DeadlineKind
    day: date | None = None
    at: time | None = None
    count: int | None = None
    guessed_from: date | None = None
    period: str = ""
    report_every_months: int | None = None
    start: StartClause | None = None


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
_PERIOD_YEAR = r"(?:\s*(?:/|-|\.|,?\s*năm)\s*(?P<y>\d{4}))?(?!\s*[/.\-]?\s*\d)"


_Handler = Callable[[re.Match[str], str, date], Reading]


@dataclass(frozen=True)
class _Pattern:
    regex: re.Pattern[str]
    handler: _Handler


def _compile(body: str) -> re.Pattern[str]:
    return re.compile(_OPT_CUE + body, re.IGNORECASE)


# ---------------------------------------------------------------------------- handlers


def _last_day_of_month(year: int, month: int) -> date:
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    return first_of_next - timedelta(days=1)


def _period_end(
    groups: dict[str, str | None], notice_date: date, end_of: Callable[[int], date]
) -> tuple[date, date | None]:
    """The period's last day in the stated year, else in the notice's year if it has not
    ended, else the next year's (with the passed one, to flag the guess)."""
    if groups.get("y"):
        return end_of(int(groups["y"] or 0)), None
    this_year = end_of(notice_date.year)
    if this_year >= notice_date:
        return this_year, None
    return end_of(notice_date.year + 1), this_year


def build_date(
    groups: dict[str, str | None], phrase: str, notice_date: date
) -> tuple[date, date | None]:
    """The date the groups name, and the passed date of the notice's year if guessed."""
    day, month = int(groups["d"] or 0), int(groups["m"] or 0)
    if groups.get("y"):
        year = int(groups["y"] or 0)
        try:
            return date(year, month, day), None
        except ValueError:
            raise DeadlineError(phrase, f"ngày {day}/{month}/{year} không tồn tại") from None
    passed: date | None = None
    # No year: the notice's year, unless that day has passed; then the next such date (29/2
    # may need up to eight years), flagged as a guess.
    for year in range(notice_date.year, notice_date.year + 9):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= notice_date:
            return candidate, passed
        passed = candidate
    raise DeadlineError(phrase, f"ngày {day}/{month} không tồn tại")


def _nearest_date(
    groups: dict[str, str | None], phrase: str, notice_date: date
) -> tuple[date, date | None]:
    """A start date: the stated one, or without a year the such date nearest the notice
    (a period often counts from a day already past), with the notice year's date when
    another year was taken."""
    if groups.get("y"):
        return build_date(groups, phrase, notice_date)
    day, month = int(groups["d"] or 0), int(groups["m"] or 0)
    candidates: list[date] = []
    for year in (notice_date.year - 1, notice_date.year, notice_date.year + 1):
        try:
            candidates.append(date(year, month, day))
        except ValueError:
            continue
    if not candidates:
        raise DeadlineError(phrase, f"ngày {day}/{month} không tồn tại")
    nearest = min(candidates, key=lambda d: (abs((d - notice_date).days), d))
    if nearest.year == notice_date.year:
        return nearest, None
    same_year = [d for d in candidates if d.year == notice_date.year]
    return nearest, same_year[0] if same_year else None


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


def _on_date(m: re.Match[str], phrase: str, notice_date: date) -> Reading:
    groups = m.groupdict()
    at = _build_time(groups, phrase)
    day, passed = build_date(groups, phrase, notice_date)
    kind = DeadlineKind.DATETIME if at else DeadlineKind.DATE
    return Reading(kind, day=day, at=at, guessed_from=passed)


def _on_month(m: re.Match[str], phrase: str, notice_date: date) -> Reading:
    month = int(m["m"])
    if not 1 <= month <= 12:
        raise DeadlineError(phrase, f"tháng {month} không tồn tại")
    day, passed = _period_end(m.groupdict(), notice_date, lambda y: _last_day_of_month(y, month))
    return Reading(
        DeadlineKind.MONTH, day=day, guessed_from=passed, period=f"tháng {month:02d}/{{year}}"
    )


def _on_quarter(m: re.Match[str], phrase: str, notice_date: date) -> Reading:
    raw = m["q"].lower()
    quarter = _ROMAN[raw] if raw in _ROMAN else int(raw)
    day, passed = _period_end(
        m.groupdict(), notice_date, lambda y: _last_day_of_month(y, quarter * 3)
    )
    name = ("I", "II", "III", "IV")[quarter - 1]
    return Reading(
        DeadlineKind.QUARTER, day=day, guessed_from=passed, period=f"quý {name}/{{year}}"
    )


def _on_half(m: re.Match[str], phrase: str, notice_date: date) -> Reading:
    first = m["half"].lower() == "đầu"
    month = 6 if first else 12
    day, passed = _period_end(m.groupdict(), notice_date, lambda y: _last_day_of_month(y, month))
    period = "6 tháng đầu năm {year}" if first else "6 tháng cuối năm {year}"
    return Reading(DeadlineKind.HALF_YEAR, day=day, guessed_from=passed, period=period)


def _on_year(m: re.Match[str], phrase: str, notice_date: date) -> Reading:
    year = int(m["y"]) if m["y"] else notice_date.year
    return Reading(DeadlineKind.YEAR, day=date(year, 12, 31), period="năm {year}")


def _count(m: re.Match[str], phrase: str) -> int:
    n = int(m["n"])
    if n < 1:
        raise DeadlineError(phrase, "số ngày phải lớn hơn 0")
    return n


def _on_working_days(m: re.Match[str], phrase: str, _: date) -> Reading:
    return Reading(DeadlineKind.WORKING_DAYS, count=_count(m, phrase))


def _on_days(m: re.Match[str], phrase: str, _: date) -> Reading:
    return Reading(DeadlineKind.DAYS, count=_count(m, phrase))


def _on_weeks(m: re.Match[str], phrase: str, _: date) -> Reading:
    return Reading(DeadlineKind.DAYS, count=7 * _count(m, phrase))


def _on_months(m: re.Match[str], phrase: str, _: date) -> Reading:
    return Reading(DeadlineKind.MONTHS, count=_count(m, phrase))


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
    # "trong 03 tháng" counts months; "tháng 3" names one, "6 tháng đầu năm" a half-year,
    # "15 tháng 9" is a date (the digit after "tháng" rules it out here).
    _Pattern(
        _compile(
            r"(?<!\w)(?P<n>\d{1,2})\s+tháng(?!\s+(?:đầu|cuối)\s+năm)(?!\s*[/.\-]?\s*\d)(?!\w)"
        ),
        _on_months,
    ),
)

# "kể từ ngày ký", "tính từ ngày nhận được văn bản": what a counted period counts from,
# read separately and blanked out before the deadline itself is read (up to a comma).
COUNTED_FROM = re.compile(r"(?<!\w)(?:kể|tính)\s+từ(?!\w)(?:[^,;.]|\.(?=\d))*", re.IGNORECASE)
_FROM_DELIVERY = re.compile(
    r"(?<!\w)nhận(?:\s+được)?\s+(?:văn\s+bản|thông\s+báo|công\s+văn)(?!\w)", re.IGNORECASE
)
_FROM_NOTICE = re.compile(r"(?<!\w)(?:ký|ban\s+hành)(?!\w)", re.IGNORECASE)
_FROM_DATE = (
    re.compile(_NUMERIC_DATE, re.IGNORECASE),
    re.compile(_WORDS_DATE, re.IGNORECASE),
)

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

HINT = (
    "hãy viết như «trước ngày 15/9/2026», «trước 14 giờ ngày 15/9/2026», «trong tháng "
    "10/2026», «trong quý III/2026», «trong 15 ngày làm việc» hoặc «thường xuyên»"
)


# ------------------------------------------------------------------------------ public


def normalise(text: str) -> str:
    """NFC with single spaces: NFD input (pasted from macOS or PDFs) would not match the
    precomposed letters of the patterns."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def read_phrase(phrase: str, notice_date: date) -> Reading:
    """What a (normalised, non-ISO) phrase names; raises ``DeadlineError`` if unreadable.

    Words around the deadline are tolerated ("hoàn thành trước ngày 15/9/2026"), but two
    different dates in one phrase are refused: guessing which one was meant would set
    the wrong timers without anyone noticing.
    """
    cadence = _cadence(phrase)
    start = _start_clause(phrase, notice_date)
    scan = _blank_cadences(COUNTED_FROM.sub(lambda m: " " * len(m[0]), phrase))
    found = _matches(scan)
    if not found:
        if cadence is not None:
            return Reading(DeadlineKind.ONGOING, report_every_months=cadence[0])
        if _SHORT_YEAR.search(scan):
            raise DeadlineError(phrase, "năm phải viết đủ bốn chữ số, ví dụ 15/9/2026")
        raise DeadlineError(phrase, f"không nhận ra dạng thời hạn; {HINT}")
    if len(found) == 2 and _is_range(scan, found[0][0], found[1][0]):
        found = found[1:]
    if len(found) > 1:
        raise DeadlineError(
            phrase,
            f"có hơn một mốc thời gian («{normalise(found[0][0][0])}» và "
            f"«{normalise(found[1][0][0])}»), cần ghi một thời hạn",
        )
    match, pattern = found[0]
    reading = pattern.handler(match, phrase, notice_date)
    return Reading(
        kind=reading.kind,
        day=reading.day,
        at=reading.at,
        count=reading.count,
        guessed_from=reading.guessed_from,
        period=reading.period,
        report_every_months=cadence[0] if cadence else None,
        start=start if reading.kind in COUNTED_KINDS else None,
    )


def find_deadline_phrase(text: str) -> str | None:
    """The deadline phrase inside a longer sentence of a notice, or None.

    Only phrases introduced by a deadline word ("trước", "chậm nhất", "trong", "đến") count,
    because sentences also cite other documents by date, and those dates are not
    deadlines. A counted period keeps the "kể từ ..." clause right after it, since what
    it counts from is part of what it means. Failing all that, a word of ongoing work
    ("thường xuyên", "hằng quý") is returned. The result is meant for ``resolve_deadline``.
    """
    text = unicodedata.normalize("NFC", text)
    # Blank out "kể từ ..." clauses and cadences instead of deleting them, so positions
    # still match.
    scan = _blank_cadences(COUNTED_FROM.sub(lambda m: " " * len(m[0]), text))
    for match, pattern in _matches(scan):
        if match["cue"] and not _NOT_A_DEADLINE_BEFORE.search(scan, 0, match.start()):
            end = match.end()
            if pattern.handler in _COUNTED_HANDLERS:
                clause = COUNTED_FROM.match(text, _skip_spaces(text, end))
                if clause is not None:
                    end = clause.end()
            return normalise(text[match.start() : end]).rstrip(" ,.")
    cadence = _cadence(text)
    return normalise(cadence[1]) if cadence else None


# ----------------------------------------------------------------------------- private

_COUNTED_HANDLERS = frozenset({_on_working_days, _on_days, _on_weeks, _on_months})


def _skip_spaces(text: str, at: int) -> int:
    while at < len(text) and text[at] in " \t\n,":
        at += 1
    return at


def _start_clause(phrase: str, notice_date: date) -> StartClause | None:
    clause = COUNTED_FROM.search(phrase)
    if clause is None:
        return None
    words = normalise(clause[0])
    for regex in _FROM_DATE:
        stated = regex.search(words)
        if stated is not None:
            day, other = _nearest_date(stated.groupdict(), phrase, notice_date)
            return StartClause(StartBasis.STATED, words, day=day, guessed_from=other)
    if _FROM_DELIVERY.search(words):
        return StartClause(StartBasis.DELIVERY, words)
    if _FROM_NOTICE.search(words):
        return StartClause(StartBasis.NOTICE, words)
    return StartClause(StartBasis.OTHER_EVENT, words)


def _blank_cadences(scan: str) -> str:
    # "định kỳ 6 tháng" is how often to report, not "within six months".
    for regex, _ in _CADENCES:
        scan = regex.sub(lambda m: " " * len(m[0]), scan)
    return scan


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
