"""Notices: the list, one notice with its tasks, and issuing a new one.

A notice's own text (pasted, or a .docx / .pdf / .txt file) goes to the review form of
``notice_draft``. A notice typed in the form (or the YAML of ``dondoc notice issue``) is
validated as a whole, the tasks are shown as the system understood them (owner, resolved
deadline), and only the "Ban hành" button on that page starts the workflows. The review
page carries the notice as JSON in a hidden field and the issue step validates it again,
so what is issued is exactly what was reviewed, and still all-or-nothing.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, or_, select
from starlette.concurrency import run_in_threadpool

from dondoc.commands.issue import SearchAttributesMissing, check_notice, issue_notice
from dondoc.commands.temporal import client_or_none
from dondoc.deployment import policies
from dondoc.domain.notice import NoticeInvalid, Problem
from dondoc.domain.notice_text import has_review_metadata
from dondoc.store.db import session_scope
from dondoc.store.notices import task_counts
from dondoc.store.tables import AgencyRow, LeaderRow, NoticeRow, TaskRow
from dondoc.store.tasks import summaries
from dondoc.web.console import notice_draft
from dondoc.web.console.auth import Form, OfficeUser, User
from dondoc.web.console.pages import ConsoleError, redirect, render, settings_of
from dondoc.web.console.scope import leader_scope

router = APIRouter(include_in_schema=False)
PER_PAGE = 30
TASK_ROWS = 5
MAX_TASK_ROWS = 40
YAML_EXAMPLE = """number: 245/TB-UBND
date: 2026-09-15
leader: PCT-VINH
subject: Kết luận của Phó Chủ tịch UBND tỉnh tại cuộc họp ...
tasks:
  - owner: SNGV
    coordinators: [STC]
    work: Tiếp thu ý kiến, hoàn thiện dự thảo Đề án ...
    result: Dự thảo Đề án trình UBND tỉnh
    deadline: trước ngày 30/9/2026
"""


@router.get("/notices", response_class=HTMLResponse)
def notice_list(
    request: Request,
    user: User,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    q: str = "",
) -> HTMLResponse:
    now = datetime.now(UTC)
    scope = leader_scope(user)
    with session_scope(settings_of(request).database_url) as session:
        query = select(NoticeRow)
        if scope:
            query = query.where(NoticeRow.leader == scope)
        if q.strip():
            like = f"%{q.strip()[:100]}%"
            query = query.where(or_(NoticeRow.number.ilike(like), NoticeRow.subject.ilike(like)))
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        pages = max(1, -(-total // PER_PAGE))
        page = min(page, pages)
        rows = list(
            session.scalars(
                query.order_by(NoticeRow.date.desc(), NoticeRow.key.desc())
                .limit(PER_PAGE)
                .offset((page - 1) * PER_PAGE)
            )
        )
        counts = task_counts(session, [r.key for r in rows], now)
        leaders = dict(session.execute(select(LeaderRow.code, LeaderRow.name)).all())
    return render(
        request,
        "console/notices.html",
        {
            "title": "Thông báo kết luận",
            "rows": rows,
            "counts": counts,
            "leaders": leaders,
            "page": page,
            "pages": pages,
            "total": total,
            "q": q,
        },
    )


def _form_context(session: Any, settings: Any) -> dict[str, Any]:
    return {
        "agencies": session.execute(select(AgencyRow.code, AgencyRow.name).order_by(AgencyRow.name)).all(),
        "leader_choices": session.execute(select(LeaderRow.code, LeaderRow.name, LeaderRow.title).order_by(LeaderRow.code)).all(),
        "policy_names": sorted(policies(settings)),
    }  # fmt: skip


def new_page(
    request: Request,
    *,
    values: dict[str, str] | None = None,
    yaml_text: str = "",
    source: str = "text",
    problems: list[Problem] | None = None,
    message: str | None = None,
    rows: int = TASK_ROWS,
    status_code: int = 200,
    text: str = "",
) -> HTMLResponse:
    """The page to start a notice from: the form, the YAML, or the notice's own text."""
    settings = settings_of(request)
    with session_scope(settings.database_url) as session:
        context = _form_context(session, settings)
    return render(
        request,
        "console/notice_new.html",
        {
            "title": "Ban hành thông báo",
            "values": values or {},
            "yaml_text": yaml_text,
            "yaml_example": YAML_EXAMPLE,
            "source": source,
            "problems": problems or [],
            "message": message,
            "rows": range(max(1, min(rows, MAX_TASK_ROWS))),
            "more_rows": min(rows + 5, MAX_TASK_ROWS),
            "text": text,
            **context,
        },
        status_code=status_code,
    )


