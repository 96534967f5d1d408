"""Deadline phrases from conclusion notices, turned into one instant that means what they say.

Notices state deadlines the way people write them: "trước ngày 15/9/2026", "trong quý
III/2026", "trong 15 ngày làm việc", "thường xuyên". Timers need an instant, so every
phrase resolves to an aware datetime in the calendar's zone (or to none, for ongoing
work that reports periodically instead). ``deadline_phrases`` reads the words; this
module applies the calendar and the law:

* A named date ("trước ngày 30/4/2026") or a named period ("trong tháng 01/2027",
  "trong quý IV/2026", "năm 2026") is due at the close of that day, or of the period's
  last day. The issuer chose it, so it never moves past it: when it is a day off, the
  task is due on the last working day before it (the default; a policy may keep the
  named day instead, see ``NamedDayOff``). The Civil Code's rule for periods does not
  apply to a date that the notice names.
* A period counted from a start ("trong 10 ngày", "trong 2 tuần", "trong 03 tháng")
  ends on the corresponding day, and when that day is a day off, at the close of the
  next working day (Bộ luật Dân sự 2015, art. 147 and 148(5)); "trong 15 ngày làm
  việc" counts working days from the day after the start. The start is explicit: the
  notice date by default, a date the phrase names ("kể từ ngày 12/9/2026"), the day the
  owner received the document ("kể từ ngày nhận được văn bản", given by the caller once
  the assignment mail is delivered), or the office's decision, for an extension. The
  result says which (``Deadline.counted_from``).
* A time of day the notice names ("trước 14 giờ, ngày 05/12/2026") is kept as written,
  even on a day off, and flagged. An ISO date-time (or a ``datetime``) is the exact
  instant, flagged the same way.
* A date without a year is in the notice's year; if that day had already passed, the
  next year's is taken and flagged as a guess, never silently.

Everything a person should know about how a deadline was read travels with it as
``flags``: Vietnamese sentences, for the CLI's dry run, the simulator, the console and
the mail. A deadline that rests on a provisional day of the calendar says so too.
"""

from __future__ import annotations

import calendar as _monthcal
import re
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from dondoc.domain.calendar import WorkingCalendar, day_label
from dondoc.domain.deadline_phrases import (
    COUNTED_KINDS,
    NAMED_PERIOD_KINDS,
    DeadlineError,
    DeadlineKind,
    Reading,
    StartBasis,
    StartClause,
    find_deadline_phrase,
    normalise,
    read_phrase,
)

__all__ = [
    "COUNTED_KINDS",
    "CountStart",
    "Deadline",
    "DeadlineError",
    "DeadlineFlag",
    "DeadlineKind",
    "FlagCode",
    "NamedDayOff",
    "StartBasis",
    "counted_from_delivery",
    "extension_deadline",
    "find_deadline_phrase",
    "past_date_problem",
    "re_resolve",
    "requested_start",
    "resolve_deadline",
]


class NamedDayOff(StrEnum):
    """What a named date that falls on a day off means (a setting of the policy)."""

    PREVIOUS_WORKING_DAY = "previous_working_day"
    KEEP = "keep"
    NEXT_WORKING_DAY = "next_working_day"
    """How the first release read a named day off (moved past it). Never a setting: only
    tasks started before the rule was fixed resolve their requested extensions this way,
    so their recorded histories replay as they ran."""


class FlagCode(StrEnum):
    NAMED_DAY_OFF = "named_day_off"
    NAMED_DAY_KEPT = "named_day_kept"
    MOVED_PAST_DAY_OFF = "moved_past_day_off"
    TIME_ON_DAY_OFF = "time_on_day_off"
    YEAR_GUESSED = "year_guessed"
    PROVISIONAL_DAYS = "provisional_days"
    START_PENDING = "start_pending"
    START_UNKNOWN = "start_unknown"


class DeadlineFlag(BaseModel):
    """One thing worth telling about how a deadline was read.

    ``review`` marks what a person should check before relying on the date (a guessed
    year, a provisional holiday); the others explain a date that might surprise (a due
    day brought forward from a holiday). ``days`` are the days it speaks of.
    """

    model_config = ConfigDict(frozen=True)

    code: FlagCode
    message: str
    review: bool = True
    days: tuple[date, ...] = ()


