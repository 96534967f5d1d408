"""The console's reads of the task read model: filtered, sorted, paged lists and the dashboard.

The stored ``status_class`` of an open task is the one computed when its last event was
recorded; a deadline can pass in between. These queries therefore judge "overdue" against
the clock they are given: an open task (not awaiting confirmation) past its deadline is
overdue whatever the row says. Completed, cancelled and reported tasks keep their class.

Lists read only the light columns (never the JSON of the status and the spec) and page
with LIMIT/OFFSET over the indexes of migration 0004u; ``bench/console_pages.py``
measures them on 100,000 tasks.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from dondoc.domain.events import EventKind
from dondoc.domain.formatting import LOCAL_TZ
from dondoc.domain.task import OPEN_STATES, RUNNING_STATES, StatusClass, TaskState
from dondoc.domain.view import TaskSummary
from dondoc.store.tables import EventRow, TaskRow
from dondoc.store.tasks import SUMMARY_COLUMNS, summary_of

RUNNING = tuple(s.value for s in RUNNING_STATES)
OPEN = tuple(s.value for s in OPEN_STATES)
OPEN_FILTER = "open"

SORTS = ("deadline", "-deadline", "notice", "owner", "-updated")
"""The orders a list can be read in (the console names them, ``web/console/sorts.py``)."""
PER_PAGE = 50
MAX_PER_PAGE = 200


@dataclass(frozen=True, slots=True)
class TaskFilter:
    """What a person asked the list for; every field optional, combined with AND."""

    owner: str | None = None
    leader: str | None = None
    notice_key: str | None = None
    state: str | None = None
    """A ``TaskState`` value, or ``"open"`` for any open state."""
    status_class: str | None = None
    overdue: bool = False
    escalated: bool = False
    pending_extension: bool = False
    due_from: date | None = None
    due_to: date | None = None
    text: str | None = None


@dataclass(frozen=True, slots=True)
class TaskPage:
    items: list[TaskSummary]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def live_class(now: datetime) -> ColumnElement[str]:
    """``domain.task.live_class`` as a SQL expression: the class as of ``now``."""
    return case(
        (
            and_(
                TaskRow.state.in_(RUNNING),
                TaskRow.deadline_at.is_not(None),
                TaskRow.deadline_at < now,
            ),
            StatusClass.IN_PROGRESS_OVERDUE.value,
        ),
        (TaskRow.state.in_(RUNNING), StatusClass.IN_PROGRESS_ON_TIME.value),
        else_=TaskRow.status_class,
    )


def class_condition(wanted: str, now: datetime) -> ColumnElement[bool]:
    """``live_class(now) == wanted``, written so the indexes answer it."""
    overdue = and_(TaskRow.deadline_at.is_not(None), TaskRow.deadline_at < now)
    if wanted == StatusClass.IN_PROGRESS_OVERDUE.value:
        return or_(
            and_(TaskRow.state.in_(RUNNING), overdue),
            and_(
                TaskRow.state == TaskState.AWAITING_CONFIRMATION.value,
                TaskRow.status_class == wanted,
            ),
        )
    if wanted == StatusClass.IN_PROGRESS_ON_TIME.value:
        return or_(
            and_(
                TaskRow.state.in_(RUNNING),
                or_(TaskRow.deadline_at.is_(None), TaskRow.deadline_at >= now),
            ),
            and_(
                TaskRow.state == TaskState.AWAITING_CONFIRMATION.value,
                TaskRow.status_class == wanted,
            ),
        )
    return TaskRow.status_class == wanted


def fold(text_: str) -> str:
    """Lower case without diacritics, «đ» as «d»: how the text index stores words."""
    text_ = text_.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD", text_)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _words(query: str) -> list[str]:
    """The folded words of a query: runs of letters and digits, as both indexes cut them."""
    return re.findall(r"[^\W_]+", fold(query))[:12]


def _terms(words: list[str]) -> tuple[list[str], str | None]:
    """Whole words, and the last one as a prefix while it is being typed ("hoi ngh" finds
    "hội nghị"); a prefix of one or two letters would match half the index, so not those."""
    *whole, last = words
    if len(last) > 2:
        return whole, last
    return [*whole, last], None


def _text_condition(
    session: Session, query: str, *, for_page: bool = False
) -> ColumnElement[bool] | None:
    """Every word of ``query`` among the task's words, on SQLite's FTS5 table (0004u) or
    PostgreSQL's GIN index (0010): the same words, folded the same way, find the same tasks."""
    words = _words(query)
    if not words:
        return None
    whole, prefix = _terms(words)
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        match = " ".join([*(f'"{w}"' for w in whole), *([f'"{prefix}"*'] if prefix else [])])
        # For a page, "+tasks.id" keeps SQLite from looking up every match by primary key
        # and sorting them all: it walks the list index in page order and stops at a full
        # page. For a count, the primary-key lookups are the cheaper way.
        column = "+tasks.id" if for_page else "tasks.id"
        return text(
            f"{column} IN (SELECT task_id FROM tasks_fts WHERE tasks_fts MATCH :match)"
        ).bindparams(match=match)
    if dialect == "postgresql":
        # Words are letters and digits only, so quoting them is all tsquery syntax needs.
        match = " & ".join([*(f"'{w}'" for w in whole), *([f"'{prefix}':*"] if prefix else [])])
        return text(
            "dondoc_task_words(tasks.notice_number, tasks.id, tasks.work, tasks.result) "
            "@@ to_tsquery('simple', :match)"
        ).bindparams(match=match)
    # Any other database: a case-insensitive substring match of every word as typed.
    raw = re.findall(r"[^\W_]+", query)[:12]
    return and_(
        *[or_(TaskRow.work.ilike(f"%{w}%"), TaskRow.notice_number.ilike(f"%{w}%")) for w in raw]
    )


