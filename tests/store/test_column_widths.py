"""Text columns have widths, which PostgreSQL enforces and SQLite does not: what comes from
outside is refused at the door when it is too long, with the field named, and the longest
value the door lets in fits the tables, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dondoc.commands.issue import check_notice
from dondoc.domain.directory import Agency, Directory
from dondoc.domain.events import event_id
from dondoc.domain.notice import NUMBER_MAX, PHRASE_MAX, NoticeInvalid
from dondoc.domain.task import TaskStatus
from dondoc.settings import Settings
from dondoc.store.db import session_scope
from dondoc.store.directory import get_agency, load_directory
from dondoc.store.notices import get_notice, record_notice
from dondoc.store.tables import OutboxRow
from dondoc.store.tasks import get_task, save_task
from dondoc.store.users import UserError, add_user

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def _notice(number: str, deadline: str = "trước ngày 30/12/2026") -> dict[str, object]:
    return {
        "number": number,
        "date": "2026-12-01",
        "leader": "PCT-VINH",
        "subject": "Kết luận",
        "tasks": [{"owner": "SNGV", "work": "Hoàn thiện Đề án", "deadline": deadline}],
    }


def _problems(raw: dict[str, object], settings: Settings) -> list[str]:
    with pytest.raises(NoticeInvalid) as refused:
        check_notice(raw, settings)
    return [str(p) for p in refused.value.problems]


def test_a_notice_number_or_deadline_too_long_is_refused_naming_the_field(
    settings: Settings,
) -> None:
    long_number = "1/" + "TB-UBND-" * 13
    assert len(long_number) > NUMBER_MAX
    assert _problems(_notice(long_number), settings) == [
        f"number: quá dài (tối đa {NUMBER_MAX} ký tự)"
    ]
    long_phrase = "trước ngày 30/12/2026 " + "để kịp trình kỳ họp " * 15
    assert len(long_phrase) > PHRASE_MAX
    assert _problems(_notice("5/TB-UBND", long_phrase), settings) == [
        f"tasks[1].deadline: quá dài (tối đa {PHRASE_MAX} ký tự)"
    ]


def test_the_longest_notice_the_door_lets_in_fits_every_table(settings: Settings) -> None:
    number = ("9" * 10 + "/TB-UBND-" + "X" * NUMBER_MAX)[:NUMBER_MAX]
    phrase = ("trước ngày 30/12/2026, " + "để kịp trình kỳ họp " * 20)[:PHRASE_MAX].strip()
    notice = check_notice(_notice(number, phrase), settings)
    spec = notice.tasks[0]
    status = TaskStatus(
        task_id=spec.id, owner=spec.owner, deadline=spec.deadline,
        original_deadline=spec.deadline, assigned_at=NOW,
    )  # fmt: skip
    first = event_id(spec.id, 1)
    with session_scope(settings.database_url) as session:
        record_notice(session, notice, NOW)
        save_task(session, spec, status, NOW)
        session.add(
            OutboxRow(
                key=f"{first}:assigned:SNGV", task_id=spec.id, event_id=first,
                kind="assigned", recipient="SNGV", to_addrs=["sngv@example.gov.vn"],
                subject="Giao nhiệm vụ", message_id=f"<{first}.SNGV@dondoc.example.gov.vn>",
                status="pending", attempts=0, created_at=NOW,
            )
        )  # fmt: skip
    with session_scope(settings.database_url) as session:
        assert get_notice(session, notice.key) is not None
        row = get_task(session, spec.id)
        assert row is not None and row.notice_number == number
        assert row.deadline_phrase == spec.deadline.phrase


def test_directory_codes_and_names_too_long_are_refused_and_the_longest_fit(
    settings: Settings,
) -> None:
    with pytest.raises(ValueError, match="at most 64 characters"):
        Agency(code="S" * 65, name="Sở", email="so@example.gov.vn")
    with pytest.raises(ValueError, match="at most 300 characters"):
        Agency(code="SX", name="Sở " * 101, email="so@example.gov.vn")
    widest = Agency(code="S" * 64, name="Ban " + "Đ" * 296, email="ban@example.gov.vn")
    with session_scope(settings.database_url) as session:
        load_directory(session, Directory(agencies=[widest]))
    with session_scope(settings.database_url) as session:
        assert get_agency(session, "S" * 64) == widest


def test_an_account_name_too_long_is_refused_naming_the_field(settings: Settings) -> None:
    with session_scope(settings.database_url) as session, pytest.raises(UserError) as refused:
        add_user(
            session, "chuyenvien", role="office", password="mot-mat-khau-dai",
            display_name="Nguyễn " * 60,
        )  # fmt: skip
    assert refused.value.field == "display_name"
    with session_scope(settings.database_url) as session:
        add_user(
            session, "chuyenvien", role="office", password="mot-mat-khau-dai",
            display_name="N" * 300,
        )  # fmt: skip
