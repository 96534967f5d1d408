"""The working calendar in force: the calendar file, with the years loaded since laid
over it (``dondoc calendar load``, the console's calendar page).

Every edge that needs a task's calendar asks here — issuing a notice, a workflow that
continues as new, a mail that counts days — so a loaded year reaches all of them.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dondoc.deployment import calendar_for, calendar_with
from dondoc.domain.calendar import WorkingCalendar
from dondoc.domain.vietnam_calendar import CalendarEntry, CalendarFile
from dondoc.settings import Settings
from dondoc.store.tables import CalendarYearRow


def loaded_years(session: Session) -> CalendarFile:
    rows = session.scalars(select(CalendarYearRow).order_by(CalendarYearRow.year))
    return CalendarFile(
        years={r.year: tuple(CalendarEntry.model_validate(e) for e in r.entries) for r in rows}
    )


def loaded_rows(session: Session) -> list[CalendarYearRow]:
    return list(session.scalars(select(CalendarYearRow).order_by(CalendarYearRow.year)))


def save_years(
    session: Session, replacement: CalendarFile, *, source: str, actor: str, now: datetime
) -> list[int]:
    """Keep ``replacement``'s years (each replaces the one loaded before); their numbers."""
    for year, entries in replacement.years.items():
        row = session.get(CalendarYearRow, year) or CalendarYearRow(year=year)
        row.entries = [e.model_dump(mode="json") for e in entries]
        row.source = source
        row.loaded_by = actor
        row.loaded_at = now
        session.add(row)
    return sorted(replacement.years)


def _version(session: Session) -> str:
    """Changes whenever a year is loaded: the cache key of the calendars built from them."""
    count, last = session.execute(select(func.count(), func.max(CalendarYearRow.loaded_at))).one()
    return f"{count}:{last.isoformat() if last else ''}"


_built: dict[tuple[object, int, str], WorkingCalendar] = {}
"""Calendars built from loaded years, by (calendar file, notice year, loaded version):
building one reads the holidays of six years, which a notice of 200 tasks needs once."""


def calendar_in_force(session: Session, settings: Settings, around: date) -> WorkingCalendar:
    """The calendar for a task issued on ``around``, loaded years included."""
    version = _version(session)
    if version.startswith("0:"):
        return calendar_for(settings, around)
    key = (settings.calendar_file, around.year, version)
    if key not in _built:
        if len(_built) > 64:
            _built.clear()
        _built[key] = calendar_with(settings, around, loaded_years(session))
    return _built[key]
