"""The console's calendar page: provisional days and the deadlines on them for the office;
an admin previews and loads a year; the office decides the deadline the change moved."""

from __future__ import annotations

from dondoc.domain.formatting import LOCAL_TZ
from dondoc.store.db import session_scope
from dondoc.store.tasks import get_task, status_of
from support.calendar_files import as_yaml, year_with_day_off
from support.console import Console, csrf_of
from support.waiting import eventually


def _due_day(console: Console, task_id: str):  # type: ignore[no-untyped-def]
    with session_scope(console.settings.database_url) as session:
        row = get_task(session, task_id)
        assert row is not None and row.deadline_at is not None
        return row.deadline_at.astimezone(LOCAL_TZ).date()


async def test_the_office_sees_the_provisional_days_and_cannot_load(console: Console) -> None:
    office = await console.as_user("office")
    page = await office.get("/admin/calendar")
    assert page.status_code == 200
    assert "Ngày chưa chính thức" in page.text
    assert "04/02/2027" in page.text  # Tết 2027: the holidays package's guess
    assert 'action="/admin/calendar/preview"' not in page.text
    refused = await office.post(
        "/admin/calendar/preview", data={"csrf_token": csrf_of(page.text), "yaml": "years: {}"}
    )
    assert refused.status_code == 403


async def test_an_admin_loads_a_year_and_the_office_decides_the_moved_deadline(
    console: Console,
) -> None:
    task = console.vinh_tasks[0]
    due = _due_day(console, task)
    text = as_yaml(year_with_day_off(due.year, due))
    admin = await console.as_user("admin")
    page = await admin.get("/admin/calendar")
    bad = await admin.post(
        "/admin/calendar/preview",
        data={
            "csrf_token": csrf_of(page.text),
            "yaml": "years:\n  2027:\n    - date: 2027-13-01\n",
        },
    )
    assert bad.status_code == 422 and "Tệp lịch không hợp lệ" in bad.text

    preview = await admin.post(
        "/admin/calendar/preview",
        data={"csrf_token": csrf_of(page.text), "yaml": text, "source": "Quyết định số 99/QĐ-UBND"},
    )
    assert preview.status_code == 200
    assert f"{due:%d/%m/%Y}" in preview.text
    assert task in preview.text  # its deadline would move
    loaded = await admin.post(
        "/admin/calendar/load",
        data={
            "csrf_token": csrf_of(preview.text),
            "yaml": text,
            "source": "Quyết định số 99/QĐ-UBND",
        },
    )
    assert loaded.status_code == 303
    flash = (await admin.get(loaded.headers["location"])).text
    assert "Đã nạp lịch năm" in flash and "chờ Văn phòng quyết định" in flash

    office = await console.as_user("office")
    listing = await office.get("/admin/calendar")
    assert f"/admin/tasks/{task}" in listing.text  # waiting for the office
    detail = await office.get(f"/admin/tasks/{task}")
    assert "Thời hạn theo lịch mới" in detail.text
    decided = await office.post(
        f"/admin/tasks/{task}/actions/decide_deadline_move",
        data={"csrf_token": csrf_of(detail.text), "decision": "approve", "note": "Theo lịch mới"},
    )
    assert decided.status_code == 303

    def moved() -> bool:
        with session_scope(console.settings.database_url) as session:
            row = get_task(session, task)
            return (
                row is not None
                and status_of(row).pending_deadline_move is None
                and (
                    row.deadline_at is not None
                    and row.deadline_at.astimezone(LOCAL_TZ).date() < due
                )
            )

    await eventually(moved, what="the moved deadline in the read model")
    await eventually(
        lambda: any(
            m.kind == "deadline_moved" and m.task == task for m in console.mailbox.messages
        ),
        what="the agency told of the new deadline",
    )