START_LABELS: dict[StartBasis, str] = {
    StartBasis.NOTICE: "ngày ban hành thông báo",
    StartBasis.STATED: "ngày ghi trong thời hạn",
    StartBasis.DELIVERY: "ngày đơn vị nhận được văn bản",
    StartBasis.DECISION: "ngày Văn phòng quyết định gia hạn",
    StartBasis.OTHER_EVENT: "ngày ghi trong thời hạn",
}


class CountStart(BaseModel):
    """The day a counted period counts from (not itself counted), and what that day is."""

    model_config = ConfigDict(frozen=True)

    day: date
    basis: StartBasis = StartBasis.NOTICE

    def describe(self) -> str:
        """``tính từ ngày đơn vị nhận được văn bản (14/09/2026)``."""
        return f"tính từ {START_LABELS[self.basis]} ({self.day:%d/%m/%Y})"


class Deadline(BaseModel):
    """A resolved deadline; ``phrase`` keeps the words of the notice for display.

    ``named_day`` is the day as written (the date, or a named period's last day), which
    is what the past-date check looks at; ``counted_from`` is the start of a counted
    period. Every field added since the first release has a default, so deadlines in
    recorded workflow inputs still load.
    """

    model_config = ConfigDict(frozen=True)

    phrase: str
    kind: DeadlineKind
    due: datetime | None
    report_every_months: int | None = Field(default=None, ge=1)
    named_day: date | None = None
    counted_from: CountStart | None = None
    flags: tuple[DeadlineFlag, ...] = ()

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

    @property
    def review_flags(self) -> tuple[DeadlineFlag, ...]:
        return tuple(f for f in self.flags if f.review)

    @property
    def needs_review(self) -> bool:
        return any(f.review for f in self.flags)

    @property
    def rests_on_provisional_days(self) -> bool:
        return any(f.code == FlagCode.PROVISIONAL_DAYS for f in self.flags)

    def has(self, code: FlagCode) -> bool:
        return any(f.code == code for f in self.flags)


# ------------------------------------------------------------------------------ public


def resolve_deadline(
    value: str | date | datetime,
    notice_date: date,
    calendar: WorkingCalendar,
    *,
    start: CountStart | None = None,
    named_day_off: NamedDayOff = NamedDayOff.PREVIOUS_WORKING_DAY,
) -> Deadline:
    """Turn a deadline as written (or as a date/datetime) into a ``Deadline``.

    ``notice_date`` supplies a missing year. ``start`` is what a counted period counts
    from when the phrase does not name a date of its own; without it, the notice date
    (and a phrase that counts from the delivery of the document is flagged until the
    caller passes that day, see ``counted_from_delivery``).
    """
    if isinstance(value, datetime):
        return _exact(value.isoformat(), _as_aware(value, calendar), calendar)
    if isinstance(value, date):
        reading = Reading(DeadlineKind.DATE, day=value)
        return _named(value.isoformat(), reading, notice_date, calendar, named_day_off)

    phrase = normalise(value)
    if not phrase:
        raise DeadlineError(phrase, "chưa ghi thời hạn")
    iso = _iso(phrase, notice_date, calendar, named_day_off)
    if iso is not None:
        return iso
    reading = read_phrase(phrase, notice_date)
    if reading.kind == DeadlineKind.ONGOING:
        return Deadline(
            phrase=phrase,
            kind=DeadlineKind.ONGOING,
            due=None,
            report_every_months=reading.report_every_months,
        )
    if reading.kind in COUNTED_KINDS:
        return _counted(phrase, reading, notice_date, calendar, start)
    if reading.at is not None:
        return _timed(phrase, reading, notice_date, calendar)
    return _named(phrase, reading, notice_date, calendar, named_day_off)


def re_resolve(
    deadline: Deadline,
    notice_date: date,
    calendar: WorkingCalendar,
    *,
    start: CountStart | None = None,
    named_day_off: NamedDayOff = NamedDayOff.PREVIOUS_WORKING_DAY,
) -> Deadline:
    """The same deadline read again, under another calendar or from another start.

    A counted period keeps the start it was counted from, unless that start was only a
    stand-in for a day not known yet (the delivery, an event the system does not see).
    """
    if start is None and not (
        deadline.has(FlagCode.START_PENDING) or deadline.has(FlagCode.START_UNKNOWN)
    ):
        start = deadline.counted_from
    return resolve_deadline(
        deadline.phrase, notice_date, calendar, start=start, named_day_off=named_day_off
    )


