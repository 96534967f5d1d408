"""The mail outbox: a key is reserved before sending and marked sent after, never sent twice."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from dondoc.store.tables import OutboxRow


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    """Handed to the relay, its answer not yet recorded."""
    SENT = "sent"
    FAILED = "failed"
    BOUNCED = "bounced"


def reserve(session: Session, row: OutboxRow) -> OutboxRow:
    """The row for ``row.key``, inserting it if new; the caller sends only if it is not sent."""
    existing = session.get(OutboxRow, row.key)
    if existing is not None:
        return existing
    session.add(row)
    session.flush()
    return row


def mark(
    session: Session, key: str, status: OutboxStatus, *, now: datetime, error: str | None = None
) -> None:
    row = session.get(OutboxRow, key)
    if row is None:
        return
    row.status = status.value
    if status == OutboxStatus.SENDING:
        return
    row.attempts += 1
    row.last_error = error
    if status == OutboxStatus.SENT:
        row.sent_at = now


def list_for_task(session: Session, task_id: str) -> list[OutboxRow]:
    query = (
        select(OutboxRow)
        .where(OutboxRow.task_id == task_id)
        .order_by(OutboxRow.created_at, OutboxRow.key)
    )
    return list(session.scalars(query))


def copies_of(session: Session, event_id: str) -> list[OutboxRow]:
    """Every recipient's copy of the mails one event ordered."""
    return list(session.scalars(select(OutboxRow).where(OutboxRow.event_id == event_id)))
