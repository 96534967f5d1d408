"""The mail activity: one message per recipient, reserved in the outbox before it is sent."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import Message
from email.utils import parseaddr

import structlog
from temporalio import activity

from dondoc.activities.contacts import Contact, resolve
from dondoc.activities.heartbeat import heartbeating
from dondoc.activities.mail_render import recipient_role, render
from dondoc.activities.message import Envelope, build_message
from dondoc.activities.relay_sessions import RelaySessions
from dondoc.activities.smtp import TransientMailError, deliver, open_session
from dondoc.domain.mail import (
    MailKind,
    MailOrder,
    MailOutcome,
    mail_key,
    message_id,
    subject,
    thread_root_id,
)
from dondoc.domain.task import Official, coordinators
from dondoc.domain.tokens import LinkGrant, sign_agency_link, sign_link
from dondoc.metrics import count_mail
from dondoc.settings import Settings
from dondoc.store.calendars import calendar_in_force
from dondoc.store.db import session_scope
from dondoc.store.directory import display_name, get_leader, get_office
from dondoc.store.outbox import OutboxStatus, mark, reserve
from dondoc.store.tables import OutboxRow

log = structlog.get_logger(__name__)

# The assignment mail opens each recipient's thread; every later mail refers to it. Only
# that kind may carry the root Message-ID: a recipient can get other mail first (a new
# owner after a reassignment, a coordinator made owner), and an id must never be reused.
THREAD_OPENERS = frozenset({MailKind.ASSIGNED})


@dataclass(frozen=True, slots=True)
class _Prepared:
    key: str
    message: Message | None
    """None when the copy was sent (or bounced) already: nothing to build."""
    envelope: list[str]
    status: OutboxStatus
    error: str | None


def _official(order: MailOrder) -> Official | None:
    """The owner's named official, if the agency named one while it owns the task."""
    official = order.status.official
    return official if official is not None and official.named_by == order.status.owner else None


def _addressee(contact: Contact, official: Official | None) -> str:
    if official is None or contact.code != official.named_by:
        return contact.name
    return f"{contact.name} (cán bộ phụ trách: {official.name})"


def _heads(to: list[Contact], official: Official | None, order: MailOrder) -> list[tuple[str, str]]:
    """The To header: the owner's official in place of the owner's box."""
    return [
        (official.name, official.email)
        if official is not None and c.code == order.status.owner
        else (c.name, c.email)
        for c in to
    ]


def _agency_copy(
    to: list[Contact], official: Official | None, order: MailOrder
) -> list[tuple[str, str]]:
    """The owner's own box in Cc when its official is the one addressed."""
    if official is None:
        return []
    return [(c.name, c.email) for c in to if c.code == order.status.owner]


