"""The pure rule of the follow-up ladder: what to send next, and when.

The workflow asks ``next_occurrence`` "given this policy, this task and what was already
sent, what is due next?", waits until then or until something changes, and asks again.
``plan`` lists the next steps for the pages and the dry run.
"""

from __future__ import annotations

import calendar as _monthcal
from datetime import date, datetime, timedelta

from dondoc.domain.calendar import WorkingCalendar
from dondoc.domain.notify import recipients
from dondoc.domain.policy import (
    Anchor,
    Condition,
    FollowUpState,
    Occurrence,
    Offset,
    Policy,
    Step,
)
from dondoc.domain.task import TaskSpec, TaskStatus


def _send_moment(
    policy: Policy, step: Step, cal: WorkingCalendar, anchor: datetime, offset: Offset
) -> datetime:
    """The moment a step anchored at ``anchor`` goes out, on a working day at the send hour."""
    if offset.is_clock:
        raw = anchor + timedelta(**{offset.unit: offset.amount})
        return cal.next_working_moment(raw) if policy.working_hours_only else raw
    hour = step.hour or policy.send_at
    local_anchor = anchor.astimezone(cal.zone())
    if offset.unit == "working_days":
        day = cal.add_working_days(local_anchor.date(), offset.amount)
    else:
        day = local_anchor.date() + timedelta(days=offset.amount)
    day = cal.next_working_day(day)
    moment = cal.at(day, hour)
    if offset.amount >= 0 and moment < anchor:
        # "At the deadline" means the first send hour after it has passed, not that morning.
        moment = cal.at(cal.next_working_day(day, include_today=False), hour)
    return moment


def _add(offset: Offset, times: int) -> Offset:
    return Offset(amount=offset.amount * times, unit=offset.unit)


def _period_ends(spec: TaskSpec, status: TaskStatus, until: datetime) -> list[date]:
    """Month ends on which an ongoing task's periodic report falls, from a year before
    ``until`` to a year after it.

    Monthly reports fall at every month end, quarterly ones at calendar quarter ends; the
    first is at least 20 days after the notice so an agency is not asked at once. The
    window moves with ``until`` so that a task running for many years keeps its periods
    (a count from the first period would run out).
    """
    every = status.deadline.report_every_months or 1
    aligned_to_year = 12 % every == 0
    start = max(spec.notice_date + timedelta(days=20), status.assigned_at.date())
    start = max(start, until.date() - timedelta(days=400))
    horizon = until.date() + timedelta(days=400)
    ends: list[date] = []
    year, month = start.year, start.month
    while True:
        last = date(year, month, _monthcal.monthrange(year, month)[1])
        if last > horizon:
            break
        if last >= start and (month % every == 0 or not aligned_to_year):
            ends.append(last)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return ends


def _anchors(
    step: Step,
    spec: TaskSpec,
    status: TaskStatus,
    follow: FollowUpState,
    cal: WorkingCalendar,
    now: datetime,
) -> list[tuple[datetime, datetime]]:
    """(anchor instant, not-before instant) pairs this step counts from."""
    if step.anchor == Anchor.ASSIGNED:
        since = follow.owner_since or status.assigned_at
        return [(since, since)]
    if step.anchor == Anchor.DEADLINE:
        if status.deadline.due is None:
            return []
        return [(status.deadline.due, follow.deadline_set_at or status.assigned_at)]
    if step.anchor == Anchor.REPORTED:
        return [] if status.reported_at is None else [(status.reported_at, status.reported_at)]
    if status.deadline.due is not None:
        return []
    ends = _period_ends(spec, status, now)
    return [(cal.end_of_day(cal.next_working_day(d)), status.assigned_at) for d in ends]


def _occurrence_at(
    policy: Policy, step: Step, cal: WorkingCalendar, anchor: datetime, k: int
) -> datetime:
    offset = step.offset
    if k and step.repeat_every is not None:
        if step.repeat_every.unit == offset.unit:
            offset = Offset(amount=offset.amount + step.repeat_every.amount * k, unit=offset.unit)
        else:
            base = _send_moment(policy, step, cal, anchor, offset)
            return _send_moment(policy, step, cal, base, _add(step.repeat_every, k))
    return _send_moment(policy, step, cal, anchor, offset)


