"""The demo data of ``dondoc dev``: a directory of Nghệ An agencies and a notice dated today.

Loaded through the same code as ``dondoc directory load`` and ``dondoc notice issue``, so
the demo exercises the real thing.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from importlib.resources import files
from typing import Any

import yaml
from temporalio.client import Client

from dondoc.commands.issue import check_notice, issue_notice
from dondoc.domain.directory import Directory
from dondoc.domain.formatting import LOCAL_TZ
from dondoc.settings import Settings
from dondoc.store.db import in_session
from dondoc.store.directory import load_directory

DEMO_MARKER = ".demo-loaded"


@dataclass(frozen=True, slots=True)
class DemoResult:
    number: str
    notice_date: date
    agencies: int
    started: int
    already: int
    quick_tasks: list[str]


_PLACEHOLDER = re.compile(r"\{(today|month|now)(?:\+(\d+))?\}")


def _add_months(day: date, months: int) -> tuple[int, int]:
    index = day.year * 12 + day.month - 1 + months
    return index // 12, index % 12 + 1


def fill_dates(text: str, now: datetime) -> str:
    """Replace the demo placeholders (see ``demo/notice.yaml``) relative to ``now``."""
    now = now.astimezone(LOCAL_TZ)
    today = now.date()

    def one(match: re.Match[str]) -> str:
        what, n = match[1], int(match[2] or 0)
        if what == "today":
            day = today + timedelta(days=n)
            return f"{day.day}/{day.month}/{day.year}"
        if what == "month":
            year, month = _add_months(today, n)
            return f"{month}/{year}"
        at = (now + timedelta(minutes=n)).replace(second=0, microsecond=0) + timedelta(minutes=1)
        return at.isoformat(timespec="minutes")

    return _PLACEHOLDER.sub(one, text)


def demo_notice(now: datetime) -> dict[str, Any]:
    """The packaged demo notice, dated today, its relative deadlines made absolute."""
    text = (files("dondoc.data") / "demo_notice.yaml").read_text("utf-8")
    raw: dict[str, Any] = yaml.safe_load(text)
    tasks = raw.get("tasks", [])
    for task in tasks:
        if isinstance(task.get("deadline"), str):
            task["deadline"] = fill_dates(task["deadline"], now)
    raw["date"] = now.astimezone(LOCAL_TZ).date()
    return raw


def demo_directory() -> dict[str, Any]:
    return yaml.safe_load((files("dondoc.data") / "demo_directory.yaml").read_text("utf-8"))


async def load_demo(settings: Settings, client: Client) -> DemoResult:
    """Load the demo directory and issue the demo notice like the CLI would.

    Raises ``NoticeInvalid`` or pydantic's ``ValidationError`` if the packaged files are
    wrong, which the caller reports without stopping the stack.
    """
    directory = Directory.model_validate(demo_directory())
    await in_session(settings.database_url, load_directory, directory)
    notice = await asyncio.to_thread(check_notice, demo_notice(datetime.now(LOCAL_TZ)), settings)
    result = await issue_notice(notice, settings, client)
    return DemoResult(
        number=notice.number,
        notice_date=notice.date,
        agencies=len(directory.agencies),
        started=len(result.started),
        already=len(result.already),
        quick_tasks=[spec.id for spec in notice.tasks if spec.policy == "demo"],
    )
