"""Notice validation is all-or-nothing and every problem names the task and the field."""

from __future__ import annotations

from datetime import date

import pytest

from dondoc.domain.notice import NoticeInvalid, validate_notice
from dondoc.domain.policy import Policy
from dondoc.domain.vietnam_calendar import vietnam_calendar

CAL = vietnam_calendar(range(2025, 2029))


def check(raw: dict):
    return validate_notice(
        raw,
        agencies={"SNGV", "STC", "SNNMT"},
        leaders={"PCT-VINH"},
        policies={"default", "demo"},
        calendar_for=lambda _: CAL,
    )


def notice(**changes) -> dict:
    raw = {
        "number": "245/TB-UBND",
        "date": "2026-08-20",
        "leader": "PCT-VINH",
        "subject": "Kết luận về Dự thảo Đề án",
        "tasks": [
            {
                "owner": "SNGV",
                "coordinators": ["STC"],
                "work": "Hoàn thiện dự thảo",
                "deadline": "trước ngày 15/9/2026",
            },
            {"owner": "stc", "work": "Cân đối kinh phí", "deadline": "trong 15 ngày làm việc"},
        ],
    }
    raw.update(changes)
    return raw


def problems(raw: dict) -> dict[str, str]:
    with pytest.raises(NoticeInvalid) as caught:
        check(raw)
    return {p.location: p.message for p in caught.value.problems}


def test_a_valid_notice_resolves_ids_codes_and_deadlines() -> None:
    parsed = check(notice())
    assert [t.id for t in parsed.tasks] == ["2026-245-TB-UBND-1", "2026-245-TB-UBND-2"]
    assert parsed.tasks[1].owner == "STC"
    assert parsed.tasks[0].deadline.due.date() == date(2026, 9, 15)
    # 15 working days after Thursday 20/8/2026, skipping 31/8–2/9 and counting Saturday 22/8.
    assert parsed.tasks[1].deadline.due.date() == date(2026, 9, 14)


def test_every_bad_task_is_reported_with_its_position_and_field() -> None:
    raw = notice()
    raw["tasks"][0]["owner"] = "SXX"
    raw["tasks"][1]["work"] = "   "
    raw["tasks"].append({"owner": "SNGV", "work": "Việc", "deadline": "trước ngày 1/8/2026"})
    raw["tasks"].append({"owner": "SNGV", "work": "Việc", "deadline": "sớm nhất có thể"})
    raw["tasks"].append({"owner": "SNGV", "work": "Việc", "deadline": "2026-09-01", "colour": "đỏ"})
    found = problems(raw)
    assert "SXX" in found["tasks[1].owner"]
    assert found["tasks[2].work"] == "không được để trống"
    assert "trước ngày ban hành" in found["tasks[3].deadline"]
    assert "không đọc được thời hạn" in found["tasks[4].deadline"]
    assert found["tasks[5].colour"] == "trường không được hỗ trợ"


def test_unknown_leader_coordinator_and_policy_are_named() -> None:
    raw = notice(leader="CT-X", policy="khẩn")
    raw["tasks"][0]["coordinators"] = ["STC", "SYT"]
    found = problems(raw)
    assert "CT-X" in found["leader"]
    assert "khẩn" in found["policy"]
    assert "SYT" in found["tasks[1].coordinators[2]"]


def test_missing_fields_and_unreadable_dates_are_refused() -> None:
    raw = notice(date="20/08/2026")
    del raw["subject"]
    found = problems(raw)
    assert found["subject"] == "thiếu trường bắt buộc"
    assert "ngày không hợp lệ" in found["date"]


def test_a_notice_without_tasks_is_refused() -> None:
    assert "tasks" in problems(notice(tasks=[]))


def test_the_owner_cannot_also_coordinate() -> None:
    raw = notice()
    raw["tasks"][0]["coordinators"] = ["SNGV"]
    assert "đồng thời" in problems(raw)["tasks[1].coordinators[1]"]


def test_the_same_number_in_another_year_is_another_notice() -> None:
    assert (
        check(notice()).key
        != check(
            notice(
                date="2027-01-05",
                tasks=[{"owner": "SNGV", "work": "Việc", "deadline": "2027-02-01"}],
            )
        ).key
    )


# ----------------------------------------------- deadlines checked as written (issue 13)


def one_task(deadline: str, notice_date: str = "2026-03-01", policy: str | None = None) -> dict:
    task = {"owner": "SNGV", "work": "Việc", "deadline": deadline}
    if policy:
        task["policy"] = policy
    return notice(date=notice_date, tasks=[task])


def test_a_date_before_the_notice_is_refused_quoting_its_own_date() -> None:
    # Saturday 28/2/2026 on a notice of Sunday 1/3/2026: no working-day rule may rescue it.
    found = problems(one_task("trước ngày 28/02/2026"))
    assert found["tasks[1].deadline"] == (
        "thời hạn «trước ngày 28/02/2026» là ngày 28/02/2026, trước ngày ban hành thông báo "
        "01/03/2026"
    )


def test_a_period_ended_before_the_notice_is_refused() -> None:
    found = problems(one_task("trong tháng 2/2026"))
    assert found["tasks[1].deadline"] == (
        "thời hạn «trong tháng 2/2026» kết thúc ngày 28/02/2026, trước ngày ban hành thông báo "
        "01/03/2026"
    )


def test_a_named_day_brought_before_the_notice_is_not_refused() -> None:
    # Issued on Saturday 5/12/2026 for Sunday 6/12: kept on the named day, flagged.
    parsed = check(one_task("trước ngày 6/12/2026", notice_date="2026-12-05"))
    deadline = parsed.tasks[0].deadline
    assert deadline.due is not None and deadline.due.date() == date(2026, 12, 6)
    assert deadline.needs_review


def test_the_notice_day_itself_is_accepted() -> None:
    parsed = check(one_task("trước ngày 01/03/2026"))
    # Sunday 1/3 is the day the notice was signed; nothing before it is a working day after.
    assert parsed.tasks[0].deadline.named_day == date(2026, 3, 1)


def test_a_guessed_year_is_accepted_with_its_flag() -> None:
    parsed = check(one_task("chậm nhất ngày 29/9", notice_date="2026-10-05"))
    deadline = parsed.tasks[0].deadline
    assert deadline.due is not None and deadline.due.date() == date(2027, 9, 29)
    assert [f.code.value for f in deadline.review_flags] == ["year_guessed"]


def test_each_task_follows_its_policy_for_a_named_day_off() -> None:
    book = {
        "default": Policy.model_validate({"name": "default", "steps": []}),
        "giu-ngay": Policy.model_validate(
            {"name": "giu-ngay", "steps": [], "named_day_off": "keep"}
        ),
    }
    raw = notice(
        date="2026-04-01",
        tasks=[
            {"owner": "SNGV", "work": "Việc", "deadline": "trước ngày 30/4/2026"},
            {
                "owner": "STC",
                "work": "Việc",
                "deadline": "trước ngày 30/4/2026",
                "policy": "giu-ngay",
            },
        ],
    )
    parsed = validate_notice(
        raw,
        agencies={"SNGV", "STC"},
        leaders={"PCT-VINH"},
        policies=book,
        calendar_for=lambda _: CAL,
    )
    dues = [t.deadline.due.date() for t in parsed.tasks if t.deadline.due]
    assert dues == [date(2026, 4, 29), date(2026, 4, 30)]
