"""The calendar the deployment ships, read from the packaged file, for the domain tests."""

from __future__ import annotations

import pytest
from calendar_support import shipped_text

from dondoc.domain.calendar import WorkingCalendar
from dondoc.domain.vietnam_calendar import CalendarFile, parse_calendar_file, vietnam_calendar


@pytest.fixture(scope="session")
def shipped() -> CalendarFile:
    return parse_calendar_file(shipped_text())


@pytest.fixture(scope="session")
def shipped_cal(shipped: CalendarFile) -> WorkingCalendar:
    """2025–2030 as a task issued in 2026 sees it (deployment.YEARS_BEFORE/AFTER)."""
    return vietnam_calendar(range(2025, 2031), shipped)