def requested_start(phrase: str, notice_date: date) -> StartBasis | None:
    """What a counted phrase asks to count from; None when it is not a counted period.

    Tells the workflow whether the deadline waits for a day it will only learn later
    (``StartBasis.DELIVERY``).
    """
    try:
        reading = read_phrase(normalise(phrase), notice_date)
    except DeadlineError:
        return None
    if reading.kind not in COUNTED_KINDS:
        return None
    return reading.start.basis if reading.start else StartBasis.NOTICE


def counted_from_delivery(
    deadline: Deadline,
    delivered_at: datetime,
    notice_date: date,
    calendar: WorkingCalendar,
    *,
    named_day_off: NamedDayOff = NamedDayOff.PREVIOUS_WORKING_DAY,
) -> Deadline | None:
    """The deadline counted from the first delivery of the assignment mail, if it asks so.

    None when the deadline does not count from the delivery (or already does): the
    workflow calls this on every delivery and acts only on an answer.
    """
    if not deadline.has(FlagCode.START_PENDING):
        return None
    start = CountStart(day=_local_day(delivered_at, calendar), basis=StartBasis.DELIVERY)
    return re_resolve(deadline, notice_date, calendar, start=start, named_day_off=named_day_off)


def extension_deadline(
    phrase: str,
    decided_at: datetime,
    notice_date: date,
    calendar: WorkingCalendar,
    *,
    named_day_off: NamedDayOff = NamedDayOff.PREVIOUS_WORKING_DAY,
) -> Deadline:
    """A requested extension as the office grants it: a counted period counts from the
    decision, a named date stays that date.

    Called with the request's own time, it previews the earliest the decision can give.
    """
    start = CountStart(day=_local_day(decided_at, calendar), basis=StartBasis.DECISION)
    return resolve_deadline(phrase, notice_date, calendar, start=start, named_day_off=named_day_off)


def past_date_problem(deadline: Deadline, notice_date: date) -> str | None:
    """Why a deadline cannot be accepted for a notice of ``notice_date``, or None.

    The date as written is checked, not the due day: "trước ngày 28/02/2026" on a notice
    of 01/03/2026 is in the past even though no working-day rule would say so, and the
    message quotes the phrase's own date.
    """
    if deadline.due is None:
        return None
    written = deadline.named_day or deadline.due.date()
    if written >= notice_date:
        return None
    if deadline.kind in NAMED_PERIOD_KINDS:
        what = f"kết thúc ngày {written:%d/%m/%Y}"
    elif deadline.kind in COUNTED_KINDS:
        what = f"hết hạn ngày {written:%d/%m/%Y}"
    else:
        what = f"là ngày {written:%d/%m/%Y}"
    return (
        f"thời hạn «{deadline.phrase}» {what}, trước ngày ban hành thông báo {notice_date:%d/%m/%Y}"
    )


# ----------------------------------------------------------------------------- private


def _named(
    phrase: str,
    reading: Reading,
    notice_date: date,
    calendar: WorkingCalendar,
    rule: NamedDayOff,
) -> Deadline:
    named = reading.day
    assert named is not None  # every named reading has its day
    flags = _year_flags(reading, notice_date)
    due_day = named
    what = (
        f"Ngày cuối của {reading.period.format(year=named.year)}, {day_label(named)},"
        if reading.period
        else f"Ngày ghi trong thông báo, {day_label(named)},"
    )
    if not calendar.is_working_day(named):
        before = calendar.previous_working_day(named)
        if rule == NamedDayOff.NEXT_WORKING_DAY:
            due_day = calendar.next_working_day(named)
        elif rule == NamedDayOff.KEEP:
            flags.append(
                DeadlineFlag(
                    code=FlagCode.NAMED_DAY_KEPT,
                    message=f"{what} là ngày nghỉ; theo chính sách đôn đốc, hạn vẫn là ngày đó.",
                    review=False,
                    days=(named,),
                )
            )
        elif before < notice_date <= named:
            flags.append(
                DeadlineFlag(
                    code=FlagCode.NAMED_DAY_KEPT,
                    message=(
                        f"{what} là ngày nghỉ, và không có ngày làm việc nào từ ngày ban hành "
                        f"thông báo ({notice_date:%d/%m/%Y}) đến ngày đó; hạn giữ đúng ngày ghi "
                        "trong thông báo, cần kiểm tra."
                    ),
                    days=(named,),
                )
            )
        else:
            due_day = before
            last = (
                "ngày làm việc cuối cùng của kỳ" if reading.period else "ngày làm việc liền trước"
            )
            flags.append(
                DeadlineFlag(
                    code=FlagCode.NAMED_DAY_OFF,
                    message=f"{what} là ngày nghỉ; hạn là {last}, {day_label(before)}.",
                    review=False,
                    days=(named, before),
                )
            )
    flags += _provisional_flags(calendar, due_day, named)
    return Deadline(
        phrase=phrase,
        kind=reading.kind,
        due=calendar.end_of_day(due_day),
        report_every_months=reading.report_every_months,
        named_day=named,
        flags=tuple(flags),
    )


