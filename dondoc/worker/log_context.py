"""Every log line an activity writes names its task, workflow and run."""

from __future__ import annotations

from typing import Any

import structlog
from temporalio import activity
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
)

from dondoc.logs import TASK_WORKFLOW


class _BoundActivity(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        info = activity.info()
        ids: dict[str, Any] = {
            "workflow_id": info.workflow_id,
            "run_id": info.workflow_run_id,
            "activity": info.activity_type,
            "attempt": info.attempt,
        }
        if info.workflow_type == TASK_WORKFLOW:
            ids["task_id"] = info.workflow_id  # a task's workflow id is its id
        # Each activity runs in its own asyncio task, so the binding is its own; threads
        # it starts with asyncio.to_thread copy it.
        with structlog.contextvars.bound_contextvars(**ids):
            return await super().execute_activity(input)


class LogContext(Interceptor):
    """Binds the activity's ids with structlog's contextvars for its whole run."""

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _BoundActivity(next)
