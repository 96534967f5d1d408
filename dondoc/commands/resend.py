"""Send one of a task's mails again, at the office's request ("we never received it").

A resend is an action on the task's workflow like any other (kept, relayed, applied
once), so the workflow alone writes the task's events: it records who asked and why,
and sends a new copy — a new outbox key and a new Message-ID, never the original's (a
mail client drops a second message with an id it has seen), threaded under the task's
thread like every other mail, rendered from the task as it stands now.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dondoc.commands.actions import Applied, Performed, perform
from dondoc.commands.temporal import ClientSource
from dondoc.domain import requests as rq
from dondoc.domain.events import event_id
from dondoc.domain.mail import MailKind
from dondoc.domain.task import Action
from dondoc.settings import Settings
from dondoc.store.db import in_session
from dondoc.store.directory import display_name
from dondoc.store.outbox import OutboxStatus, copies_of
from dondoc.store.tables import EventRow, OutboxRow, TaskRow

DELIVERY_WAIT = 5.0
"""Seconds the office waits to hear whether the copies went out."""


class ResendError(ValueError):
    """Nothing to resend, or the chosen mail is not this task's."""


@dataclass(frozen=True, slots=True)
class MailChoice:
    """One mail of the task that can be sent again: an event's mail of one kind."""

    event_id: str
    kind: str
    recipients: list[str]
    created_at: datetime
    status: str

    @property
    def value(self) -> str:
        return f"{self.event_id}|{self.kind}"


@dataclass(frozen=True, slots=True)
class Resent:
    performed: Performed
    kind: MailKind
    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)


def resendable(session: Session, task_id: str, limit: int = 30) -> list[MailChoice]:
    """The task's mails, newest first, one choice per (event, kind)."""
    rows = session.scalars(
        select(OutboxRow)
        .where(OutboxRow.task_id == task_id, OutboxRow.kind != MailKind.BOUNCE.value)
        .order_by(OutboxRow.created_at.desc())
    )
    choices: dict[tuple[str, str], MailChoice] = {}
    for row in rows:
        key = (row.event_id, row.kind)
        if key in choices:
            choices[key].recipients.append(row.recipient)
            continue
        if len(choices) >= limit:
            break
        choices[key] = MailChoice(
            row.event_id, row.kind, [row.recipient], row.created_at, row.status
        )
    return list(choices.values())


def _request(
    session: Session, task_id: str, actor: str, reason: str, choice: str | None
) -> rq.Resend:
    """The resend of the chosen mail (``event_id|kind``; the newest if None), with the
    recipients and note of the original as its event recorded them."""
    if session.get(TaskRow, task_id) is None:
        raise ResendError("Không có nhiệm vụ này.")
    choices = resendable(session, task_id)
    if not choices:
        raise ResendError("Nhiệm vụ chưa có thư nào để gửi lại.")
    picked = next((c for c in choices if c.value == choice), None) if choice else choices[0]
    if picked is None:
        raise ResendError("Thư được chọn không thuộc nhiệm vụ này.")
    event = session.get(EventRow, picked.event_id)
    ordered = next(
        (m for m in (event.data.get("mails", []) if event else []) if m.get("kind") == picked.kind),
        None,
    )
    to = list(ordered.get("to", [])) if ordered else list(picked.recipients)
    cc = list(ordered.get("cc", [])) if ordered else []
    note = str(event.data.get("note") or event.data.get("reason") or "") if event else ""
    names = ", ".join(display_name(session, c) for c in dict.fromkeys([*to, *cc]))
    return rq.Resend(
        actor=actor,
        reason=reason,
        mail=MailKind(picked.kind),
        to=tuple(to),
        cc=tuple(cc),
        note=note,
        names=names,
        resent_from=picked.event_id,
    )


async def _delivery(url: str, eid: str, wait: float) -> tuple[list[str], list[str], list[str]]:
    """(sent, failed, still pending) recipients of the copies, after at most ``wait`` s."""
    loop = asyncio.get_running_loop()
    end = loop.time() + wait
    while True:
        rows = await in_session(url, lambda s: [(r.recipient, r.status) for r in copies_of(s, eid)])
        settled = rows and all(status != OutboxStatus.PENDING.value for _, status in rows)
        if settled or loop.time() >= end:
            sent = [r for r, s in rows if s == OutboxStatus.SENT.value]
            failed = [
                r for r, s in rows if s in (OutboxStatus.FAILED.value, OutboxStatus.BOUNCED.value)
            ]
            pending = [r for r, s in rows if s == OutboxStatus.PENDING.value]
            return sent, failed, pending
        await asyncio.sleep(0.1)


async def resend(
    settings: Settings,
    temporal: ClientSource,
    task_id: str,
    actor: str,
    reason: str,
    choice: str | None = None,
    *,
    key: str | None = None,
    wait: float = DELIVERY_WAIT,
) -> Resent:
    """Ask the task's workflow to send the chosen mail again, then say how it went."""
    request = await in_session(
        settings.database_url, lambda s: _request(s, task_id, actor, reason, choice)
    )
    performed = await perform(
        settings, temporal, task_id, Action.RESEND, request, key or secrets.token_urlsafe(16)
    )
    outcome = performed.outcome
    if not isinstance(outcome, Applied):
        return Resent(performed=performed, kind=request.mail)
    eid = event_id(task_id, outcome.view.status.event_seq)
    sent, failed, pending = await _delivery(settings.database_url, eid, wait)
    return Resent(performed, request.mail, sent, failed, pending)
