"""Deliver a person's action to its task's workflow, now or as soon as it can be.

Every action is written to ``agency_actions`` before it is sent, with the rendered form's
nonce as both the row key and the Temporal update id. If Temporal or the worker is down or
slow, the row stays pending and ``ActionRelay`` sends it again until the workflow answers;
Temporal deduplicates by update id, so a resend after a lost answer is not a second action.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from temporalio.client import (
    Client,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from dondoc.domain import requests as rq
from dondoc.domain.task import Action
from dondoc.domain.view import TaskView
from dondoc.settings import Settings
from dondoc.store.agency_actions import (
    ActionStatus,
    due_for_retry,
    note_attempt,
    record_action,
    settle,
)
from dondoc.store.db import session_scope
from dondoc.workflows.task import TaskWorkflow

log = structlog.get_logger(__name__)

REQUESTS: dict[Action, type[rq._Request]] = {
    Action.ACKNOWLEDGE: rq.Acknowledge,
    Action.COMPLETE: rq.Complete,
    Action.REPORT_PROGRESS: rq.ReportProgress,
    Action.REQUEST_EXTENSION: rq.RequestExtension,
    Action.DECIDE_EXTENSION: rq.DecideExtension,
    Action.PROPOSE_REASSIGNMENT: rq.ProposeReassignment,
    Action.REASSIGN: rq.Reassign,
    Action.CONFIRM: rq.Confirm,
    Action.RETURN_REPORT: rq.ReturnReport,
    Action.CANCEL: rq.Cancel,
    Action.REOPEN: rq.Reopen,
}


@dataclass(frozen=True, slots=True)
class Applied:
    view: TaskView


@dataclass(frozen=True, slots=True)
class Refused:
    message: str


@dataclass(frozen=True, slots=True)
class Deferred:
    reason: str


Outcome = Applied | Refused | Deferred


async def send_update(
    client: Client, task_id: str, action: Action, request: rq._Request, key: str, timeout: float
) -> Outcome:
    handle = client.get_workflow_handle(task_id)
    update = getattr(TaskWorkflow, action.value)
    try:
        view = await handle.execute_update(
            update, request, id=key, result_type=TaskView, rpc_timeout=timedelta(seconds=timeout)
        )
    except WorkflowUpdateRPCTimeoutOrCancelledError as err:
        return Deferred(str(err))
    except WorkflowUpdateFailedError as err:
        cause = err.cause
        return Refused(cause.message if isinstance(cause, ApplicationError) else str(cause or err))
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            return Refused("Nhiệm vụ không còn nhận thao tác (đã kết thúc theo dõi).")
        return Deferred(f"{err.status.name}: {err.message}")
    except (TimeoutError, OSError, RuntimeError) as err:
        return Deferred(repr(err))
    return Applied(view)


def request_from(action: Action, payload: dict[str, Any]) -> rq._Request:
    return REQUESTS[action].model_validate(payload)


class ActionRelay:
    """Resend pending actions until the workflow answers; runs inside the web process."""

    def __init__(
        self,
        settings: Settings,
        client: Callable[[], Awaitable[Client]],
        *,
        every: float = 5.0,
        timeout: float = 10.0,
    ) -> None:
        self._settings = settings
        self._client = client
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
        with session_scope(self._settings.database_url) as session:
            rows = [
                (r.key, r.task_id, Action(r.action), dict(r.payload))
                for r in due_for_retry(session, now, timedelta(seconds=self._every))
            ]
        if not rows:
            return 0
        try:
            client = await self._client()
        except Exception as err:
            log.info("action_relay_waiting_for_temporal", pending=len(rows), error=repr(err))
            return 0
        answered = 0
        for key, task_id, action, payload in rows:
            outcome = await send_update(
                client, task_id, action, request_from(action, payload), key, self._timeout
            )
            with session_scope(self._settings.database_url) as session:
                stamp = datetime.now(UTC)
                if isinstance(outcome, Applied):
                    settle(session, key, ActionStatus.APPLIED, None, stamp)
                elif isinstance(outcome, Refused):
                    settle(session, key, ActionStatus.REFUSED, outcome.message, stamp)
                else:
                    note_attempt(session, key, outcome.reason, stamp)
                    continue
            answered += 1
            log.info(
                "action_relayed",
                key=key,
                task=task_id,
                action=action.value,
                outcome=type(outcome).__name__,
            )
        return answered


@dataclass(frozen=True, slots=True)
class Performed:
    outcome: Outcome
    repeated: bool
    """The same key was sent before (a double submit, or an integration's retry)."""


async def perform(
    settings: Settings,
    client: Callable[[], Awaitable[Client | None]],
    task_id: str,
    action: Action,
    request: rq._Request,
    key: str,
    timeout: float = 8.0,
) -> Performed:
    """Keep the action, send it, settle it: Applied, Refused, or Deferred to the relay."""
    now = datetime.now(UTC)
    # Committed before anything is sent: from here on the action cannot be lost.
    with session_scope(settings.database_url) as session:
        kept, created = record_action(
            session,
            key=key,
            task_id=task_id,
            action=action.value,
            actor=request.actor,
            payload=request.model_dump(mode="json"),
            now=now,
        )
        previous, message = kept.status, kept.message
        same_task = kept.task_id == task_id and kept.action == action.value
    if not same_task:
        return Performed(Refused("Mã thao tác này đã được dùng cho một thao tác khác."), True)
    if not created and previous == ActionStatus.REFUSED.value:
        return Performed(Refused(message or "Thao tác đã bị từ chối trước đó."), True)
    temporal = await client()
    if temporal is None:
        return Performed(Deferred("temporal unreachable"), not created)
    outcome = await send_update(temporal, task_id, action, request, key, timeout)
    with session_scope(settings.database_url) as session:
        if isinstance(outcome, Applied):
            settle(session, key, ActionStatus.APPLIED, None, datetime.now(UTC))
        elif isinstance(outcome, Refused):
            settle(session, key, ActionStatus.REFUSED, outcome.message, datetime.now(UTC))
    log.info(
        "action_sent",
        task=task_id,
        action=action.value,
        actor=request.actor,
        outcome=type(outcome).__name__,
    )
    return Performed(outcome, not created)
