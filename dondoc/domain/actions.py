"""What a person's action does to a task: whether it may, and what it changes.

The workflow's Update handlers are "check, apply, queue": the validator calls ``check``
(so a refused action never enters history), the handler calls ``apply`` and queues the
events of the ``Transition`` it returns.
"""

from __future__ import annotations

import contextlib
from datetime import datetime

from dondoc.domain import requests as rq
from dondoc.domain.calendar_change import compare_deadline
from dondoc.domain.deadlines import (
    Deadline,
    DeadlineError,
    NamedDayOff,
    extension_deadline,
    resolve_deadline,
)
from dondoc.domain.events import EventKind
from dondoc.domain.formatting import format_moment
from dondoc.domain.mail import SUBJECT_ACTIONS, MailKind
from dondoc.domain.policy import FollowUpState
from dondoc.domain.refusals import Refusal, RefusalCode
from dondoc.domain.task import (
    AGENCY_ACTIONS,
    OPEN_STATES,
    WEB_LINK_TEXT,
    Action,
    DeadlineMove,
    ExtensionRequest,
    StatusClass,
    TaskState,
    TaskStatus,
    is_web_link,
    refusal,
)
from dondoc.domain.transitions import Emitted, Mail, Rules, Task, Transition, recorded


def _with_note(text: str, note: str) -> str:
    return text + (f": {note}" if note else "")


def _extension(task: Task, text: str, at: datetime) -> Deadline:
    """A requested deadline as it would stand if granted at ``at``: a counted period
    counts from the decision (its preview at the request's time), a named date stays that
    date. Tasks under the first release's rules count from the notice, as they did."""
    if task.rules == Rules.FIRST:
        return resolve_deadline(
            text, task.spec.notice_date, task.calendar, named_day_off=NamedDayOff.NEXT_WORKING_DAY
        )
    return extension_deadline(
        text, at, task.spec.notice_date, task.calendar, named_day_off=task.policy.named_day_off
    )


def _new_deadline(task: Task, text: str, at: datetime) -> Deadline | Refusal:
    try:
        deadline = _extension(task, text, at)
    except DeadlineError as err:
        return Refusal(RefusalCode.BAD_DEADLINE, str(err))
    current = task.status.deadline.due
    if deadline.due is None or (current is not None and deadline.due <= current):
        return Refusal(
            RefusalCode.DEADLINE_NOT_LATER, "Thời hạn đề nghị phải sau thời hạn hiện tại."
        )
    return deadline


def check(action: Action, req: rq.Request, task: Task, now: datetime) -> Refusal | None:
    """Why ``req`` may not be applied now (None if it may): not this agency's task, an
    office action from an agency, the state, or what the request itself asks."""
    status = task.status
    agency = rq.agency_of(req.actor)
    if agency is not None and agency != status.owner:
        return Refusal(
            RefusalCode.NOT_OWNER, "Đơn vị của anh/chị không phải là đơn vị chủ trì nhiệm vụ này."
        )
    if agency is not None and action not in AGENCY_ACTIONS:
        return Refusal(
            RefusalCode.OFFICE_ONLY, "Thao tác này chỉ Văn phòng UBND tỉnh được thực hiện."
        )
    refused = refusal(action, status)
    if refused is not None:
        return refused
    if isinstance(req, rq.RequestExtension):
        due = status.deadline.due
        if due is not None and now >= due:
            return Refusal(
                RefusalCode.PAST_DEADLINE,
                "Chỉ được đề nghị gia hạn trước khi hết thời hạn; nhiệm vụ đã quá hạn.",
            )
        new = _new_deadline(task, req.new_deadline, now)
        return new if isinstance(new, Refusal) else None
    if isinstance(req, rq.Complete) and not is_web_link(req.report.link):
        return Refusal(RefusalCode.BAD_INPUT, WEB_LINK_TEXT)
    if isinstance(req, rq.Reassign) and req.owner == status.owner:
        return Refusal(RefusalCode.SAME_OWNER, f"{req.owner} đang là đơn vị chủ trì nhiệm vụ này.")
    if isinstance(req, rq.Resend) and req.mail == MailKind.BOUNCE:
        return Refusal(RefusalCode.NOTHING_TO_RESEND, "Không gửi lại thư báo lỗi gửi thư.")
    return None


