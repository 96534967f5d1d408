"""The run's size and outage lengths, from the environment (``make test-faults`` passes
them on): ``DONDOC_FAULTS_TASKS`` (tasks per scenario, 200), ``DONDOC_FAULTS_SMTP_OUTAGE``
(seconds the relay refuses connections, 60), ``DONDOC_FAULTS_DB_OUTAGE`` (seconds
PostgreSQL is stopped, 30)."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest


@dataclass(frozen=True)
class Knobs:
    tasks: int
    smtp_outage: float
    db_outage: float

    @classmethod
    def from_environment(cls) -> Knobs:
        return cls(
            tasks=int(_number("DONDOC_FAULTS_TASKS", 200)),
            smtp_outage=_number("DONDOC_FAULTS_SMTP_OUTAGE", 60),
            db_outage=_number("DONDOC_FAULTS_DB_OUTAGE", 30),
        )


def _number(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        raise pytest.UsageError(f"{name}: expected a number, got «{raw}»") from None
    if value <= 0:
        raise pytest.UsageError(f"{name}: expected more than 0, got «{raw}»")
    return value
