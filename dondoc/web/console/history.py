"""The raw Temporal side of a task: its workflow's Query and its event history.

Shown beside the plain-words timeline for whoever needs to see exactly what the engine
did. Both are fetched with short timeouts: a page about a task must open even when
Temporal or the worker is down, and then says so instead.
"""

from __future__ import annotations

import asyncio
import base64
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from google.protobuf.json_format import MessageToDict
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowQueryFailedError
from temporalio.service import RPCError, RPCStatusCode

from dondoc.domain.view import TaskView
from dondoc.settings import Settings
from dondoc.workflows.task import TaskWorkflow

QUERY_TIMEOUT = 4.0
HISTORY_TIMEOUT = 4.0
MAX_ATTRIBUTES = 12
MAX_VALUE = 240
# Bookkeeping ids that say nothing to a reader of one event.
_NOISE = {"workflowTaskCompletedEventId", "header", "taskQueue.kind", "workflowTaskTimeout"}


@dataclass
class RawEvent:
    id: int
    at: datetime
    type: str
    attributes: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class LiveSide:
    """What Temporal said about one task, or why it could not say."""

    view: TaskView | None = None
    view_problem: str | None = None
    events: list[RawEvent] = field(default_factory=list)
    history_problem: str | None = None
    ui_url: str = ""


def ui_url(settings: Settings, workflow_id: str) -> str:
    base = settings.temporal_ui_url.rstrip("/")
    namespace = quote(settings.temporal_namespace, safe="")
    return f"{base}/namespaces/{namespace}/workflows/{quote(workflow_id, safe='')}"


def _type_name(value: int) -> str:
    """``EVENT_TYPE_WORKFLOW_EXECUTION_STARTED`` → ``WorkflowExecutionStarted``."""
    try:
        name = EventType.Name(value)  # type: ignore[arg-type]
    except ValueError:
        return str(value)
    return "".join(part.capitalize() for part in name.removeprefix("EVENT_TYPE_").split("_"))


def _payload_text(payload: dict[str, Any]) -> str:
    try:
        raw = base64.b64decode(payload.get("data", ""))
        text = raw.decode("utf-8")
        return json.dumps(json.loads(text), ensure_ascii=False) if text else ""
    except (ValueError, UnicodeDecodeError):
        return "(dữ liệu nhị phân)"


def _flatten(value: Any, prefix: str, out: list[tuple[str, str]]) -> None:
    if isinstance(value, dict):
        if "data" in value and "metadata" in value:
            out.append((prefix, _payload_text(value)))
            return
        for key, inner in value.items():
            name = f"{prefix}.{key}" if prefix else key
            if name in _NOISE or key in _NOISE:
                continue
            _flatten(inner, name, out)
    elif isinstance(value, list):
        if len(value) == 1:
            _flatten(value[0], prefix, out)
        else:
            for index, inner in enumerate(value):
                _flatten(inner, f"{prefix}[{index}]", out)
    else:
        out.append((prefix, str(value)))


def _attributes(event: Any) -> list[tuple[str, str]]:
    which = event.WhichOneof("attributes")
    if not which:
        return []
    data = MessageToDict(getattr(event, which))
    out: list[tuple[str, str]] = []
    _flatten(data, "", out)
    clipped = [(k, v if len(v) <= MAX_VALUE else v[: MAX_VALUE - 1] + "…") for k, v in out]
    return clipped[:MAX_ATTRIBUTES]


async def _history(client: Client, workflow_id: str) -> list[RawEvent]:
    history = await client.get_workflow_handle(workflow_id).fetch_history(
        rpc_timeout=timedelta(seconds=HISTORY_TIMEOUT)
    )
    return [
        RawEvent(
            id=e.event_id,
            at=e.event_time.ToDatetime(tzinfo=UTC),
            type=_type_name(e.event_type),
            attributes=_attributes(e),
        )
        for e in history.events
    ]


async def _query(client: Client, workflow_id: str) -> TaskView:
    return await client.get_workflow_handle(workflow_id).query(
        TaskWorkflow.view, rpc_timeout=timedelta(seconds=QUERY_TIMEOUT)
    )


def _problem(err: BaseException) -> str:
    if isinstance(err, RPCError) and err.status == RPCStatusCode.NOT_FOUND:
        return (
            "Temporal không còn lưu quy trình của nhiệm vụ này (đã kết thúc và hết thời hạn lưu)."
        )
    if isinstance(err, TimeoutError | asyncio.TimeoutError) or (
        isinstance(err, RPCError) and err.status == RPCStatusCode.DEADLINE_EXCEEDED
    ):
        return "Temporal không trả lời kịp (worker có thể đang dừng)."
    if isinstance(err, WorkflowQueryFailedError):
        return f"Quy trình không trả lời được truy vấn: {err}"
    return f"Không đọc được từ Temporal: {type(err).__name__}: {err}"


async def live_side(client: Client | None, settings: Settings, workflow_id: str) -> LiveSide:
    side = LiveSide(ui_url=ui_url(settings, workflow_id))
    if client is None:
        text = (
            f"Không kết nối được Temporal tại {settings.temporal_address}; các bước tiếp theo và "
            "lịch sử Temporal tạm thời không hiển thị được. Diễn biến dưới đây lấy từ cơ sở dữ liệu."
        )
        side.view_problem = side.history_problem = text
        return side
    view, events = await asyncio.gather(
        asyncio.wait_for(_query(client, workflow_id), QUERY_TIMEOUT + 1),
        asyncio.wait_for(_history(client, workflow_id), HISTORY_TIMEOUT + 1),
        return_exceptions=True,
    )
    if isinstance(view, BaseException):
        side.view_problem = _problem(view)
    else:
        side.view = view
    if isinstance(events, BaseException):
        side.history_problem = _problem(events)
    else:
        side.events = events
    return side
