"""Deadline phrases as conclusion notices write them, resolved to an instant."""

from __future__ import annotations

import importlib.resources
import pickle
import unicodedata
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from dondoc.domain.calendar import WorkingCalendar
from dondoc.domain.deadlines import (
    CountStart,
    Deadline,
    DeadlineError,
    DeadlineKind,
    FlagCode,
    StartBasis,
    find_deadline_phrase,
    resolve_deadline,
)
from dondoc.domain.vietnam_calendar import parse_overrides, vietnam_calendar

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOTICE = date(2026, 9, 10)  # a Thursday


def vn(y: int, m: int, d: int, hh: int = 17, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN)


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    text = (importlib.resources.files("dondoc") / "data" / "calendar.yaml").read_text("utf-8")
    return vietnam_calendar([2026, 2027], parse_overrides(text))


def due(phrase: str, cal: WorkingCalendar, notice: date = NOTICE) -> datetime | None:
    return resolve_deadline(phrase, notice, cal).due


# ------------------------------------------------------------------------------ dates


@pytest.mark.parametrize(
    "phrase",
    [
        "trước ngày 15/9/2026",
        "trước 15/9/2026",
        "chậm nhất ngày 15/9/2026",
        "hoàn thành trước ngày 15/09/2026",
        "đến ngày 15/9/2026",
        "ngày 15-9-2026",
        "15.9.2026",
        "Trước   ngày   15/9/2026",
        "TRƯỚC NGÀY 15/9/2026",
        "trước ngày 15 tháng 9 năm 2026",
        "2026-09-15",
    ],
)
def test_a_date_means_the_end_of_that_working_day(phrase: str, cal: WorkingCalendar) -> None:
    deadline = resolve_deadline(phrase, NOTICE, cal)
    assert deadline.kind == DeadlineKind.DATE
    assert deadline.due == vn(2026, 9, 15)
    assert deadline.report_every_months is None


def test_the_phrase_is_kept_as_written_with_spaces_tidied(cal: WorkingCalendar) -> None:
    deadline = resolve_deadline("  hoàn thành   trước ngày 15/09/2026 ", NOTICE, cal)
    assert deadline.phrase == "hoàn thành trước ngày 15/09/2026"


def test_decomposed_unicode_reads_the_same(cal: WorkingCalendar) -> None:
    nfd = unicodedata.normalize("NFD", "chậm nhất trong ngày 29/9")
    assert nfd != "chậm nhất trong ngày 29/9"
    deadline = resolve_deadline(nfd, NOTICE, cal)
    assert deadline.due == vn(2026, 9, 29)
    assert deadline.phrase == "chậm nhất trong ngày 29/9"


def test_a_date_without_year_is_in_the_notice_year(cal: WorkingCalendar) -> None:
    assert due("chậm nhất trong ngày 29/9", cal) == vn(2026, 9, 29)
    assert due("trước ngày 10/9", cal) == vn(2026, 9, 10)  # the notice day itself counts
    assert not resolve_deadline("trước ngày 10/9", NOTICE, cal).flags


def test_a_named_sunday_is_due_on_the_friday_before(cal: WorkingCalendar) -> None:
    # A date the notice names is not a period: it never moves past the named day.
    assert date(2026, 9, 20).weekday() == 6
    assert due("trước ngày 20/9/2026", cal) == vn(2026, 9, 18)


def test_a_named_day_in_tet_is_due_on_the_last_day_before_tet(cal: WorkingCalendar) -> None:
    notice = date(2026, 2, 2)
    assert due("trước ngày 14/2/2026", cal, notice=notice) == vn(2026, 2, 13)
    assert due("trước ngày 18/2/2026", cal, notice=notice) == vn(2026, 2, 13)


