"""The calendar the deployment ships, read from the packaged file, for the domain tests."""

from __future__ import annotations

import importlib.resources
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from dondoc.domain.calendar import WorkingCalendar
from dondoc.domain.vietnam_calendar import CalendarFile, parse_calendar_file, vietnam_calendar

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def shipped_text() -> str:
    return (importlib.resources.files("dondoc") / "data" / "calendar.yaml").read_text("utf-8")


@pytest.fixture(scope="session")
def shipped() -> CalendarFile:
    return parse_calendar_file(shipped_text())


@pytest.fixture(scope="session")
def shipped_cal(shipped: CalendarFile) -> WorkingCalendar:
    """2025–2030 as a task issued in 2026 sees it (deployment.YEARS_BEFORE/AFTER)."""
    return vietnam_calendar(range(2025, 2031), shipped)


def vn(y: int, m: int, d: int, hh: int = 17, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN)
