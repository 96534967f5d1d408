"""How a task changes: the new status, the events to record and the mail they send.

Pure, so every rule of a task's life is tested without Temporal. A person's action
changes the task through ``domain/actions.py``; the engine's own events — the assignment,
a ladder step sent, a bounced address — are here. The workflow applies a ``Transition``
and queues its events; the mail each event sends is the policy's routing
(``Policy.notify``), resolved here to directory codes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from dondoc.domain.calendar import WorkingCalendar
from dondoc.domain.deadlines import counted_from_delivery
from dondoc.domain.events import EventKind
from dondoc.domain.formatting import format_deadline
from dondoc.domain.ladder import fire
from dondoc.domain.mail import MailKind, MailOutcome
from dondoc.domain.notify import recipients, routes_for
from dondoc.domain.policy import FollowUpState, Occurrence, Policy
from dondoc.domain.task import TaskSpec, TaskStatus

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
"""The event a ladder step's mail is recorded as."""


@dataclass(frozen=True, slots=True)
class Mail:
    """One mail an event sends, its recipients as directory codes."""

    kind: MailKind
    to: tuple[str, ...]
    cc: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True, slots=True)
class Emitted:
    """An event to record, with the mail it sends."""

    kind: EventKind
    actor: str
    summary: str
    data: dict[str, Any] = field(default_factory=dict)
    mails: tuple[Mail, ...] = ()
    resend: bool = False
    """The mails are copies sent again on request: each a new message, never a thread's
    first."""


class Rules(StrEnum):
    """Which release's rules a task's workflow applies (chosen with ``workflow.patched``,
    so a task keeps the rules it started under until it continues as new)."""

    FIRST = "first"
    """Extensions counted from the notice; a named day off moved past it."""
    DEADLINES_2026_12 = "deadlines-2026-12"
    """Extensions counted from the office's decision; named days by the policy's rule;
    "kể từ ngày nhận được" counted from the assignment mail's delivery."""


@dataclass(frozen=True, slots=True)
class Task:
    """A task as its workflow holds it, and the rules it was given."""

    spec: TaskSpec
    status: TaskStatus
    follow: FollowUpState
    policy: Policy
    calendar: WorkingCalendar
    rules: Rules = Rules.DEADLINES_2026_12


@dataclass(frozen=True, slots=True)
class Transition:
    status: TaskStatus
    follow: FollowUpState
    events: tuple[Emitted, ...]
    calendar: WorkingCalendar | None = None
    """The working calendar the task follows from now on, when the change replaced it."""


def routed(
    task: Task, kind: EventKind, status: TaskStatus, note: str = "", former_owner: str = ""
) -> tuple[Mail, ...]:
    """The mail the policy routes for ``kind``, to the task as it stands after the change."""
    return tuple(
        Mail(
            kind=route.mail,
            to=recipients(route.to, task.spec, status, former_owner),
            cc=recipients(route.cc, task.spec, status, former_owner),
            note=note,
        )
        for route in routes_for(task.policy.notify, kind)
    )


def recorded(
    task: Task,
    status: TaskStatus,
    kind: EventKind,
    actor: str,
    summary: str,
    data: dict[str, Any] | None = None,
    *,
    note: str = "",
    former_owner: str = "",
) -> Emitted:
    mails = routed(task, kind, status, note, former_owner)
    return Emitted(kind=kind, actor=actor, summary=summary, data=data or {}, mails=mails)


# --------------------------------------------------------------------------- the engine's own


def assigned(task: Task) -> Emitted:
    """The first event of every task: the assignment mail to the owner."""
    text = f"Giao {task.spec.owner} chủ trì: {task.spec.work}"
    return recorded(task, task.status, EventKind.ASSIGNED, "system", text)


def delivered(task: Task, at: datetime) -> Transition | None:
    """The assignment mail reached the owner: a deadline counted "kể từ ngày nhận được
    văn bản" now counts from that day (None when it does not wait for it)."""
    if task.rules == Rules.FIRST:
        return None
    deadline = counted_from_delivery(
        task.status.deadline,
        at,
        task.spec.notice_date,
        task.calendar,
        named_day_off=task.policy.named_day_off,
    )
    if deadline is None or deadline.counted_from is None:
        return None
    status = task.status.model_copy(update={"deadline": deadline, "original_deadline": deadline})
    start = deadline.counted_from.describe()
    text = f"Thời hạn «{deadline.phrase}» {start}: đến {format_deadline(deadline)}"
    event = Emitted(
        kind=EventKind.DEADLINE_COUNTED,
        actor="system",
        summary=text,
        data={"deadline": deadline.model_dump(mode="json")},
    )
    return Transition(status=status, follow=task.follow, events=(event,))


def fired(occ: Occurrence, task: Task) -> Transition:
    """A ladder step sent: what it records, and the escalation step it reaches."""
    status = task.status
    if occ.escalation_step and occ.escalation_step > status.escalation_step:
        status = status.model_copy(update={"escalation_step": occ.escalation_step})
    event = Emitted(
        kind=OCCURRENCE_EVENTS.get(occ.mail, EventKind.REMINDED),
        actor="system",
        summary=f"Gửi thư «{occ.mail.value}» (bước {occ.step})",
        data={"step": occ.step, "scheduled": occ.at.isoformat()},
        mails=(Mail(kind=occ.mail, to=occ.to, cc=occ.cc),),
    )
    return Transition(status=status, follow=fire(task.follow, occ), events=(event,))


def bounced(kind: MailKind, outcomes: list[MailOutcome], task: Task) -> tuple[Emitted, ...]:
    """A refused address never blocks the task: it is recorded, and the office is told
    (unless the refused mail was itself that notice to the office)."""
    events = []
    for outcome in outcomes:
        if outcome.status not in ("bounced", "no_address"):
            continue
        detail = f"{outcome.recipient}: {outcome.detail}"
        mails = (
            routed(task, EventKind.MAIL_BOUNCED, task.status, detail)
            if kind != MailKind.BOUNCE
            else ()
        )
        events.append(
            Emitted(
                kind=EventKind.MAIL_BOUNCED,
                actor="system",
                summary=(
                    f"Thư «{kind.value}» không gửi được đến {outcome.recipient}: {outcome.detail}"
                ),
                data={"mail": kind.value, "recipient": outcome.recipient, "detail": outcome.detail},
                mails=mails,
            )
        )
    return tuple(events)
