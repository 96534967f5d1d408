"""Send kept actions again until their workflow answers: the other half of "never lost".

Runs inside the web process. Each round reads the pending actions in one short unit of
work, sends each once (Temporal deduplicates by the action's key), and settles what was
answered; nothing holds a database session while it waits for Temporal.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from temporalio.client import Client

from dondoc.commands.actions import outcome_label, send_update, settle_outcome
from dondoc.commands.temporal import ClientSource, client_or_none
from dondoc.domain.requests import REQUESTS
from dondoc.domain.task import Action
from dondoc.logs import bind_task
from dondoc.metrics import count_action
from dondoc.settings import Settings
from dondoc.store.agency_actions import due_for_retry, note_attempt
from dondoc.store.db import in_session

log = structlog.get_logger(__name__)


class ActionRelay:
    def __init__(
        self,
        settings: Settings,
        temporal: ClientSource,
        *,
        every: float = 5.0,
        timeout: float = 10.0,
    ) -> None:
        self._url = settings.database_url
        self._temporal = temporal
        self._every = every
        self._timeout = timeout

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.flush()
            except Exception as err:  # the relay must outlive any one bad round
                log.warning("action_relay_round_failed", error=repr(err))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self._every)

    async def flush(self) -> int:
        """Send every pending action once; the number answered (applied or refused)."""
        now = datetime.now(UTC)
        older = timedelta(seconds=self._every)
        rows = await in_session(
            self._url,
            lambda s: [
                (r.key, r.task_id, Action(r.action), dict(r.payload))
                for r in due_for_retry(s, now, older)
            ],
        )
        if not rows:
            return 0
        client = await client_or_none(self._temporal)
        if client is None:
            log.info("action_relay_waiting_for_temporal", pending=len(rows))
            return 0
        answered = 0
        for key, task_id, action, payload in rows:
            with bind_task(task_id, action=action.value):
                answered += await self._send(client, key, task_id, action, payload)
        return answered

    async def _send(
        self, client: Client, key: str, task_id: str, action: Action, payload: dict[str, Any]
    ) -> int:
        """1 if the workflow answered (the action is settled), 0 if it is still pending."""
        request = REQUESTS[action].model_validate(payload)
        outcome = await send_update(client, task_id, action, request, key, self._timeout)
        if not await settle_outcome(self._url, key, outcome):
            reason = getattr(outcome, "reason", "")
            await in_session(self._url, note_attempt, key, reason, datetime.now(UTC))
            return 0
        count_action(action, outcome_label(outcome))
        log.info("action_relayed", key=key, outcome=type(outcome).__name__)
        return 1