# --------------------------------------------------------------------------- actions


def apply(action: Action, req: rq.Request, task: Task, now: datetime) -> Transition:
    """What ``req`` does to the task; call only once ``check`` found nothing against it."""
    status, follow = task.status, task.follow
    actor = req.actor

    def done(new: TaskStatus, *events: Emitted, follow_: FollowUpState = follow) -> Transition:
        return Transition(status=new, follow=follow_, events=events)

    if isinstance(req, rq.Acknowledge):
        new = status.model_copy(update={"state": TaskState.ACKNOWLEDGED, "acknowledged_at": now})
        text = "Đơn vị chủ trì đã tiếp nhận nhiệm vụ"
        return done(new, recorded(task, new, EventKind.ACKNOWLEDGED, actor, text, note=req.note))

    if isinstance(req, rq.Complete):
        data = {"report": req.report.model_dump()}
        first_ack = status.acknowledged_at or now
        common = {"reported_at": now, "report": req.report, "acknowledged_at": first_ack}
        if task.policy.confirm_completion:
            new = status.model_copy(update={"state": TaskState.AWAITING_CONFIRMATION, **common})
            text = f"Báo cáo hoàn thành: {req.report.summary}"
            return done(new, recorded(task, new, EventKind.COMPLETION_REPORTED, actor, text, data))
        new = status.model_copy(
            update={
                "state": TaskState.COMPLETED,
                "completed_at": now,
                "pending_extension": None,
                **common,
            }
        )
        text = f"Hoàn thành: {req.report.summary}"
        return done(new, recorded(task, new, EventKind.COMPLETED, actor, text, data))

    if isinstance(req, rq.ReportProgress):
        return _report_progress(req, task, now)

    if isinstance(req, rq.NameOfficial):
        official = req.official.model_copy(update={"named_by": status.owner})
        new = status.model_copy(update={"official": official})
        reach = ", ".join(x for x in (official.email, official.phone) if x)
        role = f", {official.position}" if official.position else ""
        text = f"Cán bộ phụ trách: {official.name}{role} ({reach})"
        data = {"official": official.model_dump()}
        return done(new, recorded(task, new, EventKind.OFFICIAL_NAMED, actor, text, data))

    if isinstance(req, rq.RequestExtension):
        deadline = _new_deadline(task, req.new_deadline, now)
        assert isinstance(deadline, Deadline), "check() refuses a deadline it cannot use"
        pending = ExtensionRequest(
            requested_at=now, new_deadline=deadline, reason=req.reason, requested_by=actor
        )
        new = status.model_copy(update={"pending_extension": pending})
        text = f"Đề nghị gia hạn đến {deadline.due:%d/%m/%Y}: {req.reason}"
        data = {"new_deadline": deadline.model_dump(mode="json"), "reason": req.reason}
        return done(
            new,
            recorded(task, new, EventKind.EXTENSION_REQUESTED, actor, text, data, note=req.reason),
        )

    if isinstance(req, rq.ProposeReassignment):
        new = status.model_copy(update={"reassignment_proposed": req.reason})
        text = f"Đề nghị điều chỉnh đơn vị chủ trì: {req.reason}"
        return done(
            new,
            recorded(
                task, new, EventKind.REASSIGNMENT_PROPOSED, actor, text,
                {"reason": req.reason}, note=req.reason,
            ),
        )  # fmt: skip

    if isinstance(req, rq.DecideExtension):
        return _decide_extension(req, task, now)

    if isinstance(req, rq.ReplaceCalendar):
        return _replace_calendar(req, task, now)

    if isinstance(req, rq.DecideDeadlineMove):
        return _decide_deadline_move(req, task, now)

    if isinstance(req, rq.Reassign):
        return _reassign(req, task, now)

    if isinstance(req, rq.Confirm):
        new = status.model_copy(
            update={"state": TaskState.COMPLETED, "completed_at": now, "pending_extension": None}
        )
        on_time = new.status_class(now) == StatusClass.DONE_ON_TIME
        text = _with_note("Xác nhận hoàn thành " + ("đúng hạn" if on_time else "quá hạn"), req.note)
        data = {"note": req.note, "on_time": on_time}
        return done(new, recorded(task, new, EventKind.CONFIRMED, actor, text, data, note=req.note))

    if isinstance(req, rq.ReturnReport):
        new = status.model_copy(
            update={"state": TaskState.ACKNOWLEDGED, "reported_at": None, "report": None}
        )
        text = f"Trả lại báo cáo hoàn thành: {req.reason}"
        return done(
            new,
            recorded(
                task, new, EventKind.REPORT_RETURNED, actor, text,
                {"reason": req.reason}, note=req.reason,
            ),
        )  # fmt: skip

    if isinstance(req, rq.Cancel):
        new = status.model_copy(
            update={"state": TaskState.CANCELLED, "cancelled_at": now, "pending_extension": None}
        )
        text = f"Hủy nhiệm vụ: {req.reason}"
        return done(
            new,
            recorded(
                task, new, EventKind.CANCELLED, actor, text, {"reason": req.reason}, note=req.reason
            ),
        )

    if isinstance(req, rq.Reopen):
        new = status.model_copy(
            update={
                "state": TaskState.ACKNOWLEDGED,
                "completed_at": None,
                "reported_at": None,
                "report": None,
            }
        )
        text = f"Mở lại nhiệm vụ: {req.reason}"
        return done(
            new,
            recorded(
                task, new, EventKind.REOPENED, actor, text, {"reason": req.reason}, note=req.reason
            ),
        )

    if isinstance(req, rq.Resend):
        text = f"Gửi lại thư «{SUBJECT_ACTIONS[req.mail]}» tới {req.names}: {req.reason}"
        mail = Mail(kind=req.mail, to=req.to, cc=req.cc, note=req.note)
        data = {"reason": req.reason, "resent_from": req.resent_from}
        return done(
            status,
            Emitted(EventKind.MAIL_SENT, actor, text, data, mails=(mail,), resend=True),
        )

    raise ValueError(f"no transition for {action.value}")


