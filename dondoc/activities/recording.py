"""Record a domain event: the audit row and the read model, in one transaction."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import structlog
from temporalio import activity

from dondoc.domain.events import TaskEvent
from dondoc.store.db import session_scope
from dondoc.store.events import append_event
from dondoc.store.tasks import save_task

log = structlog.get_logger(__name__)


class RecordingActivities:
    def __init__(self, database_url: str) -> None:
        self._url = database_url

    def _record(self, event: TaskEvent) -> None:
        with session_scope(self._url) as session:
            fresh = append_event(session, event)
            save_task(session, event.spec, event.status, datetime.now(UTC))
        log.info(
            "event_recorded", task=event.task_id, kind=event.kind.value, seq=event.seq, fresh=fresh
        )

    async def record(self, event: TaskEvent) -> None:
        """Idempotent: the event id is the primary key, the read model keeps the newest seq."""
        await asyncio.to_thread(self._record, event)

    @activity.defn(name="record_event")
    async def record_event(self, event: TaskEvent) -> None:
        """The activity of workflows started before ``record_and_mail``."""
        await self.record(event)
