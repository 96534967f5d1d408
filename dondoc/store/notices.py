"""Issued notices: what was issued, so issuing the same number again starts nothing."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from dondoc.domain.notice import Notice
from dondoc.domain.task import StatusClass
from dondoc.store.tables import NoticeRow, TaskRow
from dondoc.store.task_search import OPEN, live_class


def fingerprint(notice: Notice) -> str:
    """A hash of what the notice asks, to tell a re-run from a different notice reusing a number."""
    payload = notice.model_dump(mode="json")
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def get_notice(session: Session, key: str) -> NoticeRow | None:
    return session.get(NoticeRow, key)


def record_notice(session: Session, notice: Notice, now: datetime) -> NoticeRow:
    row = NoticeRow(
        key=notice.key,
        number=notice.number,
        date=notice.date,
        leader=notice.leader,
        subject=notice.subject,
        signer=notice.signer.model_dump() if notice.signer else None,
        fingerprint=fingerprint(notice),
        issued_at=now,
    )
    session.add(row)
    return row


def list_notices(session: Session) -> list[NoticeRow]:
    return list(session.scalars(select(NoticeRow).order_by(NoticeRow.date.desc(), NoticeRow.key)))


def task_counts(
    session: Session, keys: list[str], now: datetime
) -> dict[str, tuple[int, int, int]]:
    """Per notice: how many tasks, how many open, how many overdue as of ``now``."""
    overdue = case((live_class(now) == StatusClass.IN_PROGRESS_OVERDUE.value, 1), else_=0)
    rows = session.execute(
        select(
            TaskRow.notice_key,
            func.count(),
            func.sum(case((TaskRow.state.in_(OPEN), 1), else_=0)),
            func.sum(overdue),
        )
        .where(TaskRow.notice_key.in_(keys))
        .group_by(TaskRow.notice_key)
    )
    return {key: (n, int(o or 0), int(late or 0)) for key, n, o, late in rows}