def _report_progress(req: rq.ReportProgress, task: Task, now: datetime) -> Transition:
    """A progress report; an estimate (percent, milestone) is kept when the agency gives one."""
    status = task.status
    text = f"Báo cáo tiến độ: {req.note}"
    data: dict[str, object] = {"note": req.note}
    if req.percent is not None:
        status = status.model_copy(update={"progress_percent": req.percent})
        text += f" (ước đạt {req.percent}%)"
        data["percent"] = req.percent
    if req.milestone:
        text += f"; mốc: {req.milestone}"
        data["milestone"] = req.milestone
    event = recorded(
        task, status, EventKind.PROGRESS_REPORTED, req.actor, text, data, note=req.note
    )
    follow = task.follow.model_copy(update={"last_progress_at": now})
    return Transition(status=status, follow=follow, events=(event,))


def _decide_extension(req: rq.DecideExtension, task: Task, now: datetime) -> Transition:
    status, follow = task.status, task.follow
    pending = status.pending_extension
    assert pending is not None, "check() refuses a decision with nothing pending"
    if not req.approve:
        new = status.model_copy(update={"pending_extension": None})
        text = _with_note("Không đồng ý gia hạn", req.note)
        event = recorded(
            task,
            new,
            EventKind.EXTENSION_REFUSED,
            req.actor,
            text,
            {"note": req.note},
            note=req.note,
        )
        return Transition(status=new, follow=follow, events=(event,))
    granted = pending.new_deadline
    if task.rules != Rules.FIRST:
        # Counted from this decision (the request only previewed it); a phrase read once
        # already cannot fail now, but if it did the request's reading would stand.
        with contextlib.suppress(DeadlineError):
            granted = _extension(task, granted.phrase, now)
    new = status.model_copy(
        update={"deadline": granted, "pending_extension": None, "escalation_step": 0}
    )
    counted = (
        f" ({granted.counted_from.describe()})"
        if granted.counted_from and task.rules != Rules.FIRST
        else ""
    )
    text = _with_note(f"Đồng ý gia hạn đến {granted.due:%d/%m/%Y}{counted}", req.note)
    data = {"deadline": granted.model_dump(mode="json"), "note": req.note}
    event = recorded(task, new, EventKind.EXTENSION_APPROVED, req.actor, text, data, note=req.note)
    return Transition(
        status=new, follow=follow.model_copy(update={"deadline_set_at": now}), events=(event,)
    )


