"""Every day of the calendar carries its standing (issue 13: official, provisional, office).

The 2027 Tết days are the holidays package's guess and must say so; the 24/11 holiday is
enacted by Nghị quyết 28/2026/QH16; the package is pinned to the release whose guess
the file records.
"""

from __future__ import annotations

import tomllib
from datetime import date
from importlib.metadata import version
from pathlib import Path

import holidays
import pytest
from calendar_support import shipped_text

from dondoc.domain.calendar import (
    ORDINARY_WEEK,
    UNRECORDED,
    DayStanding,
    Standing,
    StandingGroup,
    WorkingCalendar,
)
from dondoc.domain.formatting import format_provisional_days, format_standing
from dondoc.domain.vietnam_calendar import (
    CULTURE_DAY,
    HOLIDAYS_VERSION,
    LABOR_CODE,
    PACKAGE_RULE,
    CalendarFile,
    parse_overrides,
    vietnam_calendar,
)

PYPROJECT = Path(__file__).parents[2] / "pyproject.toml"
TET_2027 = [date(2027, 2, d) for d in range(4, 11)]


def test_the_2027_tet_days_are_provisional(shipped_cal: WorkingCalendar) -> None:
    for day in TET_2027:
        assert not shipped_cal.is_working_day(day), day
        standing = shipped_cal.standing_of(day)
        assert standing.standing == Standing.PROVISIONAL, day
        assert "holidays 0.109" in standing.source
    assert shipped_cal.is_working_day(date(2027, 2, 3))
    assert shipped_cal.is_working_day(date(2027, 2, 11))


def test_the_day_next_to_national_day_2027_is_provisional(shipped_cal: WorkingCalendar) -> None:
    assert shipped_cal.standing_of(date(2027, 9, 2)).standing == Standing.OFFICIAL
    assert shipped_cal.standing_of(date(2027, 9, 3)).standing == Standing.PROVISIONAL


def test_24_11_is_off_and_cites_the_national_assembly(shipped_cal: WorkingCalendar) -> None:
    for year in (2026, 2027, 2028, 2029, 2030):
        day = date(year, 11, 24)
        assert not shipped_cal.is_working_day(day), day
        standing = shipped_cal.standing_of(day)
        assert standing.standing == Standing.OFFICIAL
        assert "Nghị quyết số 28/2026/QH16" in standing.source
        assert "hiệu lực từ 01/07/2026" in standing.source
    assert shipped_cal.is_working_day(date(2025, 11, 24))  # before the law


def test_no_entry_cites_the_governments_action_programme_for_24_11() -> None:
    assert "30/NQ-CP" not in shipped_text()
    assert "30/NQ-CP" not in CULTURE_DAY


def test_every_shipped_entry_has_a_standing_and_a_source(shipped: CalendarFile) -> None:
    assert set(shipped.years) == {2026, 2027}
    for entry in shipped.entries():
        assert entry.document.strip() and entry.note.strip()
        if entry.standing == Standing.PROVISIONAL:
            assert entry.date.year == 2027


def test_2026_is_official_throughout(shipped_cal: WorkingCalendar) -> None:
    assert shipped_cal.provisional_days(date(2026, 1, 1), date(2026, 12, 31)) == ()


def test_years_after_the_file_come_from_the_rules(shipped_cal: WorkingCalendar) -> None:
    new_year = shipped_cal.standing_of(date(2028, 1, 1))
    assert (new_year.standing, new_year.source) == (Standing.OFFICIAL, LABOR_CODE)
    tet = shipped_cal.standing_of(date(2028, 1, 26))
    assert (tet.standing, tet.source) == (Standing.PROVISIONAL, PACKAGE_RULE)
    assert not shipped_cal.is_working_day(date(2028, 1, 26))


def test_ordinary_days_stand_on_the_40_hour_week(shipped_cal: WorkingCalendar) -> None:
    monday = shipped_cal.standing_of(date(2026, 12, 7))
    sunday = shipped_cal.standing_of(date(2026, 12, 6))
    for standing in (monday, sunday):
        assert (standing.standing, standing.source) == (Standing.OFFICIAL, ORDINARY_WEEK)


