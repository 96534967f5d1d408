"""/api/v1/tasks: the same list and filters as the console, one task's story, office actions."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request, Response
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool

from dondoc.commands.actions import Applied, Deferred, Refused, perform
from dondoc.commands.resend import ResendError
from dondoc.commands.resend import resend as resend_mail
from dondoc.commands.timeline import Names, timeline
from dondoc.domain.requests import request_from
from dondoc.domain.task import Action, StatusClass
from dondoc.settings import Settings
from dondoc.store.db import session_scope
from dondoc.store.task_search import MAX_PER_PAGE, TaskFilter, search_tasks
from dondoc.store.tasks import get_task, status_of, summary_of
from dondoc.web.action_words import DEFERRED_TEXT, SUCCESS_TEXT
from dondoc.web.api.auth import OfficeActor, Reader
from dondoc.web.api.errors import ApiError, translate
from dondoc.web.api.schemas import (
    ActionOut,
    DecisionBody,
    EventOut,
    ExtensionOut,
    IsoDay,
    MailOut,
    NoteBody,
    Problem,
    ReasonBody,
    ReassignBody,
    ReportOut,
    ResendBody,
    ResendOut,
    TaskDetail,
    TaskPageOut,
)

router = APIRouter(tags=["Nhiệm vụ"])
NOT_FOUND = {404: {"model": Problem, "description": "Không có nhiệm vụ này."}}
ACTION_ANSWERS: dict[int | str, dict[str, Any]] = {
    202: {
        "model": ActionOut,
        "description": "Đã ghi nhận; sẽ tới quy trình khi Temporal hoạt động trở lại.",
    },
    409: {
        "model": Problem,
        "description": "Trạng thái hiện tại của nhiệm vụ không cho phép thao tác này.",
    },
    **NOT_FOUND,
}
StateFilter = Literal[
    "open", "assigned", "acknowledged", "awaiting_confirmation", "completed", "cancelled"
]
SortName = Literal["deadline", "-deadline", "notice", "owner", "-updated"]


@router.get(
    "/tasks", response_model=TaskPageOut, summary="Danh sách nhiệm vụ (lọc, sắp xếp, phân trang)"
)
def list_tasks(
    request: Request,
    who: Reader,
    owner: Annotated[str | None, Query(max_length=64, description="Mã đơn vị chủ trì")] = None,
    leader: Annotated[str | None, Query(max_length=64, description="Mã lãnh đạo chỉ đạo")] = None,
    notice: Annotated[
        str | None, Query(max_length=128, description="Mã thông báo (2026-245-TB-UBND)")
    ] = None,
    state: StateFilter | None = None,
    status_class: StatusClass | None = None,
    overdue: bool = False,
    escalated: bool = False,
    pending_extension: bool = False,
    due_from: IsoDay | None = None,
    due_to: IsoDay | None = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Tìm trong nội dung (không phân biệt dấu)")
    ] = None,
    sort: SortName = "deadline",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 50,
) -> TaskPageOut:
    now = datetime.now(UTC)
    f = TaskFilter(
        owner=owner,
        leader=leader,
        notice_key=notice,
        state=state,
        status_class=status_class.value if status_class else None,
        overdue=overdue,
        escalated=escalated,
        pending_extension=pending_extension,
        due_from=due_from,
        due_to=due_to,
        text=q,
    )
    with session_scope(request.app.state.settings.database_url) as session:
        result = search_tasks(session, f, now, sort=sort, page=page, per_page=per_page)
    return TaskPageOut(
        items=result.items,
        total=result.total,
        page=result.page,
        per_page=result.per_page,
    )


@router.get(
    "/tasks/{task_id}",
    response_model=TaskDetail,
    responses=NOT_FOUND,
    summary="Một nhiệm vụ và diễn biến của nó",
)
def read_task(request: Request, who: Reader, task_id: str) -> TaskDetail:
    now = datetime.now(UTC)
    with session_scope(request.app.state.settings.database_url) as session:
        row = get_task(session, task_id)
        if row is None:
            raise ApiError(404, f"Không có nhiệm vụ «{task_id}».")
        status = status_of(row)
        names = Names(session)
        story = timeline(session, task_id, names)
        base = summary_of(row, now)
        pending = status.pending_extension
        return TaskDetail(
            **base.model_dump(),
            result=row.result,
            coordinators=list(row.coordinators),
            original_deadline=row.original_deadline_at,
            assigned_at=row.assigned_at,
            acknowledged_at=row.acknowledged_at,
            reported_at=row.reported_at,
            completed_at=row.completed_at,
            report=ReportOut(**status.report.model_dump()) if status.report else None,
            pending_extension=ExtensionOut(
                requested_at=pending.requested_at,
                new_deadline=pending.new_deadline.due,
                new_deadline_phrase=pending.new_deadline.phrase,
                reason=pending.reason,
            )
            if pending
            else None,
            timeline=[
                EventOut(
                    at=e.at,
                    kind=e.kind,
                    label=e.label,
                    actor=e.actor,
                    description=e.text,
                    mails=[
                        MailOut(
                            kind=m.kind,
                            recipient=m.recipient,
                            addresses=m.addresses,
                            status=m.status,
                            sent_at=m.sent_at,
                            error=m.error,
                        )
                        for m in e.mails
                    ],
                )
                for e in story
            ],
        )


def _key(who: str, task_id: str, action: str, idempotency_key: str | None) -> str:
    """The update id: the integration's Idempotency-Key (scoped to it), or a fresh one."""
    raw = idempotency_key or secrets.token_urlsafe(16)
    return (
        "api-"
        + hashlib.sha256(f"{who}\x00{task_id}\x00{action}\x00{raw}".encode()).hexdigest()[:40]
    )


