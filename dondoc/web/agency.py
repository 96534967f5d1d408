"""Agency pages behind signed links: see the task, act on it. GET never changes anything.

A POST is kept in ``agency_actions`` before it goes to the workflow, so a click made while
the worker is down is applied when it is back, and the page says so.
"""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session
from temporalio.client import Client

from dondoc.domain import requests as rq
from dondoc.domain.events import EVENT_LABELS, EventKind
from dondoc.domain.task import AGENCY_ACTIONS, Action, TaskState, allowed_actions
from dondoc.domain.tokens import (
    TOKEN_PROBLEM_TEXT,
    InvalidToken,
    LinkGrant,
    TokenProblem,
    read_agency_link,
    read_form,
    read_link,
    sign_form,
    sign_link,
)
from dondoc.domain.view import TaskView
from dondoc.settings import Settings
from dondoc.store.agency_actions import pending_for_task
from dondoc.store.directory import display_name, get_leader
from dondoc.store.events import list_events
from dondoc.store.tables import TaskRow
from dondoc.store.tasks import get_task, list_tasks, spec_of, status_of
from dondoc.web.actions import Deferred, Refused, perform
from dondoc.web.deps import get_app_settings, get_session, templates

log = structlog.get_logger(__name__)
router = APIRouter(prefix="/t", include_in_schema=False)

UPDATE_TIMEOUT = 8.0
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
DEFERRED_TEXT = (
    "Thao tác đã được ghi nhận nhưng hệ thống xử lý đang tạm gián đoạn; thao tác sẽ được "
    "thực hiện tự động ngay khi hệ thống hoạt động trở lại. Anh/chị không cần gửi lại."
)
FIELD_NAMES = {
    "summary": "Kết quả thực hiện",
    "note": "Nội dung báo cáo",
    "new_deadline": "Thời hạn đề nghị",
    "reason": "Lý do",
    "document_number": "Số văn bản",
    "link": "Đường dẫn văn bản",
}


class PageError(Exception):
    def __init__(self, status: int, title: str, message: str) -> None:
        self.status, self.title, self.message = status, title, message


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def _guarded(request: Request, check: Any) -> Any:
    """Run a token check; count failures per address and slow down repeated ones."""
    throttle = request.app.state.throttle
    address = _client_address(request)
    if throttle.refused(address):
        raise PageError(
            429,
            "Tạm dừng truy cập",
            "Có quá nhiều đường dẫn không hợp lệ từ địa chỉ này. Vui lòng thử lại sau ít phút.",
        )
    try:
        return check()
    except PageError:
        throttle.record(address)
        await asyncio.sleep(throttle.delay(address))
        raise


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
        raise PageError(
            403, "Đường dẫn không sử dụng được", TOKEN_PROBLEM_TEXT[TokenProblem.REVOKED]
        )
    if row.closed_at and now > row.closed_at + timedelta(days=settings.link_ttl_days):
        raise PageError(
            410, "Đường dẫn không sử dụng được", TOKEN_PROBLEM_TEXT[TokenProblem.EXPIRED]
        )
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
    now = datetime.now(UTC)
    is_owner = grant.recipient == status.owner
    actions = [a for a in allowed_actions(status.state) if a in AGENCY_ACTIONS] if is_owner else []
    due = status.deadline.due
    if Action.REQUEST_EXTENSION in actions and (
        status.pending_extension is not None or (due and now >= due)
    ):
        actions.remove(Action.REQUEST_EXTENSION)
    pending = pending_for_task(session, row.id)
    if pending and notice is None and error is None:
        notice = DEFERRED_TEXT
    keys = settings.signing_keys()
    history = [
        {"at": e.at, "label": EVENT_LABELS.get(EventKind(e.kind), e.kind), "summary": e.summary}
        for e in list_events(session, row.id)
    ]
    context: dict[str, Any] = {
        "token": token,
        "spec": spec,
        "status": status,
        "recipient_name": display_name(session, grant.recipient),
        "owner_name": display_name(session, status.owner),
        "coordinator_names": [display_name(session, c) for c in spec.coordinators],
        "leader": get_leader(session, spec.leader),
        "is_owner": is_owner,
        "actions": actions,
        "overdue": status.is_overdue(now),
        "forms": {
            a.value: sign_form(token, a.value, secrets.token_urlsafe(16), keys) for a in actions
        },
        "history": list(reversed(history)),
        "notice": notice,
        "deferred": bool(pending),
        "error": error,
        "today": now.date().isoformat(),
        "State": TaskState,
    }
    return templates.TemplateResponse(request, "task.html", context, status_code=status_code)


@router.get("/{token}", response_class=HTMLResponse)
async def task_page(
    request: Request,
    token: str,
    session: Annotated[Session, Depends(get_session)],
    settings: Annotated[Settings, Depends(get_app_settings)],
) -> HTMLResponse:
    try:
        grant, row = await _guarded(request, lambda: _grant(token, session, settings))
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


