"""The audit trail of domain events."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from dondoc.domain.events import TaskEvent
from dondoc.store.tables import EventRow


def append_event(session: Session, event: TaskEvent) -> bool:
    """Insert the event once; a retried activity finds it there and writes nothing."""
    if session.get(EventRow, event.id) is not None:
        return False
    session.add(
        EventRow(
            id=event.id,
            task_id=event.task_id,
            seq=event.seq,
            at=event.at,
            kind=event.kind.value,
            actor=event.actor,
            summary=event.summary,
            data=event.data,
        )
    )
    return True


def list_events(session: Session, task_id: str) -> list[EventRow]:
    query = select(EventRow).where(EventRow.task_id == task_id).order_by(EventRow.at, EventRow.seq)
    return list(session.scalars(query))