def _known(settings: Settings, task_id: str) -> None:
    with session_scope(settings.database_url) as session:
        if get_task(session, task_id) is None:
            raise ApiError(404, f"Không có nhiệm vụ «{task_id}».")


async def _act(
    request: Request,
    response: Response,
    who: str,
    task_id: str,
    action: Action,
    body: BaseModel,
    idempotency_key: str | None,
) -> ActionOut:
    settings = request.app.state.settings
    await run_in_threadpool(_known, settings, task_id)
    try:
        req = request_from(action, f"api:{who}", body.model_dump())
    except ValidationError as err:
        errors = translate(err.errors())
        raise ApiError(422, "Dữ liệu gửi lên không hợp lệ.", errors) from None
    done = await perform(
        settings,
        request.app.state.temporal,
        task_id,
        action,
        req,
        _key(who, task_id, action.value, idempotency_key),
    )
    outcome = done.outcome
    if isinstance(outcome, Refused):
        raise ApiError(409, outcome.message)
    if isinstance(outcome, Deferred):
        response.status_code = 202
        return ActionOut(
            task_id=task_id,
            action=action.value,
            applied=False,
            repeated=done.repeated,
            detail=DEFERRED_TEXT,
        )
    assert isinstance(outcome, Applied)
    view = outcome.view
    return ActionOut(
        task_id=task_id,
        action=action.value,
        applied=True,
        repeated=done.repeated,
        state=view.status.state,
        status_class=view.status_class,
        deadline=view.status.deadline.due,
        detail=SUCCESS_TEXT[action],
    )


IdempotencyKey = Annotated[
    str | None,
    Header(
        max_length=200, description="Gửi lại cùng khóa khi thử lại: thao tác chỉ thực hiện một lần."
    ),
]


@router.post(
    "/tasks/{task_id}/extension-decision",
    response_model=ActionOut,
    responses=ACTION_ANSWERS,
    summary="Quyết định đề nghị gia hạn",
)
async def decide_extension(
    request: Request,
    response: Response,
    who: OfficeActor,
    task_id: str,
    body: DecisionBody,
    idempotency_key: IdempotencyKey = None,
) -> ActionOut:
    return await _act(
        request, response, who, task_id, Action.DECIDE_EXTENSION, body, idempotency_key
    )


