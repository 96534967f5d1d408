"""The notice corpus (tests/notices/): its directory, its calendar, its expected drafts."""

from __future__ import annotations

import importlib.resources
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from dondoc.domain.calendar import WorkingCalendar
from dondoc.domain.directory import Directory
from dondoc.domain.notice_text import NameBook
from dondoc.domain.vietnam_calendar import parse_overrides, vietnam_calendar

NOTICES = Path(__file__).parents[1] / "notices"
DEV = NOTICES / "dev"
HELD_OUT = NOTICES / "held-out"
DIRECTORY = NOTICES / "directory.yaml"


def load_book(path: Path = DIRECTORY) -> NameBook:
    return NameBook.from_directory(
        Directory.model_validate(yaml.safe_load(path.read_text("utf-8")))
    )


@cache
def _calendar(year: int) -> WorkingCalendar:
    text = (importlib.resources.files("dondoc") / "data" / "calendar.yaml").read_text("utf-8")
    return vietnam_calendar(range(year - 1, year + 3), parse_overrides(text))


def calendar_for(day: date) -> WorkingCalendar:
    return _calendar(day.year)


@dataclass(frozen=True)
class Case:
    name: str
    source: Path
    expected: dict[str, Any]


def cases(folder: Path = DEV) -> list[Case]:
    """Every notice of a part of the corpus with an expected draft: ``NN-name.txt`` (or
    ``.pdf``) and ``NN-name.expected.yaml``."""
    found: list[Case] = []
    for expected in sorted(folder.glob("*.expected.yaml")):
        stem = expected.name.removesuffix(".expected.yaml")
        sources = [p for p in folder.glob(f"{stem}.*") if p.suffix in {".txt", ".pdf"}]
        assert len(sources) == 1, f"{expected.name}: one source file expected, found {sources}"
        found.append(Case(stem, sources[0], yaml.safe_load(expected.read_text("utf-8"))))
    return found


def read_source(path: Path) -> str:
    if path.suffix == ".pdf":
        from dondoc.commands.notice_text import read_notice_text

        return read_notice_text(path)
    return path.read_text("utf-8")