def _replace_calendar(req: rq.ReplaceCalendar, task: Task, now: datetime) -> Transition:
    """The task follows the new calendar at once (its reminders are planned again); a
    deadline the new calendar places elsewhere is proposed to the office, not moved."""
    status, follow = task.status, task.follow
    if req.calendar == task.calendar:
        return Transition(status=status, follow=follow, events=())
    if status.state not in OPEN_STATES:
        return Transition(status=status, follow=follow, events=(), calendar=req.calendar)
    change = compare_deadline(
        status.deadline,
        task.spec.notice_date,
        task.calendar,
        req.calendar,
        named_day_off=task.policy.named_day_off,
    )
    source = f" ({req.source})" if req.source else ""
    data: dict[str, object] = {"source": req.source}
    if change.readable and change.moved and change.under_new.due != status.deadline.due:
        move = DeadlineMove(
            proposed_at=now, new_deadline=change.under_new, explanation=change.describe()
        )
        status = status.model_copy(update={"pending_deadline_move": move})
        text = (
            f"Lịch làm việc thay đổi{source}. {move.explanation} Thời hạn chưa đổi: chờ "
            "Văn phòng quyết định điều chỉnh hay giữ."
        )
        data["proposed_deadline"] = change.under_new.model_dump(mode="json")
    else:
        text = (
            f"Lịch làm việc thay đổi{source}; thời hạn không đổi, các lần nhắc được tính "
            "lại theo lịch mới."
        )
    event = recorded(task, status, EventKind.CALENDAR_CHANGED, req.actor, text, data)
    return Transition(status=status, follow=follow, events=(event,), calendar=req.calendar)


def _decide_deadline_move(req: rq.DecideDeadlineMove, task: Task, now: datetime) -> Transition:
    status, follow = task.status, task.follow
    move = status.pending_deadline_move
    assert move is not None, "check() refuses a decision with nothing pending"
    if not req.approve:
        new = status.model_copy(update={"pending_deadline_move": None})
        kept = format_moment(status.deadline.due) if status.deadline.due else status.deadline.phrase
        text = _with_note(f"Giữ thời hạn {kept} dù lịch làm việc thay đổi", req.note)
        event = recorded(task, new, EventKind.DEADLINE_KEPT, req.actor, text, {"note": req.note})
        return Transition(status=new, follow=follow, events=(event,))
    moved = move.new_deadline
    update: dict[str, object] = {"deadline": moved, "pending_deadline_move": None}
    if moved.due is not None and moved.due > now:
        update["escalation_step"] = 0
    new = status.model_copy(update=update)
    when = format_moment(moved.due) if moved.due else moved.phrase
    text = _with_note(f"Điều chỉnh thời hạn theo lịch làm việc mới: đến {when}", req.note)
    data = {"deadline": moved.model_dump(mode="json"), "note": req.note}
    event = recorded(task, new, EventKind.DEADLINE_MOVED, req.actor, text, data, note=req.note)
    return Transition(
        status=new, follow=follow.model_copy(update={"deadline_set_at": now}), events=(event,)
    )


def _reassign(req: rq.Reassign, task: Task, now: datetime) -> Transition:
    """The new owner starts afresh: assigned, its own nudge, nothing pending."""
    old = task.status.owner
    new = task.status.model_copy(
        update={
            "owner": req.owner,
            "state": TaskState.ASSIGNED,
            "acknowledged_at": None,
            "pending_extension": None,
            "reassignment_proposed": None,
            "official": None,  # the former owner's official answers for it no more
        }
    )
    follow = task.follow.model_copy(update={"deadline_set_at": now, "owner_since": now})
    text = f"Giao lại nhiệm vụ từ {old} sang {req.owner}: {req.note}"
    data = {"from": old, "to": req.owner, "note": req.note}
    event = recorded(
        task, new, EventKind.REASSIGNED, req.actor, text, data, note=req.note, former_owner=old
    )
    return Transition(status=new, follow=follow, events=(event,))
