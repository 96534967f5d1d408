"""Helpers for the follow-up engine's workflow tests: a private time-skipping server, a
clock moved to chosen local moments, notices built around that clock, and readers of
what the worker recorded (events, outbox) and sent (the aiosmtpd mailbox).

Each test gets its own time-skipping server (it starts in about 0.1 s). The shared
session server is not used here for two reasons found while writing these tests:

* its clock is shared, so one test skipping two years moves every later test's "now";
* a workflow left running by an earlier test whose worker has stopped freezes time
  skipping for everybody: when its next timer fires, its workflow task waits for a
  worker that never comes and the test server stops skipping until it is done, so
  ``env.sleep(30 days)`` then takes 30 real days.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from unittest import mock

import yaml
from temporalio.client import Client, WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

import dondoc.worker
from dondoc.commands.issue import check_notice, issue_notice
from dondoc.deployment import calendar_for
from dondoc.domain.calendar import WorkingCalendar
from dondoc.domain.task import TaskSpec
from dondoc.domain.view import TaskView
from dondoc.settings import Settings
from dondoc.store.db import session_scope
from dondoc.store.events import list_events
from dondoc.store.outbox import list_for_task
from dondoc.store.tables import EventRow, OutboxRow
from dondoc.worker import build_worker
from dondoc.workflows.task import TaskWorkflow
from support.temporal import installed_binary

T = TypeVar("T")

FIXTURES = Path(__file__).parent.parent / "fixtures"
WORK = "Tiếp thu ý kiến, hoàn thiện dự thảo Đề án"
SUBJECT = "Kết luận về Dự thảo Đề án hợp tác toàn diện với các tỉnh của Lào"


@asynccontextmanager
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=installed_binary("temporal-test-server"),
        data_converter=pydantic_data_converter,
    )
    try:
        yield env
    finally:
        await env.shutdown()


def worker(client: Client, settings: Settings, **overrides: Any) -> Worker:
    """The production worker (``dondoc.worker.build_worker``), some options changed.

    A Worker registers itself with the client when it is built, so one cannot be built
    only to copy its config; the arguments ``build_worker`` passes are captured instead,
    which keeps these tests on the production wiring as it grows.
    """
    if not overrides:
        return build_worker(client, settings)
    captured: dict[str, Any] = {}

    def capture(_client: Client, **kwargs: Any) -> None:
        captured.update(kwargs)

    with mock.patch.object(dondoc.worker, "Worker", capture):
        build_worker(client, settings)
    return Worker(client, **{**captured, **overrides})


# ----------------------------------------------------------------------------- directory


@dataclass(frozen=True)
class Address:
    email: str
    cc: tuple[str, ...]

    @property
    def envelope(self) -> list[str]:
        return [self.email, *self.cc]


def addresses() -> dict[str, Address]:
    """Code → address of everyone in the test directory (tests/fixtures/directory.yaml)."""
    data = yaml.safe_load((FIXTURES / "directory.yaml").read_text("utf-8"))
    book = {"VP": Address(data["office"]["email"], tuple(data["office"].get("cc", [])))}
    for entry in [*data["leaders"], *data["agencies"]]:
        book[entry["code"].upper()] = Address(entry["email"], tuple(entry.get("cc", [])))
    return book


# --------------------------------------------------------------------------------- clock


def calendar(settings: Settings, around: date) -> WorkingCalendar:
    return calendar_for(settings, around)


async def local_now(env: WorkflowEnvironment, cal: WorkingCalendar) -> datetime:
    return (await env.get_current_time()).astimezone(cal.zone())


async def skip_to(env: WorkflowEnvironment, moment: datetime) -> None:
    """Move the test server's clock to ``moment``, firing every timer on the way."""
    now = await env.get_current_time()
    if moment > now:
        await env.sleep(moment - now)


