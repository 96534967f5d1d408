"""Calendar years for the tests: the shipped year with one more day off, as a file."""

from __future__ import annotations

from datetime import date
from importlib.resources import files

import yaml

from dondoc.domain.vietnam_calendar import CalendarEntry, CalendarFile, parse_calendar_file


def year_with_day_off(year: int, day: date) -> CalendarFile:
    """The shipped calendar's ``year``, with ``day`` made a day off by the office."""
    shipped = parse_calendar_file((files("dondoc.data") / "calendar.yaml").read_text("utf-8"))
    entries = [e for e in shipped.years[year] if e.date != day]
    entries.append(
        CalendarEntry(
            date=day,
            kind="day_off",
            standing="office",
            note="Nghỉ bù theo quyết định của UBND tỉnh.",
            document="Quyết định số 99/QĐ-UBND",
        )
    )
    return CalendarFile(years={year: tuple(sorted(entries, key=lambda e: e.date))})


def as_yaml(replacement: CalendarFile) -> str:
    return yaml.safe_dump(
        {
            "years": {
                y: [e.model_dump(mode="json") for e in es] for y, es in replacement.years.items()
            }
        },
        allow_unicode=True,
        sort_keys=False,
    )
