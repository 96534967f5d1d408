"""The task read model: written from workflow events, read by lists, pages and reports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from dondoc.domain.task import OPEN_STATES, TaskSpec, TaskStatus, coordinators, live_class
from dondoc.domain.view import TaskSummary
from dondoc.store.tables import TaskRow

SUMMARY_COLUMNS: dict[str, InstrumentedAttribute[Any]] = {
    name: TaskRow.deadline_at if name == "deadline" else getattr(TaskRow, name)
    for name in TaskSummary.model_fields
}
"""The read model's column behind each field of a list: lists read these columns only,
never the JSON of the status and the spec."""


def _apply(row: TaskRow, spec: TaskSpec, status: TaskStatus, now: datetime) -> None:
    row.notice_key = spec.notice_key
    row.position = spec.position
    row.notice_number = spec.notice_number
    row.leader = spec.leader
    row.owner = status.owner
    row.coordinators = list(coordinators(spec, status))
    row.work = spec.work
    row.result = spec.result
    row.deadline_at = status.deadline.due
    row.deadline_phrase = status.deadline.phrase
    row.original_deadline_at = status.original_deadline.due
    row.policy = spec.policy
    row.state = status.state.value
    row.status_class = status.status_class(now).value
    row.escalation_step = status.escalation_step
    row.assigned_at = status.assigned_at
    row.acknowledged_at = status.acknowledged_at
    row.reported_at = status.reported_at
    row.completed_at = status.completed_at
    row.closed_at = status.completed_at or status.cancelled_at
    row.status = status.model_dump(mode="json")
    row.spec = spec.model_dump(mode="json")
    row.event_seq = status.event_seq
    row.updated_at = now


def save_task(session: Session, spec: TaskSpec, status: TaskStatus, now: datetime) -> bool:
    """Write the task as ``status`` says unless a newer event already did; True if written.

    Events can be recorded out of order after retries; the event counter decides.
    """
    row = session.get(TaskRow, spec.id)
    if row is None:
        row = TaskRow(id=spec.id)
        _apply(row, spec, status, now)
        session.add(row)
        return True
    if status.event_seq < row.event_seq:
        return False
    _apply(row, spec, status, now)
    return True


def get_task(session: Session, task_id: str) -> TaskRow | None:
    return session.get(TaskRow, task_id)


def list_tasks(
    session: Session,
    *,
    owner: str | None = None,
    notice_key: str | None = None,
    state: str | None = None,
    open_only: bool = False,
    limit: int | None = None,
) -> list[TaskRow]:
    query = select(TaskRow)
    if owner:
        query = query.where(TaskRow.owner == owner.upper())
    if notice_key:
        query = query.where(TaskRow.notice_key == notice_key)
    if state:
        query = query.where(TaskRow.state == state)
    if open_only:
        query = query.where(TaskRow.state.in_([s.value for s in OPEN_STATES]))
    query = query.order_by(TaskRow.notice_key, TaskRow.position)
    if limit:
        query = query.limit(limit)
    return list(session.scalars(query))


def status_of(row: TaskRow) -> TaskStatus:
    return TaskStatus.model_validate(row.status)


def spec_of(row: TaskRow) -> TaskSpec:
    return TaskSpec.model_validate(row.spec)


def summary_of(values: Any, now: datetime) -> TaskSummary:
    """A list entry from a row or a row of ``SUMMARY_COLUMNS``, its class as of ``now``."""
    fields = {name: getattr(values, column.key) for name, column in SUMMARY_COLUMNS.items()}
    fields["status_class"] = live_class(values.state, values.status_class, values.deadline_at, now)
    return TaskSummary.model_validate(fields)


def summaries(session: Session, now: datetime, *where: Any) -> list[TaskSummary]:
    """The tasks matching ``where`` in notice order, as list entries."""
    query = select(*SUMMARY_COLUMNS.values()).where(*where)
    rows = session.execute(query.order_by(TaskRow.notice_key, TaskRow.position))
    return [summary_of(row, now) for row in rows]