async def start_on_a_working_morning(
    env: WorkflowEnvironment, cal: WorkingCalendar, *, days_ahead: int = 2, hour: int = 9
) -> datetime:
    """Put the clock at ``hour``:00 of a working day a few days ahead; return that moment.

    The server starts at the real "now", which may be a Sunday night; the ladder tests
    want a known starting point whatever day the suite runs.
    """
    today = (await local_now(env, cal)).date()
    day = cal.next_working_day(today + timedelta(days=days_ahead))
    moment = datetime.combine(day, datetime.min.time().replace(hour=hour), tzinfo=cal.zone())
    await skip_to(env, moment)
    return moment


def at8(cal: WorkingCalendar, day: date) -> datetime:
    return cal.at(day, datetime.min.time().replace(hour=8))


# ------------------------------------------------------------------------------- notices


def task(
    deadline: str,
    *,
    owner: str = "SNGV",
    coordinators: tuple[str, ...] = ("STC", "SNNMT"),
    work: str = WORK,
    policy: str | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "owner": owner,
        "coordinators": list(coordinators),
        "work": work,
        "result": "Dự thảo Đề án hoàn chỉnh trình UBND tỉnh",
        "deadline": deadline,
    }
    if policy is not None:
        body["policy"] = policy
    return body


def notice(day: date, *tasks: dict[str, Any], number: str = "245/TB-UBND") -> dict[str, Any]:
    return {
        "number": number,
        "date": day.isoformat(),
        "leader": "PCT-VINH",
        "subject": SUBJECT,
        "tasks": list(tasks),
    }


def before(day: date) -> str:
    """The usual deadline phrase of a notice: "trước ngày dd/mm/yyyy"."""
    return f"trước ngày {day.day}/{day.month}/{day.year}"


async def issue(
    raw: dict[str, Any], settings: Settings, client: Client
) -> list[tuple[TaskSpec, WorkflowHandle[Any, Any]]]:
    parsed = check_notice(raw, settings)
    result = await issue_notice(parsed, settings, client, search_attributes=False)
    assert result.started == [s.id for s in parsed.tasks]
    return [(s, client.get_workflow_handle(s.id)) for s in parsed.tasks]


async def view(handle: WorkflowHandle[Any, Any]) -> TaskView:
    return await handle.query(TaskWorkflow.view)


# ------------------------------------------------------------------------------ records


def events(settings: Settings, task_id: str) -> list[EventRow]:
    with session_scope(settings.database_url) as session:
        return list_events(session, task_id)


def outbox(settings: Settings, task_id: str) -> list[OutboxRow]:
    with session_scope(settings.database_url) as session:
        return list_for_task(session, task_id)


def rounded(moment: datetime) -> datetime:
    """``moment`` to the nearest second: the test server fires timers a few ms late."""
    return (moment + timedelta(milliseconds=500)).replace(microsecond=0)


def timeline(rows: list[EventRow], zone: Any = None) -> list[tuple[str, datetime]]:
    """(kind, time to the second) of recorded events, for comparing with expected times."""
    return [(e.kind, rounded(e.at if zone is None else e.at.astimezone(zone))) for e in rows]


async def eventually(check: Callable[[], T], what: str, timeout: float = 30.0) -> T:
    """Poll ``check`` until it returns something truthy; fail naming ``what``."""
    end = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}; last value: {value!r}")
        await asyncio.sleep(0.05)


async def recorded(settings: Settings, task_id: str, count: int) -> list[EventRow]:
    """Wait until ``count`` events of the task are recorded, and return them."""

    def enough() -> list[EventRow] | None:
        rows = events(settings, task_id)
        return rows if len(rows) >= count else None

    try:
        return await eventually(enough, f"{count} events of {task_id}")
    except AssertionError:
        got = [(e.kind, e.at.isoformat()) for e in events(settings, task_id)]
        raise AssertionError(
            f"expected {count} events of {task_id}, got {len(got)}: {got}"
        ) from None


async def settle(settings: Settings, task_ids: list[str], delay: float = 0.3) -> None:
    """Wait until the task's records stop changing (the worker has nothing in flight)."""

    def snapshot() -> tuple[int, ...]:
        return tuple(len(events(settings, t)) + len(outbox(settings, t)) for t in task_ids)

    last = snapshot()
    while True:
        await asyncio.sleep(delay)
        now = snapshot()
        if now == last:
            return
        last = now
