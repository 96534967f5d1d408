"""Every Update of TaskWorkflow, allowed and refused, on the time-skipping server.

Each test issues a real notice to a real worker (real activities, SQLite, aiosmtpd). The
clock starts at 09:00 on a working day; the deadline is 8 working days later, so the
default ladder is: nudge at +2, reminders at D-5 and D-1, overdue and step 1 at D+1,
step 2 at D+5, repeats from D+10 (working days, 08:00).
"""

from __future__ import annotations

from datetime import timedelta
from email.utils import getaddresses
from typing import Any

from dondoc.domain import requests as rq
from dondoc.domain.task import (
    Action,
    StatusClass,
    TaskState,
    TaskStatus,
)
from dondoc.store.db import session_scope
from dondoc.store.tasks import get_task
from support.desk import (
    BOOK,
    OFFICE,
    OWNER,
    REPORT,
    Desk,
    refused,
    update,
)
from support.followup import (
    before,
    events,
    eventually,
    recorded,
    settle,
    timeline,
    view,
)


def emails(header: str | None) -> list[str]:
    return [addr for _, addr in getaddresses([header])] if header else []


# ------------------------------------------------------------------------- acknowledge


async def test_acknowledge_is_recorded_and_stops_the_nudge(desk: Desk) -> None:
    spec, handle = await desk.issue()
    ack = await update(handle, "acknowledge", rq.Acknowledge(actor=OWNER, note="Đã phân công"))
    assert ack.status.state == TaskState.ACKNOWLEDGED
    assert ack.status.acknowledged_at is not None
    assert Action.ACKNOWLEDGE not in ack.allowed and Action.COMPLETE in ack.allowed
    assert [p.step for p in ack.plan][:2] == ["reminder_5", "reminder_1"]

    again = await refused(handle, "acknowledge", rq.Acknowledge(actor=OWNER))
    assert again == "Nhiệm vụ đã được tiếp nhận trước đó."

    await desk.skip_to(desk.wd(2, desk.issued.date()) + timedelta(hours=2))
    await settle(desk.settings, [spec.id])
    assert [e.kind for e in events(desk.settings, spec.id)] == ["assigned", "acknowledged"]
    assert desk.mails("not_acknowledged") == []


# ---------------------------------------------------------------- complete and confirm


async def test_a_report_before_the_deadline_waits_for_the_office_then_is_done_on_time(
    desk: Desk,
) -> None:
    spec, handle = await desk.issue()
    await update(handle, "acknowledge", rq.Acknowledge(actor=OWNER))
    reported = await update(handle, "complete", rq.Complete(actor=OWNER, report=REPORT))
    assert reported.status.state == TaskState.AWAITING_CONFIRMATION
    assert reported.status.report == REPORT
    assert reported.allowed == [
        Action.DECIDE_EXTENSION,
        Action.CONFIRM,
        Action.RETURN_REPORT,
        Action.CANCEL,
    ]
    # The ladder pauses: only the office's confirmation reminder is planned.
    assert {p.step for p in reported.plan} == {"confirm_reminder"}
    assert all(p.to == ["VP"] for p in reported.plan)
    [asked] = await desk.mail("awaiting_confirmation")
    assert asked.envelope_to == BOOK["VP"].envelope

    # The deadline passes while the office decides: no overdue mail to the agency, and
    # the office is reminded every 2 working days.
    await desk.skip_to(desk.wd(3) + timedelta(hours=1))
    await settle(desk.settings, [spec.id])
    assert desk.mails("overdue") == [] and desk.mails("escalation_office") == []
    reminders = [
        e for e in events(desk.settings, spec.id) if e.data.get("step") == "confirm_reminder"
    ]
    assert len(reminders) >= 3
    assert all(m.envelope_to == BOOK["VP"].envelope for m in desk.mails("confirmation_reminder"))
    waiting = await view(handle)
    assert waiting.overdue is False  # reported in time; the office is the one late

    done = await update(handle, "confirm", rq.Confirm(actor=OFFICE, note="Đạt yêu cầu"))
    assert done.status.state == TaskState.COMPLETED
    assert done.status_class == StatusClass.DONE_ON_TIME
    assert done.plan == [] and done.allowed == [Action.REOPEN]
    [closed] = await desk.mail("completed")
    assert closed.envelope_to == BOOK["SNGV"].envelope
    rows = await recorded(desk.settings, spec.id, 3 + len(reminders) + 1)
    assert rows[-1].kind == "confirmed" and rows[-1].data["on_time"] is True
    assert "đúng hạn" in rows[-1].summary


