"""/api/v1/notices: issue a notice (all-or-nothing, idempotent), list and read notices."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool

from dondoc.commands.issue import SearchAttributesMissing, check_notice, issue_notice
from dondoc.commands.temporal import client_or_none
from dondoc.domain.notice import NoticeInvalid
from dondoc.store.db import session_scope
from dondoc.store.notices import task_counts
from dondoc.store.tables import NoticeRow, TaskRow
from dondoc.store.tasks import summaries
from dondoc.web.api.auth import Issuer, Reader
from dondoc.web.api.errors import ApiError, from_notice_problems
from dondoc.web.api.schemas import (
    IssueOut,
    NoticeBody,
    NoticeDetail,
    NoticePageOut,
    NoticeSummary,
    Problem,
)

router = APIRouter(tags=["Thông báo"])


def _summary(row: NoticeRow, counts: dict[str, tuple[int, int, int]]) -> NoticeSummary:
    n, open_, late = counts.get(row.key, (0, 0, 0))
    return NoticeSummary(
        key=row.key,
        number=row.number,
        date=row.date,
        leader=row.leader,
        subject=row.subject,
        issued_at=row.issued_at,
        tasks=n,
        open=open_,
        overdue=late,
    )


@router.get("/notices", response_model=NoticePageOut, summary="Danh sách thông báo đã ban hành")
def list_notices(
    request: Request,
    who: Reader,
    leader: Annotated[str | None, Query(max_length=64)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 50,
) -> NoticePageOut:
    now = datetime.now(UTC)
    with session_scope(request.app.state.settings.database_url) as session:
        query = select(NoticeRow)
        if leader:
            query = query.where(NoticeRow.leader == leader.upper())
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = list(
            session.scalars(
                query.order_by(NoticeRow.date.desc(), NoticeRow.key.desc())
                .limit(per_page)
                .offset((page - 1) * per_page)
            )
        )
        counts = task_counts(session, [r.key for r in rows], now)
        items = [_summary(r, counts) for r in rows]
    return NoticePageOut(items=items, total=total, page=page, per_page=per_page)


@router.get(
    "/notices/{key}",
    response_model=NoticeDetail,
    responses={404: {"model": Problem, "description": "Không có thông báo này."}},
    summary="Một thông báo và các nhiệm vụ của nó",
)
def read_notice(request: Request, who: Reader, key: str) -> NoticeDetail:
    now = datetime.now(UTC)
    with session_scope(request.app.state.settings.database_url) as session:
        row = session.get(NoticeRow, key)
        if row is None:
            raise ApiError(404, f"Không có thông báo «{key}».")
        tasks = summaries(session, now, TaskRow.notice_key == key)
        counts = task_counts(session, [key], now)
        return NoticeDetail(**_summary(row, counts).model_dump(), task_list=tasks)


@router.post(
    "/notices",
    response_model=IssueOut,
    status_code=201,
    responses={
        200: {
            "model": IssueOut,
            "description": "Kiểm tra (dry_run), hoặc thông báo đã ban hành trước đó.",
        },
        409: {"model": Problem, "description": "Số thông báo đã được dùng cho nội dung khác."},
        503: {"model": Problem, "description": "Không kết nối được Temporal; chưa ban hành."},
    },
    summary="Ban hành thông báo kết luận",
    description=(
        "Kiểm tra toàn bộ thông báo; chỉ khi mọi nhiệm vụ hợp lệ mới khởi tạo các quy trình "
        "đôn đốc (tất cả hoặc không). Gửi lại cùng thông báo không khởi tạo thêm gì (200). "
        "`dry_run=true`: chỉ kiểm tra."
    ),
)
async def issue(
    request: Request, response: Response, who: Issuer, body: NoticeBody, dry_run: bool = False
) -> IssueOut:
    settings = request.app.state.settings
    raw = body.model_dump(mode="json", exclude_none=True)
    if not 1900 <= body.date.year <= 2999:
        # The calendar and the deadline rules only know plausible years (year 9999 would
        # overflow computing "15 working days"); refuse before they are asked.
        problem = {"field": "date", "message": "năm của thông báo không hợp lệ"}
        raise ApiError(422, "Thông báo không hợp lệ; không nhiệm vụ nào được ban hành.", [problem])
    try:
        notice = await run_in_threadpool(check_notice, raw, settings)
    except NoticeInvalid as err:
        errors = from_notice_problems(err.problems)
        raise ApiError(
            422, "Thông báo không hợp lệ; không nhiệm vụ nào được ban hành.", errors
        ) from None
    if dry_run:
        response.status_code = 200
        return IssueOut(
            notice_key=notice.key,
            number=notice.number,
            dry_run=True,
            started=[],
            already=[],
            detail=f"Thông báo hợp lệ: {len(notice.tasks)} nhiệm vụ; chưa ban hành.",
        )
    client = await client_or_none(request.app.state.temporal)
    if client is None:
        raise ApiError(
            503, "Không kết nối được Temporal; thông báo chưa được ban hành, vui lòng thử lại."
        )
    try:
        result = await issue_notice(
            notice,
            settings,
            client,
            search_attributes=getattr(request.app.state, "search_attributes", True),
        )
    except NoticeInvalid as err:
        raise ApiError(
            409,
            err.problems[0].message if err.problems else str(err),
            from_notice_problems(err.problems),
        ) from None
    except SearchAttributesMissing as err:
        raise ApiError(503, str(err)) from None
    if result.was_already_issued:
        response.status_code = 200
        detail = f"Thông báo {notice.number} đã được ban hành trước đó; không khởi tạo thêm nhiệm vụ nào."
    else:
        detail = f"Đã ban hành thông báo {notice.number}: {len(result.started)} nhiệm vụ."
    return IssueOut(
        notice_key=notice.key,
        number=notice.number,
        dry_run=False,
        started=result.started,
        already=result.already,
        detail=detail,
    )
