"""Build the Vietnamese public-service calendar from the ``holidays`` package plus overrides.

The statutory holidays (Labor Code 2019, art. 112: Tết Dương lịch, five days of lunar Tết,
Giỗ Tổ Hùng Vương, 30/4, 1/5, 2/9 and the day next to it, and from 2026 the Ngày Văn hóa
Việt Nam on 24/11) and the compensatory days for holidays that fall on a weekend come from
``holidays``. What it cannot know in advance are the swaps the Ministry of Home Affairs
announces each year for public servants (a Friday off in exchange for a Saturday worked),
so those live in a reviewed overrides file (``dondoc/data/calendar.yaml``) that names the
document approving each swap. Overrides win over the package.

Reading the file is left to the caller; this module only parses its text, so it stays
free of I/O.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, Literal

import holidays
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dondoc.domain.calendar import WorkingCalendar


class CalendarOverride(BaseModel):
    """One decided change to the ordinary calendar, with the document that decided it."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    date: dt.date
    kind: Literal["day_off", "working_day"]
    note: str = Field(min_length=1)
    document: str = Field(min_length=1)


def parse_overrides(yaml_text: str) -> list[CalendarOverride]:
    """Parse the overrides file; every error names the entry (counted from 1) and field.

    The expected shape is a mapping with one key, ``overrides``, holding a list of
    entries. A date may appear only once: two entries for one day would mean the file
    contradicts itself or was edited twice, and either way a person should look.
    """
    try:
        data: Any = yaml.load(yaml_text, Loader=_DatesAsTextLoader)  # a SafeLoader subclass
    except yaml.YAMLError as err:
        raise ValueError(f"tệp lịch không phải YAML hợp lệ: {err}") from err
    if data is None:
        return []
    if not isinstance(data, dict) or "overrides" not in data:
        raise ValueError("tệp lịch phải là một bảng có khóa «overrides» chứa danh sách các mục")
    unknown = sorted(str(key) for key in data if key != "overrides")
    if unknown:
        raise ValueError(f"tệp lịch có khóa không được hỗ trợ: {', '.join(unknown)}")
    entries = data["overrides"]
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise ValueError("khóa «overrides» phải là một danh sách các mục")

    result: list[CalendarOverride] = []
    seen: dict[dt.date, int] = {}
    for index, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise ValueError(
                f"mục thứ {index}: phải là một bảng gồm các trường date, kind, note, document"
            )
        try:
            override = CalendarOverride.model_validate(entry)
        except ValidationError as err:
            raise ValueError(_describe_error(index, err)) from err
        if override.date in seen:
            raise ValueError(
                f"mục thứ {index}, trường «date»: ngày {override.date:%d/%m/%Y} "
                f"đã có ở mục thứ {seen[override.date]}"
            )
        seen[override.date] = index
        result.append(override)
    return result


def vietnam_calendar(
    years: Iterable[int],
    overrides: Iterable[CalendarOverride] = (),
    *,
    day_start: dt.time = dt.time(8),
    day_end: dt.time = dt.time(17),
) -> WorkingCalendar:
    """The public-service calendar for ``years``, with ``overrides`` applied last.

    Weekend make-up days that the package itself knows (``weekend_workdays``) are kept,
    so a swap that the package already carries does not need repeating in the file.
    """
    wanted = set(years)
    public = holidays.country_holidays("VN", years=sorted(wanted), observed=True)
    days_off: set[dt.date] = set(public.keys())
    # The package reports make-up Saturdays of every year it knows, whichever years were
    # asked for; keeping only the requested years keeps workflow inputs small and stable.
    extra_working_days: set[dt.date] = {
        day for day in getattr(public, "weekend_workdays", set()) if day.year in wanted
    }
    for override in overrides:
        if override.kind == "day_off":
            days_off.add(override.date)
            extra_working_days.discard(override.date)
        else:
            extra_working_days.add(override.date)
            days_off.discard(override.date)
    return WorkingCalendar(
        days_off=frozenset(days_off),
        extra_working_days=frozenset(extra_working_days),
        day_start=day_start,
        day_end=day_end,
    )


class _DatesAsTextLoader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text.

    PyYAML turns ``2026-02-30`` into a bare ``ValueError`` with no position, so dates are
    handed to pydantic as strings instead, where a bad one is reported with its entry.
    """


_DatesAsTextLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _describe_error(index: int, err: ValidationError) -> str:
    """Turn pydantic's first complaint into a sentence an office clerk can act on."""
    first = err.errors()[0]
    field = str(first["loc"][0]) if first["loc"] else ""
    kind = first["type"]
    if kind == "missing":
        reason = "thiếu giá trị"
    elif kind == "extra_forbidden":
        reason = "trường không được hỗ trợ (chỉ dùng date, kind, note, document)"
    elif field == "date":
        reason = f"«{first.get('input')}» không phải ngày hợp lệ (viết dạng YYYY-MM-DD)"
    elif field == "kind":
        reason = f"«{first.get('input')}» không hợp lệ, phải là «day_off» hoặc «working_day»"
    elif kind == "string_too_short":
        reason = "không được để trống"
    elif kind == "string_type":
        reason = "phải là một chuỗi văn bản"
    else:
        reason = first["msg"]
    return f"mục thứ {index}, trường «{field}»: {reason}"