async def test_a_report_after_the_deadline_is_confirmed_as_done_late(desk: Desk) -> None:
    spec, handle = await desk.issue()
    await desk.skip_to(desk.wd(1) + timedelta(hours=1))
    await desk.mail("escalation_office")
    late = await update(handle, "complete", rq.Complete(actor=OWNER, report=REPORT))
    assert late.status.state == TaskState.AWAITING_CONFIRMATION
    assert late.overdue is True and late.status_class == StatusClass.IN_PROGRESS_OVERDUE
    done = await update(handle, "confirm", rq.Confirm(actor=OFFICE))
    assert done.status_class == StatusClass.DONE_LATE
    rows = await recorded(desk.settings, spec.id, 8)
    assert rows[-1].kind == "confirmed" and rows[-1].data["on_time"] is False
    assert "quá hạn" in rows[-1].summary


async def test_without_confirmation_the_report_completes_the_task_at_once(desk: Desk) -> None:
    spec, handle = await desk.issue(policy="no_confirmation")
    done = await update(handle, "complete", rq.Complete(actor=OWNER, report=REPORT))
    assert done.status.state == TaskState.COMPLETED
    assert done.status_class == StatusClass.DONE_ON_TIME
    assert done.status.acknowledged_at is not None  # reporting implies receiving
    mails = await desk.mail("completed", 2)
    assert sorted(m.envelope_to[0] for m in mails) == sorted([BOOK["VP"].email, BOOK["SNGV"].email])
    assert emails(mails[0].message["To"]) == [BOOK["VP"].email]
    assert emails(mails[0].message["Cc"]) == [BOOK["SNGV"].email]
    await desk.skip_to(desk.wd(12) + timedelta(hours=1))
    await settle(desk.settings, [spec.id])
    assert [e.kind for e in events(desk.settings, spec.id)] == ["assigned", "completed"]


async def test_a_returned_report_goes_back_to_the_owner_and_the_ladder_resumes(
    desk: Desk,
) -> None:
    _spec, handle = await desk.issue()
    await update(handle, "complete", rq.Complete(actor=OWNER, report=REPORT))
    back = await update(
        handle,
        "return_report",
        rq.ReturnReport(actor=OFFICE, reason="Thiếu ý kiến của Sở Tài chính"),
    )
    assert back.status.state == TaskState.ACKNOWLEDGED
    assert back.status.report is None and back.status.reported_at is None
    assert [p.step for p in back.plan][:2] == ["reminder_5", "reminder_1"]
    [returned] = await desk.mail("report_returned")
    assert returned.envelope_to == BOOK["SNGV"].envelope
    assert "Thiếu ý kiến của Sở Tài chính" in returned.text()
    await desk.skip_to(desk.wd(1) + timedelta(hours=1))
    await desk.mail("overdue", 3)


async def test_a_completed_task_can_be_reopened_by_the_office(desk: Desk) -> None:
    _spec, handle = await desk.issue(policy="no_confirmation")
    await update(handle, "complete", rq.Complete(actor=OWNER, report=REPORT))
    assert await refused(handle, "reopen", rq.Reopen(actor=OWNER, reason="x")) == (
        "Thao tác này chỉ Văn phòng UBND tỉnh được thực hiện."
    )
    reopened = await update(
        handle, "reopen", rq.Reopen(actor=OFFICE, reason="Lãnh đạo yêu cầu bổ sung phụ lục")
    )
    assert reopened.status.state == TaskState.ACKNOWLEDGED
    assert reopened.status.completed_at is None and reopened.status.report is None
    assert reopened.status_class == StatusClass.IN_PROGRESS_ON_TIME
    [mail] = [m for m in await desk.mail("reopened", 2) if m.envelope_to == BOOK["SNGV"].envelope]
    assert emails(mail.message["Cc"]) == [BOOK["VP"].email]
    # The ladder is back: the reminders of the deadline go out again.
    await desk.skip_to(desk.wd(-1) + timedelta(hours=1))
    await desk.mail("reminder", 4)  # reminder_5 to the owner, reminder_1 to three


