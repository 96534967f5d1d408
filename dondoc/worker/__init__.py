"""Build and run the Temporal worker: the task workflow and its activities."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import structlog
from temporalio.client import Client
from temporalio.worker import UnsandboxedWorkflowRunner, Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from dondoc.activities.calendar import CalendarActivities
from dondoc.activities.digest import DigestActivities
from dondoc.activities.effects import EffectActivities
from dondoc.activities.mailing import MailActivities
from dondoc.activities.recording import RecordingActivities
from dondoc.client import connect
from dondoc.settings import Settings
from dondoc.store.schema import require_current
from dondoc.worker.guard import EventLoopGuard
from dondoc.worker.log_context import LogContext
from dondoc.worker.metrics import serve_metrics
from dondoc.worker.schedules import ensure_digest_schedule
from dondoc.workflows.digest import DigestWorkflow
from dondoc.workflows.task import TaskWorkflow

log = structlog.get_logger(__name__)


def build_worker(client: Client, settings: Settings, *, task_queue: str | None = None) -> Worker:
    """The worker, its capacity from ``DONDOC_WORKER_MAX_ACTIVITIES`` and
    ``DONDOC_WORKER_MAX_WORKFLOW_TASKS``, the sandbox or none (``DONDOC_WORKER_SANDBOX``,
    see ``Settings.worker_sandbox``); on shutdown, running activities get
    ``DONDOC_SHUTDOWN_TIMEOUT`` seconds to finish before they are cancelled (and retried
    by Temporal on another worker)."""
    recording = RecordingActivities(settings.database_url)
    mailing = MailActivities(settings)
    digests = DigestActivities(settings)
    calendars = CalendarActivities(settings)
    effects = EffectActivities(recording, mailing)
    return Worker(
        client,
        task_queue=task_queue or settings.task_queue,
        workflows=[TaskWorkflow, DigestWorkflow],
        activities=[
            effects.record_and_mail,
            recording.record_event,
            mailing.send_mail,
            digests.send_digests,
            calendars.working_calendar,
        ],
        max_concurrent_activities=settings.worker_max_activities,
        max_concurrent_workflow_tasks=settings.worker_max_workflow_tasks,
        graceful_shutdown_timeout=timedelta(seconds=settings.shutdown_timeout),
        interceptors=[LogContext(), EventLoopGuard()],
        workflow_runner=(
            SandboxedWorkflowRunner() if settings.worker_sandbox else UnsandboxedWorkflowRunner()
        ),
    )


async def run_worker(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Run until ``stop`` is set (or forever), then stop polling and let running
    activities finish within ``settings.shutdown_timeout``.

    The metrics port starts first: the SDK's own metrics belong to the runtime the
    client is made on. ``MetricsPortUnavailable`` if that port is taken; ``SchemaNotCurrent``
    if the database's schema is not the newest: upgrading is the operator's step
    (``dondoc db upgrade``), not a side effect of starting a worker.
    """
    await asyncio.to_thread(require_current, settings.database_url)
    metrics = serve_metrics(settings)
    try:
        client = await connect(settings)
        await ensure_digest_schedule(client, settings)
        worker = build_worker(client, settings)
        log.info(
            "worker_started",
            task_queue=settings.task_queue,
            temporal=settings.temporal_address,
            max_activities=settings.worker_max_activities,
            metrics_port=settings.worker_metrics_port or None,
        )
        async with worker:
            await (stop.wait() if stop else asyncio.Event().wait())
            log.info("worker_stopping", graceful_timeout=settings.shutdown_timeout)
        log.info("worker_stopped")
    finally:
        if metrics is not None:
            metrics.close()
