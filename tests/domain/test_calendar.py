"""The working-day calendar: Vietnamese holidays, official swaps, working hours."""

from __future__ import annotations

import importlib.resources
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from dondoc.domain.calendar import WorkingCalendar
from dondoc.domain.vietnam_calendar import CalendarOverride, parse_overrides, vietnam_calendar

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def vn(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN)


def shipped_overrides() -> list[CalendarOverride]:
    text = (importlib.resources.files("dondoc") / "data" / "calendar.yaml").read_text("utf-8")
    return parse_overrides(text)


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return vietnam_calendar([2025, 2026, 2027], shipped_overrides())


# ------------------------------------------------------------------ Vietnamese holidays


def test_tet_2026_is_off_from_29_thang_chap_to_mung_4(cal: WorkingCalendar) -> None:
    # Mồng 1 Tết Bính Ngọ is Tuesday 17/2/2026; public servants are off Mon 16 – Fri 20,
    # which with the two weekends makes nine days in a row, 14/2 to 22/2.
    for day in range(14, 23):
        assert not cal.is_working_day(date(2026, 2, day)), day
    assert date(2026, 2, 17) in cal.days_off
    assert cal.is_working_day(date(2026, 2, 13))
    assert cal.is_working_day(date(2026, 2, 23))


def test_30_4_and_1_5_2026_are_off_and_hung_kings_day_is_moved_to_monday(
    cal: WorkingCalendar,
) -> None:
    assert not cal.is_working_day(date(2026, 4, 30))  # Thursday
    assert not cal.is_working_day(date(2026, 5, 1))  # Friday
    assert cal.is_working_day(date(2026, 5, 4))
    # 10/3 âm lịch falls on Sunday 26/4/2026, so Monday 27/4 is the day off.
    assert not cal.is_working_day(date(2026, 4, 27))
    assert cal.is_working_day(date(2026, 4, 28))


def test_national_day_2026_is_five_days_with_saturday_22_8_worked(cal: WorkingCalendar) -> None:
    for day in (date(2026, 8, 31), date(2026, 9, 1), date(2026, 9, 2)):
        assert not cal.is_working_day(day), day
    assert cal.is_working_day(date(2026, 8, 22))  # make-up Saturday
    assert cal.is_working_day(date(2026, 9, 3))


def test_vietnamese_culture_day_24_11_2026_is_off(cal: WorkingCalendar) -> None:
    assert date(2026, 11, 24).weekday() == 1
    assert not cal.is_working_day(date(2026, 11, 24))
    assert cal.is_working_day(date(2026, 11, 23))


def test_new_year_2026_friday_off_is_worked_back_on_saturday_10_january(
    cal: WorkingCalendar,
) -> None:
    assert not cal.is_working_day(date(2026, 1, 1))
    assert not cal.is_working_day(date(2026, 1, 2))  # Friday, swapped
    assert cal.is_working_day(date(2026, 1, 5))
    assert cal.is_working_day(date(2026, 1, 10))  # Saturday, worked
    assert not cal.is_working_day(date(2026, 1, 17))  # an ordinary Saturday


def test_the_package_alone_does_not_know_the_new_year_swap() -> None:
    # Which is why the overrides file exists.
    bare = vietnam_calendar([2026])
    assert bare.is_working_day(date(2026, 1, 2))
    assert not bare.is_working_day(date(2026, 1, 10))


def test_weekends_are_not_working_days() -> None:
    plain = WorkingCalendar()
    assert plain.is_working_day(date(2026, 3, 13))  # Friday
    assert not plain.is_working_day(date(2026, 3, 14))
    assert not plain.is_working_day(date(2026, 3, 15))
    assert plain.is_working_day(date(2026, 3, 16))


def test_make_up_days_only_for_the_requested_years() -> None:
    calendar = vietnam_calendar([2026])
    assert {day.year for day in calendar.extra_working_days} <= {2026}


def test_overrides_win_over_the_package() -> None:
    overrides = [
        CalendarOverride(date=date(2026, 4, 30), kind="working_day", note="thử", document="x"),
        CalendarOverride(date=date(2026, 3, 10), kind="day_off", note="thử", document="x"),
    ]
    calendar = vietnam_calendar([2026], overrides)
    assert calendar.is_working_day(date(2026, 4, 30))
    assert not calendar.is_working_day(date(2026, 3, 10))


# -------------------------------------------------------------------------- day arithmetic


def test_next_working_day(cal: WorkingCalendar) -> None:
    assert cal.next_working_day(date(2026, 2, 13)) == date(2026, 2, 13)
    assert cal.next_working_day(date(2026, 2, 13), include_today=False) == date(2026, 2, 23)
    assert cal.next_working_day(date(2026, 3, 14)) == date(2026, 3, 16)


