"""Accounts, tokens, the console's queries and the period report, straight on the database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from dondoc.domain.deadlines import Deadline, DeadlineKind
from dondoc.domain.notice import Notice
from dondoc.domain.task import Official, TaskSpec, TaskState, TaskStatus
from dondoc.settings import Settings
from dondoc.store.dashboard import dashboard
from dondoc.store.db import session_scope
from dondoc.store.notices import record_notice
from dondoc.store.reports import HEADERS, period_report, rows
from dondoc.store.tables import ApiTokenRow, UserRow
from dondoc.store.task_search import TaskFilter, search_tasks
from dondoc.store.tasks import save_task
from dondoc.store.users import (
    UserError,
    add_user,
    authenticate,
    create_api_token,
    disable_user,
    ensure_first_admin,
    revoke_api_token,
    verify_api_token,
)

NOW = datetime(2026, 10, 15, 3, 0, tzinfo=UTC)


def test_passwords_are_argon2_hashes_and_only_the_right_one_opens(settings: Settings) -> None:
    with session_scope(settings.database_url) as session:
        add_user(session, "Chuyen.Vien", role="office", password="mot-mat-khau-dai")
    with session_scope(settings.database_url) as session:
        row = session.get(UserRow, "chuyen.vien")
        assert row is not None and row.password_hash.startswith("$argon2id$")
        assert "mot-mat-khau-dai" not in row.password_hash
        assert authenticate(session, "chuyen.vien", "mot-mat-khau-dai") is not None
        assert authenticate(session, "CHUYEN.VIEN", "mot-mat-khau-dai") is not None
        assert authenticate(session, "chuyen.vien", "sai") is None
        assert authenticate(session, "khong-co", "mot-mat-khau-dai") is None
        disable_user(session, "chuyen.vien")
        assert authenticate(session, "chuyen.vien", "mot-mat-khau-dai") is None


def test_account_rules_name_the_field(settings: Settings) -> None:
    with session_scope(settings.database_url) as session:
        for kwargs, field in (
            ({"username": "a b", "role": "office", "password": "x" * 12}, "username"),
            ({"username": "ok", "role": "boss", "password": "x" * 12}, "role"),
            ({"username": "ok", "role": "office", "password": "short"}, "password"),
            ({"username": "ok", "role": "leader", "password": "x" * 12}, "leader_code"),
            (
                {"username": "ok", "role": "leader", "password": "x" * 12, "leader_code": "KHONG"},
                "leader_code",
            ),
        ):
            name = kwargs.pop("username")
            with pytest.raises(UserError) as err:
                add_user(session, name, **kwargs)  # type: ignore[arg-type]
            assert err.value.field == field


def test_the_first_admin_is_made_once_and_the_last_admin_stays(settings: Settings) -> None:
    password = ensure_first_admin(settings)
    assert password and len(password) >= 16
    assert ensure_first_admin(settings) is None
    with session_scope(settings.database_url) as session:
        assert authenticate(session, "admin", password) is not None
        with pytest.raises(UserError):
            disable_user(session, "admin")


def test_api_tokens_are_shown_once_stored_hashed_and_revocable(settings: Settings) -> None:
    with session_scope(settings.database_url) as session:
        token = create_api_token(session, "QLVB")
    with session_scope(settings.database_url) as session:
        row = session.get(ApiTokenRow, "qlvb")
        assert row is not None and token not in (row.token_hash, row.prefix)
        assert verify_api_token(session, token) == "qlvb"
        assert verify_api_token(session, token + "x") is None
        with pytest.raises(UserError):
            create_api_token(session, "qlvb")  # one live token per integration
        assert revoke_api_token(session, "qlvb")
        assert verify_api_token(session, token) is None
        assert create_api_token(session, "qlvb") != token


def _deadline(due: datetime | None) -> Deadline:
    if due is None:
        return Deadline(phrase="thường xuyên", kind=DeadlineKind.ONGOING, due=None)
    return Deadline(phrase=f"trước ngày {due:%d/%m/%Y}", kind=DeadlineKind.DATE, due=due)


def _load(settings: Settings, tasks: list[dict]) -> list[str]:  # type: ignore[type-arg]
    """Tasks written straight into the read model, as the recording activity would."""
    key = "2026-9-TB-UBND"
    specs = [
        TaskSpec(
            id=f"{key}-{i}",
            position=i,
            notice_key=key,
            notice_number="9/TB-UBND",
            notice_date=date(2026, 9, 1),
            notice_subject="Kết luận",
            leader=t.get("leader", "PCT-VINH"),
            owner=t.get("owner", "SNGV"),
            work=t["work"],
            deadline=_deadline(t.get("due")),
        )
        for i, t in enumerate(tasks, start=1)
    ]
    notice = Notice(
        key=key, number="9/TB-UBND", date=date(2026, 9, 1), leader="PCT-VINH", signer=None,
        subject="Kết luận", tasks=tuple(specs),
    )  # fmt: skip
    assigned = datetime(2026, 9, 1, 2, 0, tzinfo=UTC)
    with session_scope(settings.database_url) as session:
        record_notice(session, notice, assigned)
        for spec, t in zip(specs, tasks, strict=True):
            status = TaskStatus(
                task_id=spec.id,
                owner=spec.owner,
                deadline=spec.deadline,
                original_deadline=spec.deadline,
                assigned_at=assigned,
                state=t.get("state", TaskState.ASSIGNED),
                acknowledged_at=t.get("acked"),
                reported_at=t.get("done"),
                completed_at=t.get("done"),
                official=t.get("official"),
            )
            # Written when the deadline was still ahead: the stored class says "on time".
            save_task(session, spec, status, assigned)
    return [s.id for s in specs]


def test_an_open_task_past_its_deadline_is_overdue_whatever_the_row_says(
    settings: Settings,
) -> None:
    ids = _load(
        settings,
        [
            {"work": "Việc đã quá hạn", "due": NOW - timedelta(days=2)},
            {"work": "Việc còn hạn", "due": NOW + timedelta(days=2)},
            {"work": "Việc thường xuyên"},
        ],
    )
    with session_scope(settings.database_url) as session:
        overdue = search_tasks(session, TaskFilter(overdue=True), NOW)
        assert [t.id for t in overdue.items] == [ids[0]]
        board = dashboard(session, NOW)
        assert board.overdue == 1 and board.classes["in_progress_on_time"] == 2
        assert board.agencies[0].overdue == 1
        assert board.due_this_week == 1  # 15/10/2026 is a Thursday; +2 days is Saturday


def test_text_search_ignores_case_diacritics_and_the_d_stroke(settings: Settings) -> None:
    ids = _load(
        settings,
        [
            {"work": "Đôn đốc giải ngân vốn đầu tư công", "due": NOW},
            {"work": "Tổ chức Hội nghị xúc tiến đầu tư", "due": NOW},
        ],
    )
    with session_scope(settings.database_url) as session:

        def found(q: str) -> list[str]:
            return [t.id for t in search_tasks(session, TaskFilter(text=q), NOW).items]

        assert found("don doc") == [ids[0]]
        assert found("ĐÔN ĐỐC") == [ids[0]]
        assert found("dau tu") == ids
        assert found("hoi ngh") == [ids[1]]  # a word being typed still matches
        assert found('"; DROP TABLE tasks; --') == []


def test_pages_run_through_dated_tasks_then_ongoing_ones(settings: Settings) -> None:
    tasks = [{"work": f"Việc {i}", "due": NOW + timedelta(days=i)} for i in range(5)]
    tasks += [{"work": f"Việc thường xuyên {i}"} for i in range(3)]
    ids = _load(settings, tasks)
    with session_scope(settings.database_url) as session:
        seen = []
        for page in (1, 2, 3):
            result = search_tasks(session, TaskFilter(), NOW, page=page, per_page=3)
            assert result.total == 8 and result.pages == 3
            seen += [t.id for t in result.items]
    assert seen == ids  # soonest first, ongoing last, none twice


def test_the_period_report_counts_classes_rates_and_medians(settings: Settings) -> None:
    day = timedelta(days=1)
    start = datetime(2026, 9, 1, 2, 0, tzinfo=UTC)
    _load(
        settings,
        [
            {"work": "a", "due": NOW, "state": TaskState.COMPLETED, "acked": start + day, "done": NOW - 3 * day},
            {"work": "b", "due": NOW - 10 * day, "state": TaskState.COMPLETED, "acked": start + 3 * day, "done": NOW - 5 * day},
            {"work": "c", "due": NOW - day, "state": TaskState.ACKNOWLEDGED, "acked": start + 2 * day},
            {"work": "d", "due": NOW + 9 * day, "owner": "STC"},
        ],
    )  # fmt: skip
    with session_scope(settings.database_url) as session:
        report = period_report(session, date(2026, 9, 1), date(2026, 9, 30), NOW)
        empty = period_report(session, date(2026, 10, 1), date(2026, 10, 31), NOW)
    sngv = next(line for line in report.lines if line.code == "SNGV")
    assert (sngv.assigned, sngv.done_on_time, sngv.done_late, sngv.overdue) == (3, 1, 1, 1)
    assert sngv.on_time_rate == pytest.approx(1 / 3)
    assert sngv.median_ack_days == pytest.approx(2.0)
    assert report.total.assigned == 4 and report.total.in_progress_on_time == 1
    assert rows(report)[-1][1] == "Tổng cộng"
    assert empty.lines == [] and empty.total.on_time_rate is None


def test_the_period_report_names_the_officials_each_owner_chose(settings: Settings) -> None:
    binh = Official(name="Trần Văn Bình", position="Chuyên viên", email="binh@sngv.test")
    _load(
        settings,
        [
            {"work": "a", "due": NOW, "official": binh.model_copy(update={"named_by": "SNGV"})},
            {"work": "b", "due": NOW, "official": binh.model_copy(update={"named_by": "SNGV"})},
            {"work": "c", "due": NOW, "official": Official(name="Lê Thị Hoa", email="hoa@sngv.test", named_by="SNGV")},
            # Named by an earlier owner before the task moved to STC: not STC's choice.
            {"work": "d", "due": NOW, "owner": "STC", "official": binh.model_copy(update={"named_by": "SNGV"})},
        ],
    )  # fmt: skip
    with session_scope(settings.database_url) as session:
        report = period_report(session, date(2026, 9, 1), date(2026, 9, 30), NOW)
    by_code = {line.code: line for line in report.lines}
    assert by_code["SNGV"].officials == ["Trần Văn Bình (Chuyên viên)", "Lê Thị Hoa"]
    assert by_code["STC"].officials == []
    assert HEADERS[-1] == "Cán bộ phụ trách"
    assert rows(report)[[line.code for line in report.lines].index("SNGV")][-1] == (
        "Trần Văn Bình (Chuyên viên); Lê Thị Hoa"
    )