def _condition_holds(
    step: Step, status: TaskStatus, follow: FollowUpState, anchor: datetime
) -> bool:
    if step.condition == Condition.NO_REPORT_THIS_PERIOD:
        every = status.deadline.report_every_months or 1
        period_start = anchor - timedelta(days=31 * every)
        last = follow.last_progress_at
        return last is None or last < period_start
    return True


def _stale(step: Step, at: datetime, not_before: datetime) -> bool:
    """A reminder due before its anchor was set never applied (a deadline granted today
    needs no "five days before" mail). A step due at or after its anchor still applies
    late: a task issued already past its deadline is escalated at once.
    """
    return at < not_before and step.offset.amount < 0


def _next_for_step(
    policy: Policy,
    step: Step,
    spec: TaskSpec,
    status: TaskStatus,
    follow: FollowUpState,
    cal: WorkingCalendar,
    now: datetime,
) -> Occurrence | None:
    for anchor, not_before in _anchors(step, spec, status, follow, cal, now):
        if step.offset.amount < 0 and now >= anchor:
            continue  # "five days before the deadline" means nothing once it has passed
        key = f"{step.name}@{anchor.isoformat()}"
        last = follow.fired.get(key)
        if step.repeat_every is None:
            if last is not None:
                continue
            at = _occurrence_at(policy, step, cal, anchor, 0)
            if _stale(step, at, not_before) or not _condition_holds(step, status, follow, anchor):
                continue
            return _occurrence(step, spec, status, key, at)
        chosen: datetime | None = None
        for k in range(0, 2000):
            at = _occurrence_at(policy, step, cal, anchor, k)
            if _stale(step, at, not_before) or (last is not None and at <= last):
                continue
            if chosen is not None and at > now:
                break
            chosen = at
            if at > now:
                break
        if chosen is not None:
            return _occurrence(step, spec, status, key, chosen)
    return None


def _occurrence(
    step: Step, spec: TaskSpec, status: TaskStatus, key: str, at: datetime
) -> Occurrence:
    return Occurrence(
        step=step.name,
        mail=step.mail,
        at=at,
        key=key,
        to=recipients(step.to, spec, status),
        cc=recipients(step.cc, spec, status),
        escalation_step=step.escalation_step,
    )


def next_occurrence(
    policy: Policy,
    spec: TaskSpec,
    status: TaskStatus,
    follow: FollowUpState,
    cal: WorkingCalendar,
    now: datetime,
) -> Occurrence | None:
    """The earliest step due for this task as it stands, or None when nothing applies.

    Steps are considered only in the states they name, so a step that no longer applies
    (the task was acknowledged, completed, its deadline moved) is never sent. An occurrence
    that fell before its anchor was set (a reminder for a deadline granted yesterday) is
    skipped; one missed while the worker was down is returned with its past time and goes
    out at once, on a working moment.
    """
    best: tuple[datetime, int, Occurrence] | None = None
    for order, step in enumerate(policy.steps):
        if status.state not in step.states:
            continue
        occ = _next_for_step(policy, step, spec, status, follow, cal, now)
        if occ is not None and (best is None or (occ.at, order) < best[:2]):
            best = (occ.at, order, occ)
    return None if best is None else best[2]


def fire(follow: FollowUpState, occ: Occurrence) -> FollowUpState:
    """The follow-up state after ``occ`` was sent."""
    return follow.model_copy(update={"fired": {**follow.fired, occ.key: occ.at}})


def plan(
    policy: Policy,
    spec: TaskSpec,
    status: TaskStatus,
    follow: FollowUpState,
    cal: WorkingCalendar,
    now: datetime,
    limit: int = 6,
) -> list[Occurrence]:
    """The next ``limit`` steps if nobody acts: what the task page and the dry run show."""
    steps: list[Occurrence] = []
    current = follow
    for _ in range(limit):
        occ = next_occurrence(
            policy, spec, status, current, cal, max(now, steps[-1].at) if steps else now
        )
        if occ is None:
            break
        steps.append(occ)
        current = fire(current, occ)
    return steps


def send_moment_after(cal: WorkingCalendar, policy: Policy, at: datetime) -> datetime:
    """When a late occurrence actually goes out: now if that is a working moment."""
    return cal.next_working_moment(at) if policy.working_hours_only else at
