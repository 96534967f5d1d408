"""``dondoc simulate``: the notice's real workflows and activities, on skipped time.

Runs on Temporal's time-skipping test server with a throw-away SQLite database and a real
SMTP sink, with agencies that never answer, and reports every mail the ladder sends: what
a notice will cause before anyone issues it.
"""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import select
from temporalio.api.testservice.v1 import SleepRequest
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from dondoc.commands.issue import check_notice, issue_notice
from dondoc.deployment import calendar_for
from dondoc.devstack.binaries import installed_binary
from dondoc.devstack.net import free_port
from dondoc.domain.calendar import DayStanding
from dondoc.domain.calendar_change import plan_rests_on
from dondoc.domain.directory import Directory
from dondoc.domain.notice import Notice
from dondoc.settings import Settings
from dondoc.store.db import migrate, session_scope
from dondoc.store.directory import load_directory
from dondoc.store.tables import EventRow
from dondoc.worker import build_worker


class _Capture:
    """An aiosmtpd handler that keeps each message in memory."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 OK"


@dataclass(frozen=True, slots=True)
class SimulatedMail:
    at: datetime
    task: str
    kind: str
    to: list[str]
    cc: list[str]
    subject: str

    def as_json(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "task": self.task,
            "kind": self.kind,
            "to": self.to,
            "cc": self.cc,
            "subject": self.subject,
        }


@dataclass(frozen=True, slots=True)
class Simulation:
    notice: Notice
    started_at: datetime
    mails: list[SimulatedMail]
    provisional: tuple[DayStanding, ...] = ()
    """Provisional calendar days the simulated mail times depend on."""

    def as_json(self) -> dict[str, Any]:
        return {
            "tasks": [
                {
                    "id": t.id,
                    "owner": t.owner,
                    "deadline": t.deadline.due.isoformat() if t.deadline.due else None,
                }
                for t in self.notice.tasks
            ],
            "mails": [m.as_json() for m in self.mails],
            "provisional_days": [d.date.isoformat() for d in self.provisional],
        }


def _addresses(message: EmailMessage, header: str) -> list[str]:
    return [addr for _, addr in getaddresses(message.get_all(header, []))]


def _collect(
    messages: list[EmailMessage], event_times: dict[str, datetime], zone: Any
) -> list[SimulatedMail]:
    """One entry per mail as its addressees see it; each recipient's copy is the same mail."""
    seen: dict[tuple[str, str], SimulatedMail] = {}
    for message in messages:
        event = str(message["X-Dondoc-Event"])
        kind = str(message["X-Dondoc-Kind"])
        if (event, kind) in seen:
            continue
        seen[(event, kind)] = SimulatedMail(
            at=event_times[event].astimezone(zone).replace(microsecond=0),
            task=str(message["X-Dondoc-Task"]),
            kind=kind,
            to=_addresses(message, "To"),
            cc=_addresses(message, "Cc"),
            subject=str(message["Subject"]),
        )
    return sorted(seen.values(), key=lambda m: (m.at, m.task, m.kind))


# ``env.sleep`` makes its call with the client's default deadline (30 s of wall time), and
# skipped time passes only as fast as the real activities run: a notice of hundreds of
# tasks over months needs minutes.
SKIP_RPC_TIMEOUT = timedelta(hours=12)


async def _skip(env: WorkflowEnvironment, duration: timedelta) -> None:
    """Let ``duration`` of skipped time pass, however long it takes on the wall clock."""
    request = SleepRequest()
    request.duration.FromTimedelta(duration)
    await env.client.test_service.unlock_time_skipping_with_sleep(request, timeout=SKIP_RPC_TIMEOUT)


async def simulate(
    raw_notice: object, directory: Directory, days: int, base: Settings
) -> Simulation:
    with tempfile.TemporaryDirectory(prefix="dondoc-sim-") as tmp:
        capture = _Capture()
        port = free_port()
        controller = Controller(capture, hostname="127.0.0.1", port=port)
        controller.start()
        try:
            settings = base.model_copy(
                update={
                    "database_url": f"sqlite:///{Path(tmp) / 'simulate.db'}",
                    "smtp_host": "127.0.0.1",
                    "smtp_port": port,
                    "smtp_username": None,
                    "smtp_password": None,
                    "smtp_starttls": False,
                    "smtp_tls": False,
                    "task_queue": "dondoc-simulate",
                }
            )
            migrate(settings.database_url)
            with session_scope(settings.database_url) as session:
                load_directory(session, directory)
            notice = check_notice(raw_notice, settings)
            env = await WorkflowEnvironment.start_time_skipping(
                test_server_existing_path=installed_binary("temporal-test-server"),
                data_converter=pydantic_data_converter,
            )
            try:
                cal = calendar_for(settings, notice.date)
                issue_at = cal.at(notice.date, time(9, 0))
                now = await env.get_current_time()
                if issue_at > now:
                    await env.sleep(issue_at - now)
                started_at = await env.get_current_time()
                async with build_worker(env.client, settings):
                    await issue_notice(notice, settings, env.client, search_attributes=False)
                    await _skip(env, timedelta(days=days))
                    # Let the last activities finish before the worker stops.
                    await asyncio.sleep(0.5)
            finally:
                await env.shutdown()
            with session_scope(settings.database_url) as session:
                times = {e.id: e.at for e in session.scalars(select(EventRow))}
            mails = _collect(capture.messages, times, cal.zone())
            provisional = plan_rests_on(cal, [m.at for m in mails], since=started_at)
            return Simulation(
                notice=notice,
                started_at=started_at.astimezone(UTC),
                mails=mails,
                provisional=provisional,
            )
        finally:
            controller.stop()
