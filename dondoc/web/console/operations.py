"""Operations (admins): the outbox, worker and Temporal health, the settings in force."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import SecretStr
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from starlette.concurrency import run_in_threadpool
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest, GetSystemInfoRequest
from temporalio.client import Client

from dondoc.commands.temporal import client_or_none
from dondoc.commands.timeline import DELIVERY_LABELS, mail_label
from dondoc.settings import Settings
from dondoc.store.agency_actions import ActionStatus
from dondoc.store.db import session_scope
from dondoc.store.outbox import OutboxStatus
from dondoc.store.tables import AgencyActionRow, OutboxRow
from dondoc.web.console.auth import AdminUser
from dondoc.web.console.pages import render, settings_of

router = APIRouter(include_in_schema=False)
PER_PAGE = 50
# A worker polls continuously; one not seen for this long is taken as gone.
POLLER_STALE = timedelta(minutes=2)
HEALTH_TIMEOUT = 3.0


def masked_settings(settings: Settings) -> list[tuple[str, str]]:
    """Every setting as ``DONDOC_NAME`` and its value, secrets shown only as set or not."""
    out = []
    for name in type(settings).model_fields:
        value: Any = getattr(settings, name)
        if isinstance(value, SecretStr):
            shown = "•••••• (đã đặt)" if value.get_secret_value() else "(trống)"
        elif isinstance(value, list) and value and all(isinstance(v, SecretStr) for v in value):
            shown = f"{len(value)} khóa cũ (ẩn)"
        elif name == "database_url":
            shown = make_url(value).render_as_string(hide_password=True)
        elif value is None:
            shown = "(không đặt)"
        else:
            shown = str(value)
        out.append((f"DONDOC_{name.upper()}", shown))
    return out


async def _temporal_health(client: Client | None, settings: Settings) -> dict[str, Any]:
    health: dict[str, Any] = {"address": settings.temporal_address, "ok": False}
    if client is None:
        health["problem"] = "Không kết nối được."
        return health
    try:
        info = await asyncio.wait_for(
            client.workflow_service.get_system_info(GetSystemInfoRequest()), HEALTH_TIMEOUT
        )
        health["ok"] = True
        health["version"] = info.server_version or "?"
    except Exception as err:
        health["problem"] = f"{type(err).__name__}: {err}"
        return health
    workers = []
    now = datetime.now(UTC)
    for kind, label in (
        (TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, "quy trình"),
        (TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY, "hoạt động"),
    ):
        try:
            answer = await asyncio.wait_for(
                client.workflow_service.describe_task_queue(
                    DescribeTaskQueueRequest(
                        namespace=settings.temporal_namespace,
                        task_queue=TaskQueue(name=settings.task_queue),
                        task_queue_type=kind,
                    )
                ),
                HEALTH_TIMEOUT,
            )
        except Exception as err:
            workers.append({"kind": label, "problem": f"{type(err).__name__}: {err}"})
            continue
        for poller in answer.pollers:
            seen = poller.last_access_time.ToDatetime(tzinfo=UTC)
            workers.append(
                {
                    "kind": label,
                    "identity": poller.identity,
                    "seen": seen,
                    "alive": now - seen < POLLER_STALE,
                }
            )
        if not answer.pollers:
            workers.append({"kind": label, "problem": "Không có worker nào đang nhận việc."})
    health["workers"] = workers
    return health


def _database_health(settings: Settings) -> dict[str, Any]:
    try:
        with session_scope(settings.database_url) as session:
            session.execute(text("SELECT 1"))
        return {
            "ok": True,
            "url": make_url(settings.database_url).render_as_string(hide_password=True),
        }
    except Exception as err:
        return {"ok": False, "problem": f"{type(err).__name__}: {err}"}


@router.get("/operations", response_class=HTMLResponse)
async def operations_page(
    request: Request,
    user: AdminUser,
    status: str = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    settings = settings_of(request)
    client = await client_or_none(request.app.state.temporal)
    temporal = await _temporal_health(client, settings)
    return await run_in_threadpool(_render, request, temporal, status, page)


def _render(request: Request, temporal: dict[str, Any], status: str, page: int) -> HTMLResponse:
    """The database's side of the page, read in a thread once Temporal has answered."""
    settings = settings_of(request)
    database = _database_health(settings)
    wanted = status if status in {s.value for s in OutboxStatus} else ""
    with session_scope(settings.database_url) as session:
        counts = dict(
            session.execute(select(OutboxRow.status, func.count()).group_by(OutboxRow.status)).all()
        )
        query = select(OutboxRow)
        if wanted:
            query = query.where(OutboxRow.status == wanted)
        total = sum(counts.values()) if not wanted else counts.get(wanted, 0)
        pages = max(1, -(-total // PER_PAGE))
        page = min(page, pages)
        mails = list(
            session.scalars(
                query.order_by(OutboxRow.created_at.desc(), OutboxRow.key)
                .limit(PER_PAGE)
                .offset((page - 1) * PER_PAGE)
            )
        )
        waiting = session.scalar(
            select(func.count())
            .select_from(AgencyActionRow)
            .where(AgencyActionRow.status == ActionStatus.PENDING.value)
        )
    return render(
        request,
        "console/operations.html",
        {
            "title": "Vận hành",
            "temporal": temporal,
            "database": database,
            "settings_list": masked_settings(settings),
            "counts": counts,
            "mails": mails,
            "status": wanted,
            "statuses": [(s.value, DELIVERY_LABELS.get(s.value, s.value)) for s in OutboxStatus],
            "delivery": DELIVERY_LABELS,
            "mail_label": mail_label,
            "page": page,
            "pages": pages,
            "total": total,
            "waiting_actions": waiting or 0,
        },
    )