def test_add_working_days_skips_tet(cal: WorkingCalendar) -> None:
    assert cal.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 23)
    # 13/2, then 23, 24, 25, 26 February.
    assert cal.add_working_days(date(2026, 2, 12), 5) == date(2026, 2, 26)
    assert cal.add_working_days(date(2026, 2, 12), 0) == date(2026, 2, 12)


def test_negative_counts_go_backwards_across_tet(cal: WorkingCalendar) -> None:
    assert cal.add_working_days(date(2026, 2, 23), -1) == date(2026, 2, 13)
    # "Five working days before the deadline" of Monday 2/3/2026.
    assert cal.add_working_days(date(2026, 3, 2), -5) == date(2026, 2, 23)
    assert cal.add_working_days(date(2026, 2, 24), -2) == date(2026, 2, 13)


def test_add_working_days_counts_a_make_up_saturday(cal: WorkingCalendar) -> None:
    assert cal.add_working_days(date(2026, 1, 9), 1) == date(2026, 1, 10)
    assert cal.add_working_days(date(2025, 12, 31), 1) == date(2026, 1, 5)


def test_a_datetime_is_not_accepted_where_a_day_is_meant(cal: WorkingCalendar) -> None:
    with pytest.raises(TypeError):
        cal.is_working_day(vn(2026, 3, 10, 9))


# ------------------------------------------------------------------------- working hours


def test_working_moments_are_8_to_17_on_working_days(cal: WorkingCalendar) -> None:
    assert cal.is_working_moment(vn(2026, 3, 10, 8))
    assert cal.is_working_moment(vn(2026, 3, 10, 16, 59))
    assert not cal.is_working_moment(vn(2026, 3, 10, 7, 59))
    assert not cal.is_working_moment(vn(2026, 3, 10, 17))
    assert not cal.is_working_moment(vn(2026, 3, 14, 10))  # Saturday
    assert not cal.is_working_moment(vn(2026, 2, 18, 10))  # Tết


def test_working_moment_is_judged_in_vietnam_time(cal: WorkingCalendar) -> None:
    # 02:00 UTC is 09:00 in Hà Nội; 11:00 UTC is 18:00.
    assert cal.is_working_moment(datetime(2026, 3, 10, 2, tzinfo=UTC))
    assert not cal.is_working_moment(datetime(2026, 3, 10, 11, tzinfo=UTC))


def test_next_working_moment_at_3am_waits_for_8am(cal: WorkingCalendar) -> None:
    assert cal.next_working_moment(vn(2026, 3, 10, 3)) == vn(2026, 3, 10, 8)


def test_next_working_moment_after_hours_is_next_morning(cal: WorkingCalendar) -> None:
    assert cal.next_working_moment(vn(2026, 3, 10, 17, 30)) == vn(2026, 3, 11, 8)
    assert cal.next_working_moment(vn(2026, 3, 13, 17, 30)) == vn(2026, 3, 16, 8)


def test_next_working_moment_on_saturday_is_monday_morning(cal: WorkingCalendar) -> None:
    assert cal.next_working_moment(vn(2026, 3, 14, 10)) == vn(2026, 3, 16, 8)


def test_next_working_moment_before_tet_is_after_tet(cal: WorkingCalendar) -> None:
    assert cal.next_working_moment(vn(2026, 2, 13, 17, 30)) == vn(2026, 2, 23, 8)


def test_next_working_moment_on_a_make_up_saturday(cal: WorkingCalendar) -> None:
    assert cal.next_working_moment(vn(2026, 1, 10, 7)) == vn(2026, 1, 10, 8)


def test_next_working_moment_inside_hours_is_the_moment_itself(cal: WorkingCalendar) -> None:
    moment = datetime(2026, 3, 10, 3, 15, tzinfo=UTC)  # 10:15 in Vietnam
    assert cal.next_working_moment(moment) is moment


def test_naive_moments_are_refused(cal: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="múi giờ"):
        cal.is_working_moment(datetime(2026, 3, 10, 9))
    with pytest.raises(ValueError, match="múi giờ"):
        cal.next_working_moment(datetime(2026, 3, 10, 9))


def test_at_and_end_of_day_are_aware_vietnam_times(cal: WorkingCalendar) -> None:
    start = cal.at(date(2026, 3, 10), time(8))
    assert start.utcoffset() is not None
    assert start.utcoffset().total_seconds() == 7 * 3600  # type: ignore[union-attr]
    assert cal.end_of_day(date(2026, 3, 10)) == vn(2026, 3, 10, 17)
    assert cal.end_of_day(date(2026, 3, 10)).astimezone(UTC).hour == 10


def test_custom_working_hours() -> None:
    calendar = vietnam_calendar([2026], day_start=time(7, 30), day_end=time(16, 30))
    assert calendar.end_of_day(date(2026, 3, 10)) == vn(2026, 3, 10, 16, 30)
    assert calendar.next_working_moment(vn(2026, 3, 10, 6)) == vn(2026, 3, 10, 7, 30)


# ----------------------------------------------------------------------------- as data


