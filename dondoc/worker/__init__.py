"""Build and run the Temporal worker: the task workflow and its activities."""

from __future__ import annotations

import asyncio

import structlog
from temporalio.client import Client
from temporalio.worker import Worker

from dondoc.activities.calendar import CalendarActivities
from dondoc.activities.digest import DigestActivities
from dondoc.activities.mailing import MailActivities
from dondoc.activities.recording import RecordingActivities
from dondoc.client import connect
from dondoc.settings import Settings
from dondoc.store.schema import require_current
from dondoc.worker.guard import EventLoopGuard
from dondoc.worker.schedules import ensure_digest_schedule
from dondoc.workflows.digest import DigestWorkflow
from dondoc.workflows.task import TaskWorkflow

log = structlog.get_logger(__name__)


def build_worker(client: Client, settings: Settings, *, task_queue: str | None = None) -> Worker:
    recording = RecordingActivities(settings.database_url)
    mailing = MailActivities(settings)
    digests = DigestActivities(settings)
    calendars = CalendarActivities(settings)
    return Worker(
        client,
        task_queue=task_queue or settings.task_queue,
        workflows=[TaskWorkflow, DigestWorkflow],
        activities=[
            recording.record_event,
            mailing.send_mail,
            digests.send_digests,
            calendars.working_calendar,
        ],
        max_concurrent_activities=20,
        interceptors=[EventLoopGuard()],
    )


async def run_worker(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Run until ``stop`` is set (or forever); in-flight activities finish first.

    Refuses (``SchemaNotCurrent``) a database whose schema is not the newest: upgrading is
    the operator's step (``dondoc db upgrade``), not a side effect of starting a worker."""
    await asyncio.to_thread(require_current, settings.database_url)
    client = await connect(settings)
    await ensure_digest_schedule(client, settings)
    worker = build_worker(client, settings)
    log.info("worker_started", task_queue=settings.task_queue, temporal=settings.temporal_address)
    async with worker:
        await (stop.wait() if stop else asyncio.Event().wait())
    log.info("worker_stopped")
