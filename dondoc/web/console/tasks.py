"""Tasks: the filtered list, one task's full story, and the office's actions on it."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from dondoc.commands.actions import Applied, Deferred, Refused, perform
from dondoc.commands.resend import ResendError, resend, resendable
from dondoc.commands.temporal import client_or_none
from dondoc.commands.timeline import Names, planned, timeline
from dondoc.domain.requests import request_from
from dondoc.domain.task import (
    OFFICE_ACTIONS,
    Action,
    StatusClass,
    TaskState,
    allowed_actions,
    coordinators,
    live_class,
)
from dondoc.store.db import session_scope
from dondoc.store.directory import get_leader
from dondoc.store.tables import AgencyRow, LeaderRow, NoticeRow
from dondoc.store.task_search import OPEN_FILTER, TaskFilter, search_tasks
from dondoc.store.tasks import get_task, spec_of, status_of
from dondoc.web.action_words import (
    DEADLINE_MOVE_DECIDED,
    DEFERRED_TEXT,
    EXTENSION_DECIDED,
    REASON_FIELD,
    SUCCESS_TEXT,
    repeated,
)
from dondoc.web.console.auth import Form, OfficeUser, User
from dondoc.web.console.history import LiveSide, live_side
from dondoc.web.console.pages import ConsoleError, parse_day, redirect, render, settings_of
from dondoc.web.console.scope import leader_scope
from dondoc.web.console.sorts import SORTS

router = APIRouter(include_in_schema=False)

STATE_CHOICES = [("", "Tất cả"), (OPEN_FILTER, "Đang mở (chưa hoàn thành)")] + [
    (s.value, label) for s, label in (
        (TaskState.ASSIGNED, "Đã giao, chờ tiếp nhận"),
        (TaskState.ACKNOWLEDGED, "Đã tiếp nhận, đang thực hiện"),
        (TaskState.AWAITING_CONFIRMATION, "Chờ Văn phòng xác nhận"),
        (TaskState.COMPLETED, "Đã hoàn thành"),
        (TaskState.CANCELLED, "Đã hủy"),
    )
]  # fmt: skip


def notice_keys_for(session: Session, text: str) -> list[str]:
    """A notice typed as its number ("245/TB-UBND") or its key ("2026-245-TB-UBND")."""
    text = text.strip()
    if session.get(NoticeRow, text) is not None:
        return [text]
    return list(session.scalars(select(NoticeRow.key).where(NoticeRow.number == text)))


def filter_from(
    params: dict[str, str], session: Session, leader: str | None
) -> tuple[TaskFilter, dict[str, str]]:
    """The filter a query string asks for, and the cleaned values to show in the form."""
    shown = {k: v.strip() for k, v in params.items() if isinstance(v, str)}
    notice_key = None
    if shown.get("notice"):
        keys = notice_keys_for(session, shown["notice"])
        notice_key = keys[0] if keys else "\x00"
    state = shown.get("state") or None
    if state not in {None, OPEN_FILTER, *(s.value for s in TaskState)}:
        state = None
    klass = shown.get("status") or None
    if klass not in {None, *(c.value for c in StatusClass)}:
        klass = None
    f = TaskFilter(
        owner=shown.get("owner") or None,
        leader=leader or shown.get("leader") or None,
        notice_key=notice_key,
        state=state,
        status_class=klass,
        overdue=shown.get("overdue") == "1",
        escalated=shown.get("escalated") == "1",
        pending_extension=shown.get("pending") == "1",
        due_from=parse_day(shown.get("due_from")),
        due_to=parse_day(shown.get("due_to")),
        text=(shown.get("q") or "")[:200] or None,
    )
    return f, shown


def _choices(session: Session) -> dict[str, Any]:
    return {
        "agencies": session.execute(select(AgencyRow.code, AgencyRow.name).order_by(AgencyRow.name)).all(),
        "leaders": session.execute(select(LeaderRow.code, LeaderRow.name, LeaderRow.title).order_by(LeaderRow.code)).all(),
    }  # fmt: skip


@router.get("/tasks", response_class=HTMLResponse)
def task_list(
    request: Request,
    user: User,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    sort: str = "deadline",
) -> HTMLResponse:
    now = datetime.now(UTC)
    with session_scope(settings_of(request).database_url) as session:
        f, shown = filter_from(dict(request.query_params), session, leader_scope(user))
        result = search_tasks(
            session, f, now, sort=sort if sort in SORTS else "deadline", page=page
        )
        choices = _choices(session)
    names = dict(choices["agencies"])
    items = [{"task": t, "owner_name": names.get(t.owner, t.owner)} for t in result.items]
    return render(
        request,
        "console/tasks.html",
        {
            "title": "Nhiệm vụ",
            "result": result,
            "items": items,
            "shown": shown,
            "sort": sort if sort in SORTS else "deadline",
            "sorts": SORTS,
            "states": STATE_CHOICES,
            "classes": [(c.value, c) for c in StatusClass],
            "leader_locked": leader_scope(user) is not None,
            **choices,
        },
    )


def _load(request: Request, user: Any, task_id: str) -> None:
    """404 for a task that does not exist or that this leader may not see (same answer)."""
    with session_scope(settings_of(request).database_url) as session:
        row = get_task(session, task_id)
        scope = leader_scope(user)
        if row is None or (scope is not None and row.leader != scope):
            raise ConsoleError(404, "Không tìm thấy nhiệm vụ", f"Không có nhiệm vụ «{task_id}».")


async def _detail(
    request: Request,
    user: Any,
    task_id: str,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    await run_in_threadpool(_load, request, user, task_id)
    client = await client_or_none(request.app.state.temporal)
    side = await live_side(client, settings_of(request), task_id)
    return await run_in_threadpool(_render_detail, request, user, task_id, side, error, status_code)


def _render_detail(
    request: Request,
    user: Any,
    task_id: str,
    side: LiveSide,
    error: str | None,
    status_code: int,
) -> HTMLResponse:
    """The task's page from the read model and what Temporal said (``side``)."""
    now = datetime.now(UTC)
    with session_scope(settings_of(request).database_url) as session:
        row = get_task(session, task_id)
        assert row is not None
        names = Names(session)
        spec = side.view.spec if side.view else spec_of(row)
        status = side.view.status if side.view else status_of(row)
        story = timeline(session, task_id, names)
        leader = get_leader(session, spec.leader)
        agencies = session.execute(
            select(AgencyRow.code, AgencyRow.name).order_by(AgencyRow.name)
        ).all()
        mails = resendable(session, task_id)
        notice = session.get(NoticeRow, spec.notice_key)
    allowed = side.view.allowed if side.view else allowed_actions(status.state)
    actions = [a.value for a in OFFICE_ACTIONS if a in allowed] if user.can_act else []
    if Action.DECIDE_EXTENSION.value in actions and status.pending_extension is None:
        actions.remove(Action.DECIDE_EXTENSION.value)
    if user.can_act and status.pending_deadline_move is not None:
        actions.append(Action.DECIDE_DEADLINE_MOVE.value)
    klass = (
        side.view.status_class.value
        if side.view
        else live_class(status.state, StatusClass(row.status_class), status.deadline.due, now).value
    )
    context = {
        "title": f"Nhiệm vụ {spec.notice_number} mục {spec.position}",
        "task_id": task_id,
        "spec": spec,
        "status": status,
        "klass": klass,
        "overdue": klass == StatusClass.IN_PROGRESS_OVERDUE.value,
        "notice": notice,
        "leader": leader,
        "owner_name": names.code(status.owner),
        "coordinator_names": [names.code(c) for c in coordinators(spec, status)],
        "story": story,
        "plan": planned(side.view.plan, names) if side.view else [],
        "side": side,
        "actions": actions,
        "action_key": secrets.token_urlsafe(16),
        "agencies": [a for a in agencies if a.code != status.owner],
        "mails": mails if user.can_act else [],
        "technical": user.can_act,
        "error": error,
        "report_link": _safe_link(status.report.link) if status.report else None,
    }
    return render(request, "console/task.html", context, status_code=status_code)


