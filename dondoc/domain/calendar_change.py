"""What a change of the calendar does to a running task, as pure answers.

When the Ministry announces the real days of a year that was provisional, every open
task gets the new calendar. Its reminders simply follow (they were never promised), but
a deadline already communicated to an agency does not move by itself: the office is
shown each task whose deadline the new calendar would move, and confirms the move or
keeps the old date. These functions answer "would it move, to what, and why" and
"which days of a plan are still a guess", so the workflow, the CLI and the console
only ask.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from dondoc.domain.calendar import STANDING_LABELS, DayStanding, WorkingCalendar, day_label
from dondoc.domain.deadlines import (
    Deadline,
    DeadlineError,
    DeadlineKind,
    NamedDayOff,
    re_resolve,
)
from dondoc.domain.formatting import format_moment


class DeadlineChange(BaseModel):
    """A deadline read under the old and under the new calendar.

    ``current`` is what the task holds (what the agency was told); ``under_old`` and
    ``under_new`` are its words resolved under each calendar. ``moved`` is what this
    change of calendar does; ``differs_from_current`` also catches a deadline the office
    kept at an earlier change. ``changed_days`` are the days of the deadline's span that
    one calendar works and the other does not. ``readable`` is false for a deadline whose
    words cannot be read again (then nothing is proposed).
    """

    model_config = ConfigDict(frozen=True)

    current: Deadline
    under_old: Deadline
    under_new: Deadline
    changed_days: tuple[date, ...] = ()
    readable: bool = True

    @property
    def moved(self) -> bool:
        return self.under_old.due != self.under_new.due

    @property
    def differs_from_current(self) -> bool:
        return self.under_new.due != self.current.due

    def describe(self) -> str:
        """The sentence for the office's list and the task's timeline."""
        phrase = f"Thời hạn «{self.current.phrase}»"
        if not self.moved or self.under_new.due is None or self.under_old.due is None:
            return f"{phrase} không đổi theo lịch mới."
        why = ""
        if self.changed_days:
            why = " (ngày thay đổi: " + ", ".join(day_label(d) for d in self.changed_days) + ")"
        return (
            f"{phrase}: theo lịch mới, hạn là {format_moment(self.under_new.due)} thay vì "
            f"{format_moment(self.under_old.due)}{why}."
        )


class DayChange(BaseModel):
    """One day that a new calendar works differently, or on a different footing."""

    model_config = ConfigDict(frozen=True)

    date: date
    was_working: bool
    is_working: bool
    before: DayStanding
    after: DayStanding

    def describe(self) -> str:
        def what(working: bool) -> str:
            return "ngày làm việc" if working else "ngày nghỉ"

        if self.was_working != self.is_working:
            return f"{day_label(self.date)}: {what(self.was_working)} → {what(self.is_working)}"
        return (
            f"{day_label(self.date)}: {what(self.is_working)}, "
            f"{STANDING_LABELS[self.before.standing]} → {STANDING_LABELS[self.after.standing]}"
        )


def compare_deadline(
    deadline: Deadline,
    notice_date: date,
    old: WorkingCalendar,
    new: WorkingCalendar,
    *,
    named_day_off: NamedDayOff = NamedDayOff.PREVIOUS_WORKING_DAY,
) -> DeadlineChange:
    """Whether ``deadline`` would fall elsewhere under ``new`` than under ``old``.

    The deadline is read again from its own words and start (``re_resolve``), so an
    extension counted from the office's decision stays counted from it. Never raises
    for words it cannot read: workflow code calls this inside an Update.
    """
    if deadline.kind == DeadlineKind.ONGOING:
        return DeadlineChange(current=deadline, under_old=deadline, under_new=deadline)
    try:
        under_old = re_resolve(deadline, notice_date, old, named_day_off=named_day_off)
        under_new = re_resolve(deadline, notice_date, new, named_day_off=named_day_off)
    except (DeadlineError, ValueError):
        return DeadlineChange(
            current=deadline, under_old=deadline, under_new=deadline, readable=False
        )
    days = _span(under_old) + _span(under_new)
    changed = old.differing_days(new, min(days), max(days)) if days else ()
    return DeadlineChange(
        current=deadline, under_old=under_old, under_new=under_new, changed_days=changed
    )


def plan_rests_on(
    calendar: WorkingCalendar, moments: Iterable[datetime], *, since: datetime
) -> tuple[DayStanding, ...]:
    """The provisional days a plan of follow-up moments depends on.

    Every moment counted in working days from ``since`` (the assignment, a deadline)
    depends on each day between, so the provisional days from ``since`` to the last
    moment are returned, in order; none for an empty plan.
    """
    zone = calendar.zone()
    days = [m.astimezone(zone).date() for m in moments]
    if not days:
        return ()
    first = min(since.astimezone(zone).date(), *days)
    return calendar.provisional_days(first, max(days))


def calendar_changes(
    old: WorkingCalendar, new: WorkingCalendar, first: date, last: date
) -> tuple[DayChange, ...]:
    """Days from ``first`` to ``last`` that ``new`` works differently or on another footing.

    What ``dondoc calendar load`` and the admin page show before a year is replaced.
    """
    result: list[DayChange] = []
    for day in old.differing_days(new, first, last) + _standing_changes(old, new, first, last):
        result.append(
            DayChange(
                date=day,
                was_working=old.is_working_day(day),
                is_working=new.is_working_day(day),
                before=old.standing_of(day),
                after=new.standing_of(day),
            )
        )
    return tuple(sorted({c.date: c for c in result}.values(), key=lambda c: c.date))


def _standing_changes(
    old: WorkingCalendar, new: WorkingCalendar, first: date, last: date
) -> tuple[date, ...]:
    known = {d for group in old.standings + new.standings for d in group.days}
    return tuple(
        d
        for d in sorted(known)
        if first <= d <= last and old.standing_of(d).standing != new.standing_of(d).standing
    )


def _span(deadline: Deadline) -> list[date]:
    """The days the deadline's due day was worked out from."""
    days: list[date] = []
    if deadline.due is not None:
        days.append(deadline.due.date())
    if deadline.named_day is not None:
        days.append(deadline.named_day)
    if deadline.counted_from is not None:
        days.append(deadline.counted_from.day)
    return days
