"""Issued notices: what was issued, so issuing the same number again starts nothing."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dondoc.domain.notice import Notice
from dondoc.store.tables import NoticeRow


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