def test_a_named_day_in_the_national_day_break_is_due_before_it(cal: WorkingCalendar) -> None:
    # 31/8/2026 is swapped with Saturday 22/8; Friday 28/8 is the last working day before.
    assert due("trước ngày 31/8/2026", cal, notice=date(2026, 8, 3)) == vn(2026, 8, 28)


def test_a_date_object_is_a_named_date(cal: WorkingCalendar) -> None:
    deadline = resolve_deadline(date(2026, 9, 19), NOTICE, cal)  # Saturday
    assert deadline.kind == DeadlineKind.DATE
    assert deadline.due == vn(2026, 9, 18)
    assert deadline.named_day == date(2026, 9, 19)
    assert deadline.phrase == "2026-09-19"


# ------------------------------------------------------------------------ time of day


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("trước 14 giờ, ngày 03/12/2026", vn(2026, 12, 3, 14)),
        ("trước 14h00 ngày 03/12/2026", vn(2026, 12, 3, 14)),
        ("14 giờ 30 ngày 03/12/2026", vn(2026, 12, 3, 14, 30)),
        ("trước 9 giờ 15 phút ngày 3 tháng 12 năm 2026", vn(2026, 12, 3, 9, 15)),
        ("trước 2 giờ chiều ngày 3/12/2026", vn(2026, 12, 3, 14)),
        ("ngày 03/12/2026 lúc 10 giờ", vn(2026, 12, 3, 10)),
        ("trước 14:00 ngày 3/12/2026", vn(2026, 12, 3, 14)),
    ],
)
def test_a_time_of_day_is_kept(phrase: str, expected: datetime, cal: WorkingCalendar) -> None:
    deadline = resolve_deadline(phrase, NOTICE, cal)
    assert deadline.kind == DeadlineKind.DATETIME
    assert deadline.due == expected


def test_a_time_on_a_day_off_is_kept_as_written_and_flagged(cal: WorkingCalendar) -> None:
    deadline = resolve_deadline("trước 14 giờ, ngày 05/12/2026", NOTICE, cal)  # Saturday
    assert deadline.due == vn(2026, 12, 5, 14)
    assert [f.code for f in deadline.flags] == [FlagCode.TIME_ON_DAY_OFF]
    assert deadline.needs_review


def test_iso_date_times_are_exact_instants(cal: WorkingCalendar) -> None:
    assert due("2026-09-15T14:00", cal) == vn(2026, 9, 15, 14)
    assert due("2026-09-15T14:00+07:00", cal) == vn(2026, 9, 15, 14)
    assert due("2026-09-15T07:00:00Z", cal) == vn(2026, 9, 15, 14)
    deadline = resolve_deadline("2026-09-19T10:00", NOTICE, cal)  # Saturday, kept as given
    assert deadline.kind == DeadlineKind.DATETIME
    assert deadline.due == vn(2026, 9, 19, 10)


def test_datetime_objects_naive_means_vietnam_time(cal: WorkingCalendar) -> None:
    naive = resolve_deadline(datetime(2026, 9, 15, 14), NOTICE, cal)
    assert naive.due == vn(2026, 9, 15, 14)
    aware = resolve_deadline(datetime(2026, 9, 15, 7, tzinfo=UTC), NOTICE, cal)
    assert aware.due == vn(2026, 9, 15, 14)
    assert aware.due is not None and aware.due.utcoffset() == vn(2026, 1, 1).utcoffset()


# --------------------------------------------------------------------------- periods