# ------------------------------------------------------------------ progress, proposals


async def test_a_progress_report_is_recorded_and_sent_to_the_office(desk: Desk) -> None:
    spec, handle = await desk.issue()
    note = "Đã lấy ý kiến các sở, đang tổng hợp"
    after = await update(handle, "report_progress", rq.ReportProgress(actor=OWNER, note=note))
    assert after.status.state == TaskState.ASSIGNED  # progress is not an acknowledgement
    [mail] = await desk.mail("progress_reported")
    assert mail.envelope_to == BOOK["VP"].envelope and note in mail.text()
    rows = await recorded(desk.settings, spec.id, 2)
    assert rows[-1].kind == "progress_reported" and rows[-1].data["note"] == note


async def test_the_owner_may_propose_another_owner(desk: Desk) -> None:
    _spec, handle = await desk.issue()
    reason = "Nội dung thuộc chức năng của Sở Công Thương"
    after = await update(
        handle, "propose_reassignment", rq.ProposeReassignment(actor=OWNER, reason=reason)
    )
    assert after.status.reassignment_proposed == reason
    assert after.status.owner == "SNGV"
    [mail] = await desk.mail("reassignment_proposed")
    assert mail.envelope_to == BOOK["VP"].envelope and reason in mail.text()


# ---------------------------------------------------------------------------- extension


async def test_an_approved_extension_moves_every_later_step(desk: Desk) -> None:
    spec, handle = await desk.issue()
    old = desk.deadline
    new = desk.cal.add_working_days(old, 5)
    await update(handle, "acknowledge", rq.Acknowledge(actor=OWNER))
    await desk.skip_to(desk.wd(-5) + timedelta(hours=1))  # after the old reminder_5
    await desk.mail("reminder")

    asked = await update(
        handle,
        "request_extension",
        rq.RequestExtension(
            actor=OWNER, new_deadline=before(new), reason="Chờ ý kiến Bộ Ngoại giao"
        ),
    )
    assert asked.status.pending_extension is not None
    assert asked.status.pending_extension.new_deadline.due == desk.cal.end_of_day(new)
    assert asked.status.deadline.due == desk.cal.end_of_day(old)  # not yet moved
    [request_mail] = await desk.mail("extension_requested")
    assert request_mail.envelope_to == BOOK["VP"].envelope
    assert (
        await refused(
            handle,
            "request_extension",
            rq.RequestExtension(actor=OWNER, new_deadline=before(new), reason="lần hai"),
        )
        == "Đã có một đề nghị gia hạn đang chờ Văn phòng quyết định."
    )

    granted = await update(
        handle, "decide_extension", rq.DecideExtension(actor=OFFICE, approve=True, note="Đồng ý")
    )
    assert granted.status.deadline.due == desk.cal.end_of_day(new)
    assert granted.status.original_deadline.due == desk.cal.end_of_day(old)
    assert granted.status.pending_extension is None
    assert [(p.step, p.at) for p in granted.plan] == [
        ("reminder_5", desk.wd(-5, new)),
        ("reminder_1", desk.wd(-1, new)),
        ("overdue", desk.wd(1, new)),
        ("escalation_office", desk.wd(1, new)),
        ("escalation_leader", desk.wd(5, new)),
        ("overdue_repeat", desk.wd(10, new)),
    ]
    approved = await desk.mail("extension_approved", 3)
    assert [m.envelope_to for m in approved] == [
        BOOK["SNGV"].envelope,
        BOOK["STC"].envelope,
        BOOK["SNNMT"].envelope,
    ]
    assert "Thời hạn ban đầu" in approved[0].text()

    await desk.skip_to(desk.wd(5, new) + timedelta(hours=1))
    await recorded(desk.settings, spec.id, 10)
    await settle(desk.settings, [spec.id])
    rows = events(desk.settings, spec.id)
    # Nothing at the old deadline's times (D-1, D+1); everything at the new ones.
    followups = [(k, t) for k, t in timeline(rows) if k in {"reminded", "overdue", "escalated"}]
    assert followups == [
        ("reminded", desk.wd(-5)),
        ("reminded", desk.wd(-5, new)),
        ("reminded", desk.wd(-1, new)),
        ("overdue", desk.wd(1, new)),
        ("escalated", desk.wd(1, new)),
        ("escalated", desk.wd(5, new)),
    ]
    assert [e.kind for e in rows if e.kind.startswith("extension")] == [
        "extension_requested",
        "extension_approved",
    ]
    approved_event = next(e for e in rows if e.kind == "extension_approved")
    assert approved_event.data["deadline"]["phrase"] == before(new)


