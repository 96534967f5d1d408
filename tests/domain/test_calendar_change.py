"""A calendar that changes under running tasks: which deadlines would move, and why.

The old calendar is the shipped one (Tết 2027 as the holidays package guesses it, Thu 4/2
to Wed 10/2, provisional); the new ones are what an announcement could say.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from calendar_support import VN, vn

from dondoc.domain.calendar import Standing, WorkingCalendar
from dondoc.domain.calendar_change import calendar_changes, compare_deadline, plan_rests_on
from dondoc.domain.deadlines import (
    Deadline,
    DeadlineKind,
    NamedDayOff,
    extension_deadline,
    resolve_deadline,
)
from dondoc.domain.vietnam_calendar import (
    CalendarFile,
    parse_year_replacement,
    vietnam_calendar,
)

NOTICE = date(2026, 12, 1)
YEARS = range(2025, 2031)


def announced(*tet: int) -> str:
    fixed = [(1, 1), (4, 16), (4, 30), (5, 1), (5, 3), (9, 2), (9, 3), (11, 24)]
    lines = ["years:", "  2027:"]
    for month, day in sorted(fixed + [(2, d) for d in tet]):
        lines.append(
            f"    - {{date: 2027-{month:02d}-{day:02d}, kind: day_off, note: nghỉ, "
            "document: 'Thông báo số 1/TB-BNV (dữ liệu kiểm thử)'}"
        )
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def seven_days(shipped: CalendarFile) -> WorkingCalendar:
    """Tết from Wednesday 3/2 to Tuesday 9/2/2027: one day earlier than the guess."""
    return vietnam_calendar(
        YEARS, shipped.replacing(parse_year_replacement(announced(3, 4, 5, 8, 9)))
    )


@pytest.fixture(scope="module")
def ten_days(shipped: CalendarFile) -> WorkingCalendar:
    """Tết from Thursday 4/2 to Friday 12/2/2027 (a ten-day break with the weekends)."""
    days = (4, 5, 8, 9, 10, 11, 12)
    return vietnam_calendar(YEARS, shipped.replacing(parse_year_replacement(announced(*days))))


def deadline(phrase: str, cal: WorkingCalendar, notice: date = NOTICE) -> Deadline:
    return resolve_deadline(phrase, notice, cal)


def test_a_named_date_before_an_earlier_tet_moves_earlier(
    shipped_cal: WorkingCalendar, seven_days: WorkingCalendar
) -> None:
    current = deadline("trước ngày 05/02/2027", shipped_cal)
    change = compare_deadline(current, NOTICE, shipped_cal, seven_days)
    assert change.moved and change.differs_from_current
    assert change.under_old.due == vn(2027, 2, 3)
    assert change.under_new.due == vn(2027, 2, 2)
    assert change.changed_days == (date(2027, 2, 3),)
    assert change.describe() == (
        "Thời hạn «trước ngày 05/02/2027»: theo lịch mới, hạn là 17:00 thứ ba, ngày "
        "02/02/2027 thay vì 17:00 thứ tư, ngày 03/02/2027 (ngày thay đổi: thứ Tư 03/02/2027)."
    )
    # Under the announced calendar the deadline no longer rests on a guess.
    assert current.rests_on_provisional_days
    assert not change.under_new.rests_on_provisional_days


def test_a_named_date_after_tet_does_not_move(
    shipped_cal: WorkingCalendar, seven_days: WorkingCalendar
) -> None:
    change = compare_deadline(
        deadline("trước ngày 11/02/2027", shipped_cal), NOTICE, shipped_cal, seven_days
    )
    assert not change.moved
    assert change.describe() == "Thời hạn «trước ngày 11/02/2027» không đổi theo lịch mới."


def test_working_days_across_a_longer_tet_move_later(
    shipped_cal: WorkingCalendar, ten_days: WorkingCalendar
) -> None:
    current = deadline("trong 10 ngày làm việc", shipped_cal, date(2027, 1, 28))
    change = compare_deadline(current, date(2027, 1, 28), shipped_cal, ten_days)
    assert change.under_old.due == vn(2027, 2, 18)
    # 29/1, 1, 2, 3/2, then off to 14/2, then 15, 16, 17, 18, 19, 22/2.
    assert change.under_new.due == vn(2027, 2, 22)
    assert change.changed_days == (date(2027, 2, 11), date(2027, 2, 12))


def test_the_same_count_can_survive_a_shifted_tet(
    shipped_cal: WorkingCalendar, seven_days: WorkingCalendar
) -> None:
    # Tết one day earlier: 3/2 is lost, 10/2 is gained; the tenth working day is the same.
    current = deadline("trong 10 ngày làm việc", shipped_cal, date(2027, 1, 28))
    assert not compare_deadline(current, date(2027, 1, 28), shipped_cal, seven_days).moved


def test_an_extension_is_compared_from_its_decision(
    shipped_cal: WorkingCalendar, ten_days: WorkingCalendar
) -> None:
    granted = extension_deadline(
        "trong 5 ngày làm việc", datetime(2027, 2, 2, 10, tzinfo=VN), NOTICE, shipped_cal
    )
    # Decided on Tuesday 2/2: 3/2, then the guessed Tết, then 11, 12, 15, 16/2.
    assert granted.due == vn(2027, 2, 16)
    change = compare_deadline(granted, NOTICE, shipped_cal, ten_days)
    assert change.under_new.counted_from == granted.counted_from
    # Counted again from the same decision: 3/2, then off to 14/2, then 15–18/2.
    assert change.under_new.due == vn(2027, 2, 18)


def test_the_office_setting_is_applied_to_both_calendars(
    shipped_cal: WorkingCalendar, seven_days: WorkingCalendar
) -> None:
    current = resolve_deadline(
        "trước ngày 05/02/2027", NOTICE, shipped_cal, named_day_off=NamedDayOff.KEEP
    )
    change = compare_deadline(
        current, NOTICE, shipped_cal, seven_days, named_day_off=NamedDayOff.KEEP
    )
    assert not change.moved  # 5/2 is kept under both


def test_a_kept_deadline_is_not_proposed_again_by_an_unrelated_change(
    shipped_cal: WorkingCalendar, seven_days: WorkingCalendar
) -> None:
    # The office kept 3/2 when 2027 changed; loading the same year again moves nothing,
    # but the task still differs from what its words give.
    kept = deadline("trước ngày 05/02/2027", shipped_cal)
    change = compare_deadline(kept, NOTICE, seven_days, seven_days)
    assert not change.moved
    assert change.differs_from_current


def test_ongoing_work_and_unreadable_words_never_raise(
    shipped_cal: WorkingCalendar, seven_days: WorkingCalendar
) -> None:
    ongoing = deadline("thường xuyên", shipped_cal)
    assert not compare_deadline(ongoing, NOTICE, shipped_cal, seven_days).moved
    odd = Deadline(phrase="theo chỉ đạo", kind=DeadlineKind.DATE, due=vn(2027, 2, 3))
    change = compare_deadline(odd, NOTICE, shipped_cal, seven_days)
    assert not change.readable and not change.moved


def test_a_plan_rests_on_the_provisional_days_it_spans(shipped_cal: WorkingCalendar) -> None:
    since = datetime(2027, 1, 25, 9, tzinfo=VN)
    moments = [vn(2027, 2, 11, 8), vn(2027, 2, 18, 8)]
    days = plan_rests_on(shipped_cal, moments, since=since)
    assert [d.date for d in days] == [date(2027, 2, d) for d in (4, 5, 8, 9, 10)]
    assert plan_rests_on(shipped_cal, [vn(2026, 12, 20, 8)], since=vn(2026, 12, 2, 9)) == ()
    assert plan_rests_on(shipped_cal, [], since=since) == ()


def test_the_changes_a_load_would_make_are_listed(
    shipped_cal: WorkingCalendar, seven_days: WorkingCalendar
) -> None:
    changes = calendar_changes(shipped_cal, seven_days, date(2027, 1, 1), date(2027, 12, 31))
    by_day = {c.date: c for c in changes}
    assert by_day[date(2027, 2, 3)].describe() == "thứ Tư 03/02/2027: ngày làm việc → ngày nghỉ"
    assert by_day[date(2027, 2, 10)].describe() == "thứ Tư 10/02/2027: ngày nghỉ → ngày làm việc"
    # Still off, but now official.
    assert by_day[date(2027, 2, 4)].after.standing == Standing.OFFICIAL
    assert by_day[date(2027, 2, 4)].describe() == (
        "thứ Năm 04/02/2027: ngày nghỉ, dự kiến, chưa chính thức → chính thức"
    )
    assert all(c.date.year == 2027 for c in changes)
