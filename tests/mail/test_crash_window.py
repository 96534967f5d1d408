"""SMTP cannot be exactly-once: a worker that dies after the relay took a message but
before the outbox heard "250" sends it again. The window is as small as it can be, the
second copy is the first one byte for byte in every header a client folds on, and the
task's timeline says a copy may have arrived twice."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from mail_cases import CASES_BY_NAME

from dondoc.activities.mailing import MailActivities
from dondoc.activities.smtp import TransientMailError, deliver
from dondoc.commands.timeline import Names, timeline
from dondoc.devstack.net import free_port
from dondoc.domain.events import EventKind, TaskEvent
from dondoc.domain.mail import MailOutcome
from dondoc.settings import Settings
from dondoc.store.db import session_scope
from dondoc.store.events import append_event
from dondoc.store.outbox import list_for_task
from support.mailbox import Mailbox


def _rows(settings: Settings, task_id: str) -> dict[str, tuple[str, bool]]:
    with session_scope(settings.database_url) as session:
        return {r.recipient: (r.status, r.duplicate_risk) for r in list_for_task(session, task_id)}


async def test_a_copy_sent_again_after_a_crash_is_the_same_message_and_is_flagged(
    settings: Settings, mailbox: Mailbox
) -> None:
    order = CASES_BY_NAME["reminder"].order
    owner = order.to[0]
    mailer = MailActivities(settings)
    # The first attempt: prepared (which marks it as handed to the relay), delivered —
    # and the worker dies before it can record the relay's "250".
    prepared = await asyncio.to_thread(mailer.prepare, order, owner, datetime.now(UTC))
    assert not isinstance(prepared, MailOutcome) and prepared.message is not None
    assert await deliver(settings, prepared.message, prepared.envelope) is None
    first = (await mailbox.arrived(1))[0]
    await asyncio.sleep(1.1)  # a retry comes later: its clock must not show in the copy

    outcomes = await mailer.send_mail(order)

    assert {o.recipient: o.status for o in outcomes}[owner] == "sent"
    copies = [m for m in mailbox.messages if m.message["Message-ID"] == first.message["Message-ID"]]
    assert len(copies) == 2
    again = copies[1]
    for header in ("Message-ID", "Date", "Subject", "In-Reply-To", "References", "To", "Cc"):
        assert again.message[header] == first.message[header], header
    assert again.text() == first.text() and again.html() == first.html()
    rows = _rows(settings, order.spec.id)
    assert rows[owner] == ("sent", True)
    assert all(not risk for code, (_, risk) in rows.items() if code != owner)

    reminded = TaskEvent(
        id=order.event_id,
        task_id=order.spec.id,
        seq=order.status.event_seq,
        at=datetime.now(UTC),
        kind=EventKind.REMINDED,
        actor="system",
        summary="Gửi thư «reminder»",
        status=order.status,
        spec=order.spec,
    )
    with session_scope(settings.database_url) as session:
        append_event(session, reminded)
    with session_scope(settings.database_url) as session:
        story = timeline(session, order.spec.id, Names(session))
    lines = [m.status_label for entry in story for m in entry.mails]
    assert any("có thể đến hai lần" in line for line in lines)


async def test_a_relay_that_refuses_for_now_leaves_no_duplicate_mark(
    settings: Settings, mailbox: Mailbox
) -> None:
    """Marked "sending" before the relay is asked, but a relay that did not take the
    message (down, 4xx) puts the copy back to pending: it was not sent, so not twice."""
    order = CASES_BY_NAME["reminder"].order
    down = settings.model_copy(update={"smtp_port": free_port()})  # nothing listens there
    with pytest.raises(TransientMailError):
        await MailActivities(down).send_mail(order)
    assert all(
        status == "pending" and not risk for status, risk in _rows(settings, order.spec.id).values()
    )
    await MailActivities(settings).send_mail(order)
    assert all(
        status == "sent" and not risk for status, risk in _rows(settings, order.spec.id).values()
    )
