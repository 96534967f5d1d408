"""The agency's morning digest: its open tasks sorted into what needs attention first."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from dondoc.domain.calendar import WorkingCalendar


class DigestItem(BaseModel):
    task_id: str
    notice_number: str
    work: str
    deadline: datetime | None
    deadline_phrase: str
    state: str


class Digest(BaseModel):
    agency: str
    day: date
    overdue: list[DigestItem]
    due_soon: list[DigestItem]
    later: list[DigestItem]

    @property
    def total(self) -> int:
        return len(self.overdue) + len(self.due_soon) + len(self.later)


SOON_WORKING_DAYS = 5


def build_digest(
    agency: str, day: date, items: list[DigestItem], cal: WorkingCalendar, now: datetime
) -> Digest:
    """Overdue first (oldest first), then due within five working days, then the rest."""
    horizon = cal.end_of_day(cal.add_working_days(day, SOON_WORKING_DAYS))
    ordered = sorted(items, key=lambda i: (i.deadline is None, i.deadline or now))
    return Digest(
        agency=agency,
        day=day,
        overdue=[i for i in ordered if i.deadline is not None and i.deadline < now],
        due_soon=[i for i in ordered if i.deadline is not None and now <= i.deadline <= horizon],
        later=[i for i in ordered if i.deadline is None or i.deadline > horizon],
    )
