"""A task's story in plain words: each event, who acted, which mail went to whom, and
whether it arrived; then what the workflow plans next.

Built from the audit trail (``events``) and the outbox, with the words of the mail
subjects and event labels; the console, the API and ``dondoc tasks show`` all tell it
from here, in the same words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dondoc.domain.events import EVENT_LABELS, EventKind
from dondoc.domain.mail import SUBJECT_ACTIONS, MailKind
from dondoc.domain.view import PlannedStep
from dondoc.store.events import list_events
from dondoc.store.outbox import list_for_task
from dondoc.store.tables import AgencyRow, LeaderRow, OfficeRow, UserRow

# System events whose own summary only names the mail they sent (in code words); their
# mails say it better.
_MAIL_ONLY = {
    EventKind.REMINDED,
    EventKind.NUDGED,
    EventKind.OVERDUE,
    EventKind.ESCALATED,
    EventKind.REPORT_DUE,
}
DELIVERY_LABELS = {
    "sent": "đã gửi",
    "pending": "đang chờ gửi",
    "sending": "đang gửi",
    "failed": "gửi chưa được, đang thử lại",
    "bounced": "bị máy chủ thư từ chối",
}
DUPLICATE_NOTE = (
    " (có thể đến hai lần: lần gửi trước bị gián đoạn đúng lúc máy chủ thư trả lời; "
    "hai bản giống hệt nhau)"
)
_KIND_IN_QUOTES = re.compile(r"«([a-z_]+)»")


@dataclass
class MailLine:
    kind: str
    label: str
    recipient: str
    addresses: list[str]
    status: str
    status_label: str
    sent_at: datetime | None = None
    error: str | None = None


@dataclass
class Entry:
    at: datetime
    kind: str
    label: str
    actor: str
    text: str
    mails: list[MailLine] = field(default_factory=list)


class Names:
    """Codes and actors to names, read once per page."""

    def __init__(self, session: Session) -> None:
        self._codes: dict[str, str] = {}
        for table in (OfficeRow, LeaderRow, AgencyRow):
            self._codes.update(dict(session.execute(select(table.code, table.name)).all()))
        self._users = dict(session.execute(select(UserRow.username, UserRow.display_name)).all())

    def code(self, code: str) -> str:
        return self._codes.get(code, code)

    def actor(self, actor: str) -> str:
        kind, _, name = actor.partition(":")
        if actor == "system":
            return "Hệ thống"
        if kind == "agency":
            return self.code(name.upper())
        if kind == "user":
            shown = self._users.get(name)
            return f"{shown} ({name})" if shown and shown != name else name
        if kind == "api":
            return f"Hệ thống tích hợp «{name}»"
        return actor


def mail_label(kind: str) -> str:
    try:
        return SUBJECT_ACTIONS[MailKind(kind)]
    except ValueError:
        return kind


def _readable(summary: str) -> str:
    """Mail kinds quoted in a summary («reminder») become their names («Nhắc thời hạn»)."""
    return _KIND_IN_QUOTES.sub(lambda m: f"«{mail_label(m.group(1))}»", summary)


def timeline(session: Session, task_id: str, names: Names) -> list[Entry]:
    mails_by_event: dict[str, list[MailLine]] = {}
    for row in list_for_task(session, task_id):
        mails_by_event.setdefault(row.event_id, []).append(
            MailLine(
                kind=row.kind,
                label=mail_label(row.kind),
                recipient=names.code(row.recipient),
                addresses=list(row.to_addrs),
                status=row.status,
                status_label=DELIVERY_LABELS.get(row.status, row.status)
                + (DUPLICATE_NOTE if row.duplicate_risk else ""),
                sent_at=row.sent_at,
                error=row.last_error,
            )
        )
    entries = []
    for event in list_events(session, task_id):
        try:
            kind = EventKind(event.kind)
            label = EVENT_LABELS[kind]
        except ValueError:
            kind, label = None, event.kind
        text = "" if kind in _MAIL_ONLY and event.actor == "system" else _readable(event.summary)
        mails = mails_by_event.get(event.id, [])
        # Mails the event ordered that the outbox has not reserved yet.
        for ordered in event.data.get("mails", []):
            if not any(m.kind == ordered.get("kind") for m in mails):
                for code in ordered.get("to", []) + ordered.get("cc", []):
                    mails.append(
                        MailLine(
                            kind=ordered.get("kind", ""),
                            label=mail_label(ordered.get("kind", "")),
                            recipient=names.code(code),
                            addresses=[],
                            status="pending",
                            status_label=DELIVERY_LABELS["pending"],
                        )
                    )
        entries.append(
            Entry(
                at=event.at,
                kind=event.kind,
                label=label,
                actor=names.actor(event.actor),
                text=text,
                mails=mails,
            )
        )
    return entries


@dataclass
class PlanLine:
    at: datetime
    label: str
    to: list[str]
    cc: list[str]


def planned(steps: list[PlannedStep], names: Names) -> list[PlanLine]:
    return [
        PlanLine(
            at=s.at,
            label=mail_label(s.mail.value),
            to=[names.code(c) for c in s.to],
            cc=[names.code(c) for c in s.cc],
        )
        for s in steps
    ]