@pytest.mark.parametrize(
    ("phrase", "kind", "expected"),
    [
        ("trong tháng 9/2026", DeadlineKind.MONTH, vn(2026, 9, 30)),
        ("trong tháng 12 năm 2026", DeadlineKind.MONTH, vn(2026, 12, 31)),
        ("trong quý III/2026", DeadlineKind.QUARTER, vn(2026, 9, 30)),
        ("quý 3/2026", DeadlineKind.QUARTER, vn(2026, 9, 30)),
        ("trong quý iv năm 2026", DeadlineKind.QUARTER, vn(2026, 12, 31)),
        ("Quý IV/2026", DeadlineKind.QUARTER, vn(2026, 12, 31)),
        ("trong quý I/2027", DeadlineKind.QUARTER, vn(2027, 3, 31)),
        ("quý II năm 2027", DeadlineKind.QUARTER, vn(2027, 6, 30)),
        ("trong năm 2026", DeadlineKind.YEAR, vn(2026, 12, 31)),
        ("năm 2026", DeadlineKind.YEAR, vn(2026, 12, 31)),
        ("6 tháng đầu năm 2027", DeadlineKind.HALF_YEAR, vn(2027, 6, 30)),
        ("6 tháng cuối năm 2026", DeadlineKind.HALF_YEAR, vn(2026, 12, 31)),
    ],
)
def test_a_period_ends_on_its_last_day(
    phrase: str, kind: DeadlineKind, expected: datetime, cal: WorkingCalendar
) -> None:
    deadline = resolve_deadline(phrase, NOTICE, cal)
    assert deadline.kind == kind
    assert deadline.due == expected


def test_a_named_period_ending_on_a_weekend_is_due_on_its_last_working_day(
    cal: WorkingCalendar,
) -> None:
    assert date(2026, 10, 31).weekday() == 5
    assert due("trong tháng 10/2026", cal) == vn(2026, 10, 30)
    assert due("trong tháng 10 năm 2026", cal) == vn(2026, 10, 30)


def test_a_period_without_year_is_in_the_notice_year_unless_it_has_ended(
    cal: WorkingCalendar,
) -> None:
    assert due("trong tháng 11", cal) == vn(2026, 11, 30)
    assert not resolve_deadline("trong tháng 11", NOTICE, cal).flags
    # Q2 2026 ended before the notice of 10/9/2026: next year's, flagged for review.
    second = resolve_deadline("trong quý II", NOTICE, cal)
    assert second.due == vn(2027, 6, 30)
    assert [f.code for f in second.flags] == [FlagCode.YEAR_GUESSED]


# ------------------------------------------------------------------------ counted days


def test_working_days_are_counted_from_the_day_after_the_notice(cal: WorkingCalendar) -> None:
    deadline = resolve_deadline("trong 15 ngày làm việc", NOTICE, cal)
    assert deadline.kind == DeadlineKind.WORKING_DAYS
    assert deadline.due == vn(2026, 10, 1)


def test_working_days_skip_tet(cal: WorkingCalendar) -> None:
    # From Tuesday 10/2/2026: 11, 12, 13, then Tết, then 23 and 24 February.
    assert due("trong 5 ngày làm việc", cal, notice=date(2026, 2, 10)) == vn(2026, 2, 24)


def test_a_stated_start_is_counted_from(cal: WorkingCalendar) -> None:
    # From Saturday 12/9/2026: 14–18, 21–25, 28/9–2/10 are the fifteen working days.
    deadline = resolve_deadline("trong 15 ngày làm việc kể từ ngày 12/9/2026", NOTICE, cal)
    assert deadline.due == vn(2026, 10, 2)
    assert deadline.counted_from == CountStart(day=date(2026, 9, 12), basis=StartBasis.STATED)
    assert due("trong 15 ngày làm việc kể từ ngày ký Thông báo", cal) == vn(2026, 10, 1)


def test_calendar_days_and_weeks(cal: WorkingCalendar) -> None:
    ten_days = resolve_deadline("trong 10 ngày", NOTICE, cal)
    assert ten_days.kind == DeadlineKind.DAYS
    assert ten_days.due == vn(2026, 9, 21)  # 20/9 is a Sunday
    assert due("trong 2 tuần", cal) == vn(2026, 9, 24)
    # Ten days after 10/2/2026 is 20/2, in Tết: the period ends on the first day back.
    assert due("trong 10 ngày", cal, notice=date(2026, 2, 10)) == vn(2026, 2, 23)
    assert due("trong 03 tháng", cal) == vn(2026, 12, 10)
    assert resolve_deadline("trong 03 tháng", NOTICE, cal).kind == DeadlineKind.MONTHS