async def _new_page_async(request: Request, **kw: Any) -> HTMLResponse:
    return await run_in_threadpool(lambda: new_page(request, **kw))


@router.get("/notices/new", response_class=HTMLResponse)
def notice_new(
    request: Request,
    user: OfficeUser,
    rows: Annotated[int, Query(ge=1, le=MAX_TASK_ROWS)] = TASK_ROWS,
) -> HTMLResponse:
    return new_page(request, rows=rows)


def _split(text: str) -> list[str]:
    return [part.strip().upper() for part in text.replace(";", ",").split(",") if part.strip()]


def notice_from_form(form: dict[str, str]) -> dict[str, Any]:
    """The notice dict (as in the YAML) from the form's fields; blank task rows are skipped."""
    raw: dict[str, Any] = {
        "number": form.get("number", "").strip(),
        "date": form.get("date", "").strip(),
        "leader": form.get("leader", "").strip(),
        "subject": form.get("subject", "").strip(),
        "tasks": [],
    }
    if form.get("signer_name", "").strip() or form.get("signer_title", "").strip():
        raw["signer"] = {
            "name": form.get("signer_name", "").strip(),
            "title": form.get("signer_title", "").strip(),
        }
    if form.get("policy", "").strip():
        raw["policy"] = form["policy"].strip()
    for i in range(MAX_TASK_ROWS):
        work = form.get(f"work_{i}", "").strip()
        owner = form.get(f"owner_{i}", "").strip()
        if not work and not owner:
            continue
        task: dict[str, Any] = {
            "owner": owner,
            "coordinators": _split(form.get(f"coordinators_{i}", "")),
            "work": work,
            "result": form.get(f"result_{i}", "").strip(),
            "deadline": form.get(f"deadline_{i}", "").strip(),
        }
        if form.get(f"policy_{i}", "").strip():
            task["policy"] = form[f"policy_{i}"].strip()
        raw["tasks"].append(task)
    return raw


def _read_source(form: dict[str, str]) -> tuple[dict[str, Any] | None, str | None]:
    """The raw notice from the chosen source, or a message saying why it cannot be read."""
    source = form.get("source", "form")
    if source == "yaml":
        try:
            raw = yaml.safe_load(form.get("yaml", "")) or {}
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            where = f" (dòng {mark.line + 1})" if mark is not None else ""
            return None, f"Không đọc được YAML{where}: {getattr(err, 'problem', err)}"
        if not isinstance(raw, dict):
            return (
                None,
                "YAML phải là một bảng khóa–giá trị (number, date, leader, subject, tasks).",
            )
        return raw, None
    return notice_from_form(form), None


@router.post("/notices/preview", response_class=HTMLResponse)
def notice_preview(request: Request, user: OfficeUser, form: Form) -> HTMLResponse:
    settings = settings_of(request)
    source = form.get("source", "form")
    rows = max(
        TASK_ROWS,
        sum(1 for i in range(MAX_TASK_ROWS) if form.get(f"work_{i}") or form.get(f"owner_{i}")),
    )
    if form.get("more"):
        return new_page(request, values=form, source="form", rows=min(rows + 5, MAX_TASK_ROWS))
    raw, message = _read_source(form)
    if source == "yaml" and has_review_metadata(raw):
        # A draft printed by `dondoc notice parse`: reviewed in the form, not validated raw.
        return notice_draft.draft_page(request, raw, form.get("yaml", ""))
    if raw is None:
        return new_page(
            request,
            values=form,
            yaml_text=form.get("yaml", ""),
            source=source,
            message=message,
            rows=rows,
            status_code=422,
        )
    try:
        notice = check_notice(raw, settings)
    except NoticeInvalid as err:
        return new_page(
            request,
            values=form,
            yaml_text=form.get("yaml", ""),
            source=source,
            problems=err.problems,
            rows=rows,
            status_code=422,
        )
    except (OverflowError, ValueError):
        # Dates the calendar cannot place (year 9999 and "15 working days" after it).
        return new_page(
            request,
            values=form,
            yaml_text=form.get("yaml", ""),
            source=source,
            message="Ngày thông báo hoặc thời hạn nằm ngoài phạm vi hệ thống xử lý được.",
            rows=rows,
            status_code=422,
        )
    with session_scope(settings.database_url) as session:
        names = dict(session.execute(select(AgencyRow.code, AgencyRow.name)).all())
        leader = session.get(LeaderRow, notice.leader)
        existing = session.get(NoticeRow, notice.key)
    return render(
        request,
        "console/notice_review.html",
        {
            "title": "Kiểm tra trước khi ban hành",
            "notice": notice,
            "names": names,
            "leader": leader,
            "payload": json.dumps(raw, ensure_ascii=False, default=str),
            "existing": existing,
        },
    )


