"""Agency pages behind signed links: see the task, act on it. GET never changes anything."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError

from dondoc.domain import requests as rq
from dondoc.domain.events import EVENT_LABELS, EventKind
from dondoc.domain.task import AGENCY_ACTIONS, Action, TaskState, allowed_actions
from dondoc.domain.tokens import (
    TOKEN_PROBLEM_TEXT,
    InvalidToken,
    LinkGrant,
    TokenProblem,
    form_is_valid,
    read_link,
    sign_form,
)
from dondoc.domain.view import TaskView
from dondoc.settings import Settings
from dondoc.store.directory import display_name, get_leader
from dondoc.store.events import list_events
from dondoc.store.tables import TaskRow
from dondoc.store.tasks import get_task, spec_of, status_of
from dondoc.web.deps import get_app_settings, get_session, get_temporal, templates
from dondoc.workflows.task import TaskWorkflow

log = structlog.get_logger(__name__)
router = APIRouter(prefix="/t", include_in_schema=False)

UPDATE_TIMEOUT = 15.0
TOKEN_STATUS = {
    TokenProblem.MALFORMED: 400,
    TokenProblem.FORGED: 403,
    TokenProblem.EXPIRED: 410,
    TokenProblem.REVOKED: 403,
}
SUCCESS_TEXT = {
    Action.ACKNOWLEDGE: "Đã tiếp nhận nhiệm vụ.",
    Action.COMPLETE: "Đã gửi báo cáo hoàn thành.",
    Action.REPORT_PROGRESS: "Đã gửi báo cáo tiến độ.",
    Action.REQUEST_EXTENSION: "Đã gửi đề nghị gia hạn; Văn phòng sẽ xem xét, quyết định.",
    Action.PROPOSE_REASSIGNMENT: "Đã gửi đề nghị điều chỉnh đơn vị chủ trì; Văn phòng sẽ xem xét.",
}


class PageError(Exception):
    def __init__(self, status: int, title: str, message: str) -> None:
        self.status, self.title, self.message = status, title, message


def _grant(token: str, session: Session, settings: Settings) -> tuple[LinkGrant, TaskRow]:
    """The link's grant and its task, or PageError saying why the link does not work."""
    now = datetime.now(UTC)
    try:
        grant = read_link(token, settings.signing_keys(), now)
    except InvalidToken as err:
        raise PageError(
            TOKEN_STATUS[err.problem], "Đường dẫn không sử dụng được", str(err)
        ) from None
    row = get_task(session, grant.task_id)
    if row is None:
        raise PageError(
            404, "Không tìm thấy nhiệm vụ", "Nhiệm vụ trong đường dẫn không còn tồn tại."
        )
    if grant.recipient != row.owner and grant.recipient not in row.coordinators:
        text = TOKEN_PROBLEM_TEXT[TokenProblem.REVOKED]
        raise PageError(403, "Đường dẫn không sử dụng được", text)
    if row.closed_at and now > row.closed_at + timedelta(days=settings.link_ttl_days):
        text = TOKEN_PROBLEM_TEXT[TokenProblem.EXPIRED]
        raise PageError(410, "Đường dẫn không sử dụng được", text)
    return grant, row


def _error_page(request: Request, err: PageError) -> HTMLResponse:
    return templates.TemplateResponse(
        request, "error.html", {"title": err.title, "message": err.message}, status_code=err.status
    )


