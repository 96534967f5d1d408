"""Time helpers and the shipped calendar file for the domain tests (importable by name)."""

from __future__ import annotations

import importlib.resources
from datetime import datetime
from zoneinfo import ZoneInfo

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def shipped_text() -> str:
    return (importlib.resources.files("dondoc") / "data" / "calendar.yaml").read_text("utf-8")


def vn(y: int, m: int, d: int, hh: int = 17, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN)
