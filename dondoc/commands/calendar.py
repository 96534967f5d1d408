"""Load a year of the working calendar and bring it to every task, running ones too.

When the Ministry announces the real days (Tết 2027, a make-up Saturday), an admin loads
the year (``dondoc calendar load FILE``, or the console). The year is kept in the store,
so tasks issued from now on and tasks that continue as new take it; every open task's
workflow gets it at once (a ``replace_calendar`` Update, kept and relayed like any action,
so a task that cannot be reached now gets it later) and re-plans its reminders. A deadline
the new calendar would place elsewhere does not move by itself: the workflow proposes it
and the office decides (``decide_deadline_move``).
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dondoc.commands.actions import Applied, Deferred, Refused, perform
from dondoc.commands.temporal import ClientSource
from dondoc.deployment import calendar_with, policies
from dondoc.domain import requests as rq
from dondoc.domain.calendar import WorkingCalendar
from dondoc.domain.calendar_change import (
    DayChange,
    DeadlineChange,
    calendar_changes,
    compare_deadline,
)
from dondoc.domain.task import OPEN_STATES, Action, TaskSpec, TaskStatus
from dondoc.domain.vietnam_calendar import CalendarFile
from dondoc.settings import Settings
from dondoc.store.calendars import calendar_in_force, loaded_years, save_years
from dondoc.store.db import in_session
from dondoc.store.tables import TaskRow
from dondoc.store.tasks import spec_of, status_of

SEND_CONCURRENCY = 16


@dataclass(frozen=True, slots=True)
class Affected:
    """An open task whose deadline the new calendar would place elsewhere."""

    task_id: str
    owner: str
    change: DeadlineChange


@dataclass(frozen=True, slots=True)
class Preview:
    """What loading ``replacement`` would change: the days, and the deadlines."""

    days: list[DayChange]
    affected: list[Affected]
    open_tasks: int


@dataclass
class Loaded:
    years: list[int]
    sent: int = 0
    deferred: int = 0
    closed: int = 0
    proposed: list[str] = field(default_factory=list)
    """Tasks whose workflow now asks the office about a moved deadline."""


def _open_tasks(session: Session) -> list[tuple[TaskSpec, TaskStatus]]:
    rows = session.scalars(select(TaskRow).where(TaskRow.state.in_([s.value for s in OPEN_STATES])))
    return [(spec_of(r), status_of(r)) for r in rows]


def _calendars(
    session: Session, settings: Settings, replacement: CalendarFile, years: set[int]
) -> dict[int, tuple[WorkingCalendar, WorkingCalendar]]:
    """(in force now, with the replacement) for tasks issued in each year."""
    merged = loaded_years(session).replacing(replacement)
    return {
        y: (
            calendar_in_force(session, settings, date(y, 1, 1)),
            calendar_with(settings, date(y, 1, 1), merged),
        )
        for y in years
    }


def _preview(session: Session, settings: Settings, replacement: CalendarFile) -> Preview:
    tasks = _open_tasks(session)
    calendars = _calendars(session, settings, replacement, {s.notice_date.year for s, _ in tasks})
    rules = policies(settings)
    affected = []
    for spec, status in tasks:
        old, new = calendars[spec.notice_date.year]
        policy = rules.get(spec.policy)
        change = compare_deadline(
            status.deadline,
            spec.notice_date,
            old,
            new,
            **({"named_day_off": policy.named_day_off} if policy else {}),
        )
        if change.readable and change.moved and change.under_new.due != status.deadline.due:
            affected.append(Affected(spec.id, status.owner, change))
    first = min(replacement.years, default=date.today().year)
    last = max(replacement.years, default=first)
    old, new = _calendars(session, settings, replacement, {first})[first]
    days = list(calendar_changes(old, new, date(first, 1, 1), date(last, 12, 31)))
    return Preview(days=days, affected=affected, open_tasks=len(tasks))


async def preview_calendar(settings: Settings, replacement: CalendarFile) -> Preview:
    return await in_session(settings.database_url, _preview, settings, replacement, timeout=60)


def _key(replacement: CalendarFile, task_id: str) -> str:
    """One action per (loaded content, task): loading the same file again sends nothing new."""
    digest = hashlib.sha256(replacement.model_dump_json().encode()).hexdigest()
    return "cal-" + hashlib.sha256(f"{digest}:{task_id}".encode()).hexdigest()[:40]


def _keep(
    session: Session, settings: Settings, replacement: CalendarFile, source: str, actor: str
) -> tuple[list[int], list[tuple[str, WorkingCalendar]]]:
    """Store the years, then each open task with the calendar it must now follow."""
    years = save_years(session, replacement, source=source, actor=actor, now=datetime.now(UTC))
    session.flush()
    tasks = _open_tasks(session)
    by_year = {
        y: calendar_in_force(session, settings, date(y, 1, 1))
        for y in {s.notice_date.year for s, _ in tasks}
    }
    return years, [(spec.id, by_year[spec.notice_date.year]) for spec, _ in tasks]


async def load_calendar(
    settings: Settings,
    temporal: ClientSource,
    replacement: CalendarFile,
    *,
    actor: str,
    source: str = "",
) -> Loaded:
    """Keep the years, then send every open task its new calendar (several at a time)."""
    years, targets = await in_session(
        settings.database_url, _keep, settings, replacement, source, actor, timeout=60
    )
    loaded = Loaded(years=years)
    gate = asyncio.Semaphore(SEND_CONCURRENCY)

    async def send(task_id: str, calendar: WorkingCalendar) -> None:
        request = rq.ReplaceCalendar(actor=actor, calendar=calendar, source=source)
        async with gate:
            done = await perform(
                settings,
                temporal,
                task_id,
                Action.REPLACE_CALENDAR,
                request,
                _key(replacement, task_id),
            )
        outcome = done.outcome
        if isinstance(outcome, Applied):
            loaded.sent += 1
            if outcome.view.status.pending_deadline_move is not None:
                loaded.proposed.append(task_id)
        elif isinstance(outcome, Deferred):
            loaded.deferred += 1
        elif isinstance(outcome, Refused):
            loaded.closed += 1

    await asyncio.gather(*(send(task_id, cal) for task_id, cal in targets))
    loaded.proposed.sort()
    return loaded
