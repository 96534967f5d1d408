"""Periods counted from a start, and which start (issue 13, errors 5 and 6).

Only these move past a day off (Bộ luật Dân sự 2015, art. 148(5)); the start is explicit
and travels with the deadline so that a page can say what it was counted from.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from calendar_support import VN, vn

from dondoc.domain.calendar import WorkingCalendar
from dondoc.domain.deadlines import (
    CountStart,
    Deadline,
    DeadlineKind,
    FlagCode,
    StartBasis,
    counted_from_delivery,
    extension_deadline,
    re_resolve,
    requested_start,
    resolve_deadline,
)
from dondoc.domain.formatting import deadline_notes, format_counted_from

NOTICE = date(2026, 12, 1)  # a Tuesday


def test_a_period_ending_on_a_day_off_ends_on_the_next_working_day(
    shipped_cal: WorkingCalendar,
) -> None:
    # 1/12/2026 + 5 days = Sunday 6/12.
    deadline = resolve_deadline("trong 5 ngày", NOTICE, shipped_cal)
    assert deadline.due == vn(2026, 12, 7)
    (flag,) = deadline.flags
    assert flag.code == FlagCode.MOVED_PAST_DAY_OFF and not flag.review
    assert "khoản 5 Điều 148 Bộ luật Dân sự" in flag.message
    assert flag.days == (date(2026, 12, 6), date(2026, 12, 7))


def test_a_period_ending_on_a_holiday_moves_past_the_whole_break(
    shipped_cal: WorkingCalendar,
) -> None:
    # 30 days after 31/3/2026 is Thursday 30/4; 1/5 is off too, then the weekend.
    assert resolve_deadline("trong 30 ngày", date(2026, 3, 31), shipped_cal).due == vn(2026, 5, 4)


def test_weeks_end_on_the_same_weekday(shipped_cal: WorkingCalendar) -> None:
    assert resolve_deadline("trong 2 tuần", NOTICE, shipped_cal).due == vn(2026, 12, 15)


def test_months_end_on_the_corresponding_day_or_the_month_end(
    shipped_cal: WorkingCalendar,
) -> None:
    # One month after 1/12/2026 is Friday 1/1/2027, a holiday: Monday 4/1.
    assert resolve_deadline("trong 01 tháng", NOTICE, shipped_cal).due == vn(2027, 1, 4)
    # From 30/11/2026, three months is 28/2/2027 (no 30/2), a Sunday: Monday 1/3.
    deadline = resolve_deadline("trong 3 tháng", date(2026, 11, 30), shipped_cal)
    assert deadline.kind == DeadlineKind.MONTHS
    assert deadline.due == vn(2027, 3, 1)


def test_working_days_are_counted_after_the_start(shipped_cal: WorkingCalendar) -> None:
    deadline = resolve_deadline("trong 15 ngày làm việc", NOTICE, shipped_cal)
    assert deadline.due == vn(2026, 12, 22)
    assert deadline.counted_from == CountStart(day=NOTICE, basis=StartBasis.NOTICE)
    assert deadline.flags == ()


def test_working_days_across_provisional_tet_say_so(shipped_cal: WorkingCalendar) -> None:
    deadline = resolve_deadline("trong 10 ngày làm việc", date(2027, 1, 28), shipped_cal)
    # 29/1, 1–3/2, then the guessed Tết 4–10/2, then 11, 12, 15, 16, 17, 18/2.
    assert deadline.due == vn(2027, 2, 18)
    assert deadline.rests_on_provisional_days
    assert deadline.needs_review


# ------------------------------------------------------------------------------- starts


def test_the_caller_gives_the_start(shipped_cal: WorkingCalendar) -> None:
    start = CountStart(day=date(2026, 12, 10), basis=StartBasis.DECISION)
    deadline = resolve_deadline("trong 10 ngày làm việc", NOTICE, shipped_cal, start=start)
    assert deadline.counted_from == start
    assert deadline.due == vn(2026, 12, 24)


def test_an_extension_counts_from_the_decision_not_the_notice(
    shipped_cal: WorkingCalendar,
) -> None:
    decided = datetime(2027, 1, 29, 16, tzinfo=VN)  # a Friday
    deadline = extension_deadline("trong 10 ngày làm việc", decided, NOTICE, shipped_cal)
    assert deadline.counted_from == CountStart(day=date(2027, 1, 29), basis=StartBasis.DECISION)
    # 1, 2, 3/2, then the guessed Tết, then 11, 12, 15, 16, 17, 18, 19/2.
    assert deadline.due == vn(2027, 2, 19)
    assert format_counted_from(deadline) == (
        "Tính từ ngày Văn phòng quyết định gia hạn (29/01/2027)."
    )


def test_an_extension_to_a_named_date_stays_that_date(shipped_cal: WorkingCalendar) -> None:
    decided = datetime(2027, 1, 4, 9, tzinfo=VN)
    deadline = extension_deadline("trước ngày 26/02/2027", decided, NOTICE, shipped_cal)
    assert deadline.due == vn(2027, 2, 26)
    assert deadline.counted_from is None
    assert format_counted_from(deadline) is None


def test_the_decision_day_is_the_local_day(shipped_cal: WorkingCalendar) -> None:
    # 18:30 UTC on 31/12/2026 is already 1/1/2027 in Hà Nội.
    late = datetime(2026, 12, 31, 18, 30, tzinfo=UTC)
    deadline = extension_deadline("trong 5 ngày", late, NOTICE, shipped_cal)
    assert deadline.counted_from is not None
    assert deadline.counted_from.day == date(2027, 1, 1)


def test_received_the_document_waits_for_the_delivery(shipped_cal: WorkingCalendar) -> None:
    phrase = "trong 10 ngày, kể từ ngày nhận được văn bản"
    assert requested_start(phrase, NOTICE) == StartBasis.DELIVERY
    before = resolve_deadline(phrase, NOTICE, shipped_cal)
    # Until the mail is delivered, counted from the notice, and flagged as such.
    assert before.due == vn(2026, 12, 11)
    assert before.counted_from == CountStart(day=NOTICE, basis=StartBasis.NOTICE)
    assert [f.code for f in before.flags] == [FlagCode.START_PENDING]

    delivered = datetime(2026, 12, 3, 9, 12, tzinfo=VN)
    after = counted_from_delivery(before, delivered, NOTICE, shipped_cal)
    assert after is not None
    assert after.counted_from == CountStart(day=date(2026, 12, 3), basis=StartBasis.DELIVERY)
    assert after.due == vn(2026, 12, 14)  # Sunday 13/12 → Monday
    assert not after.has(FlagCode.START_PENDING)
    assert deadline_notes(after)[0] == "Tính từ ngày đơn vị nhận được văn bản (03/12/2026)."
    # Once counted from the delivery, a second delivery (a resend) changes nothing.
    assert counted_from_delivery(after, delivered, NOTICE, shipped_cal) is None


def test_a_deadline_not_counted_from_the_delivery_ignores_it(
    shipped_cal: WorkingCalendar,
) -> None:
    delivered = datetime(2026, 12, 3, 9, tzinfo=VN)
    for phrase in ("trong 10 ngày", "trước ngày 15/12/2026", "thường xuyên"):
        deadline = resolve_deadline(phrase, NOTICE, shipped_cal)
        assert counted_from_delivery(deadline, delivered, NOTICE, shipped_cal) is None
    assert requested_start("trong 10 ngày", NOTICE) == StartBasis.NOTICE
    assert requested_start("trước ngày 15/12/2026", NOTICE) is None
    assert requested_start("trong 5 ngày kể từ ngày ký", NOTICE) == StartBasis.NOTICE


def test_an_event_the_system_cannot_see_is_flagged(shipped_cal: WorkingCalendar) -> None:
    phrase = "trong 07 ngày làm việc kể từ ngày nhận đủ hồ sơ"
    assert requested_start(phrase, NOTICE) == StartBasis.OTHER_EVENT
    deadline = resolve_deadline(phrase, NOTICE, shipped_cal)
    (flag,) = deadline.flags
    assert flag.code == FlagCode.START_UNKNOWN and flag.review
    assert "«kể từ ngày nhận đủ hồ sơ»" in flag.message


def test_a_start_date_without_year_is_the_nearest_one(shipped_cal: WorkingCalendar) -> None:
    deadline = resolve_deadline("trong 5 ngày kể từ ngày 28/11", NOTICE, shipped_cal)
    assert deadline.counted_from == CountStart(day=date(2026, 11, 28), basis=StartBasis.STATED)
    assert deadline.flags == ()
    across = resolve_deadline("trong 30 ngày kể từ ngày 3/1", date(2026, 12, 20), shipped_cal)
    assert across.counted_from is not None and across.counted_from.day == date(2027, 1, 3)
    assert [f.code for f in across.flags] == [FlagCode.YEAR_GUESSED]


def test_reading_again_keeps_the_start(shipped_cal: WorkingCalendar) -> None:
    start = CountStart(day=date(2026, 12, 10), basis=StartBasis.DECISION)
    deadline = resolve_deadline("trong 10 ngày làm việc", NOTICE, shipped_cal, start=start)
    assert re_resolve(deadline, NOTICE, shipped_cal) == deadline


def test_the_start_survives_json(shipped_cal: WorkingCalendar) -> None:
    deadline = resolve_deadline("trong 10 ngày, kể từ ngày nhận được văn bản", NOTICE, shipped_cal)
    again = Deadline.model_validate_json(deadline.model_dump_json())
    assert again == deadline
    assert again.has(FlagCode.START_PENDING)