def _page(
    request: Request,
    token: str,
    grant: LinkGrant,
    row: TaskRow,
    session: Session,
    settings: Settings,
    *,
    view: TaskView | None = None,
    notice: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    spec = view.spec if view else spec_of(row)
    status = view.status if view else status_of(row)
    is_owner = grant.recipient == status.owner
    actions = [a for a in allowed_actions(status.state) if a in AGENCY_ACTIONS] if is_owner else []
    if status.pending_extension is not None and Action.REQUEST_EXTENSION in actions:
        actions.remove(Action.REQUEST_EXTENSION)
    due = status.deadline.due
    if due is not None and datetime.now(UTC) >= due and Action.REQUEST_EXTENSION in actions:
        actions.remove(Action.REQUEST_EXTENSION)
    keys = settings.signing_keys()
    leader = get_leader(session, spec.leader)
    history = [
        {"at": e.at, "label": EVENT_LABELS.get(EventKind(e.kind), e.kind), "summary": e.summary}
        for e in list_events(session, row.id)
        if e.kind not in (EventKind.MAIL_SENT,)
    ]
    context: dict[str, Any] = {
        "token": token,
        "spec": spec,
        "status": status,
        "recipient_name": display_name(session, grant.recipient),
        "owner_name": display_name(session, status.owner),
        "coordinator_names": [display_name(session, c) for c in spec.coordinators],
        "leader": leader,
        "is_owner": is_owner,
        "overdue": status.is_overdue(datetime.now(UTC)),
        "actions": actions,
        "forms": {a.value: sign_form(token, a.value, keys) for a in actions},
        "history": list(reversed(history)),
        "notice": notice,
        "error": error,
        "today": datetime.now(UTC).date().isoformat(),
        "State": TaskState,
    }
    return templates.TemplateResponse(request, "task.html", context, status_code=status_code)


@router.get("/{token}", response_class=HTMLResponse)
def task_page(
    request: Request,
    token: str,
    session: Annotated[Session, Depends(get_session)],
    settings: Annotated[Settings, Depends(get_app_settings)],
) -> HTMLResponse:
    try:
        grant, row = _grant(token, session, settings)
    except PageError as err:
        return _error_page(request, err)
    return _page(request, token, grant, row, session, settings)


def _request_for(action: Action, actor: str, form: dict[str, str]) -> rq._Request:
    if action == Action.ACKNOWLEDGE:
        return rq.Acknowledge(actor=actor, note=form.get("note", ""))
    if action == Action.COMPLETE:
        return rq.Complete.model_validate(
            {
                "actor": actor,
                "report": {
                    "summary": form.get("summary", ""),
                    "document_number": form.get("document_number", ""),
                    "link": form.get("link", ""),
                },
            }
        )
    if action == Action.REPORT_PROGRESS:
        return rq.ReportProgress(actor=actor, note=form.get("note", ""))
    if action == Action.REQUEST_EXTENSION:
        return rq.RequestExtension(
            actor=actor, new_deadline=form.get("new_deadline", ""), reason=form.get("reason", "")
        )
    return rq.ProposeReassignment(actor=actor, reason=form.get("reason", ""))


FIELD_NAMES = {
    "summary": "Kết quả thực hiện",
    "note": "Nội dung báo cáo",
    "new_deadline": "Thời hạn đề nghị",
    "reason": "Lý do",
    "document_number": "Số văn bản",
    "link": "Đường dẫn văn bản",
}


def _missing_fields(err: ValidationError) -> str:
    names = [FIELD_NAMES.get(str(e["loc"][-1]), str(e["loc"][-1])) for e in err.errors()]
    return "Vui lòng nhập: " + ", ".join(dict.fromkeys(names)) + "."


async def _run_update(client: Client, task_id: str, action: Action, req: rq._Request) -> TaskView:
    handle = client.get_workflow_handle(task_id)
    update = getattr(TaskWorkflow, action.value)
    return await asyncio.wait_for(
        handle.execute_update(update, req, result_type=TaskView), timeout=UPDATE_TIMEOUT
    )


@router.post("/{token}/{action}", response_class=HTMLResponse)
async def task_action(
    request: Request,
    token: str,
    action: str,
    session: Annotated[Session, Depends(get_session)],
    settings: Annotated[Settings, Depends(get_app_settings)],
) -> HTMLResponse:
    try:
        grant, row = _grant(token, session, settings)
    except PageError as err:
        return _error_page(request, err)
    try:
        act = Action(action)
    except ValueError:
        act = None
    if act is None or act not in AGENCY_ACTIONS:
        return _error_page(
            request, PageError(404, "Không có thao tác này", f"Không có thao tác «{action}».")
        )
    form = {k: str(v) for k, v in (await request.form()).items()}
    if not form_is_valid(form.get("form_token", ""), token, act.value, settings.signing_keys()):
        return _page(
            request,
            token,
            grant,
            row,
            session,
            settings,
            status_code=403,
            error="Biểu mẫu không hợp lệ hoặc đã cũ. Vui lòng thao tác lại trên trang này.",
        )
    if grant.recipient != row.owner:
        return _page(
            request,
            token,
            grant,
            row,
            session,
            settings,
            status_code=403,
            error="Chỉ đơn vị chủ trì được thực hiện thao tác này.",
        )
    try:
        req = _request_for(act, f"agency:{grant.recipient}", form)
    except ValidationError as err:
        return _page(
            request,
            token,
            grant,
            row,
            session,
            settings,
            status_code=422,
            error=_missing_fields(err),
        )
    try:
        client = await get_temporal(request)
        view = await _run_update(client, row.id, act, req)
    except WorkflowUpdateFailedError as err:
        cause = err.cause
        message = cause.message if isinstance(cause, ApplicationError) else str(cause or err)
        if "đã được tiếp nhận" in message or "đang chờ" in message:
            message = f"Thao tác đã được thực hiện trước đó. {message}"
        return _page(request, token, grant, row, session, settings, status_code=409, error=message)
    except (TimeoutError, RPCError, RuntimeError, OSError) as err:
        log.warning("update_unavailable", task=row.id, action=act.value, error=repr(err))
        return _page(
            request,
            token,
            grant,
            row,
            session,
            settings,
            status_code=503,
            error="Hệ thống đang bận nên thao tác chưa được ghi nhận. Vui lòng thử lại sau ít phút.",
        )
    log.info("agency_action", task=row.id, action=act.value, agency=grant.recipient)
    return _page(request, token, grant, row, session, settings, view=view, notice=SUCCESS_TEXT[act])
