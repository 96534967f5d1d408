"""Notice validation is all-or-nothing and every problem names the task and the field."""

from __future__ import annotations

from datetime import date

import pytest

from dondoc.domain.notice import NoticeInvalid, validate_notice
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
