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
from email.utils import parseaddr

from sqlalchemy import select
from sqlalchemy.orm import Session

from dondoc.activities.contacts import resolve
from dondoc.activities.mail_render import recipient_role, render
from dondoc.activities.mailing import MailActivities
from dondoc.activities.message import Envelope, build_message
from dondoc.activities.smtp import TransientMailError, deliver
from dondoc.deployment import calendar_for
from dondoc.domain.events import EventKind
from dondoc.domain.mail import (
    SUBJECT_ACTIONS,
    MailKind,
    MailOrder,
    mail_key,
    message_id,
    subject,
    thread_root_id,
)
from dondoc.settings import Settings
from dondoc.store.db import session_scope
from dondoc.store.directory import display_name, get_leader, get_office
from dondoc.store.outbox import OutboxStatus, mark, reserve
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
    domain = parseaddr(settings.mail_from)[1].rpartition("@")[2] or "dondoc.local"
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
        prepared = _prepare(settings, mailer, domain, order, code, now)
        if prepared is None:
            failed.append(code)
            continue
        key, message, envelope = prepared
        try:
            refused = await deliver(settings, message, envelope)
        except TransientMailError as err:
            _mark(settings, key, OutboxStatus.FAILED, str(err))
            failed.append(code)
            continue
        if refused is not None:
            _mark(settings, key, OutboxStatus.BOUNCED, refused.reason)
            failed.append(code)
            continue
        _mark(settings, key, OutboxStatus.SENT)
        sent.append(code)
    return Resent(kind=kind, sent=sent, failed=failed, event_id=event_id)


def _mark(settings: Settings, key: str, status: OutboxStatus, error: str | None = None) -> None:
    with session_scope(settings.database_url) as session:
        mark(session, key, status, now=datetime.now(UTC), error=error)


def _prepare(
    settings: Settings,
    mailer: MailActivities,
    domain: str,
    order: MailOrder,
    code: str,
    now: datetime,
) -> tuple[str, object, list[str]] | None:
    """Render one recipient's copy and reserve its outbox row (as the mail activity does)."""
    with session_scope(settings.database_url) as session:
        contact = resolve(session, code)
        if contact is None:
            return None
        to = [c for c in (resolve(session, x) for x in order.to) if c is not None]
        cc = [c for c in (resolve(session, x) for x in order.cc) if c is not None]
        office = get_office(session)
        leader = get_leader(session, order.spec.leader)
        key = mail_key(order.event_id, order.kind, code)
        subj = subject(order.kind, order.spec)
        body = render(
            order.kind,
            {
                "subject": subj,
                "recipient_name": contact.name,
                "is_owner": code == order.status.owner,
                "spec": order.spec,
                "status": order.status,
                "owner_name": display_name(session, order.status.owner),
                "coordinator_names": [display_name(session, c) for c in order.spec.coordinators],
                "leader_label": f"{leader.title} {leader.name}" if leader else order.spec.leader,
                "office_name": office.name if office else "Văn phòng UBND tỉnh",
                "link": mailer.link_for(order, contact, now),
                "agency_link": mailer.agency_link_for(contact, now),
                "note": order.note,
                "recipient_role": recipient_role(code, contact.is_agency, order),
                "now": now,
                "calendar": calendar_for(settings, order.spec.notice_date),
            },
        )
        msg_id = message_id(key, domain)
        message = build_message(
            Envelope(
                subject=subj,
                sender=settings.mail_from,
                to=[(c.name, c.email) for c in to] or [(contact.name, contact.email)],
                cc=[(c.name, c.email) for c in cc],
                reply_to=settings.mail_reply_to or (office.email if office else settings.mail_from),
                message_id=msg_id,
                thread_root=thread_root_id(order.spec.id, code, domain),
                date=now,
                extra={
                    "X-Dondoc-Task": order.spec.id,
                    "X-Dondoc-Kind": order.kind.value,
                    "X-Dondoc-Event": order.event_id,
                },
            ),
            body.text,
            body.html,
        )
        envelope = [contact.email, *contact.cc]
        reserve(
            session,
            OutboxRow(
                key=key,
                task_id=order.spec.id,
                event_id=order.event_id,
                kind=order.kind.value,
                recipient=code,
                to_addrs=envelope,
                cc_addrs=[c.email for c in cc],
                subject=subj,
                message_id=msg_id,
                status=OutboxStatus.PENDING.value,
                attempts=0,
                created_at=now,
            ),
        )
        return key, message, envelope