async def test_a_refused_extension_keeps_the_deadline_and_the_ladder(desk: Desk) -> None:
    spec, handle = await desk.issue()
    assert (
        await refused(handle, "decide_extension", rq.DecideExtension(actor=OFFICE, approve=True))
        == "Không có đề nghị gia hạn nào đang chờ quyết định."
    )
    new = desk.cal.add_working_days(desk.deadline, 10)
    await update(
        handle,
        "request_extension",
        rq.RequestExtension(actor=OWNER, new_deadline=before(new), reason="Thiếu nhân lực"),
    )
    no = await update(
        handle,
        "decide_extension",
        rq.DecideExtension(actor=OFFICE, approve=False, note="Nhiệm vụ cấp bách"),
    )
    assert no.status.pending_extension is None
    assert no.status.deadline.due == desk.cal.end_of_day(desk.deadline)
    [refusal] = await desk.mail("extension_refused")
    assert refusal.envelope_to == BOOK["SNGV"].envelope and "Nhiệm vụ cấp bách" in refusal.text()
    await desk.skip_to(desk.wd(1) + timedelta(hours=1))
    await desk.mail("escalation_office")
    overdue = [e for e in events(desk.settings, spec.id) if e.kind == "overdue"]
    assert timeline(overdue) == [("overdue", desk.wd(1))]


async def test_extension_requests_that_cannot_be_granted_are_refused(desk: Desk) -> None:
    _spec, handle = await desk.issue()
    earlier = desk.cal.add_working_days(desk.deadline, -2)
    assert (
        await refused(
            handle,
            "request_extension",
            rq.RequestExtension(actor=OWNER, new_deadline=before(earlier), reason="x"),
        )
        == "Thời hạn đề nghị phải sau thời hạn hiện tại."
    )
    unreadable = await refused(
        handle,
        "request_extension",
        rq.RequestExtension(actor=OWNER, new_deadline="khi nào xong", reason="x"),
    )
    assert unreadable.startswith("không đọc được thời hạn «khi nào xong»")
    assert (
        await refused(
            handle,
            "request_extension",
            rq.RequestExtension(
                actor="agency:STC", new_deadline=before(desk.wd(9).date()), reason="x"
            ),
        )
        == "Đơn vị của anh/chị không phải là đơn vị chủ trì nhiệm vụ này."
    )

    await desk.skip_to(desk.wd(1) + timedelta(hours=1))  # the deadline has passed
    await desk.mail("escalation_office")
    later = desk.cal.add_working_days(desk.deadline, 10)
    assert (
        await refused(
            handle,
            "request_extension",
            rq.RequestExtension(actor=OWNER, new_deadline=before(later), reason="x"),
        )
        == "Chỉ được đề nghị gia hạn trước khi hết thời hạn; nhiệm vụ đã quá hạn."
    )