def _safe_link(link: str) -> str | None:
    """Only web addresses become links; anything else (javascript:, data:) stays text."""
    return link if link.startswith(("http://", "https://")) else None


@router.get("/tasks/{task_id}", response_class=HTMLResponse)
async def task_page(request: Request, user: User, task_id: str) -> HTMLResponse:
    return await _detail(request, user, task_id)


@router.post("/tasks/{task_id}/actions/{action}", response_class=HTMLResponse)
async def task_action(
    request: Request, user: OfficeUser, task_id: str, action: str, form: Form
) -> Response:
    await run_in_threadpool(_load, request, user, task_id)
    act = next((a for a in OFFICE_ACTIONS if a.value == action), None)
    if act is None:
        raise ConsoleError(404, "Không có thao tác này", f"Không có thao tác «{action}».")
    reason = form.get(REASON_FIELD[act], "").strip()
    if not reason:
        return await _detail(
            request,
            user,
            task_id,
            error="Vui lòng nhập lý do, ý kiến của Văn phòng.",
            status_code=422,
        )
    fields: dict[str, Any] = dict(form)
    if act in (Action.DECIDE_EXTENSION, Action.DECIDE_DEADLINE_MOVE):
        fields["approve"] = form.get("decision") == "approve"
    try:
        req = request_from(act, user.actor, fields)
    except ValidationError as err:
        problems = "; ".join(str(e["msg"]) for e in err.errors())
        return await _detail(
            request, user, task_id, error=f"Thông tin chưa hợp lệ: {problems}", status_code=422
        )
    key = form.get("action_key", "")[:64] or secrets.token_urlsafe(16)
    done = await perform(settings_of(request), request.app.state.temporal, task_id, act, req, key)
    outcome = done.outcome
    if isinstance(outcome, Refused):
        return await _detail(request, user, task_id, error=outcome.message, status_code=409)
    if isinstance(outcome, Deferred):
        return redirect(request, f"/admin/tasks/{task_id}", DEFERRED_TEXT)
    assert isinstance(outcome, Applied)
    text = SUCCESS_TEXT[act]
    if act == Action.DECIDE_EXTENSION:
        text = EXTENSION_DECIDED[bool(fields["approve"])]
    elif act == Action.DECIDE_DEADLINE_MOVE:
        text = DEADLINE_MOVE_DECIDED[bool(fields["approve"])]
    return redirect(request, f"/admin/tasks/{task_id}", repeated(text) if done.repeated else text)