@router.post(
    "/tasks/{task_id}/deadline-move-decision",
    response_model=ActionOut,
    responses=ACTION_ANSWERS,
    summary="Quyết định thời hạn khi lịch làm việc thay đổi (điều chỉnh hoặc giữ)",
)
async def decide_deadline_move(
    request: Request,
    response: Response,
    who: OfficeActor,
    task_id: str,
    body: DecisionBody,
    idempotency_key: IdempotencyKey = None,
) -> ActionOut:
    return await _act(
        request, response, who, task_id, Action.DECIDE_DEADLINE_MOVE, body, idempotency_key
    )


@router.post(
    "/tasks/{task_id}/reassign",
    response_model=ActionOut,
    responses=ACTION_ANSWERS,
    summary="Giao lại đơn vị chủ trì",
)
async def reassign(
    request: Request,
    response: Response,
    who: OfficeActor,
    task_id: str,
    body: ReassignBody,
    idempotency_key: IdempotencyKey = None,
) -> ActionOut:
    return await _act(request, response, who, task_id, Action.REASSIGN, body, idempotency_key)


@router.post(
    "/tasks/{task_id}/confirm",
    response_model=ActionOut,
    responses=ACTION_ANSWERS,
    summary="Xác nhận hoàn thành",
)
async def confirm(
    request: Request,
    response: Response,
    who: OfficeActor,
    task_id: str,
    body: NoteBody,
    idempotency_key: IdempotencyKey = None,
) -> ActionOut:
    return await _act(request, response, who, task_id, Action.CONFIRM, body, idempotency_key)


@router.post(
    "/tasks/{task_id}/return-report",
    response_model=ActionOut,
    responses=ACTION_ANSWERS,
    summary="Trả lại báo cáo hoàn thành",
)
async def return_report(
    request: Request,
    response: Response,
    who: OfficeActor,
    task_id: str,
    body: ReasonBody,
    idempotency_key: IdempotencyKey = None,
) -> ActionOut:
    return await _act(request, response, who, task_id, Action.RETURN_REPORT, body, idempotency_key)


@router.post(
    "/tasks/{task_id}/cancel",
    response_model=ActionOut,
    responses=ACTION_ANSWERS,
    summary="Hủy nhiệm vụ",
)
async def cancel(
    request: Request,
    response: Response,
    who: OfficeActor,
    task_id: str,
    body: ReasonBody,
    idempotency_key: IdempotencyKey = None,
) -> ActionOut:
    return await _act(request, response, who, task_id, Action.CANCEL, body, idempotency_key)


@router.post(
    "/tasks/{task_id}/reopen",
    response_model=ActionOut,
    responses=ACTION_ANSWERS,
    summary="Mở lại nhiệm vụ đã hoàn thành",
)
async def reopen(
    request: Request,
    response: Response,
    who: OfficeActor,
    task_id: str,
    body: ReasonBody,
    idempotency_key: IdempotencyKey = None,
) -> ActionOut:
    return await _act(request, response, who, task_id, Action.REOPEN, body, idempotency_key)


@router.post(
    "/tasks/{task_id}/resend",
    response_model=ResendOut,
    responses={**NOT_FOUND, 409: {"model": Problem, "description": "Không có thư để gửi lại."}},
    summary="Gửi lại một thư của nhiệm vụ",
)
async def resend(request: Request, who: OfficeActor, task_id: str, body: ResendBody) -> ResendOut:
    settings = request.app.state.settings
    await run_in_threadpool(_known, settings, task_id)
    try:
        result = await resend_mail(
            settings, request.app.state.temporal, task_id, f"api:{who}", body.reason, body.mail
        )
    except ResendError as err:
        raise ApiError(409, str(err)) from None
    outcome = result.performed.outcome
    if isinstance(outcome, Refused):
        raise ApiError(409, outcome.message)
    if isinstance(outcome, Deferred):
        detail = DEFERRED_TEXT
    elif result.sent:
        detail = SUCCESS_TEXT[Action.RESEND]
    elif result.pending:
        detail = "Đã yêu cầu gửi lại thư; thư đang được gửi."
    else:
        detail = "Chưa gửi lại được thư; xem tình trạng trong diễn biến."
    return ResendOut(
        task_id=task_id,
        kind=result.kind.value,
        sent=result.sent,
        failed=result.failed,
        detail=detail,
    )
