"""TaskWorkflow: one assigned task, from the assignment mail to its close.

The workflow only waits and decides; every rule is a pure function of ``domain/`` and every
side effect an activity. Update handlers change the state at once and queue what must be
recorded and mailed; the main loop drains that queue in order, so an agency's click is
answered in milliseconds even while the database or the mail relay is slow, and nothing
queued is lost because it lives in the workflow's own state.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from dondoc.domain import requests as rq
    from dondoc.domain.calendar import WorkingCalendar
    from dondoc.domain.deadlines import DeadlineError, resolve_deadline
    from dondoc.domain.events import EventKind, TaskEvent, event_id
    from dondoc.domain.formatting import LOCAL_TZ
    from dondoc.domain.mail import MailKind, MailOrder, MailOutcome
    from dondoc.domain.policy import (
        FollowUpState,
        Occurrence,
        Policy,
        Role,
        fire,
        next_occurrence,
        plan,
        recipients,
        send_moment_after,
    )
    from dondoc.domain.task import (
        AGENCY_ACTIONS,
        OPEN_STATES,
        Action,
        ExtensionRequest,
        StatusClass,
        TaskSpec,
        TaskState,
        TaskStatus,
        allowed_actions,
        refusal,
    )
    from dondoc.domain.view import PlannedStep, TaskView

RETRY_FOREVER = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=5),
)
# A closed task stays reachable this long for a reopen, then its workflow ends.
REOPEN_WINDOW = timedelta(days=365)
# Continue-as-new well before Temporal's limits; ongoing tasks live for years.
HISTORY_LIMIT = 2000

# Registered on the dev server by ``dondoc dev`` (see dondoc.client.SEARCH_ATTRIBUTES).
SA_OWNER = SearchAttributeKey.for_keyword("DondocOwner")
SA_LEADER = SearchAttributeKey.for_keyword("DondocLeader")
SA_NOTICE = SearchAttributeKey.for_keyword("DondocNotice")
SA_STATE = SearchAttributeKey.for_keyword("DondocState")
SA_STATUS_CLASS = SearchAttributeKey.for_keyword("DondocStatusClass")
SA_DEADLINE = SearchAttributeKey.for_datetime("DondocDeadline")

OCCURRENCE_EVENTS: dict[MailKind, EventKind] = {
    MailKind.NOT_ACKNOWLEDGED: EventKind.NUDGED,
    MailKind.REMINDER: EventKind.REMINDED,
    MailKind.OVERDUE: EventKind.OVERDUE,
    MailKind.OVERDUE_REMINDER: EventKind.OVERDUE,
    MailKind.ESCALATION_OFFICE: EventKind.ESCALATED,
    MailKind.ESCALATION_LEADER: EventKind.ESCALATED,
    MailKind.CONFIRMATION_REMINDER: EventKind.REMINDED,
    MailKind.REPORT_DUE: EventKind.REPORT_DUE,
    MailKind.REPORT_MISSED: EventKind.ESCALATED,
}


class Carried(BaseModel):
    """What survives continue-as-new: the live state and what the ladder already did."""

    status: TaskStatus
    follow: FollowUpState
    seen_requests: list[str] = []


class TaskInput(BaseModel):
    spec: TaskSpec
    policy: Policy
    calendar: WorkingCalendar
    search_attributes: bool = True
    carried: Carried | None = None


class _Pending(BaseModel):
    event: TaskEvent
    mails: list[MailOrder]


@workflow.defn(name="TaskWorkflow")
class TaskWorkflow:
    @workflow.init
    def __init__(self, inp: TaskInput) -> None:
        self._spec = inp.spec
        self._policy = inp.policy
        self._cal = inp.calendar
        self._use_search_attributes = inp.search_attributes
        now = workflow.now()
        if inp.carried is not None:
            self._status = inp.carried.status
            self._follow = inp.carried.follow
        else:
            self._status = TaskStatus(
                task_id=inp.spec.id,
                owner=inp.spec.owner,
                deadline=inp.spec.deadline,
                original_deadline=inp.spec.deadline,
                assigned_at=now,
            )
            self._follow = FollowUpState(deadline_set_at=now)
        self._queue: list[_Pending] = []
        self._wake = False

    # ------------------------------------------------------------------ main loop

    @workflow.run
    async def run(self, inp: TaskInput) -> TaskStatus:
        if inp.carried is None:
            self._emit(
                EventKind.ASSIGNED,
                "system",
                f"Giao {self._spec.owner} chủ trì: {self._spec.work}",
                mails=[(MailKind.ASSIGNED, (Role.OWNER,), (Role.COORDINATORS,))],
            )
        while True:
            await self._drain()
            if self._status.state == TaskState.CANCELLED:
                return self._status
            if self._status.state == TaskState.COMPLETED:
                closed_at = self._status.completed_at or workflow.now()
                remaining = closed_at + REOPEN_WINDOW - workflow.now()
                if remaining <= timedelta(0):
                    return self._status
                if not await self._sleep(remaining):
                    return self._status
                continue
            if self._should_continue_as_new():
                await workflow.wait_condition(workflow.all_handlers_finished)
                if not self._queue:
                    workflow.continue_as_new(self._carry(inp, await self._current_calendar()))
            occ = next_occurrence(
                self._policy, self._spec, self._status, self._follow, self._cal, workflow.now()
            )
            if occ is None:
                await self._sleep(None)
                continue
            due = max(occ.at, send_moment_after(self._cal, self._policy, workflow.now()))
            if due > workflow.now() and await self._sleep(due - workflow.now()):
                continue  # something changed: plan again
            self._fire(occ)

    async def _sleep(self, duration: timedelta | None) -> bool:
        """Wait for ``duration`` or a change; True if woken by a change."""
        self._wake = False
        try:
            await workflow.wait_condition(lambda: self._wake, timeout=duration)
        except TimeoutError:
            return False
        return True

    async def _drain(self) -> None:
        """Record and mail, in order, everything the handlers and the ladder queued."""
        while self._queue:
            item = self._queue[0]
            await workflow.execute_activity(
                "record_event",
                item.event,
                start_to_close_timeout=timedelta(seconds=60),
                retry_policy=RETRY_FOREVER,
            )
            for order in item.mails:
                outcomes = await workflow.execute_activity(
                    "send_mail",
                    order,
                    start_to_close_timeout=timedelta(minutes=3),
                    retry_policy=RETRY_FOREVER,
                    result_type=list[MailOutcome],
                )
                self._record_bounces(order, outcomes)
            self._queue.pop(0)
        self._upsert_search_attributes()

    def _record_bounces(self, order: MailOrder, outcomes: list[MailOutcome]) -> None:
        """A refused address never blocks the task: it is recorded, and the office is told."""
        for outcome in outcomes:
            if outcome.status not in ("bounced", "no_address"):
                continue
            tell_office = order.kind != MailKind.BOUNCE
            self._emit(
                EventKind.MAIL_BOUNCED,
                "system",
                f"Thư «{order.kind.value}» không gửi được đến {outcome.recipient}: {outcome.detail}",
                data={"mail": order.kind.value, "recipient": outcome.recipient, "detail": outcome.detail},
                mails=[(MailKind.BOUNCE, (Role.OFFICE,), ())] if tell_office else (),
                note=f"{outcome.recipient}: {outcome.detail}",
            )

    def _fire(self, occ: Occurrence) -> None:
        self._follow = fire(self._follow, occ)
        if occ.escalation_step and occ.escalation_step > self._status.escalation_step:
            self._status = self._status.model_copy(update={"escalation_step": occ.escalation_step})
        kind = OCCURRENCE_EVENTS.get(occ.mail, EventKind.REMINDED)
        self._emit(
            kind,
            "system",
            f"Gửi thư «{occ.mail.value}» (bước {occ.step})",
            data={"step": occ.step, "scheduled": occ.at.isoformat()},
            orders=[self._order(occ.mail, occ.to, occ.cc)],
        )

    # ------------------------------------------------------------------ events and mail

    def _order(
        self, kind: MailKind, to: tuple[str, ...], cc: tuple[str, ...], note: str = ""
    ) -> MailOrder:
        return MailOrder(
            event_id=event_id(self._spec.id, self._status.event_seq),
            kind=kind,
            to=to,
            cc=tuple(c for c in cc if c not in to),
            spec=self._spec,
            status=self._status,
            note=note,
        )

    def _emit(
        self,
        kind: EventKind,
        actor: str,
        summary: str,
        *,
        data: dict[str, Any] | None = None,
        mails: Sequence[tuple[MailKind, tuple[Role, ...], tuple[Role, ...]]] = (),
        orders: Sequence[MailOrder] = (),
        note: str = "",
    ) -> None:
        """Queue an event (with the status as it now stands) and the mail it causes."""
        self._status = self._status.model_copy(update={"event_seq": self._status.event_seq + 1})
        seq = self._status.event_seq
        built = [
            self._order(
                m,
                recipients(to, self._spec, self._status),
                recipients(cc, self._spec, self._status),
                note,
            )
            for m, to, cc in mails
        ]
        built += [
            o.model_copy(update={"status": self._status, "event_id": event_id(self._spec.id, seq)})
            for o in orders
        ]
        event = TaskEvent(
            id=event_id(self._spec.id, seq),
            task_id=self._spec.id,
            seq=seq,
            at=workflow.now(),
            kind=kind,
            actor=actor,
            summary=summary,
            data={
                **(data or {}),
                "mails": [
                    {"kind": o.kind.value, "to": list(o.to), "cc": list(o.cc)} for o in built
                ],
            },
            status=self._status,
            spec=self._spec,
        )
        self._queue.append(_Pending(event=event, mails=built))
        self._wake = True

    def _upsert_search_attributes(self) -> None:
        if not self._use_search_attributes:
            return
        deadline = self._status.deadline.due
        workflow.upsert_search_attributes(
            [
                SA_OWNER.value_set(self._status.owner),
                SA_LEADER.value_set(self._spec.leader),
                SA_NOTICE.value_set(self._spec.notice_number),
                SA_STATE.value_set(self._status.state.value),
                SA_STATUS_CLASS.value_set(self._status.status_class(workflow.now()).value),
                SA_DEADLINE.value_set(deadline) if deadline else SA_DEADLINE.value_unset(),
            ]
        )

    def _should_continue_as_new(self) -> bool:
        info = workflow.info()
        return (
            info.is_continue_as_new_suggested() or info.get_current_history_length() > HISTORY_LIMIT
        )

    async def _current_calendar(self) -> WorkingCalendar:
        """A task that outlives its frozen calendar's years picks up the deployment's current one."""
        return await workflow.execute_activity(
            "working_calendar",
            workflow.now().astimezone(LOCAL_TZ).date(),
            start_to_close_timeout=timedelta(seconds=60),
            retry_policy=RETRY_FOREVER,
            result_type=WorkingCalendar,
        )

    def _carry(self, inp: TaskInput, calendar: WorkingCalendar) -> TaskInput:
        carried = Carried(status=self._status, follow=self._follow)
        return inp.model_copy(update={"carried": carried, "calendar": calendar})

    # ------------------------------------------------------------------ validation helpers

    def _check(self, action: Action, actor: str) -> None:
        """Refuse before the Update enters history: wrong state, or not this agency's task."""
        agency = rq.agency_of(actor)
        if agency is not None and agency != self._status.owner:
            raise ApplicationError(
                "Đơn vị của anh/chị không phải là đơn vị chủ trì nhiệm vụ này.",
                type="Refused",
                non_retryable=True,
            )
        if agency is not None and action not in AGENCY_ACTIONS:
            raise ApplicationError(
                "Thao tác này chỉ Văn phòng UBND tỉnh được thực hiện.",
                type="Refused",
                non_retryable=True,
            )
        reason = refusal(action, self._status)
        if reason is not None:
            raise ApplicationError(reason, type="Refused", non_retryable=True)

    def _set(self, **changes: object) -> None:
        self._status = self._status.model_copy(update=changes)

    # ------------------------------------------------------------------ agency actions

    @workflow.update
    def acknowledge(self, req: rq.Acknowledge) -> TaskView:
        self._check(Action.ACKNOWLEDGE, req.actor)
        self._set(state=TaskState.ACKNOWLEDGED, acknowledged_at=workflow.now())
        self._emit(
            EventKind.ACKNOWLEDGED, req.actor, "Đơn vị chủ trì đã tiếp nhận nhiệm vụ", note=req.note
        )
        return self.view()

    @acknowledge.validator
    def _validate_acknowledge(self, req: rq.Acknowledge) -> None:
        self._check(Action.ACKNOWLEDGE, req.actor)

    @workflow.update
    def complete(self, req: rq.Complete) -> TaskView:
        self._check(Action.COMPLETE, req.actor)
        now = workflow.now()
        first_ack = self._status.acknowledged_at or now
        data = {"report": req.report.model_dump()}
        if self._policy.confirm_completion:
            self._set(
                state=TaskState.AWAITING_CONFIRMATION,
                reported_at=now,
                report=req.report,
                acknowledged_at=first_ack,
            )
            self._emit(
                EventKind.COMPLETION_REPORTED,
                req.actor,
                f"Báo cáo hoàn thành: {req.report.summary}",
                data=data,
                mails=[(MailKind.AWAITING_CONFIRMATION, (Role.OFFICE,), ())],
            )
        else:
            self._set(
                state=TaskState.COMPLETED,
                reported_at=now,
                completed_at=now,
                report=req.report,
                acknowledged_at=first_ack,
                pending_extension=None,
            )
            self._emit(
                EventKind.COMPLETED,
                req.actor,
                f"Hoàn thành: {req.report.summary}",
                data=data,
                mails=[(MailKind.COMPLETED, (Role.OFFICE,), (Role.OWNER,))],
            )
        return self.view()

    @complete.validator
    def _validate_complete(self, req: rq.Complete) -> None:
        self._check(Action.COMPLETE, req.actor)

    @workflow.update
    def report_progress(self, req: rq.ReportProgress) -> TaskView:
        self._check(Action.REPORT_PROGRESS, req.actor)
        self._follow = self._follow.model_copy(update={"last_progress_at": workflow.now()})
        self._emit(
            EventKind.PROGRESS_REPORTED,
            req.actor,
            f"Báo cáo tiến độ: {req.note}",
            data={"note": req.note},
            mails=[(MailKind.PROGRESS_REPORTED, (Role.OFFICE,), ())],
            note=req.note,
        )
        return self.view()

    @report_progress.validator
    def _validate_report_progress(self, req: rq.ReportProgress) -> None:
        self._check(Action.REPORT_PROGRESS, req.actor)

    def _resolve_new_deadline(self, text: str):  # type: ignore[no-untyped-def]
        try:
            deadline = resolve_deadline(text, self._spec.notice_date, self._cal)
        except DeadlineError as err:
            raise ApplicationError(str(err), type="Refused", non_retryable=True) from None
        current = self._status.deadline.due
        if deadline.due is None or (current is not None and deadline.due <= current):
            raise ApplicationError(
                "Thời hạn đề nghị phải sau thời hạn hiện tại.", type="Refused", non_retryable=True
            )
        return deadline

    def _check_extension_request(self, req: rq.RequestExtension) -> None:
        self._check(Action.REQUEST_EXTENSION, req.actor)
        due = self._status.deadline.due
        if due is not None and workflow.now() >= due:
            raise ApplicationError(
                "Chỉ được đề nghị gia hạn trước khi hết thời hạn; nhiệm vụ đã quá hạn.",
                type="Refused",
                non_retryable=True,
            )
        self._resolve_new_deadline(req.new_deadline)

    @workflow.update
    def request_extension(self, req: rq.RequestExtension) -> TaskView:
        self._check_extension_request(req)
        new = self._resolve_new_deadline(req.new_deadline)
        self._set(
            pending_extension=ExtensionRequest(
                requested_at=workflow.now(),
                new_deadline=new,
                reason=req.reason,
                requested_by=req.actor,
            )
        )
        self._emit(
            EventKind.EXTENSION_REQUESTED,
            req.actor,
            f"Đề nghị gia hạn đến {new.due:%d/%m/%Y}: {req.reason}",
            data={"new_deadline": new.model_dump(mode="json"), "reason": req.reason},
            mails=[(MailKind.EXTENSION_REQUESTED, (Role.OFFICE,), ())],
            note=req.reason,
        )
        return self.view()

    @request_extension.validator
    def _validate_request_extension(self, req: rq.RequestExtension) -> None:
        self._check_extension_request(req)

    @workflow.update
    def propose_reassignment(self, req: rq.ProposeReassignment) -> TaskView:
        self._check(Action.PROPOSE_REASSIGNMENT, req.actor)
        self._set(reassignment_proposed=req.reason)
        self._emit(
            EventKind.REASSIGNMENT_PROPOSED,
            req.actor,
            f"Đề nghị điều chỉnh đơn vị chủ trì: {req.reason}",
            data={"reason": req.reason},
            mails=[(MailKind.REASSIGNMENT_PROPOSED, (Role.OFFICE,), ())],
            note=req.reason,
        )
        return self.view()

    @propose_reassignment.validator
    def _validate_propose_reassignment(self, req: rq.ProposeReassignment) -> None:
        self._check(Action.PROPOSE_REASSIGNMENT, req.actor)

    # ------------------------------------------------------------------ office actions

    @workflow.update
    def decide_extension(self, req: rq.DecideExtension) -> TaskView:
        self._check(Action.DECIDE_EXTENSION, req.actor)
        pending = self._status.pending_extension
        assert pending is not None
        if req.approve:
            self._set(deadline=pending.new_deadline, pending_extension=None, escalation_step=0)
            self._follow = self._follow.model_copy(update={"deadline_set_at": workflow.now()})
            self._emit(
                EventKind.EXTENSION_APPROVED,
                req.actor,
                f"Đồng ý gia hạn đến {pending.new_deadline.due:%d/%m/%Y}"
                + (f": {req.note}" if req.note else ""),
                data={"deadline": pending.new_deadline.model_dump(mode="json"), "note": req.note},
                mails=[(MailKind.EXTENSION_APPROVED, (Role.OWNER,), (Role.COORDINATORS,))],
                note=req.note,
            )
        else:
            self._set(pending_extension=None)
            self._emit(
                EventKind.EXTENSION_REFUSED,
                req.actor,
                "Không đồng ý gia hạn" + (f": {req.note}" if req.note else ""),
                data={"note": req.note},
                mails=[(MailKind.EXTENSION_REFUSED, (Role.OWNER,), ())],
                note=req.note,
            )
        return self.view()

    @decide_extension.validator
    def _validate_decide_extension(self, req: rq.DecideExtension) -> None:
        self._check(Action.DECIDE_EXTENSION, req.actor)

    def _check_reassign(self, req: rq.Reassign) -> None:
        self._check(Action.REASSIGN, req.actor)
        if req.owner == self._status.owner:
            raise ApplicationError(
                f"{req.owner} đang là đơn vị chủ trì nhiệm vụ này.",
                type="Refused",
                non_retryable=True,
            )

    @workflow.update
    def reassign(self, req: rq.Reassign) -> TaskView:
        self._check_reassign(req)
        old = self._status.owner
        self._set(
            owner=req.owner,
            state=TaskState.ASSIGNED,
            acknowledged_at=None,
            pending_extension=None,
            reassignment_proposed=None,
        )
        now = workflow.now()
        self._follow = self._follow.model_copy(update={"deadline_set_at": now, "owner_since": now})
        coordinators = recipients((Role.COORDINATORS,), self._spec, self._status)
        self._emit(
            EventKind.REASSIGNED,
            req.actor,
            f"Giao lại nhiệm vụ từ {old} sang {req.owner}: {req.note}",
            data={"from": old, "to": req.owner, "note": req.note},
            orders=[
                self._order(MailKind.REASSIGNED_AWAY, (old,), (), req.note),
                self._order(MailKind.REASSIGNED, (req.owner,), coordinators, req.note),
            ],
        )
        return self.view()

    @reassign.validator
    def _validate_reassign(self, req: rq.Reassign) -> None:
        self._check_reassign(req)

    @workflow.update
    def confirm(self, req: rq.Confirm) -> TaskView:
        self._check(Action.CONFIRM, req.actor)
        self._set(state=TaskState.COMPLETED, completed_at=workflow.now(), pending_extension=None)
        on_time = self._status.status_class(workflow.now()) == StatusClass.DONE_ON_TIME
        self._emit(
            EventKind.CONFIRMED,
            req.actor,
            "Xác nhận hoàn thành "
            + ("đúng hạn" if on_time else "quá hạn")
            + (f": {req.note}" if req.note else ""),
            data={"note": req.note, "on_time": on_time},
            mails=[(MailKind.COMPLETED, (Role.OWNER,), ())],
            note=req.note,
        )
        return self.view()

    @confirm.validator
    def _validate_confirm(self, req: rq.Confirm) -> None:
        self._check(Action.CONFIRM, req.actor)

    @workflow.update
    def return_report(self, req: rq.ReturnReport) -> TaskView:
        self._check(Action.RETURN_REPORT, req.actor)
        self._set(state=TaskState.ACKNOWLEDGED, reported_at=None, report=None)
        self._emit(
            EventKind.REPORT_RETURNED,
            req.actor,
            f"Trả lại báo cáo hoàn thành: {req.reason}",
            data={"reason": req.reason},
            mails=[(MailKind.REPORT_RETURNED, (Role.OWNER,), ())],
            note=req.reason,
        )
        return self.view()

    @return_report.validator
    def _validate_return_report(self, req: rq.ReturnReport) -> None:
        self._check(Action.RETURN_REPORT, req.actor)

    @workflow.update
    def cancel(self, req: rq.Cancel) -> TaskView:
        self._check(Action.CANCEL, req.actor)
        self._set(state=TaskState.CANCELLED, cancelled_at=workflow.now(), pending_extension=None)
        self._emit(
            EventKind.CANCELLED,
            req.actor,
            f"Hủy nhiệm vụ: {req.reason}",
            data={"reason": req.reason},
            mails=[(MailKind.CANCELLED, (Role.OWNER,), (Role.COORDINATORS,))],
            note=req.reason,
        )
        return self.view()

    @cancel.validator
    def _validate_cancel(self, req: rq.Cancel) -> None:
        self._check(Action.CANCEL, req.actor)

    @workflow.update
    def reopen(self, req: rq.Reopen) -> TaskView:
        self._check(Action.REOPEN, req.actor)
        self._set(state=TaskState.ACKNOWLEDGED, completed_at=None, reported_at=None, report=None)
        self._emit(
            EventKind.REOPENED,
            req.actor,
            f"Mở lại nhiệm vụ: {req.reason}",
            data={"reason": req.reason},
            mails=[(MailKind.REOPENED, (Role.OWNER,), (Role.OFFICE,))],
            note=req.reason,
        )
        return self.view()

    @reopen.validator
    def _validate_reopen(self, req: rq.Reopen) -> None:
        self._check(Action.REOPEN, req.actor)

    # ------------------------------------------------------------------ query

    @workflow.query
    def view(self) -> TaskView:
        now = workflow.now()
        upcoming = (
            plan(self._policy, self._spec, self._status, self._follow, self._cal, now)
            if self._status.state in OPEN_STATES
            else []
        )
        return TaskView(
            spec=self._spec,
            status=self._status,
            overdue=self._status.is_overdue(now),
            status_class=self._status.status_class(now),
            allowed=allowed_actions(self._status.state),
            policy=self._policy.name,
            plan=[
                PlannedStep(step=o.step, mail=o.mail, at=o.at, to=list(o.to), cc=list(o.cc))
                for o in upcoming
            ],
        )
