"""The deployment's data files: the calendar overrides and the follow-up policies.

Each has a packaged default under ``dondoc/data/``; ``DONDOC_CALENDAR_FILE`` and
``DONDOC_POLICY_FILE`` point at the deployment's own copies.
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
from dondoc.domain.vietnam_calendar import parse_overrides, vietnam_calendar
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


@lru_cache(maxsize=4)
def _overrides(path: Path | None):  # type: ignore[no-untyped-def]
    name, text = _read(path, "calendar.yaml")
    try:
        return tuple(parse_overrides(text))
    except ValueError as err:
        raise DeploymentFileError(f"{name}: {err}") from err


@lru_cache(maxsize=64)
def _calendar(path: Path | None, year: int) -> WorkingCalendar:
    years = range(year - YEARS_BEFORE, year + YEARS_AFTER + 1)
    return vietnam_calendar(years, _overrides(path))


def calendar_for(settings: Settings, around: date) -> WorkingCalendar:
    """The working calendar for a task issued on ``around``."""
    return _calendar(settings.calendar_file, around.year)


@lru_cache(maxsize=4)
def _policies(path: Path | None) -> dict[str, Policy]:
    name, text = _read(path, "policies.yaml")
    try:
        return PolicyBook.model_validate(yaml.safe_load(text)).policies
    except (yaml.YAMLError, ValidationError) as err:
        raise DeploymentFileError(f"{name}: chính sách đôn đốc không hợp lệ: {err}") from err


def policies(settings: Settings) -> dict[str, Policy]:
    return _policies(settings.policy_file)
