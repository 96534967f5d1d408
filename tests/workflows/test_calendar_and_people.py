"""A calendar the Government changes under running tasks, deadlines counted from the day
the agency received the notice, and "rõ người": the official the agency makes answerable.

Real workflows and activities on a time-skipping server, real mail to aiosmtpd.
"""

from __future__ import annotations

from datetime import date, timedelta

from dondoc.domain import requests as rq
from dondoc.domain.calendar import WorkingCalendar
from dondoc.domain.task import Official
from dondoc.store.db import session_scope
from dondoc.store.tasks import get_task
from support.desk import BOOK, OFFICE, OWNER, Desk, refused, update
from support.followup import events, issue, notice, recorded, task, view


def _with_day_off(cal: WorkingCalendar, day: date) -> WorkingCalendar:
    """The same calendar with ``day`` declared a day off (a new holiday)."""
    return cal.model_copy(
        update={
            "days_off": cal.days_off | {day},
            "extra_working_days": cal.extra_working_days - {day},
        }
    )


async def test_a_new_day_off_on_the_named_date_is_proposed_to_the_office_then_applied(
    desk: Desk,
) -> None:
    spec, handle = await desk.issue()
    named = desk.deadline  # "trước ngày <deadline>", a working day today
    changed = _with_day_off(desk.cal, named)
    replaced = await update(
        handle,
        "replace_calendar",
        rq.ReplaceCalendar(actor=OFFICE, calendar=changed, source="Thông báo số 1/TB-BNV"),
    )
    move = replaced.status.pending_deadline_move
    assert move is not None
    assert replaced.status.deadline.due == desk.cal.end_of_day(named)  # told; not moved yet
    before_day = changed.previous_working_day(named)
    assert move.new_deadline.due == changed.end_of_day(before_day)
    # Replanned at once: the plan already counts in the new calendar.
    assert all(p.at.date() != named for p in replaced.plan)
    # The same calendar again changes nothing and proposes nothing twice.
    again = await update(
        handle, "replace_calendar", rq.ReplaceCalendar(actor=OFFICE, calendar=changed)
    )
    assert again.status.pending_deadline_move == move
    # An agency cannot decide it.
    assert "chỉ Văn phòng" in await refused(
        handle, "decide_deadline_move", rq.DecideDeadlineMove(actor=OWNER, approve=True)
    )

    decided = await update(
        handle,
        "decide_deadline_move",
        rq.DecideDeadlineMove(actor=OFFICE, approve=True, note="Theo lịch nghỉ mới"),
    )
    assert decided.status.deadline.due == changed.end_of_day(before_day)
    assert decided.status.pending_deadline_move is None
    moved = await desk.mail("deadline_moved", 3, timeout=10)
    assert [m.envelope_to for m in moved] == [
        BOOK["SNGV"].envelope,
        BOOK["STC"].envelope,
        BOOK["SNNMT"].envelope,
    ]
    assert f"{before_day:%d/%m/%Y}" in moved[0].text()
    await recorded(desk.settings, spec.id, 3)
    kinds = [e.kind for e in events(desk.settings, spec.id)]
    assert kinds[:3] == ["assigned", "calendar_changed", "deadline_moved"]
    changed_event = next(e for e in events(desk.settings, spec.id) if e.kind == "calendar_changed")
    assert "Thông báo số 1/TB-BNV" in changed_event.summary
    assert "chờ Văn phòng quyết định" in changed_event.summary


async def test_the_office_may_keep_the_deadline_it_told(desk: Desk) -> None:
    spec, handle = await desk.issue()
    changed = _with_day_off(desk.cal, desk.deadline)
    await update(handle, "replace_calendar", rq.ReplaceCalendar(actor=OFFICE, calendar=changed))
    kept = await update(
        handle,
        "decide_deadline_move",
        rq.DecideDeadlineMove(actor=OFFICE, approve=False, note="Đã thống nhất với đơn vị"),
    )
    assert kept.status.deadline.due == desk.cal.end_of_day(desk.deadline)
    assert kept.status.pending_deadline_move is None
    await recorded(desk.settings, spec.id, 3)
    assert [e.kind for e in events(desk.settings, spec.id)][-1] == "deadline_kept"
    assert not desk.mails("deadline_moved")


