"""Hand a long-lived workflow the deployment's current working calendar."""

from __future__ import annotations

import asyncio
from datetime import date

from temporalio import activity

from dondoc.domain.calendar import WorkingCalendar
from dondoc.settings import Settings
from dondoc.store.calendars import calendar_in_force
from dondoc.store.db import session_scope


class CalendarActivities:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def _in_force(self, around: date) -> WorkingCalendar:
        with session_scope(self._settings.database_url) as session:
            return calendar_in_force(session, self._settings, around)

    @activity.defn(name="working_calendar")
    async def working_calendar(self, around: date) -> WorkingCalendar:
        """The calendar for years around ``around``: holidays decided since the task began,
        years loaded since included."""
        return await asyncio.to_thread(self._in_force, around)