def pending_extension() -> ColumnElement[bool]:
    """An extension request waits for the office's decision.

    Only tasks that ever asked for more time can have one: those are found in the events
    index first, so only their few statuses are read.
    """
    asked = select(EventRow.task_id).where(EventRow.kind == EventKind.EXTENSION_REQUESTED.value)
    return and_(
        TaskRow.id.in_(asked),
        TaskRow.status["pending_extension"].as_string().is_not(None),
    )


EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)


def local_day_start(day: date) -> datetime:
    """Midnight of ``day`` in Asia/Ho_Chi_Minh; far-off days (year 1, 9999) are clamped to
    dates that still convert to UTC, which filters the same: nothing is due that far off."""
    day = min(max(day, EARLIEST), LATEST)
    return datetime.combine(day, time.min, tzinfo=LOCAL_TZ)


def conditions(
    session: Session, f: TaskFilter, now: datetime, *, for_page: bool = False
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if f.owner:
        where.append(TaskRow.owner == f.owner.upper())
    if f.leader:
        where.append(TaskRow.leader == f.leader.upper())
    if f.notice_key:
        where.append(TaskRow.notice_key == f.notice_key)
    if f.state == OPEN_FILTER:
        where.append(TaskRow.state.in_(OPEN))
    elif f.state:
        where.append(TaskRow.state == f.state)
    if f.status_class:
        where.append(class_condition(f.status_class, now))
    if f.overdue:
        where.append(class_condition(StatusClass.IN_PROGRESS_OVERDUE.value, now))
    if f.escalated:
        where.append(and_(TaskRow.state.in_(OPEN), TaskRow.escalation_step > 0))
    if f.pending_extension:
        where.append(and_(TaskRow.state.in_(OPEN), pending_extension()))
    if f.due_from:
        where.append(TaskRow.deadline_at >= local_day_start(f.due_from))
    if f.due_to:
        where.append(TaskRow.deadline_at < local_day_start(f.due_to + timedelta(days=1)))
    if f.text:
        condition = _text_condition(session, f.text, for_page=for_page)
        if condition is not None:
            where.append(condition)
    return where


def _ordered(query: Select[Any], sort: str) -> Select[Any]:
    if sort == "-deadline":
        return query.order_by(TaskRow.deadline_at.desc(), TaskRow.id.desc())
    if sort == "notice":
        return query.order_by(TaskRow.notice_key.desc(), TaskRow.position)
    if sort == "owner":
        # Ongoing tasks (no deadline) last within an agency, as in the deadline orders;
        # said outright, since SQLite and PostgreSQL put NULLs at opposite ends.
        return query.order_by(TaskRow.owner, TaskRow.deadline_at.asc().nulls_last(), TaskRow.id)
    if sort == "-updated":
        return query.order_by(TaskRow.updated_at.desc(), TaskRow.id.desc())
    return query.order_by(TaskRow.deadline_at, TaskRow.id)


def _count(session: Session, where: list[ColumnElement[bool]]) -> int:
    return session.scalar(select(func.count()).select_from(TaskRow).where(*where)) or 0


def _page_ids(
    session: Session, where: list[ColumnElement[bool]], sort: str, offset: int, limit: int
) -> list[str]:
    ids_query = _ordered(select(TaskRow.id).where(*where), sort)
    if sort not in ("deadline", "-deadline"):
        return list(session.scalars(ids_query.limit(limit).offset(offset)))
    # Dated tasks first (soonest or latest first, as asked), ongoing ones (no deadline)
    # last, on both databases: SQLite and PostgreSQL put NULLs at opposite ends, and
    # "NULLS LAST" would make SQLite sort every row. Two index-ordered segments page
    # without sorting anything.
    dated = ids_query.where(TaskRow.deadline_at.is_not(None))
    ids = list(session.scalars(dated.limit(limit).offset(offset)))
    if len(ids) == limit:
        return ids
    skip = max(0, offset - _count(session, [*where, TaskRow.deadline_at.is_not(None)]))
    by_id = TaskRow.id.desc() if sort == "-deadline" else TaskRow.id
    undated = select(TaskRow.id).where(*where, TaskRow.deadline_at.is_(None)).order_by(by_id)
    return ids + list(session.scalars(undated.limit(limit - len(ids)).offset(skip)))


def search_tasks(
    session: Session,
    f: TaskFilter,
    now: datetime,
    *,
    sort: str = "deadline",
    page: int = 1,
    per_page: int = PER_PAGE,
) -> TaskPage:
    """One page of the tasks matching ``f``, and how many match in all."""
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    total = _count(session, conditions(session, f, now))
    pages = max(1, -(-total // per_page))
    page = max(1, min(page, pages))
    # Page through ids alone first (the indexes cover them), then read those rows only.
    where = conditions(session, f, now, for_page=True)
    ids = _page_ids(
        session, where, sort if sort in SORTS else "deadline", (page - 1) * per_page, per_page
    )
    query = select(*SUMMARY_COLUMNS.values()).where(TaskRow.id.in_(ids))
    rows = {r.id: r for r in session.execute(query)}
    items = [summary_of(rows[i], now) for i in ids if i in rows]
    return TaskPage(items=items, total=total, page=page, per_page=per_page)