async def test_an_extension_counted_in_working_days_counts_from_the_office_decision(
    desk: Desk,
) -> None:
    _spec, handle = await desk.issue()
    asked_on = desk.wd(-6)
    await desk.skip_to(asked_on + timedelta(hours=1))
    asked = await update(
        handle,
        "request_extension",
        rq.RequestExtension(
            actor=OWNER, new_deadline="trong 10 ngày làm việc", reason="Chờ ý kiến Bộ"
        ),
    )
    pending = asked.status.pending_extension
    assert pending is not None  # previewed from the day it was asked
    assert pending.new_deadline.due == desk.cal.end_of_day(
        desk.cal.add_working_days(asked_on.date(), 10)
    )
    decided_on = desk.wd(3, asked_on.date())
    await desk.skip_to(decided_on + timedelta(hours=2))
    granted = await update(
        handle, "decide_extension", rq.DecideExtension(actor=OFFICE, approve=True, note="Đồng ý")
    )
    assert granted.status.deadline.due == desk.cal.end_of_day(
        desk.cal.add_working_days(decided_on.date(), 10)
    )
    assert granted.status.deadline.counted_from is not None
    assert granted.status.deadline.counted_from.day == decided_on.date()
    approved = await desk.mail("extension_approved", 3, timeout=10)
    assert f"{granted.status.deadline.due:%d/%m/%Y}" in approved[0].text()


# --------------------------------------------------------------------------- reassign


async def test_reassignment_mid_ladder_moves_the_ladder_to_the_new_owner(desk: Desk) -> None:
    # No coordinators here: see the next test for why.
    spec, handle = await desk.issue(coordinators=())
    await desk.skip_to(desk.wd(1) + timedelta(hours=1))
    await desk.mail("escalation_office")
    assert (await view(handle)).status.escalation_step == 1
    sent_before = len(desk.mailbox.messages)

    moved = await update(
        handle,
        "reassign",
        rq.Reassign(actor=OFFICE, owner="sct", note="Theo đề nghị của Sở Ngoại vụ"),
    )
    moved_at = (await desk.env.get_current_time()).astimezone(desk.cal.zone())
    assert moved.status.owner == "SCT" and moved.status.state == TaskState.ASSIGNED
    assert moved.status.escalation_step == 1  # the escalation already made stands
    [away] = await desk.mail("reassigned_away")
    assert away.envelope_to == BOOK["SNGV"].envelope
    assert "Theo đề nghị của Sở Ngoại vụ" in away.text()
    [given] = await desk.mail("reassigned")
    assert given.envelope_to == BOOK["SCT"].envelope
    assert emails(given.message["To"]) == [BOOK["SCT"].email]
    # The old owner can no longer act; the new one can.
    assert await refused(handle, "acknowledge", rq.Acknowledge(actor=OWNER)) == NOT_OWNER

    await desk.skip_to(desk.wd(15) + timedelta(hours=1))
    await settle(desk.settings, [spec.id])
    after_move = [
        m
        for m in desk.mailbox.messages[sent_before:]
        if m.kind not in {"reassigned", "reassigned_away"}
    ]
    assert all(BOOK["SNGV"].email not in m.envelope_to for m in after_move)
    # Moved at D+1: the new owner's nudge at D+3, step 2 at D+5, repeats at D+10, D+15.
    assert [m.kind for m in after_move] == [
        "not_acknowledged",
        "escalation_leader",
        "escalation_leader",
        "overdue_reminder",
        "overdue_reminder",
    ]
    leader = [m for m in after_move if m.kind == "escalation_leader"]
    assert [m.envelope_to for m in leader] == [BOOK["PCT-VINH"].envelope, BOOK["VP"].envelope]
    assert "Đơn vị chủ trì: Sở Công Thương" in leader[0].text()
    repeats = [m for m in after_move if m.kind == "overdue_reminder"]
    assert [m.envelope_to for m in repeats] == [BOOK["SCT"].envelope] * 2
    # The new owner is nudged 2 working days after it was given the task, once.
    [nudge] = [m for m in after_move if m.kind == "not_acknowledged"]
    assert nudge.envelope_to == BOOK["SCT"].envelope
    nudged = [e for e in events(desk.settings, spec.id) if e.kind == "nudged"]
    assert timeline(nudged) == [
        ("nudged", desk.wd(2, desk.issued.date())),
        ("nudged", desk.wd(2, moved_at.date())),
    ]
    final = await view(handle)
    assert final.status.escalation_step == 2 and final.status.owner == "SCT"

    acked = await update(handle, "acknowledge", rq.Acknowledge(actor="agency:SCT"))
    assert acked.status.state == TaskState.ACKNOWLEDGED