# ----------------------------------------------------------------------------- ongoing


@pytest.mark.parametrize(
    ("phrase", "months"),
    [
        ("thường xuyên", 1),
        ("Thường xuyên", 1),
        ("hằng tháng", 1),
        ("hàng tháng", 1),
        ("định kỳ hằng tháng", 1),
        ("hằng quý", 3),
        ("định kỳ hằng quý", 3),
        ("thường xuyên, báo cáo định kỳ hằng quý", 3),
        # How often to report, not "within six months".
        ("thường xuyên, báo cáo định kỳ 6 tháng", 6),
        ("6 tháng một lần", 6),
    ],
)
def test_ongoing_work_has_no_due_date_but_a_report_cadence(
    phrase: str, months: int, cal: WorkingCalendar
) -> None:
    deadline = resolve_deadline(phrase, NOTICE, cal)
    assert deadline.kind == DeadlineKind.ONGOING
    assert deadline.due is None
    assert deadline.report_every_months == months


def test_a_dated_deadline_may_also_ask_for_monthly_reports(cal: WorkingCalendar) -> None:
    deadline = resolve_deadline("hoàn thành trước 30/9/2026, báo cáo hằng tháng", NOTICE, cal)
    assert deadline.kind == DeadlineKind.DATE
    assert deadline.due == vn(2026, 9, 30)
    assert deadline.report_every_months == 1


def test_from_to_range_means_the_end(cal: WorkingCalendar) -> None:
    assert due("từ ngày 11/9 đến ngày 25/9/2026", cal) == vn(2026, 9, 25)


# ------------------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    ("phrase", "reason"),
    [
        ("31/2/2026", "ngày 31/2/2026 không tồn tại"),
        ("trước ngày 31/02/2026", "ngày 31/2/2026 không tồn tại"),
        ("trước ngày 30/2", "ngày 30/2 không tồn tại"),
        ("2026-02-30", "ngày 2026-02-30 không tồn tại"),
        ("2026-09-15T25:00", "thời điểm 2026-09-15T25:00 không tồn tại"),
        ("trong tháng 13/2026", "tháng 13 không tồn tại"),
        ("trước 25 giờ ngày 15/9/2026", "giờ 25:00 không hợp lệ"),
        ("trong 0 ngày làm việc", "số ngày phải lớn hơn 0"),
        ("trước ngày 15/9/26", "năm phải viết đủ bốn chữ số"),
        ("sớm nhất có thể", "không nhận ra dạng thời hạn"),
        ("", "chưa ghi thời hạn"),
        ("trước ngày 15/9/2026 hoặc 30/9/2026", "có hơn một mốc thời gian"),
    ],
)
def test_unreadable_deadlines_say_why_in_vietnamese(
    phrase: str, reason: str, cal: WorkingCalendar
) -> None:
    with pytest.raises(DeadlineError) as caught:
        resolve_deadline(phrase, NOTICE, cal)
    message = str(caught.value)
    assert message.startswith(f"không đọc được thời hạn «{phrase}»: ")
    assert reason in message
    assert caught.value.phrase == phrase
    assert isinstance(caught.value, ValueError)


def test_deadline_error_survives_pickling() -> None:
    error = pickle.loads(pickle.dumps(DeadlineError("31/2/2026", "ngày 31/2/2026 không tồn tại")))
    assert isinstance(error, DeadlineError)
    assert error.reason == "ngày 31/2/2026 không tồn tại"
    assert "«31/2/2026»" in str(error)


# ------------------------------------------------------------------------ the model


