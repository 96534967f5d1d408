"""Perform a person's action on a task: keep it, send it to the workflow, settle it.

Every action — an agency's click, an office decision from the console or the API, a
resend — is written to ``agency_actions`` before it is sent, with its key (the rendered
form's nonce, or the integration's Idempotency-Key) as both the row key and the Temporal
update id. If Temporal or the worker is down or slow, the row stays pending and the relay
(``commands/relay.py``) sends it again until the workflow answers; Temporal deduplicates
by update id, so a resend after a lost answer is not a second action.

The database is touched in short units of work in a thread, before and after the
Update: never across it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog
from temporalio.client import (
    Client,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from dondoc.commands.temporal import ClientSource, client_or_none
from dondoc.domain import requests as rq
from dondoc.domain.refusals import REFUSAL_TYPE, Refusal, RefusalCode
from dondoc.domain.task import Action
from dondoc.domain.view import TaskView
from dondoc.logs import bind_task
from dondoc.metrics import count_action
from dondoc.settings import Settings
from dondoc.store.agency_actions import ActionStatus, record_action, settle
from dondoc.store.db import in_session
from dondoc.workflows.task import UPDATES

log = structlog.get_logger(__name__)

UPDATE_TIMEOUT = 8.0
"""Seconds a person waits for the workflow's answer before the action is deferred."""


@dataclass(frozen=True, slots=True)
class Applied:
    view: TaskView


@dataclass(frozen=True, slots=True)
class Refused:
    refusal: Refusal

    @property
    def message(self) -> str:
        return self.refusal.message


@dataclass(frozen=True, slots=True)
class Deferred:
    reason: str


Outcome = Applied | Refused | Deferred


@dataclass(frozen=True, slots=True)
class Performed:
    outcome: Outcome
    repeated: bool
    """The same key was sent before (a double submit, or an integration's retry)."""


TASK_ENDED = Refusal(
    RefusalCode.TASK_ENDED, "Nhiệm vụ không còn nhận thao tác (đã kết thúc theo dõi)."
)


def _refusal(err: WorkflowUpdateFailedError) -> Refusal:
    cause = err.cause
    if isinstance(cause, ApplicationError) and cause.type == REFUSAL_TYPE:
        details = cause.details
        code = RefusalCode(details[0]) if details else RefusalCode.NOT_ALLOWED_NOW
        return Refusal(code, cause.message)
    message = cause.message if isinstance(cause, ApplicationError) else str(cause or err)
    return Refusal(RefusalCode.NOT_ALLOWED_NOW, message)


async def send_update(
    client: Client, task_id: str, action: Action, request: rq.Request, key: str, timeout: float
) -> Outcome:
    """One attempt: the workflow's answer, its refusal, or why it could not be reached."""
    handle = client.get_workflow_handle(task_id)
    try:
        view = await handle.execute_update(
            UPDATES[action], request, id=key, rpc_timeout=timedelta(seconds=timeout)
        )
    except WorkflowUpdateRPCTimeoutOrCancelledError as err:
        return Deferred(str(err))
    except WorkflowUpdateFailedError as err:
        return Refused(_refusal(err))
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            return Refused(TASK_ENDED)
        return Deferred(f"{err.status.name}: {err.message}")
    except (TimeoutError, OSError, RuntimeError) as err:
        return Deferred(repr(err))
    return Applied(view)


async def settle_outcome(url: str, key: str, outcome: Outcome) -> bool:
    """Write the workflow's answer to the kept action; False while it is still pending."""
    if isinstance(outcome, Deferred):
        return False
    now = datetime.now(UTC)
    if isinstance(outcome, Applied):
        await in_session(url, lambda s: settle(s, key, ActionStatus.APPLIED, None, now))
    else:
        refusal = outcome.refusal
        await in_session(
            url,
            lambda s: settle(
                s, key, ActionStatus.REFUSED, refusal.message, now, refusal.code.value
            ),
        )
    return True


@dataclass(frozen=True, slots=True)
class _Kept:
    created: bool
    same_action: bool
    status: str
    message: str | None
    code: str | None


async def _keep(url: str, task_id: str, action: Action, request: rq.Request, key: str) -> _Kept:
    """Commit the action before anything is sent: from then on it cannot be lost."""
    now = datetime.now(UTC)

    def work(session):  # type: ignore[no-untyped-def]
        row, created = record_action(
            session,
            key=key,
            task_id=task_id,
            action=action.value,
            actor=request.actor,
            payload=request.model_dump(mode="json"),
            now=now,
        )
        same = row.task_id == task_id and row.action == action.value
        return _Kept(created, same, row.status, row.message, row.code)

    return await in_session(url, work)


async def perform(
    settings: Settings,
    temporal: ClientSource,
    task_id: str,
    action: Action,
    request: rq.Request,
    key: str,
    *,
    timeout: float | None = None,
) -> Performed:
    """Keep the action, send it, settle it: Applied, Refused, or Deferred to the relay.

    Counted in ``dondoc_link_actions_total`` once per kept action, by its first answer;
    a repeat of the same key (a double submit, a retry) is not counted again.
    """
    with bind_task(task_id, action=action.value):
        performed = await _perform(settings, temporal, task_id, action, request, key, timeout)
    if not performed.repeated:
        count_action(action, outcome_label(performed.outcome))
    return performed


def outcome_label(outcome: Outcome) -> str:
    """The ``outcome`` label of ``dondoc_link_actions_total``."""
    return type(outcome).__name__.lower()


async def _perform(
    settings: Settings,
    temporal: ClientSource,
    task_id: str,
    action: Action,
    request: rq.Request,
    key: str,
    timeout: float | None,
) -> Performed:
    kept = await _keep(settings.database_url, task_id, action, request, key)
    if not kept.same_action:
        refusal = Refusal(
            RefusalCode.KEY_REUSED, "Mã thao tác này đã được dùng cho một thao tác khác."
        )
        return Performed(Refused(refusal), True)
    if not kept.created and kept.status == ActionStatus.REFUSED.value:
        code = RefusalCode(kept.code) if kept.code else RefusalCode.NOT_ALLOWED_NOW
        return Performed(
            Refused(Refusal(code, kept.message or "Thao tác đã bị từ chối trước đó.")), True
        )
    client = await client_or_none(temporal)
    if client is None:
        return Performed(Deferred("temporal unreachable"), not kept.created)
    wait = UPDATE_TIMEOUT if timeout is None else timeout
    outcome = await send_update(client, task_id, action, request, key, wait)
    await settle_outcome(settings.database_url, key, outcome)
    log.info("action_sent", actor=request.actor, outcome=type(outcome).__name__)
    return Performed(outcome, not kept.created)
