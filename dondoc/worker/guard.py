"""Activities keep the event-loop rule too: no database session on the worker's loop."""

from __future__ import annotations

from typing import Any

from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
)

from dondoc.store.db import guard_event_loop


class _GuardedActivity(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        with guard_event_loop():
            return await super().execute_activity(input)


class EventLoopGuard(Interceptor):
    """Every activity runs under ``store.db.guard_event_loop``."""

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _GuardedActivity(next)
