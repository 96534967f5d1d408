"""A date the notice names is due on that day, never after it (issue 13, errors 1, 2, 4).

The named-date rule around the holidays a provincial office meets first: 30/4–1/5, the
Ngày Văn hóa Việt Nam on 24/11, Tết Dương lịch, and Tết Nguyên đán 2027, whose days are
still the holidays package's guess and must be said to be one.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from calendar_support import vn

from dondoc.domain.calendar import WorkingCalendar
from dondoc.domain.deadlines import (
    Deadline,
    DeadlineKind,
    FlagCode,
    NamedDayOff,
    resolve_deadline,
)
from dondoc.domain.formatting import deadline_notes
from dondoc.domain.ladder import plan
from dondoc.domain.policy import FollowUpState, Policy
from dondoc.domain.task import TaskSpec, TaskStatus
from dondoc.domain.vietnam_calendar import CalendarFile, vietnam_calendar

AUTUMN_2026 = date(2026, 9, 10)
DECEMBER_2026 = date(2026, 12, 1)


def resolve(
    phrase: str, cal: WorkingCalendar, notice: date = DECEMBER_2026, **kw: object
) -> Deadline:
    return resolve_deadline(phrase, notice, cal, **kw)  # type: ignore[arg-type]


def codes(deadline: Deadline) -> list[FlagCode]:
    return [f.code for f in deadline.flags]


# ------------------------------------------------------------- the phrases of the issue


@pytest.mark.parametrize(
    ("phrase", "notice", "expected"),
    [
        # Thursday 30/4 and Friday 1/5/2026 are off: Wednesday 29/4, not Monday 4/5.
        ("trước ngày 30/4/2026", date(2026, 4, 1), vn(2026, 4, 29)),
        # Tuesday 24/11/2026, Ngày Văn hóa Việt Nam: Monday 23/11, not Wednesday 25/11.
        ("trước ngày 24/11/2026", date(2026, 11, 2), vn(2026, 11, 23)),
        # Friday 1/1/2027: Thursday 31/12/2026, not Monday 4/1/2027.
        ("trước ngày 1/1/2027", DECEMBER_2026, vn(2026, 12, 31)),
        # Friday 5/2/2027, in Tết as the package guesses it (4/2–10/2): Wednesday 3/2,
        # not 11/2 after Tết.
        ("trước ngày 05/02/2027", DECEMBER_2026, vn(2027, 2, 3)),
        # January 2027 ends on a Sunday: Friday 29/1, not Monday 1/2.
        ("trong tháng 01/2027", DECEMBER_2026, vn(2027, 1, 29)),
    ],
)
def test_the_issue_phrases_are_due_on_or_before_the_named_day(
    phrase: str, notice: date, expected: datetime, shipped_cal: WorkingCalendar
) -> None:
    deadline = resolve(phrase, shipped_cal, notice)
    assert deadline.due == expected
    assert deadline.due is not None and deadline.due.date() <= deadline.named_day  # type: ignore[operator]
    assert FlagCode.NAMED_DAY_OFF in codes(deadline)


def test_the_explanation_names_both_days(shipped_cal: WorkingCalendar) -> None:
    deadline = resolve("trước ngày 30/4/2026", shipped_cal, date(2026, 4, 1))
    (flag,) = deadline.flags
    assert flag.message == (
        "Ngày ghi trong thông báo, thứ Năm 30/04/2026, là ngày nghỉ; "
        "hạn là ngày làm việc liền trước, thứ Tư 29/04/2026."
    )
    assert not flag.review  # an explanation, not a doubt
    assert flag.days == (date(2026, 4, 30), date(2026, 4, 29))


def test_an_explicit_time_on_a_saturday_is_kept_and_flagged(shipped_cal: WorkingCalendar) -> None:
    deadline = resolve("trước 14 giờ, ngày 05/12/2026", shipped_cal, DECEMBER_2026)
    assert deadline.kind == DeadlineKind.DATETIME
    assert deadline.due == vn(2026, 12, 5, 14)  # not Monday 7/12
    (flag,) = deadline.flags
    assert flag.code == FlagCode.TIME_ON_DAY_OFF and flag.review
    assert "thứ Bảy 05/12/2026" in flag.message
    assert "giữ nguyên giờ" in flag.message


def test_an_iso_instant_on_a_day_off_is_flagged_too(shipped_cal: WorkingCalendar) -> None:
    deadline = resolve("2026-11-24T10:00", shipped_cal, date(2026, 11, 2))
    assert deadline.due == vn(2026, 11, 24, 10)
    assert codes(deadline) == [FlagCode.TIME_ON_DAY_OFF]


def test_a_passed_date_without_year_is_flagged_not_silently_moved(
    shipped_cal: WorkingCalendar,
) -> None:
    deadline = resolve("chậm nhất ngày 29/9", shipped_cal, date(2026, 10, 5))
    assert deadline.due == vn(2027, 9, 29)
    (flag,) = deadline.flags
    assert flag.code == FlagCode.YEAR_GUESSED and flag.review
    assert flag.message == (
        "Thông báo không ghi năm; ngày 29/09/2026 đã qua trước ngày ban hành thông báo "
        "(05/10/2026), nên tạm hiểu là ngày 29/09/2027; cần kiểm tra."
    )


def test_the_first_quarter_after_it_ended_is_flagged(shipped_cal: WorkingCalendar) -> None:
    deadline = resolve("trong quý I", shipped_cal, date(2026, 5, 1))
    assert deadline.due == vn(2027, 3, 31)
    (flag,) = deadline.flags
    assert flag.code == FlagCode.YEAR_GUESSED
    assert "quý I/2026 đã kết thúc (31/03/2026)" in flag.message
    assert "quý I/2027 (31/03/2027)" in flag.message


def test_a_year_inside_the_notice_year_is_no_guess(shipped_cal: WorkingCalendar) -> None:
    assert resolve("trong quý IV", shipped_cal, date(2026, 5, 1)).flags == ()
    assert resolve("trước ngày 21/12", shipped_cal).flags == ()


def test_a_december_notice_naming_january_is_flagged(shipped_cal: WorkingCalendar) -> None:
    deadline = resolve("trước ngày 15/1", shipped_cal, date(2026, 12, 20))
    assert deadline.due == vn(2027, 1, 15)
    assert codes(deadline) == [FlagCode.YEAR_GUESSED]


# ---------------------------------------------------------------------- around Tết 2027


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("trước ngày 04/02/2027", vn(2027, 2, 3)),  # 29 tháng Chạp
        ("trước ngày 06/02/2027", vn(2027, 2, 3)),  # mùng 1, a Saturday
        ("trước ngày 10/02/2027", vn(2027, 2, 3)),  # mùng 5, the last guessed day off
        ("trước ngày 11/02/2027", vn(2027, 2, 11)),  # the first day back is a working day
        ("trước ngày 03/02/2027", vn(2027, 2, 3)),
        ("trong tháng 02/2027", vn(2027, 2, 26)),  # February 2027 ends on a Sunday
    ],
)
def test_named_days_around_tet_2027(
    phrase: str, expected: datetime, shipped_cal: WorkingCalendar
) -> None:
    assert resolve(phrase, shipped_cal).due == expected


def test_a_date_brought_forward_across_provisional_tet_says_so(
    shipped_cal: WorkingCalendar,
) -> None:
    deadline = resolve("trước ngày 10/02/2027", shipped_cal)
    assert deadline.rests_on_provisional_days
    (provisional,) = [f for f in deadline.flags if f.code == FlagCode.PROVISIONAL_DAYS]
    assert provisional.review
    # The weekdays of the guess; mùng 1 and mùng 2 fall on a weekend and change nothing.
    assert provisional.days == tuple(date(2027, 2, d) for d in (4, 5, 8, 9, 10))
    assert "chưa chính thức" in provisional.message
    assert "thứ Năm 04/02/2027" in provisional.message
    # What the CLI's dry run and the console show: the doubt alone, or with the reason.
    assert deadline_notes(deadline, review_only=True) == [provisional.message]
    assert deadline_notes(deadline)[0].startswith("Ngày ghi trong thông báo, thứ Tư 10/02/2027")


def test_a_working_day_outside_the_guess_rests_on_nothing(shipped_cal: WorkingCalendar) -> None:
    assert resolve("trước ngày 11/02/2027", shipped_cal).flags == ()
    assert resolve("trước ngày 03/02/2027", shipped_cal).flags == ()


# ------------------------------------------------------------------------ around 30/4


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("trước ngày 30/4/2027", vn(2027, 4, 29)),  # Friday
        ("trước ngày 01/5/2027", vn(2027, 4, 29)),  # Saturday, after Friday 30/4 off
        ("trước ngày 03/5/2027", vn(2027, 4, 29)),  # Monday, compensatory day for 1/5
        ("trước ngày 04/5/2027", vn(2027, 5, 4)),
        ("trước ngày 02/9/2026", vn(2026, 8, 28)),  # 29/8–2/9/2026 off
        ("trước ngày 24/11/2027", vn(2027, 11, 23)),  # Wednesday, Ngày Văn hóa Việt Nam
    ],
)
def test_named_days_around_the_spring_and_autumn_holidays(
    phrase: str, expected: datetime, shipped_cal: WorkingCalendar
) -> None:
    assert resolve(phrase, shipped_cal, date(2026, 4, 1)).due == expected


def test_a_named_make_up_saturday_is_a_working_day(shipped_cal: WorkingCalendar) -> None:
    deadline = resolve("trước ngày 10/01/2026", shipped_cal, date(2026, 1, 5))
    assert deadline.due == vn(2026, 1, 10)
    assert deadline.flags == ()


def test_named_periods_keep_to_their_last_working_day(shipped_cal: WorkingCalendar) -> None:
    assert resolve("trong năm 2026", shipped_cal, AUTUMN_2026).due == vn(2026, 12, 31)
    assert resolve("trong quý IV/2026", shipped_cal, AUTUMN_2026).due == vn(2026, 12, 31)
    assert resolve("6 tháng đầu năm 2027", shipped_cal).due == vn(2027, 6, 30)
    # 2027 ends on a Friday; 2028's last day is a Sunday.
    assert resolve("trong năm 2028", shipped_cal).due == vn(2028, 12, 29)


# --------------------------------------------------------------------- the policy setting


def test_a_policy_may_keep_the_named_day(shipped_cal: WorkingCalendar) -> None:
    deadline = resolve(
        "trước ngày 30/4/2026", shipped_cal, date(2026, 4, 1), named_day_off=NamedDayOff.KEEP
    )
    assert deadline.due == vn(2026, 4, 30)
    (flag,) = deadline.flags
    assert flag.code == FlagCode.NAMED_DAY_KEPT and not flag.review


def test_the_policy_setting_defaults_to_the_previous_working_day() -> None:
    policy = Policy.model_validate({"name": "x", "steps": []})
    assert policy.named_day_off == NamedDayOff.PREVIOUS_WORKING_DAY
    kept = Policy.model_validate({"name": "x", "steps": [], "named_day_off": "keep"})
    assert kept.named_day_off == NamedDayOff.KEEP


def test_a_day_off_right_after_a_weekend_notice_keeps_the_named_day(
    shipped_cal: WorkingCalendar,
) -> None:
    # Issued on Saturday 5/12/2026 for Sunday 6/12: the Friday before precedes the notice.
    deadline = resolve("trước ngày 6/12/2026", shipped_cal, date(2026, 12, 5))
    assert deadline.due == vn(2026, 12, 6)
    (flag,) = deadline.flags
    assert flag.code == FlagCode.NAMED_DAY_KEPT and flag.review


# ----------------------------------------------------------- the plan before a named date


def test_reminders_before_a_named_holiday_fall_on_working_days_before_it(
    shipped_cal: WorkingCalendar, default_policy: Policy
) -> None:
    deadline = resolve("trước ngày 30/4/2026", shipped_cal, date(2026, 4, 1))
    spec = TaskSpec(
        id="2026-1-TB-UBND-1",
        position=1,
        notice_key="2026-1-TB-UBND",
        notice_number="1/TB-UBND",
        notice_date=date(2026, 4, 1),
        notice_subject="Kết luận",
        leader="PCT-VINH",
        owner="SNGV",
        work="Hoàn thiện dự thảo",
        deadline=deadline,
    )
    assigned = vn(2026, 4, 1, 9)
    status = TaskStatus(
        task_id=spec.id,
        owner="SNGV",
        deadline=deadline,
        original_deadline=deadline,
        assigned_at=assigned,
    )
    steps = plan(default_policy, spec, status, FollowUpState(), shipped_cal, assigned)
    reminders = {s.step: s.at for s in steps if s.step.startswith("reminder")}
    # Five working days before Wednesday 29/4 skips Monday 27/4 (Giỗ Tổ, moved).
    assert reminders == {"reminder_5": vn(2026, 4, 21, 8), "reminder_1": vn(2026, 4, 28, 8)}
    for step in steps:
        assert shipped_cal.is_working_day(step.at.date()), step


@pytest.fixture(scope="module")
def default_policy() -> Policy:
    from dondoc.deployment import policies
    from dondoc.settings import Settings

    return policies(Settings())["default"]


def test_a_calendar_without_the_file_still_keeps_24_11_2027_off() -> None:
    # Whatever the holidays package says, the law of 2026 makes every 24/11 a day off.
    bare = vietnam_calendar([2027, 2028], CalendarFile())
    assert not bare.is_working_day(date(2027, 11, 24))
    assert not bare.is_working_day(date(2028, 11, 24))
