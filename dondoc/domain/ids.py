"""Stable identifiers derived from what a notice says, so issuing twice starts nothing new."""

from __future__ import annotations

import re
import unicodedata
from datetime import date


def _ascii(text: str) -> str:
    text = text.replace("Đ", "D").replace("đ", "d")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def notice_key(number: str, notice_date: date) -> str:
    """``245/TB-UBND`` of 2026 → ``2026-245-TB-UBND``: numbers restart every year."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", _ascii(number)).strip("-").upper()
    return f"{notice_date.year}-{slug}"


def task_id(key: str, position: int) -> str:
    """The task's id, also its workflow id: the notice key and the 1-based position."""
    return f"{key}-{position}"