@router.post("/tasks/{task_id}/resend", response_class=HTMLResponse)
async def task_resend(request: Request, user: OfficeUser, task_id: str, form: Form) -> Response:
    await run_in_threadpool(_load, request, user, task_id)
    reason = form.get("reason", "").strip()[:2000]
    if not reason:
        return await _detail(
            request, user, task_id, error="Vui lòng nhập lý do gửi lại thư.", status_code=422
        )
    try:
        result = await resend(
            settings_of(request),
            request.app.state.temporal,
            task_id,
            user.actor,
            reason,
            form.get("mail") or None,
            key=form.get("action_key", "")[:64] or None,
        )
    except ResendError as err:
        return await _detail(request, user, task_id, error=str(err), status_code=409)
    outcome = result.performed.outcome
    if isinstance(outcome, Refused):
        return await _detail(request, user, task_id, error=outcome.message, status_code=409)
    if isinstance(outcome, Deferred):
        return redirect(request, f"/admin/tasks/{task_id}", DEFERRED_TEXT)
    if result.failed and not result.sent:
        return redirect(
            request,
            f"/admin/tasks/{task_id}",
            "Chưa gửi lại được thư; xem tình trạng gửi trong diễn biến.",
            bad=True,
        )
    if not result.sent:
        return redirect(
            request, f"/admin/tasks/{task_id}", "Đã yêu cầu gửi lại thư; thư đang được gửi."
        )
    return redirect(request, f"/admin/tasks/{task_id}", SUCCESS_TEXT[Action.RESEND])