async def test_reassigning_a_task_with_coordinators_tells_them_too(desk: Desk) -> None:
    _spec, handle = await desk.issue()
    await update(handle, "reassign", rq.Reassign(actor=OFFICE, owner="SCT", note="Giao lại"))
    new_owner = await desk.mail("reassigned", 3, timeout=5)
    assert [m.envelope_to for m in new_owner] == [
        BOOK["SCT"].envelope,
        BOOK["STC"].envelope,
        BOOK["SNNMT"].envelope,
    ]
    await update(handle, "report_progress", rq.ReportProgress(actor="agency:SCT", note="Đã nhận"))
    await desk.mail("progress_reported", timeout=5)


async def test_a_coordinator_made_owner_is_no_longer_listed_as_coordinating(
    desk: Desk,
) -> None:
    spec, handle = await desk.issue()  # SNGV owns; STC and SNNMT coordinate
    await update(handle, "reassign", rq.Reassign(actor=OFFICE, owner="STC", note="Giao lại"))
    mails = await desk.mail("reassigned", 2, timeout=5)
    assert [m.envelope_to for m in mails] == [BOOK["STC"].envelope, BOOK["SNNMT"].envelope]
    given = mails[0].text()
    assert "phối hợp với Sở Nông nghiệp và Môi trường" in given
    assert "phối hợp với Sở Tài chính" not in given

    def listed() -> list[str] | None:
        with session_scope(desk.settings.database_url) as session:
            row = get_task(session, spec.id)
            return row.coordinators if row is not None and row.owner == "STC" else None

    assert await eventually(listed, what="the read model to show the new owner") == ["SNNMT"]


async def test_reassigning_an_acknowledged_task_does_not_nudge_the_new_owner_at_once(
    desk: Desk,
) -> None:
    spec, handle = await desk.issue(coordinators=())
    await update(handle, "acknowledge", rq.Acknowledge(actor=OWNER))
    await desk.skip_to(desk.wd(4, desk.issued.date()) + timedelta(hours=3))
    await update(
        handle,
        "propose_reassignment",
        rq.ProposeReassignment(actor=OWNER, reason="Không đúng chức năng"),
    )
    moved = await update(
        handle, "reassign", rq.Reassign(actor=OFFICE, owner="SCT", note="Giao lại")
    )
    moved_at = (await desk.env.get_current_time()).astimezone(desk.cal.zone())
    assert moved.status.reassignment_proposed is None
    # Before the fix the plan showed the first owner's nudge, 2 working days after the
    # original assignment, already past: it went out at once to the new owner.
    assert [(p.step, p.at) for p in moved.plan][:1] == [("nudge", desk.wd(2, moved_at.date()))]
    await desk.mail("reassigned")
    await settle(desk.settings, [spec.id])
    assert desk.mails("not_acknowledged") == []


# ----------------------------------------------------------------------------- cancel


