"""TaskWorkflow: one assigned task, from the assignment mail to its close.

The workflow only waits and decides; every rule is a pure function of ``domain/`` (the
ladder in ``domain/ladder.py``, what each action does in ``domain/transitions.py``) and
every side effect an activity. Update handlers check, apply and queue: they change the
state at once and queue what must be recorded and mailed; the main loop drains that queue
in order, so an agency's click is answered in milliseconds even while the database or the
mail relay is slow, and nothing queued is lost because it lives in the workflow's state.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from dondoc.activities.calendar import CalendarActivities
    from dondoc.activities.effects import EffectActivities
    from dondoc.activities.mailing import MailActivities
    from dondoc.activities.recording import RecordingActivities
    from dondoc.domain import transitions
    from dondoc.domain.calendar import WorkingCalendar
    from dondoc.domain.events import EventEffects, TaskEvent, event_id
    from dondoc.domain.formatting import LOCAL_TZ
    from dondoc.domain.ladder import next_occurrence, plan, send_moment_after
    from dondoc.domain.mail import MailKind, MailOrder, MailOutcome
    from dondoc.domain.policy import FollowUpState, Policy
    from dondoc.domain.task import (
        OPEN_STATES,
        Action,
        TaskSpec,
        TaskState,
        TaskStatus,
        allowed_actions,
    )
    from dondoc.domain.view import PlannedStep, TaskView
    from dondoc.workflows import search_attributes as sa
    from dondoc.workflows.task_actions import TaskActions

RETRY_FOREVER = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=5),
)
# Since SHORT_RETRIES: an outage of the relay or the database delays the queued mail by at
# most this much once it ends, instead of up to as long again as the outage lasted (the
# doubling above waits 63 s, then 127 s, ...). At 200 tasks held up, that is about 13 cheap
# attempts a second while everything is down.
RETRY_SOON = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=15),
)
# A closed task stays reachable this long for a reopen, then its workflow ends.
REOPEN_WINDOW = timedelta(days=365)
# Continue-as-new well before Temporal's limits; ongoing tasks live for years.
HISTORY_LIMIT = 2000
# workflow.patched ids, one per change to released workflow code (never reuse or remove).
FAST_RECOVERY = "fast-recovery-2026-12"
DEADLINE_RULES = "deadline-rules-2026-12"
ONE_ACTIVITY_PER_EVENT = "one-activity-per-event-2026-12"
SHORT_RETRIES = "short-retries-2026-12"
CHANGED_SEARCH_ATTRIBUTES = "changed-search-attributes-2026-12"


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


@workflow.defn(name="TaskWorkflow")
class TaskWorkflow(TaskActions):
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
            self._status = TaskStatus.assigned(inp.spec, now)
            self._follow = FollowUpState(deadline_set_at=now)
        self._queue: list[EventEffects] = []
        self._wake = False
        self._rules = (
            transitions.Rules.DEADLINES_2026_12
            if workflow.patched(DEADLINE_RULES)
            else transitions.Rules.FIRST
        )
        if inp.carried is None:
            # Queued here, not in run(): an Update can arrive in the very first workflow
            # task, and its handler runs before run() does; the assignment comes first.
            self._emit(transitions.assigned(self._task()))

    # ------------------------------------------------------------------ main loop

    @workflow.run
    async def run(self, inp: TaskInput) -> TaskStatus:
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
            self._apply(transitions.fired(occ, self._task()))

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
            if workflow.patched(ONE_ACTIVITY_PER_EVENT):
                results = await workflow.execute_activity_method(
                    EffectActivities.record_and_mail,
                    item,
                    retry_policy=(RETRY_SOON if workflow.patched(SHORT_RETRIES) else RETRY_FOREVER),
                    start_to_close_timeout=timedelta(minutes=2),
                    heartbeat_timeout=timedelta(seconds=10),
                )
            else:
                results = await self._record_then_mail(item)
            for order, outcomes in zip(item.mails, results, strict=True):
                self._after_mail(order, outcomes)
            self._queue.pop(0)
        self._upsert_search_attributes()

    async def _record_then_mail(self, item: EventEffects) -> list[list[MailOutcome]]:
        """The first releases' effects: one activity to record, one per mail."""
        record, send = self._effect_timeouts()
        await workflow.execute_activity_method(
            RecordingActivities.record_event, item.event, retry_policy=RETRY_FOREVER, **record
        )
        return [
            await workflow.execute_activity_method(
                MailActivities.send_mail, order, retry_policy=RETRY_FOREVER, **send
            )
            for order in item.mails
        ]

    def _after_mail(self, order: MailOrder, outcomes: list[MailOutcome]) -> None:
        """A bounce is recorded and the office told; the owner's receipt of the assignment
        starts a deadline counted "kể từ ngày nhận được văn bản"."""
        for event in transitions.bounced(order.kind, outcomes, self._task()):
            self._emit(event)
        if order.kind == MailKind.ASSIGNED and any(
            o.recipient == self._status.owner and o.status == "sent" for o in outcomes
        ):
            counted = transitions.delivered(self._task(), workflow.now())
            if counted is not None:
                self._apply(counted)

    def _effect_timeouts(self) -> tuple[dict[str, timedelta], dict[str, timedelta]]:
        """How long an attempt to record, and to mail, may take before another worker
        tries. Since FAST_RECOVERY a worker that dies mid-send is noticed within the
        heartbeat timeout (seconds); tasks started before keep their recorded minutes."""
        if workflow.patched(FAST_RECOVERY):
            return (
                {"start_to_close_timeout": timedelta(seconds=30)},
                {
                    "start_to_close_timeout": timedelta(minutes=2),
                    "heartbeat_timeout": timedelta(seconds=10),
                },
            )
        return (
            {"start_to_close_timeout": timedelta(seconds=60)},
            {"start_to_close_timeout": timedelta(minutes=3)},
        )

    # ------------------------------------------------------------------ state and events

    def _task(self) -> transitions.Task:
        return transitions.Task(
            self._spec, self._status, self._follow, self._policy, self._cal, self._rules
        )

    def _apply(self, change: transitions.Transition) -> None:
        self._status, self._follow = change.status, change.follow
        if change.calendar is not None:
            self._cal = change.calendar
            self._wake = True  # the ladder plans again under the new calendar
        for event in change.events:
            self._emit(event)

    def _emit(self, emitted: transitions.Emitted) -> None:
        """Queue an event (with the status as it now stands) and the mail it sends."""
        self._status = self._status.model_copy(update={"event_seq": self._status.event_seq + 1})
        seq = self._status.event_seq
        eid = event_id(self._spec.id, seq)
        orders = [
            MailOrder(
                event_id=eid,
                kind=m.kind,
                to=m.to,
                cc=tuple(c for c in m.cc if c not in m.to),
                spec=self._spec,
                status=self._status,
                note=m.note,
                resend=emitted.resend,
            )
            for m in emitted.mails
        ]
        mails = [{"kind": o.kind.value, "to": list(o.to), "cc": list(o.cc)} for o in orders]
        event = TaskEvent(
            id=eid,
            task_id=self._spec.id,
            seq=seq,
            at=workflow.now(),
            kind=emitted.kind,
            actor=emitted.actor,
            summary=emitted.summary,
            data={**emitted.data, "mails": mails},
            status=self._status,
            spec=self._spec,
        )
        self._queue.append(EventEffects(event=event, mails=orders))
        self._wake = True

    def _upsert_search_attributes(self) -> None:
        if not self._use_search_attributes:
            return
        updates = sa.updates(self._spec, self._status, workflow.now())
        if workflow.patched(CHANGED_SEARCH_ATTRIBUTES):
            # Most events (a reminder, a mail's outcome, a progress report) change nothing
            # indexed: writing all six again cost a command, a history event and a
            # visibility write each time.
            indexed = workflow.info().typed_search_attributes
            updates = [u for u in updates if indexed.get(u.key) != u.value]
            if not updates:
                return
        workflow.upsert_search_attributes(updates)

    def _should_continue_as_new(self) -> bool:
        info = workflow.info()
        return (
            info.is_continue_as_new_suggested() or info.get_current_history_length() > HISTORY_LIMIT
        )

    async def _current_calendar(self) -> WorkingCalendar:
        """A task that outlives its frozen calendar's years picks up the deployment's current one."""
        return await workflow.execute_activity_method(
            CalendarActivities.working_calendar,
            workflow.now().astimezone(LOCAL_TZ).date(),
            start_to_close_timeout=timedelta(seconds=60),
            retry_policy=RETRY_FOREVER,
        )

    def _carry(self, inp: TaskInput, calendar: WorkingCalendar) -> TaskInput:
        carried = Carried(status=self._status, follow=self._follow)
        return inp.model_copy(update={"carried": carried, "calendar": calendar})

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


UPDATES = {
    Action.ACKNOWLEDGE: TaskWorkflow.acknowledge,
    Action.COMPLETE: TaskWorkflow.complete,
    Action.REPORT_PROGRESS: TaskWorkflow.report_progress,
    Action.REQUEST_EXTENSION: TaskWorkflow.request_extension,
    Action.PROPOSE_REASSIGNMENT: TaskWorkflow.propose_reassignment,
    Action.DECIDE_EXTENSION: TaskWorkflow.decide_extension,
    Action.REASSIGN: TaskWorkflow.reassign,
    Action.CONFIRM: TaskWorkflow.confirm,
    Action.RETURN_REPORT: TaskWorkflow.return_report,
    Action.CANCEL: TaskWorkflow.cancel,
    Action.REOPEN: TaskWorkflow.reopen,
    Action.RESEND: TaskWorkflow.resend,
    Action.NAME_OFFICIAL: TaskWorkflow.name_official,
    Action.REPLACE_CALENDAR: TaskWorkflow.replace_calendar,
    Action.DECIDE_DEADLINE_MOVE: TaskWorkflow.decide_deadline_move,
}
"""Each action's Update, by reference, for the clients that send them."""
