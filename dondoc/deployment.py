"""The deployment's data files: the working calendar and the follow-up policies.

Each has a packaged default under ``dondoc/data/``; ``DONDOC_CALENDAR_FILE`` and
``DONDOC_POLICY_FILE`` point at the deployment's own copies. A year replaced by
``dondoc calendar load`` is read here too (``read_year_replacement``) and laid over the
calendar file with ``calendar_with``; where the loaded years are kept is the caller's.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

import yaml
from pydantic import ValidationError

from dondoc.domain.calendar import WorkingCalendar
from dondoc.domain.policy import Policy, PolicyBook
from dondoc.domain.vietnam_calendar import (
    CalendarFile,
    parse_calendar_file,
    parse_year_replacement,
    vietnam_calendar,
)
from dondoc.settings import Settings

# A task's calendar covers the years it can plausibly run; it is frozen into the workflow.
YEARS_BEFORE, YEARS_AFTER = 1, 4


class DeploymentFileError(ValueError):
    """A data file of the deployment is unreadable or wrong; says which and why."""


def _read(path: Path | None, default: str) -> tuple[str, str]:
    if path is None:
        return str(files("dondoc.data") / default), (files("dondoc.data") / default).read_text(
            "utf-8"
        )
    try:
        return str(path), path.read_text("utf-8")
    except OSError as err:
        raise DeploymentFileError(f"không đọc được tệp {path}: {err.strerror}") from err
    except UnicodeDecodeError as err:
        raise DeploymentFileError(f"tệp {path} không phải văn bản UTF-8: {err.reason}") from err


@lru_cache(maxsize=4)
def _calendar_file(path: Path | None) -> CalendarFile:
    name, text = _read(path, "calendar.yaml")
    try:
        return parse_calendar_file(text)
    except ValueError as err:
        raise DeploymentFileError(f"{name}: {err}") from err


def calendar_file(settings: Settings) -> CalendarFile:
    """The deployment's calendar file, parsed (the console lists its days and notes)."""
    return _calendar_file(settings.calendar_file)


def _years(around: date) -> range:
    return range(around.year - YEARS_BEFORE, around.year + YEARS_AFTER + 1)


@lru_cache(maxsize=64)
def _calendar(path: Path | None, year: int) -> WorkingCalendar:
    return vietnam_calendar(_years(date(year, 1, 1)), _calendar_file(path))


def calendar_for(settings: Settings, around: date) -> WorkingCalendar:
    """The working calendar for a task issued on ``around``."""
    return _calendar(settings.calendar_file, around.year)


def calendar_with(settings: Settings, around: date, replacement: CalendarFile) -> WorkingCalendar:
    """The calendar for a task issued on ``around``, with ``replacement``'s years in place."""
    source = _calendar_file(settings.calendar_file).replacing(replacement)
    return vietnam_calendar(_years(around), source)


def read_year_replacement(path: Path) -> CalendarFile:
    """Read what ``dondoc calendar load FILE`` loads: complete years, checked.

    Raises ``DeploymentFileError`` naming the file, the line, the entry and the field.
    """
    name, text = _read(path, "calendar.yaml")
    try:
        return parse_year_replacement(text)
    except ValueError as err:
        raise DeploymentFileError(f"{name}: {err}") from err


@lru_cache(maxsize=4)
def _policies(path: Path | None) -> dict[str, Policy]:
    name, text = _read(path, "policies.yaml")
    try:
        return PolicyBook.model_validate(yaml.safe_load(text)).policies
    except (yaml.YAMLError, ValidationError) as err:
        raise DeploymentFileError(f"{name}: chính sách đôn đốc không hợp lệ: {err}") from err


def policies(settings: Settings) -> dict[str, Policy]:
    return _policies(settings.policy_file)