def _timed(phrase: str, reading: Reading, notice_date: date, calendar: WorkingCalendar) -> Deadline:
    assert reading.day is not None and reading.at is not None
    deadline = _exact(phrase, calendar.at(reading.day, reading.at), calendar)
    flags = _year_flags(reading, notice_date) + list(deadline.flags)
    return deadline.model_copy(
        update={"report_every_months": reading.report_every_months, "flags": tuple(flags)}
    )


def _exact(phrase: str, due: datetime, calendar: WorkingCalendar) -> Deadline:
    day = due.astimezone(calendar.zone()).date()
    flags: list[DeadlineFlag] = []
    if not calendar.is_working_day(day):
        flags.append(
            DeadlineFlag(
                code=FlagCode.TIME_ON_DAY_OFF,
                message=(
                    f"Giờ hạn «{phrase}» rơi vào ngày nghỉ ({day_label(day)}); giữ nguyên giờ "
                    "ghi trong thông báo, cần kiểm tra."
                ),
                days=(day,),
            )
        )
    flags += _provisional_flags(calendar, day, day)
    return Deadline(
        phrase=phrase, kind=DeadlineKind.DATETIME, due=due, named_day=day, flags=tuple(flags)
    )


def _counted(
    phrase: str,
    reading: Reading,
    notice_date: date,
    calendar: WorkingCalendar,
    start: CountStart | None,
) -> Deadline:
    assert reading.count is not None
    begin, flags = _count_start(reading.start, notice_date, start)
    if reading.kind == DeadlineKind.WORKING_DAYS:
        end = calendar.add_working_days(begin.day, reading.count)
        first = begin.day + timedelta(days=1)
    else:
        if reading.kind == DeadlineKind.MONTHS:
            end = _add_months(begin.day, reading.count)
        else:
            end = begin.day + timedelta(days=reading.count)
        first = end
    due_day = calendar.next_working_day(end)
    if due_day != end:
        flags.append(
            DeadlineFlag(
                code=FlagCode.MOVED_PAST_DAY_OFF,
                message=(
                    f"Ngày cuối của thời hạn ({day_label(end)}) là ngày nghỉ; theo khoản 5 "
                    "Điều 148 Bộ luật Dân sự, thời hạn kết thúc vào cuối ngày làm việc tiếp "
                    f"theo, {day_label(due_day)}."
                ),
                review=False,
                days=(end, due_day),
            )
        )
    flags += _provisional_flags(calendar, first, due_day)
    return Deadline(
        phrase=phrase,
        kind=reading.kind,
        due=calendar.end_of_day(due_day),
        report_every_months=reading.report_every_months,
        counted_from=begin,
        flags=tuple(flags),
    )


def _count_start(
    clause: StartClause | None, notice_date: date, start: CountStart | None
) -> tuple[CountStart, list[DeadlineFlag]]:
    """The start to count from: a date the phrase names, else the caller's, else the
    notice date (flagged when the phrase asked for a day not known yet)."""
    if clause is not None and clause.basis == StartBasis.STATED and clause.day is not None:
        flags: list[DeadlineFlag] = []
        if clause.guessed_from is not None:
            flags.append(_start_year_guess(clause.guessed_from, clause.day, notice_date))
        return CountStart(day=clause.day, basis=StartBasis.STATED), flags
    if start is not None:
        return start, []
    notice = CountStart(day=notice_date, basis=StartBasis.NOTICE)
    if clause is not None and clause.basis == StartBasis.DELIVERY:
        message = (
            "Thời hạn tính từ ngày đơn vị nhận được văn bản; cho đến khi thư giao việc được "
            f"gửi đến, tạm tính từ ngày ban hành thông báo ({notice_date:%d/%m/%Y})."
        )
        return notice, [DeadlineFlag(code=FlagCode.START_PENDING, message=message)]
    if clause is not None and clause.basis == StartBasis.OTHER_EVENT:
        message = (
            f"Thời hạn tính «{clause.words}»; hệ thống không biết ngày đó, tạm tính từ ngày "
            f"ban hành thông báo ({notice_date:%d/%m/%Y}), cần kiểm tra."
        )
        return notice, [DeadlineFlag(code=FlagCode.START_UNKNOWN, message=message)]
    return notice, []