def test_calendar_round_trips_through_json(cal: WorkingCalendar) -> None:
    payload = cal.model_dump_json()
    again = WorkingCalendar.model_validate_json(payload)
    assert again == cal
    assert again.model_dump_json() == payload
    assert again.is_working_day(date(2026, 1, 10))
    assert not again.is_working_day(date(2026, 2, 17))


def test_json_lists_days_in_order_so_equal_calendars_serialise_equally() -> None:
    a = WorkingCalendar(days_off=frozenset({date(2026, 5, 1), date(2026, 1, 1)}))
    b = WorkingCalendar(days_off=frozenset({date(2026, 1, 1), date(2026, 5, 1)}))
    assert a.model_dump_json() == b.model_dump_json()
    assert '"days_off":["2026-01-01","2026-05-01"]' in a.model_dump_json()


def test_calendar_is_immutable(cal: WorkingCalendar) -> None:
    with pytest.raises(ValidationError):
        cal.tz = "UTC"  # type: ignore[misc]


def test_invalid_calendars_are_refused_in_vietnamese() -> None:
    with pytest.raises(ValidationError, match="múi giờ «Asia/Saigonn» không tồn tại"):
        WorkingCalendar(tz="Asia/Saigonn")
    with pytest.raises(ValidationError, match="phải sớm hơn"):
        WorkingCalendar(day_start=time(17), day_end=time(8))


# ------------------------------------------------------------------------ overrides file


def test_shipped_overrides_name_a_document_for_every_entry() -> None:
    overrides = shipped_overrides()
    by_date = {o.date: o for o in overrides}
    assert by_date[date(2026, 1, 2)].kind == "day_off"
    assert by_date[date(2026, 1, 10)].kind == "working_day"
    assert date(2026, 11, 24) in by_date
    for override in overrides:
        assert override.note.strip()
        assert override.document.strip()


def test_parse_overrides_reads_the_documented_format() -> None:
    text = """
overrides:
  - date: 2027-02-03
    kind: day_off
    note: "Nghỉ bù Tết"
    document: "Thông báo của Bộ Nội vụ (cần đối chiếu)"
  - date: "2027-02-20"
    kind: working_day
    note: "Làm bù"
    document: "Thông báo của Bộ Nội vụ (cần đối chiếu)"
"""
    overrides = parse_overrides(text)
    assert [(o.date, o.kind) for o in overrides] == [
        (date(2027, 2, 3), "day_off"),
        (date(2027, 2, 20), "working_day"),
    ]


def test_empty_overrides_file_is_no_overrides() -> None:
    assert parse_overrides("") == []
    assert parse_overrides("overrides: []") == []
    assert parse_overrides("# chỉ có chú thích\noverrides:\n") == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "overrides:\n  - date: 2026-01-02\n    kind: day_off\n    note: x\n",
            "mục thứ 1, trường «document»: thiếu giá trị",
        ),
        (
            "overrides:\n  - {date: 2026-01-02, kind: day_off, note: x, document: y}\n"
            "  - {date: 2026-02-30, kind: day_off, note: x, document: y}\n",
            "mục thứ 2, trường «date»: «2026-02-30» không phải ngày hợp lệ",
        ),
        (
            "overrides:\n  - {date: 2026-01-02, kind: holiday, note: x, document: y}\n",
            "mục thứ 1, trường «kind»: «holiday» không hợp lệ",
        ),
        (
            "overrides:\n  - {date: 2026-01-02, kind: day_off, note: '  ', document: y}\n",
            "mục thứ 1, trường «note»: không được để trống",
        ),
        (
            "overrides:\n  - {date: 2026-01-02, kind: day_off, note: x, document: y, notes: z}\n",
            "mục thứ 1, trường «notes»: trường không được hỗ trợ",
        ),
        (
            "overrides:\n  - {date: 2026-01-02, kind: day_off, note: x, document: y}\n"
            "  - {date: 2026-01-02, kind: working_day, note: x, document: y}\n",
            "dòng 3, mục thứ 2, trường «date»: ngày 02/01/2026 vừa là ngày nghỉ "
            r"\(mục thứ 1, dòng 2\) vừa là ngày làm việc",
        ),
        (
            "overrides:\n  - {date: 2026-01-02, kind: day_off, note: x, document: y}\n"
            "  - {date: 2026-01-02, kind: day_off, note: x, document: y}\n",
            r"mục thứ 2, trường «date»: ngày 02/01/2026 đã có ở mục thứ 1 \(dòng 2\)",
        ),
        ("overrides:\n  - 2026-01-02\n", "mục thứ 1: phải là một bảng"),
        ("- {date: 2026-01-02}\n", "khóa «overrides»"),
        ("overrides: {date: 2026-01-02}\n", "phải là một danh sách"),
        ("overrides: [\n", "không phải YAML hợp lệ"),
    ],
)
def test_bad_overrides_name_the_entry_and_field(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_overrides(text)