def test_deadline_round_trips_through_json(cal: WorkingCalendar) -> None:
    for phrase in ("trước 14 giờ, ngày 05/12/2026", "thường xuyên"):
        deadline = resolve_deadline(phrase, NOTICE, cal)
        assert Deadline.model_validate_json(deadline.model_dump_json()) == deadline


def test_ongoing_defaults_to_monthly_reports() -> None:
    deadline = Deadline(phrase="thường xuyên", kind=DeadlineKind.ONGOING, due=None)
    assert deadline.report_every_months == 1


def test_deadline_model_refuses_inconsistent_data() -> None:
    with pytest.raises(ValidationError):
        Deadline(phrase="x", kind=DeadlineKind.ONGOING, due=vn(2026, 9, 15))
    with pytest.raises(ValidationError):
        Deadline(phrase="x", kind=DeadlineKind.DATE, due=None)
    with pytest.raises(ValidationError):
        Deadline(phrase="x", kind=DeadlineKind.DATE, due=datetime(2026, 9, 15, 17))
    with pytest.raises(ValidationError):
        Deadline(phrase="x", kind=DeadlineKind.ONGOING, due=None, report_every_months=0)


# ---------------------------------------------------------------- phrases in sentences


@pytest.mark.parametrize(
    ("sentence", "phrase"),
    [
        (
            "Giao Sở Tài chính chủ trì, phối hợp với Sở Ngoại vụ hoàn thiện dự thảo theo Kế "
            "hoạch số 12/KH-UBND ngày 05/3/2026, trình UBND tỉnh trước ngày 15/9/2026.",
            "trước ngày 15/9/2026",
        ),
        (
            "Sở Nông nghiệp và Môi trường khẩn trương rà soát, báo cáo UBND tỉnh "
            "chậm nhất trong ngày 29/9.",
            "chậm nhất trong ngày 29/9",
        ),
        (
            "Sở Tài chính tham mưu UBND tỉnh ban hành Kế hoạch trong quý IV/2026.",
            "trong quý IV/2026",
        ),
        (
            "Các sở, ngành báo cáo kết quả trong 15 ngày làm việc kể từ ngày ký Thông báo.",
            "trong 15 ngày làm việc kể từ ngày ký Thông báo",
        ),
        (
            "Sở Tư pháp thẩm định trong 10 ngày, kể từ ngày nhận được văn bản; báo cáo UBND tỉnh.",
            "trong 10 ngày, kể từ ngày nhận được văn bản",
        ),
        (
            "Sở Tài chính báo cáo trong 03 tháng kể từ ngày 12.9.2026.",
            "trong 03 tháng kể từ ngày 12.9.2026",
        ),
        (
            "Văn phòng UBND tỉnh tổng hợp, báo cáo trước 14 giờ, ngày 05/12/2026.",
            "trước 14 giờ, ngày 05/12/2026",
        ),
        (
            "Sở Ngoại vụ thường xuyên theo dõi, đôn đốc, báo cáo định kỳ hằng quý.",
            "định kỳ hằng quý",
        ),
        ("Sở Y tế thường xuyên kiểm tra các cơ sở.", "thường xuyên"),
        (
            "Triển khai Quy hoạch tỉnh thời kỳ 2021-2030, tầm nhìn đến năm 2050.",
            None,
        ),
        ("Thống nhất chủ trương theo đề nghị của Sở Tài chính tại Tờ trình số 45/TTr-STC.", None),
    ],
)
def test_find_deadline_phrase_in_a_sentence(sentence: str, phrase: str | None) -> None:
    assert find_deadline_phrase(sentence) == phrase


def test_found_phrases_resolve(cal: WorkingCalendar) -> None:
    sentence = unicodedata.normalize(
        "NFD", "Sở Tài chính hoàn thành, báo cáo UBND tỉnh trong tháng 10 năm 2026."
    )
    phrase = find_deadline_phrase(sentence)
    assert phrase == "trong tháng 10 năm 2026"
    assert due(phrase, cal) == vn(2026, 10, 30)