def _year_flags(reading: Reading, notice_date: date) -> list[DeadlineFlag]:
    if reading.guessed_from is None or reading.day is None:
        return []
    return [_year_guess(reading.guessed_from, reading.day, notice_date, reading.period)]


def _year_guess(passed: date, taken: date, notice_date: date, period: str = "") -> DeadlineFlag:
    """A year left out and the notice's year already past: say what was taken instead."""
    if period:
        gone = f"{period.format(year=passed.year)} đã kết thúc ({passed:%d/%m/%Y})"
        taken_words = f"{period.format(year=taken.year)} ({taken:%d/%m/%Y})"
    else:
        gone = f"ngày {passed:%d/%m/%Y} đã qua"
        taken_words = f"ngày {taken:%d/%m/%Y}"
    return DeadlineFlag(
        code=FlagCode.YEAR_GUESSED,
        message=(
            f"Thông báo không ghi năm; {gone} trước ngày ban hành thông báo "
            f"({notice_date:%d/%m/%Y}), nên tạm hiểu là {taken_words}; cần kiểm tra."
        ),
        days=(passed, taken),
    )


def _start_year_guess(same_year: date, taken: date, notice_date: date) -> DeadlineFlag:
    return DeadlineFlag(
        code=FlagCode.YEAR_GUESSED,
        message=(
            f"Thông báo không ghi năm của ngày bắt đầu tính; ngày gần ngày ban hành thông báo "
            f"({notice_date:%d/%m/%Y}) nhất là {taken:%d/%m/%Y}, không phải "
            f"{same_year:%d/%m/%Y}; cần kiểm tra."
        ),
        days=(same_year, taken),
    )


def _provisional_flags(calendar: WorkingCalendar, first: date, last: date) -> list[DeadlineFlag]:
    days = calendar.provisional_days(min(first, last), max(first, last))
    if not days:
        return []
    listed = ", ".join(day_label(d.date) for d in days)
    return [
        DeadlineFlag(
            code=FlagCode.PROVISIONAL_DAYS,
            message=(
                f"Hạn này dựa trên ngày chưa chính thức trong lịch: {listed}; khi có lịch "
                "chính thức, hạn có thể thay đổi."
            ),
            days=tuple(d.date for d in days),
        )
    ]


def _add_months(day: date, months: int) -> date:
    """The corresponding day ``months`` later, or that month's last day (art. 148(3))."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, _monthcal.monthrange(year, month)[1]))


def _local_day(at: datetime, calendar: WorkingCalendar) -> date:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("thời điểm phải kèm múi giờ (datetime có tzinfo)")
    return at.astimezone(calendar.zone()).date()


def _as_aware(value: datetime, calendar: WorkingCalendar) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        return value.replace(tzinfo=calendar.zone())
    return value.astimezone(calendar.zone())


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?",
    re.IGNORECASE,
)


def _iso(
    phrase: str, notice_date: date, calendar: WorkingCalendar, rule: NamedDayOff
) -> Deadline | None:
    """An ISO date is a named date; an ISO date-time is an exact instant."""
    if _ISO_DATE.fullmatch(phrase):
        try:
            day = date.fromisoformat(phrase)
        except ValueError:
            raise DeadlineError(phrase, f"ngày {phrase} không tồn tại") from None
        return _named(phrase, Reading(DeadlineKind.DATE, day=day), notice_date, calendar, rule)
    if _ISO_DATETIME.fullmatch(phrase):
        try:
            instant = datetime.fromisoformat(phrase.upper())
        except ValueError:
            raise DeadlineError(phrase, f"thời điểm {phrase} không tồn tại") from None
        return _exact(phrase, _as_aware(instant, calendar), calendar)
    return None
