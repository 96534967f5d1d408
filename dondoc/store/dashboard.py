"""The dashboard's reads of the task read model: where things stand, per agency.

Two grouped reads of the covering index (owner, state, status_class, deadline_at) and a
few counts; none sorts the table (``bench/console_pages.py`` measures it on 100,000 tasks).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from dondoc.domain.formatting import LOCAL_TZ
from dondoc.domain.task import StatusClass, TaskState
from dondoc.store.tables import AgencyRow, TaskRow
from dondoc.store.task_search import OPEN, RUNNING, local_day_start, pending_extension


@dataclass(frozen=True, slots=True)
class AgencyBar:
    code: str
    name: str
    done_on_time: int = 0
    in_progress_on_time: int = 0
    done_late: int = 0
    overdue: int = 0

    @property
    def total(self) -> int:
        return self.done_on_time + self.in_progress_on_time + self.done_late + self.overdue


@dataclass(frozen=True, slots=True)
class Dashboard:
    now: datetime
    classes: dict[str, int]
    open: int
    overdue: int
    due_this_week: int
    week_end: date
    escalated: int
    awaiting_confirmation: int
    pending_extensions: int
    agencies: list[AgencyBar] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.classes.values())


def end_of_week(now: datetime) -> date:
    """The Sunday of the local week that contains ``now``."""
    today = now.astimezone(LOCAL_TZ).date()
    return today + timedelta(days=6 - today.weekday())


def dashboard(session: Session, now: datetime, *, leader: str | None = None) -> Dashboard:
    scope = [TaskRow.leader == leader.upper()] if leader else []
    # Two grouped reads of the covering index (owner, state, status_class, deadline_at):
    # the stored class per state, then which running tasks are past their deadline now.
    # One GROUP BY on the computed class would sort 100,000 rows; these sort none.
    stored = session.execute(
        select(TaskRow.owner, TaskRow.state, TaskRow.status_class, func.count())
        .where(*scope)
        .group_by(TaskRow.owner, TaskRow.state, TaskRow.status_class)
    ).all()
    late_now = dict(
        session.execute(
            select(TaskRow.owner, func.count())
            .where(
                *scope,
                TaskRow.state.in_(RUNNING),
                TaskRow.deadline_at.is_not(None),
                TaskRow.deadline_at < now,
            )
            .group_by(TaskRow.owner)
        ).all()
    )
    classes = {c.value: 0 for c in StatusClass}
    bars: dict[str, dict[str, int]] = {}
    for owner, state, stored_class, count_ in stored:
        klass = StatusClass.IN_PROGRESS_ON_TIME.value if state in RUNNING else stored_class
        per_owner = bars.setdefault(owner, {})
        per_owner[klass] = per_owner.get(klass, 0) + count_
    for owner, late in late_now.items():
        per_owner = bars.setdefault(owner, {})
        per_owner[StatusClass.IN_PROGRESS_ON_TIME.value] = (
            per_owner.get(StatusClass.IN_PROGRESS_ON_TIME.value, 0) - late
        )
        per_owner[StatusClass.IN_PROGRESS_OVERDUE.value] = (
            per_owner.get(StatusClass.IN_PROGRESS_OVERDUE.value, 0) + late
        )
    for per_owner in bars.values():
        for klass, count_ in per_owner.items():
            classes[klass] = classes.get(klass, 0) + count_
    week_end = end_of_week(now)
    open_scope = [*scope, TaskRow.state.in_(OPEN)]

    def count(*where: ColumnElement[bool]) -> int:
        return session.scalar(select(func.count()).select_from(TaskRow).where(*where)) or 0

    due_this_week = count(
        *scope,
        TaskRow.state.in_(RUNNING),
        TaskRow.deadline_at >= now,
        TaskRow.deadline_at < local_day_start(week_end + timedelta(days=1)),
    )
    escalated = count(*open_scope, TaskRow.escalation_step > 0)
    awaiting = count(*scope, TaskRow.state == TaskState.AWAITING_CONFIRMATION.value)
    pending = count(*open_scope, pending_extension())
    names = dict(session.execute(select(AgencyRow.code, AgencyRow.name)).all())
    agencies = [
        AgencyBar(
            code=code,
            name=names.get(code, code),
            done_on_time=c.get(StatusClass.DONE_ON_TIME.value, 0),
            in_progress_on_time=c.get(StatusClass.IN_PROGRESS_ON_TIME.value, 0),
            done_late=c.get(StatusClass.DONE_LATE.value, 0),
            overdue=c.get(StatusClass.IN_PROGRESS_OVERDUE.value, 0),
        )
        for code, c in bars.items()
    ]
    agencies = [a for a in agencies if a.total]
    agencies.sort(key=lambda a: (-a.overdue, -a.done_late, -a.total, a.name))
    return Dashboard(
        now=now,
        classes=classes,
        open=classes[StatusClass.IN_PROGRESS_ON_TIME.value]
        + classes[StatusClass.IN_PROGRESS_OVERDUE.value],
        overdue=classes[StatusClass.IN_PROGRESS_OVERDUE.value],
        due_this_week=due_this_week,
        week_end=week_end,
        escalated=escalated,
        awaiting_confirmation=awaiting,
        pending_extensions=pending,
        agencies=agencies,
    )