async def test_a_cancelled_task_is_closed_and_sends_nothing_more(desk: Desk) -> None:
    spec, handle = await desk.issue()
    cancelled = await update(
        handle,
        "cancel",
        rq.Cancel(actor=OFFICE, reason="Nội dung đã được lồng ghép vào nhiệm vụ khác"),
    )
    assert cancelled.status.state == TaskState.CANCELLED
    assert cancelled.status_class == StatusClass.CANCELLED
    assert cancelled.plan == [] and cancelled.allowed == []
    result = TaskStatus.model_validate(await handle.result())
    assert result.state == TaskState.CANCELLED
    mails = await desk.mail("cancelled", 3)
    assert [m.envelope_to for m in mails] == [
        BOOK["SNGV"].envelope,
        BOOK["STC"].envelope,
        BOOK["SNNMT"].envelope,
    ]
    count = len(desk.mailbox.messages)
    await desk.skip_to(desk.wd(12) + timedelta(hours=1))
    await settle(desk.settings, [spec.id])
    assert len(desk.mailbox.messages) == count
    assert [e.kind for e in events(desk.settings, spec.id)] == ["assigned", "cancelled"]


# ----------------------------------------------------------------- refused transitions

NOT_OWNER = "Đơn vị của anh/chị không phải là đơn vị chủ trì nhiệm vụ này."
OFFICE_ONLY = "Thao tác này chỉ Văn phòng UBND tỉnh được thực hiện."


async def test_refused_transitions_change_nothing_and_say_why_in_vietnamese(desk: Desk) -> None:
    spec, handle = await desk.issue()
    cases: list[tuple[str, Any, str]] = [
        ("acknowledge", rq.Acknowledge(actor="agency:STC"), NOT_OWNER),
        ("complete", rq.Complete(actor="agency:stc", report=REPORT), NOT_OWNER),
        ("report_progress", rq.ReportProgress(actor="agency:SNNMT", note="x"), NOT_OWNER),
        ("cancel", rq.Cancel(actor=OWNER, reason="x"), OFFICE_ONLY),
        ("reassign", rq.Reassign(actor=OWNER, owner="SCT", note="x"), OFFICE_ONLY),
        ("confirm", rq.Confirm(actor=OWNER), OFFICE_ONLY),
        ("return_report", rq.ReturnReport(actor=OWNER, reason="x"), OFFICE_ONLY),
        ("decide_extension", rq.DecideExtension(actor=OWNER, approve=True), OFFICE_ONLY),
        ("reopen", rq.Reopen(actor=OWNER, reason="x"), OFFICE_ONLY),
        (
            "confirm",
            rq.Confirm(actor=OFFICE),
            "Không thể «Xác nhận hoàn thành»: nhiệm vụ chưa được tiếp nhận.",
        ),
        (
            "return_report",
            rq.ReturnReport(actor=OFFICE, reason="x"),
            "Không thể «Trả lại báo cáo»: nhiệm vụ chưa được tiếp nhận.",
        ),
        (
            "reopen",
            rq.Reopen(actor=OFFICE, reason="x"),
            "Không thể «Mở lại nhiệm vụ»: nhiệm vụ chưa được tiếp nhận.",
        ),
        (
            "decide_extension",
            rq.DecideExtension(actor=OFFICE, approve=False),
            "Không có đề nghị gia hạn nào đang chờ quyết định.",
        ),
        (
            "reassign",
            rq.Reassign(actor=OFFICE, owner="SNGV", note="x"),
            "SNGV đang là đơn vị chủ trì nhiệm vụ này.",
        ),
    ]
    for name, req, message in cases:
        assert await refused(handle, name, req) == message, name

    # A task awaiting confirmation refuses the agency's actions until the office decides.
    await update(handle, "complete", rq.Complete(actor=OWNER, report=REPORT))
    assert (
        await refused(handle, "complete", rq.Complete(actor=OWNER, report=REPORT))
        == "Không thể «Báo cáo hoàn thành»: báo cáo hoàn thành đang chờ Văn phòng xác nhận."
    )
    assert (
        await refused(handle, "reassign", rq.Reassign(actor=OFFICE, owner="SCT", note="x"))
        == "Không thể «Giao lại đơn vị chủ trì»: báo cáo hoàn thành đang chờ Văn phòng xác nhận."
    )
    assert [e.kind for e in await recorded(desk.settings, spec.id, 2)] == [
        "assigned",
        "completion_reported",
    ]