async def test_a_calendar_change_that_does_not_touch_the_deadline_only_replans(
    desk: Desk,
) -> None:
    spec, handle = await desk.issue()
    far = desk.deadline + timedelta(days=300)
    replaced = await update(
        handle,
        "replace_calendar",
        rq.ReplaceCalendar(actor=OFFICE, calendar=_with_day_off(desk.cal, far)),
    )
    assert replaced.status.pending_deadline_move is None
    await recorded(desk.settings, spec.id, 2)
    [changed] = [e for e in events(desk.settings, spec.id) if e.kind == "calendar_changed"]
    assert "thời hạn không đổi" in changed.summary


async def test_a_period_counted_from_receipt_counts_from_the_assignment_mail(
    desk: Desk,
) -> None:
    raw = notice(
        desk.issued.date(),
        task("trong 10 ngày làm việc kể từ ngày nhận được văn bản", coordinators=()),
    )
    [(spec, handle)] = await issue(raw, desk.settings, desk.env.client)
    await desk.mailbox.arrived(1)
    delivered_on = (await desk.env.get_current_time()).astimezone(desk.cal.zone()).date()
    await recorded(desk.settings, spec.id, 2)
    counted = (await view(handle)).status.deadline
    assert counted.counted_from is not None
    assert counted.counted_from.day == delivered_on
    assert counted.due == desk.cal.end_of_day(desk.cal.add_working_days(delivered_on, 10))
    [event] = [e for e in events(desk.settings, spec.id) if e.kind == "deadline_counted"]
    assert "nhận được" in event.summary


async def test_the_named_official_receives_the_next_reminder_with_the_agency_in_copy(
    desk: Desk,
) -> None:
    spec, handle = await desk.issue()
    official = Official(
        name="Nguyễn Thị Hoa",
        position="Phó Trưởng phòng Hợp tác quốc tế",
        email="hoa.nt@sngv.ubnd.test",
        phone="0238 3844 123",
    )
    named = await update(handle, "name_official", rq.NameOfficial(actor=OWNER, official=official))
    assert named.status.official is not None and named.status.official.named_by == "SNGV"
    # A coordinator names no official for the owner's task.
    assert (
        await refused(
            handle, "name_official", rq.NameOfficial(actor="agency:STC", official=official)
        )
        == "Đơn vị của anh/chị không phải là đơn vị chủ trì nhiệm vụ này."
    )
    await desk.skip_to(desk.wd(-5) + timedelta(hours=1))
    [reminder] = await desk.mail("reminder")
    assert reminder.envelope_to[0] == "hoa.nt@sngv.ubnd.test"
    assert BOOK["SNGV"].email in reminder.envelope_to
    assert "Nguyễn Thị Hoa" in str(reminder.message["To"])
    assert BOOK["SNGV"].email in str(reminder.message["Cc"])
    with session_scope(desk.settings.database_url) as session:
        row = get_task(session, spec.id)
        assert row is not None and row.status["official"]["name"] == "Nguyễn Thị Hoa"
    await recorded(desk.settings, spec.id, 2)
    [event] = [e for e in events(desk.settings, spec.id) if e.kind == "official_named"]
    assert "Nguyễn Thị Hoa" in event.summary and "0238 3844 123" in event.summary


async def test_a_reassignment_ends_the_former_owner_s_official(desk: Desk) -> None:
    _spec, handle = await desk.issue(coordinators=())
    official = Official(name="Lê Văn Nam", email="nam.lv@sngv.ubnd.test")
    await update(handle, "name_official", rq.NameOfficial(actor=OWNER, official=official))
    moved = await update(
        handle, "reassign", rq.Reassign(actor=OFFICE, owner="SCT", note="Giao lại")
    )
    assert moved.status.official is None


async def test_a_progress_report_keeps_the_agency_s_estimate(desk: Desk) -> None:
    spec, handle = await desk.issue()
    reported = await update(
        handle,
        "report_progress",
        rq.ReportProgress(
            actor=OWNER, note="Đã lấy ý kiến các sở", percent=60, milestone="Dự thảo lần 2"
        ),
    )
    assert reported.status.progress_percent == 60
    await recorded(desk.settings, spec.id, 2)
    [event] = [e for e in events(desk.settings, spec.id) if e.kind == "progress_reported"]
    assert "ước đạt 60%" in event.summary and "Dự thảo lần 2" in event.summary
    assert event.data["percent"] == 60
