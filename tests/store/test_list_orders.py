"""Every order of the task list, page after page, is the same on SQLite and PostgreSQL
(which disagree on where NULLs sort: ongoing tasks have no deadline)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from dondoc.domain.deadlines import Deadline, DeadlineKind
from dondoc.domain.notice import Notice
from dondoc.domain.task import TaskSpec, TaskStatus
from dondoc.store.db import session_scope
from dondoc.store.notices import record_notice
from dondoc.store.task_search import SORTS, TaskFilter, search_tasks
from dondoc.store.tasks import save_task

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
# (owner, days to the deadline or None for ongoing work, days since the last change)
TASKS = [
    ("SNGV", 5, 1), ("STC", None, 2), ("SNGV", None, 3), ("STC", 2, 4), ("SNGV", 2, 5),
    ("STC", 9, 6), ("SNGV", None, 7), ("STC", 5, 8),
]  # fmt: skip


def _load(url: str) -> list[str]:
    ids: list[str] = []
    for n, number in enumerate(("31/TB-UBND", "32/TB-UBND")):
        key = f"2026-{number.replace('/', '-')}"
        specs: list[tuple[TaskSpec, TaskStatus, datetime]] = []
        for position, (owner, days, age) in enumerate(TASKS[n * 4 : n * 4 + 4], start=1):
            due = (
                Deadline(phrase="thường xuyên", kind=DeadlineKind.ONGOING, due=None)
                if days is None
                else Deadline(phrase="hạn", kind=DeadlineKind.DATE, due=NOW + timedelta(days))
            )
            spec = TaskSpec(
                id=f"{key}-{position}", position=position, notice_key=key, notice_number=number,
                notice_date=date(2026, 11, 20), notice_subject="Kết luận", leader="PCT-VINH",
                owner=owner, work=f"Việc {position}", deadline=due,
            )  # fmt: skip
            status = TaskStatus(
                task_id=spec.id, owner=owner, deadline=due, original_deadline=due,
                assigned_at=NOW,
            )  # fmt: skip
            specs.append((spec, status, NOW - timedelta(hours=age)))
        notice = Notice(
            key=key, number=number, date=date(2026, 11, 20), leader="PCT-VINH", signer=None,
            subject="Kết luận", tasks=tuple(s for s, _, _ in specs),
        )  # fmt: skip
        with session_scope(url) as session:
            record_notice(session, notice, NOW)
            for spec, status, changed in specs:
                save_task(session, spec, status, changed)
                ids.append(spec.id)
    return ids


def _expected(ids: list[str], sort: str) -> list[str]:
    rows = [(i, *TASKS[n]) for n, i in enumerate(ids)]
    dated = [r for r in rows if r[2] is not None]
    ongoing = [r for r in rows if r[2] is None]
    if sort == "deadline":
        return [r[0] for r in sorted(dated, key=lambda r: (r[2], r[0]))] + sorted(
            r[0] for r in ongoing
        )
    if sort == "-deadline":
        latest = sorted(dated, key=lambda r: (r[2], r[0]), reverse=True)
        return [r[0] for r in latest] + sorted((r[0] for r in ongoing), reverse=True)
    if sort == "owner":
        return [r[0] for r in sorted(rows, key=lambda r: (r[1], r[2] is None, r[2] or 0, r[0]))]
    if sort == "-updated":
        return [r[0] for r in sorted(rows, key=lambda r: r[3])]
    assert sort == "notice"
    return [i for i in ids if i.startswith("2026-32")] + [i for i in ids if i.startswith("2026-31")]


@pytest.mark.parametrize("sort", SORTS)
def test_each_order_pages_through_every_task_once_ongoing_last(
    database_url: str, sort: str
) -> None:
    ids = _load(database_url)
    seen: list[str] = []
    with session_scope(database_url) as session:
        for page in (1, 2, 3):
            result = search_tasks(session, TaskFilter(), NOW, sort=sort, page=page, per_page=3)
            assert result.total == len(TASKS) and result.pages == 3
            seen += [t.id for t in result.items]
    assert seen == _expected(ids, sort)
