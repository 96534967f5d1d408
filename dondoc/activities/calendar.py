"""Hand a long-lived workflow the deployment's current working calendar."""

from __future__ import annotations

from datetime import date

from temporalio import activity

from dondoc.deployment import calendar_for
from dondoc.domain.calendar import WorkingCalendar
from dondoc.settings import Settings


class CalendarActivities:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    @activity.defn(name="working_calendar")
    async def working_calendar(self, around: date) -> WorkingCalendar:
        """The calendar for years around ``around``: holidays decided since the task began."""
        return calendar_for(self._settings, around)
