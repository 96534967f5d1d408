"""The escalation policy as data, and the pure rule that says what to send next and when.

A policy is copied into each task's workflow input when the task starts (Grafana OnCall's
escalation snapshot), so editing the policy file never changes a running task. The workflow
asks ``next_occurrence`` "given this policy, this task and what was already sent, what is
due next?", waits until then or until something changes, and asks again.
"""

from __future__ import annotations

import calendar as _monthcal
import re
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from dondoc.domain.calendar import WorkingCalendar
from dondoc.domain.deadlines import NamedDayOff
from dondoc.domain.directory import OFFICE_CODE
from dondoc.domain.mail import MailKind
from dondoc.domain.task import TaskSpec, TaskState, TaskStatus


class Role(StrEnum):
    OWNER = "owner"
    COORDINATORS = "coordinators"
    OFFICE = "office"
    LEADER = "leader"


class Anchor(StrEnum):
    ASSIGNED = "assigned"
    DEADLINE = "deadline"
    REPORTED = "reported"
    PERIOD_END = "period_end"


class Condition(StrEnum):
    ALWAYS = "always"
    NO_REPORT_THIS_PERIOD = "no_report_this_period"


_OFFSET = re.compile(r"^\s*([+-]?\d+)\s*(working_days?|days?|hours?|minutes?)?\s*$")


class Offset(BaseModel):
    """A signed distance from an anchor: working days, days, hours or minutes."""

    model_config = ConfigDict(frozen=True)

    amount: int = 0
    unit: Literal["working_days", "days", "hours", "minutes"] = "working_days"

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if isinstance(value, int):
            return {"amount": value, "unit": "working_days"}
        if isinstance(value, str):
            match = _OFFSET.match(value)
            if not match:
                raise ValueError(
                    f"khoảng thời gian «{value}» không hợp lệ (ví dụ: -5 working_days, 2 hours)"
                )
            unit = match.group(2) or "working_days"
            return {
                "amount": int(match.group(1)),
                "unit": unit if unit.endswith("s") else unit + "s",
            }
        return value

    @property
    def is_clock(self) -> bool:
        return self.unit in ("hours", "minutes")

    def __str__(self) -> str:
        return f"{self.amount:+d} {self.unit}"


class Step(BaseModel):
    """One rung of the ladder: what mail, to whom, when relative to what, in which states."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    mail: MailKind
    anchor: Anchor
    offset: Offset = Offset()
    to: tuple[Role, ...]
    cc: tuple[Role, ...] = ()
    states: tuple[TaskState, ...] = (TaskState.ASSIGNED, TaskState.ACKNOWLEDGED)
    repeat_every: Offset | None = None
    hour: time | None = None
    escalation_step: int | None = None
    condition: Condition = Condition.ALWAYS

    @field_validator("repeat_every")
    @classmethod
    def _positive(cls, value: Offset | None) -> Offset | None:
        if value is not None and value.amount <= 0:
            raise ValueError("chu kỳ lặp phải lớn hơn 0")
        return value


class Policy(BaseModel):
    """A named follow-up policy, frozen into the task when it starts."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    description: str = ""
    send_at: time = time(8, 0)
    working_hours_only: bool = True
    confirm_completion: bool = True
    # A date the notice names that falls on a day off: due on the last working day before
    # it (the default), or on the named day itself ("keep"). Never after it.
    named_day_off: NamedDayOff = NamedDayOff.PREVIOUS_WORKING_DAY
    steps: tuple[Step, ...]

    @model_validator(mode="after")
    def _unique_steps(self) -> Policy:
        names = [s.name for s in self.steps]
        if len(names) != len(set(names)):
            raise ValueError("tên các bước trong một chính sách phải khác nhau")
        return self


class PolicyBook(BaseModel):
    """The deployment's policy file: ``policies: {name: {...}}``."""

    model_config = ConfigDict(extra="forbid")

    policies: dict[str, Policy]

    @model_validator(mode="before")
    @classmethod
    def _names_from_keys(cls, value: Any) -> Any:
        if isinstance(value, dict) and isinstance(value.get("policies"), dict):
            value = {
                **value,
                "policies": {
                    name: {"name": name, **(body or {})} for name, body in value["policies"].items()
                },
            }
        return value


class Occurrence(BaseModel):
    """A step due at a moment: what ``next_occurrence`` answers and the plan lists."""

    model_config = ConfigDict(frozen=True)

    step: str
    mail: MailKind
    at: datetime
    key: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    escalation_step: int | None = None


class FollowUpState(BaseModel):
    """What the ladder has done so far: the last moment each (step, anchor) fired."""

    fired: dict[str, datetime] = {}
    deadline_set_at: datetime | None = None
    last_progress_at: datetime | None = None
    # When the current owner was given the task, if it was reassigned; steps anchored at
    # the assignment (the nudge) count from here, so the new owner gets its own nudge.
    owner_since: datetime | None = None


def recipients(roles: tuple[Role, ...], spec: TaskSpec, status: TaskStatus) -> tuple[str, ...]:
    codes: list[str] = []
    for role in roles:
        if role == Role.OWNER:
            codes.append(status.owner)
        elif role == Role.COORDINATORS:
            codes.extend(c for c in spec.coordinators if c != status.owner)
        elif role == Role.OFFICE:
            codes.append(OFFICE_CODE)
        elif role == Role.LEADER:
            codes.append(spec.leader)
    return tuple(dict.fromkeys(codes))


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