class MailActivities:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._sessions = RelaySessions(lambda: open_session(settings))
        self._domain = parseaddr(settings.mail_from)[1].rpartition("@")[2] or "dondoc.local"

    def link_for(self, order: MailOrder, contact: Contact, now: datetime) -> str:
        base = self._settings.public_url.rstrip("/")
        if not contact.is_agency:
            return f"{base}/admin/tasks/{order.spec.id}"
        until = max(now, order.status.deadline.due or now) + timedelta(
            days=self._settings.link_ttl_days + 365
        )
        grant = LinkGrant(
            task_id=order.spec.id,
            recipient=contact.code,
            expires=int(until.timestamp()),
            generation=contact.link_generation,
        )
        return f"{base}/t/{sign_link(grant, self._settings.signing_keys())}"

    def agency_link_for(self, contact: Contact, now: datetime) -> str | None:
        """The agency's own page (all its open tasks); None for the office and leaders."""
        if not contact.is_agency:
            return None
        until = now + timedelta(days=self._settings.link_ttl_days)
        token = sign_agency_link(
            contact.code,
            int(until.timestamp()),
            self._settings.signing_keys(),
            contact.link_generation,
        )
        return f"{self._settings.public_url.rstrip('/')}/t/agency/{token}"

    def prepare(
        self, order: MailOrder, code: str, now: datetime, *, may_open_thread: bool = True
    ) -> _Prepared | MailOutcome:
        """Render one recipient's copy and reserve its outbox row.

        A copy resent on request never opens a thread: its Message-ID must be new.
        """
        with session_scope(self._settings.database_url) as session:
            contact = resolve(session, code)
            if contact is None:
                return MailOutcome(
                    recipient=code, status="no_address", detail="không có trong danh bạ"
                )
            to = [c for c in (resolve(session, x) for x in order.to) if c is not None]
            official = _official(order)
            cc = [c for c in (resolve(session, x) for x in order.cc) if c is not None]
            office = get_office(session)
            office_name = office.name if office else "Văn phòng UBND tỉnh"
            leader = get_leader(session, order.spec.leader)
            key = mail_key(order.event_id, order.kind, code)
            root = thread_root_id(order.spec.id, code, self._domain)
            opens = may_open_thread and order.kind in THREAD_OPENERS
            msg_id = root if opens else message_id(key, self._domain)
            subj = subject(order.kind, order.spec)
            context = {
                "subject": subj,
                "recipient_name": _addressee(contact, official),
                "is_owner": code == order.status.owner,
                "spec": order.spec,
                "status": order.status,
                "owner_name": display_name(session, order.status.owner),
                "coordinator_names": [
                    display_name(session, c) for c in coordinators(order.spec, order.status)
                ],
                "leader_label": f"{leader.title} {leader.name}" if leader else order.spec.leader,
                "office_name": office_name,
                "note": order.note,
                "recipient_role": recipient_role(code, contact.is_agency, order),
                "calendar": calendar_in_force(session, self._settings, order.spec.notice_date),
            }
            envelope = [contact.email, *contact.cc]
            if official is not None and code == order.status.owner:
                # "Rõ người": the named official first, the agency's own box in copy.
                envelope = [official.email, *envelope]
            row = reserve(
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
            status = OutboxStatus(row.status)
            if status in (OutboxStatus.SENT, OutboxStatus.BOUNCED):
                return _Prepared(key, None, envelope, status, row.last_error)
            if status == OutboxStatus.SENDING:
                # An attempt died between handing the message to the relay and hearing
                # back: the relay may have it. Sent again (at least once), and said so.
                row.duplicate_risk = True
            # Marked as handed to the relay in the same commit that reserves it (the send
            # follows at once), so a crash while the relay answers is seen by the retry
            # as a possible duplicate rather than an unsent mail.
            row.status = OutboxStatus.SENDING.value
            # Rendered as of the first attempt, so a retry's copy is the same message
            # (Date and every link included), which mail clients fold into one.
            first = row.created_at
            context["link"] = self.link_for(order, contact, first)
            context["agency_link"] = self.agency_link_for(contact, first)
            context["now"] = first
            body = render(order.kind, context)
            message = build_message(
                Envelope(
                    subject=subj,
                    sender=self._settings.mail_from,
                    to=_heads(to, official, order) or [(contact.name, contact.email)],
                    cc=[(c.name, c.email) for c in cc] + _agency_copy(to, official, order),
                    reply_to=self._settings.mail_reply_to
                    or (office.email if office else self._settings.mail_from),
                    message_id=msg_id,
                    thread_root=None if msg_id == root else root,
                    date=first,
                    extra={
                        "X-Dondoc-Task": order.spec.id,
                        "X-Dondoc-Kind": order.kind.value,
                        "X-Dondoc-Event": order.event_id,
                    },
                ),
                body.text,
                body.html,
            )
            return _Prepared(key, message, envelope, status, row.last_error)

    def mark(self, key: str, status: OutboxStatus, error: str | None = None) -> None:
        with session_scope(self._settings.database_url) as session:
            mark(session, key, status, now=datetime.now(UTC), error=error)

    @activity.defn(name="send_mail")
    async def send_mail(self, order: MailOrder) -> list[MailOutcome]:
        """Send to every recipient not yet served; a retry skips the keys already sent."""
        async with heartbeating():
            return await self.deliver_order(order)

    async def deliver_order(self, order: MailOrder) -> list[MailOutcome]:
        """Every recipient's copy of ``order``, through the outbox; each one's outcome."""
        now = datetime.now(UTC)
        outcomes: list[MailOutcome] = []
        for code in dict.fromkeys([*order.to, *order.cc]):
            prepared = await asyncio.to_thread(
                self.prepare, order, code, now, may_open_thread=not order.resend
            )
            if isinstance(prepared, MailOutcome):
                outcomes.append(prepared)
                continue
            if prepared.status in (OutboxStatus.SENT, OutboxStatus.BOUNCED):
                outcomes.append(
                    MailOutcome(
                        recipient=code, status=prepared.status.value, detail=prepared.error or ""
                    )
                )
                continue
            assert prepared.message is not None
            try:
                refused = await deliver(
                    self._settings, prepared.message, prepared.envelope, self._sessions
                )
            except TransientMailError as err:
                # The relay did not take it: not a possible duplicate, just not sent yet.
                count_mail("failed")  # the activity fails; Temporal retries it
                await asyncio.to_thread(self.mark, prepared.key, OutboxStatus.PENDING, str(err))
                raise
            if refused is not None:
                count_mail("bounced")
                await asyncio.to_thread(
                    self.mark, prepared.key, OutboxStatus.BOUNCED, refused.reason
                )
                log.warning("mail_bounced", key=prepared.key, reason=refused.reason)
                outcomes.append(
                    MailOutcome(recipient=code, status="bounced", detail=refused.reason)
                )
                continue
            count_mail("sent")
            await asyncio.to_thread(self.mark, prepared.key, OutboxStatus.SENT)
            log.info("mail_sent", key=prepared.key, to=prepared.envelope)
            outcomes.append(MailOutcome(recipient=code, status="sent"))
        return outcomes