def test_a_calendar_recorded_before_standings_calls_its_holidays_unsure() -> None:
    # The JSON a workflow started before this change carries in its input.
    old = WorkingCalendar.model_validate_json(
        '{"tz":"Asia/Ho_Chi_Minh","days_off":["2026-11-24"],"extra_working_days":[],'
        '"day_start":"08:00:00","day_end":"17:00:00"}'
    )
    assert not old.is_working_day(date(2026, 11, 24))
    standing = old.standing_of(date(2026, 11, 24))
    assert (standing.standing, standing.source) == (Standing.PROVISIONAL, UNRECORDED)


def test_provisional_days_leave_out_weekend_days_off(shipped_cal: WorkingCalendar) -> None:
    days = shipped_cal.provisional_days(date(2027, 2, 1), date(2027, 2, 14))
    # Mùng 1 and mùng 2 (Saturday 6/2 and Sunday 7/2) are off whatever is decided.
    assert [d.date for d in days] == [date(2027, 2, d) for d in (4, 5, 8, 9, 10)]
    sentence = format_provisional_days(days)
    assert sentence is not None
    assert sentence.startswith("Kế hoạch này dựa trên ngày chưa chính thức trong lịch: thứ Năm")
    assert format_provisional_days(()) is None


def test_the_console_line_of_a_day(shipped: CalendarFile) -> None:
    (entry,) = [e for e in shipped.years[2027] if e.date == date(2027, 2, 4)]
    line = format_standing(entry.day_standing())
    assert line.startswith("thứ Năm 04/02/2027 — dự kiến, chưa chính thức: Dự kiến của thư viện")
    assert line.endswith("(Tết Nguyên đán Đinh Mùi (dự kiến): 29 tháng Chạp.)")


def test_a_day_has_one_standing_at_most() -> None:
    twice = {date(2027, 2, 4)}
    with pytest.raises(ValueError, match="ngày 04/02/2027 có hai căn cứ"):
        WorkingCalendar(
            standings=(
                StandingGroup(standing=Standing.OFFICIAL, source="a", days=frozenset(twice)),
                StandingGroup(standing=Standing.PROVISIONAL, source="b", days=frozenset(twice)),
            )
        )


def test_the_frozen_calendar_stays_small(shipped_cal: WorkingCalendar) -> None:
    # Copied into every task's workflow input: standings are grouped by source, no notes.
    assert len(shipped_cal.model_dump_json()) < 5000
    again = WorkingCalendar.model_validate_json(shipped_cal.model_dump_json())
    assert again == shipped_cal
    assert again.standing_of(date(2027, 2, 4)).standing == Standing.PROVISIONAL


def test_the_flat_overrides_api_gives_the_same_calendar(shipped: CalendarFile) -> None:
    # parse_overrides (used by the parser corpus and the benchmark) flattens the years.
    years = range(2025, 2031)
    flat = vietnam_calendar(years, parse_overrides(shipped_text()))
    full = vietnam_calendar(years, shipped)
    assert flat.days_off == full.days_off
    assert flat.extra_working_days == full.extra_working_days
    assert [flat.standing_of(d) for d in sorted(full.days_off)] == [
        full.standing_of(d) for d in sorted(full.days_off)
    ]


def test_the_file_lists_every_day_the_pinned_package_would_give(shipped: CalendarFile) -> None:
    # A complete year replaces the package: it must not drop a day the package knows.
    for year, entries in shipped.years.items():
        package = {
            d for d in holidays.country_holidays("VN", years=year, observed=True) if d.year == year
        }
        listed = {e.date for e in entries if e.kind == "day_off"}
        assert package <= listed, (year, sorted(package - listed))


def test_holidays_is_pinned_to_the_release_the_file_records() -> None:
    dependencies = tomllib.loads(PYPROJECT.read_text("utf-8"))["project"]["dependencies"]
    (pin,) = [d for d in dependencies if d.startswith("holidays")]
    assert pin == f"holidays=={HOLIDAYS_VERSION}"
    assert version("holidays") == HOLIDAYS_VERSION
    assert f"holidays {HOLIDAYS_VERSION}" in shipped_text()


def test_day_standings_compare_by_value() -> None:
    a = DayStanding(date=date(2027, 2, 4), standing=Standing.OFFICE, source="Quyết định số 1")
    assert a == DayStanding(date=date(2027, 2, 4), standing="office", source="Quyết định số 1")
    assert not a.is_provisional
