"""Heartbeats while an activity waits on the mail relay.

A worker that dies mid-send stops heartbeating, so Temporal gives the activity to another
worker within the heartbeat timeout (seconds) instead of its start-to-close timeout
(minutes). The beat runs beside the work, so a relay that takes its time answering
"250 OK" does not make a live worker look dead.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from temporalio import activity

EVERY = 3.0
"""Seconds between beats; the workflow's heartbeat timeout is several of these."""


@contextlib.asynccontextmanager
async def heartbeating(every: float = EVERY) -> AsyncIterator[None]:
    if not activity.in_activity():
        yield
        return

    async def beat() -> None:
        while True:
            activity.heartbeat()
            await asyncio.sleep(every)

    task = asyncio.create_task(beat())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