@router.post("/notices/issue", response_class=HTMLResponse)
async def notice_issue(request: Request, user: OfficeUser, form: Form) -> Response:
    settings = settings_of(request)
    try:
        raw = json.loads(form.get("payload", ""))
        notice = await run_in_threadpool(check_notice, raw, settings)
    except (ValueError, OverflowError, NoticeInvalid) as err:
        problems = err.problems if isinstance(err, NoticeInvalid) else []
        return await _new_page_async(
            request,
            problems=problems,
            message="Thông báo không hợp lệ; chưa ban hành.",
            status_code=422,
        )
    client = await client_or_none(request.app.state.temporal)
    if client is None:
        return await _new_page_async(
            request,
            source="yaml",
            yaml_text=yaml.safe_dump(raw, allow_unicode=True, sort_keys=False),
            message=f"Không kết nối được Temporal tại {settings.temporal_address}; thông báo chưa được ban hành. Vui lòng thử lại sau.",
            status_code=503,
        )
    sa = getattr(request.app.state, "search_attributes", True)
    try:
        result = await issue_notice(notice, settings, client, search_attributes=sa)
    except NoticeInvalid as err:
        return await _new_page_async(
            request,
            problems=err.problems,
            message="Thông báo không ban hành được.",
            status_code=409,
        )
    except Exception as err:
        reason = (
            str(err)
            if isinstance(err, SearchAttributesMissing)
            else f"Ban hành chưa trọn vẹn ({type(err).__name__}); bấm ban hành lại để khởi tạo các nhiệm vụ còn thiếu."
        )
        return await _new_page_async(
            request,
            source="yaml",
            yaml_text=yaml.safe_dump(raw, allow_unicode=True, sort_keys=False),
            message=reason,
            status_code=503,
        )
    if result.was_already_issued:
        text = f"Thông báo {notice.number} đã được ban hành trước đó; không khởi tạo thêm nhiệm vụ nào."
    else:
        text = f"Đã ban hành thông báo {notice.number}: {len(result.started)} nhiệm vụ."
    return redirect(request, f"/admin/notices/{notice.key}", text)


@router.get("/notices/{key}", response_class=HTMLResponse)
def notice_page(request: Request, user: User, key: str) -> HTMLResponse:
    now = datetime.now(UTC)
    scope = leader_scope(user)
    with session_scope(settings_of(request).database_url) as session:
        row = session.get(NoticeRow, key)
        if row is None or (scope is not None and row.leader != scope):
            raise ConsoleError(404, "Không tìm thấy thông báo", f"Không có thông báo «{key}».")
        tasks = summaries(session, now, TaskRow.notice_key == key)
        names = dict(session.execute(select(AgencyRow.code, AgencyRow.name)).all())
        leader = session.get(LeaderRow, row.leader)
        items = [{"row": t, "owner_name": names.get(t.owner, t.owner)} for t in tasks]
    return render(
        request,
        "console/notice.html",
        {"title": f"Thông báo {row.number}", "notice": row, "items": items, "leader": leader},
    )


# The review form of a notice's text lives beside this module, under the same paths.
router.include_router(notice_draft.router)
