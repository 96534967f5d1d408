"""Agency clicks waiting for, or answered by, their task's workflow."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dondoc.store.tables import AgencyActionRow


class ActionStatus(StrEnum):
    PENDING = "pending"
    APPLIED = "applied"
    REFUSED = "refused"


def record_action(
    session: Session,
    *,
    key: str,
    task_id: str,
    action: str,
    actor: str,
    payload: dict[str, Any],
    now: datetime,
) -> tuple[AgencyActionRow, bool]:
    """The row for ``key``, inserting it if new; True when this call created it."""
    row = session.get(AgencyActionRow, key)
    if row is not None:
        return row, False
    row = AgencyActionRow(
        key=key,
        task_id=task_id,
        action=action,
        actor=actor,
        payload=payload,
        status=ActionStatus.PENDING.value,
        attempts=0,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    return row, True


def settle(
    session: Session,
    key: str,
    status: ActionStatus,
    message: str | None,
    now: datetime,
    code: str | None = None,
) -> None:
    row = session.get(AgencyActionRow, key)
    if row is None:
        return
    row.status = status.value
    row.message = message
    row.code = code
    row.attempts += 1
    row.updated_at = now


def note_attempt(session: Session, key: str, message: str, now: datetime) -> None:
    row = session.get(AgencyActionRow, key)
    if row is not None:
        row.attempts += 1
        row.message = message
        row.updated_at = now


def due_for_retry(
    session: Session, now: datetime, older_than: timedelta, limit: int = 50
) -> list[AgencyActionRow]:
    query = (
        select(AgencyActionRow)
        .where(AgencyActionRow.status == ActionStatus.PENDING.value)
        .where(AgencyActionRow.updated_at <= now - older_than)
        .order_by(AgencyActionRow.created_at)
        .limit(limit)
    )
    return list(session.scalars(query))


def pending_for_task(session: Session, task_id: str) -> list[AgencyActionRow]:
    query = select(AgencyActionRow).where(
        AgencyActionRow.task_id == task_id, AgencyActionRow.status == ActionStatus.PENDING.value
    )
    return list(session.scalars(query))
