"""Send a task's mail again, at the office's request ("we never received it").

Not a workflow Update: the workflow's state does not change and nothing it waits for is
affected, so the web sends the copy itself, directly, and records a ``mail_sent`` event
in the audit trail (who asked, why, which mail, to whom) so the task's history shows it.

A copy is a new message: a new outbox key (a new event id) and a new Message-ID, never
the original's (a mail client drops a second message with an id it has seen), threaded
under the task's thread like every other mail. It is rendered with the mail templates
from the task as it stands now, so the recipient reads the current deadline and state.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dondoc.activities.mailing import MailActivities
from dondoc.activities.smtp import TransientMailError, deliver
from dondoc.domain.events import EventKind
from dondoc.domain.mail import (
    SUBJECT_ACTIONS,
    MailKind,
    MailOrder,
    MailOutcome,
)
from dondoc.settings import Settings
from dondoc.store.db import session_scope
from dondoc.store.directory import display_name
from dondoc.store.outbox import OutboxStatus
from dondoc.store.tables import EventRow, OutboxRow, TaskRow
from dondoc.store.tasks import spec_of, status_of


class ResendError(ValueError):
    """Nothing to resend, or the chosen mail is not this task's."""


@dataclass(frozen=True, slots=True)
class Resent:
    kind: MailKind
    sent: list[str]
    failed: list[str]
    event_id: str


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


def _recipients(session: Session, event_id: str, kind: str) -> tuple[list[str], list[str]]:
    """(to, cc) codes of the original mail, as its event recorded them."""
    event = session.get(EventRow, event_id)
    for mail in event.data.get("mails", []) if event else []:
        if mail.get("kind") == kind:
            return list(mail.get("to", [])), list(mail.get("cc", []))
    codes = session.scalars(
        select(OutboxRow.recipient).where(OutboxRow.event_id == event_id, OutboxRow.kind == kind)
    )
    return list(codes), []


def _note(session: Session, event_id: str) -> str:
    event = session.get(EventRow, event_id)
    if event is None:
        return ""
    return str(event.data.get("note") or event.data.get("reason") or "")


async def resend_mail(
    settings: Settings, task_id: str, actor: str, reason: str, choice: str | None = None
) -> Resent:
    """Send the chosen mail (``event_id|kind``; the newest if None) again to its recipients."""
    now = datetime.now(UTC)
    mailer = MailActivities(settings)
    with session_scope(settings.database_url) as session:
        row = session.get(TaskRow, task_id)
        if row is None:
            raise ResendError("Không có nhiệm vụ này.")
        choices = resendable(session, task_id)
        if not choices:
            raise ResendError("Nhiệm vụ chưa có thư nào để gửi lại.")
        picked = next((c for c in choices if c.value == choice), None) if choice else choices[0]
        if picked is None:
            raise ResendError("Thư được chọn không thuộc nhiệm vụ này.")
        kind = MailKind(picked.kind)
        to, cc = _recipients(session, picked.event_id, picked.kind)
        note = _note(session, picked.event_id)
        spec, status = spec_of(row), status_of(row)
        event_id = f"{task_id}#resend-{secrets.token_hex(6)}"
        names = ", ".join(display_name(session, c) for c in dict.fromkeys([*to, *cc]))
        session.add(
            EventRow(
                id=event_id,
                task_id=task_id,
                seq=row.event_seq,
                at=now,
                kind=EventKind.MAIL_SENT.value,
                actor=actor,
                summary=f"Gửi lại thư «{SUBJECT_ACTIONS[kind]}» tới {names}: {reason}",
                data={
                    "reason": reason,
                    "resent_from": picked.event_id,
                    "mails": [{"kind": kind.value, "to": to, "cc": cc}],
                },
            )
        )
    order = MailOrder(
        event_id=event_id,
        kind=kind,
        to=tuple(to),
        cc=tuple(cc),
        spec=spec,
        status=status,
        note=note,
    )
    sent: list[str] = []
    failed: list[str] = []
    for code in dict.fromkeys([*to, *cc]):
        prepared = mailer.prepare(order, code, now, may_open_thread=False)
        if isinstance(prepared, MailOutcome):
            failed.append(code)
            continue
        try:
            refused = await deliver(settings, prepared.message, prepared.envelope)
        except TransientMailError as err:
            mailer.mark(prepared.key, OutboxStatus.FAILED, str(err))
            failed.append(code)
            continue
        if refused is not None:
            mailer.mark(prepared.key, OutboxStatus.BOUNCED, refused.reason)
            failed.append(code)
            continue
        mailer.mark(prepared.key, OutboxStatus.SENT)
        sent.append(code)
    return Resent(kind=kind, sent=sent, failed=failed, event_id=event_id)