def _missing_fields(err: ValidationError) -> str:
    """What to fix, in the form's words: a missing field, one too long, or a rule's own message
    (a completion link that is not a web address)."""
    missing: list[str] = []
    said: list[str] = []
    for e in err.errors():
        name = FIELD_NAMES.get(str(e["loc"][-1]), str(e["loc"][-1]))
        if e["type"] == "value_error":
            said.append(str(e.get("ctx", {}).get("error", e["msg"])))
        elif e["type"] == "string_too_long":
            said.append(f"{name} quá dài (tối đa {e.get('ctx', {}).get('max_length')} ký tự).")
        else:
            missing.append(name)
    if missing:
        said.insert(0, "Vui lòng nhập: " + ", ".join(dict.fromkeys(missing)) + ".")
    return " ".join(dict.fromkeys(said))


@router.post("/{token}/{action}", response_class=HTMLResponse)
async def task_action(
    request: Request,
    token: str,
    action: str,
    session: Annotated[Session, Depends(get_session)],
    settings: Annotated[Settings, Depends(get_app_settings)],
) -> HTMLResponse:
    try:
        grant, row = await _guarded(request, lambda: _grant(token, session, settings))
    except PageError as err:
        return _error_page(request, err)
    act = next((a for a in AGENCY_ACTIONS if a.value == action), None)
    if act is None:
        return _error_page(
            request, PageError(404, "Không có thao tác này", f"Không có thao tác «{action}».")
        )
    form = {k: str(v) for k, v in (await request.form()).items()}
    nonce = read_form(form.get("form_token", ""), token, act.value, settings.signing_keys())

    def again(code: int, error: str | None = None, **kw: Any) -> HTMLResponse:
        return _page(
            request, token, grant, row, session, settings, status_code=code, error=error, **kw
        )

    if nonce is None:
        request.app.state.throttle.record(_client_address(request))
        return again(403, "Biểu mẫu không hợp lệ hoặc đã cũ. Vui lòng thao tác lại trên trang này.")
    if grant.recipient != row.owner:
        return again(403, "Chỉ đơn vị chủ trì được thực hiện thao tác này.")
    try:
        req = _request_for(act, f"agency:{grant.recipient}", form)
    except ValidationError as err:
        return again(422, _missing_fields(err))

    async def client() -> Client | None:
        try:
            return await request.app.state.temporal.get()
        except Exception as err:
            log.warning("temporal_unreachable", task=row.id, action=act.value, error=repr(err))
            return None

    # perform() keeps the click before sending it: from then on it cannot be lost.
    performed = await perform(settings, client, row.id, act, req, nonce, UPDATE_TIMEOUT)
    outcome, created = performed.outcome, not performed.repeated
    if isinstance(outcome, Deferred):
        log.warning("update_deferred", task=row.id, action=act.value, reason=outcome.reason)
        return again(202, None, notice=DEFERRED_TEXT)
    if isinstance(outcome, Refused):
        message = outcome.message
        if "trước đó" in message or "đang chờ" in message or "đã hoàn thành" in message:
            message = f"Thao tác đã được thực hiện trước đó. {message}"
        return again(409, message)
    text = (
        SUCCESS_TEXT[act]
        if created
        else f"Thao tác đã được thực hiện trước đó. {SUCCESS_TEXT[act]}"
    )
    log.info("agency_action", task=row.id, action=act.value, agency=grant.recipient)
    return _page(request, token, grant, row, session, settings, view=outcome.view, notice=text)


@router.get("/agency/{token}", response_class=HTMLResponse)
async def agency_page(
    request: Request,
    token: str,
    session: Annotated[Session, Depends(get_session)],
    settings: Annotated[Settings, Depends(get_app_settings)],
) -> HTMLResponse:
    """One agency's open tasks: what is due, what is overdue, each with its own link."""
    now = datetime.now(UTC)
    keys = settings.signing_keys()

    def check() -> tuple[str, int]:
        try:
            return read_agency_link(token, keys, now)
        except InvalidToken as err:
            raise PageError(
                TOKEN_STATUS[err.problem], "Đường dẫn không sử dụng được", str(err)
            ) from None

    try:
        agency, expires = await _guarded(request, check)
    except PageError as err:
        return _error_page(request, err)
    rows = sorted(
        list_tasks(session, owner=agency, open_only=True),
        key=lambda r: (r.deadline_at is None, r.deadline_at or now),
    )
    items = []
    for r in rows:
        status = status_of(r)
        link = sign_link(LinkGrant(task_id=r.id, recipient=agency, expires=expires), keys)
        items.append(
            {
                "row": r,
                "status": status,
                "overdue": status.is_overdue(now),
                "due_soon": bool(
                    status.deadline.due and now <= status.deadline.due <= now + timedelta(days=7)
                ),
                "link": f"/t/{link}",
            }
        )
    context = {
        "agency_name": display_name(session, agency),
        "items": items,
        "overdue": sum(i["overdue"] for i in items),
    }
    return templates.TemplateResponse(request, "agency.html", context)
