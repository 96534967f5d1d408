"""The working calendar (office and admins): what is in force, which days are still
provisional and which deadlines rest on them, which deadlines wait for the office after
a change; admins load a year here as with ``dondoc calendar load``."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import and_, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from dondoc.commands.calendar import load_calendar, preview_calendar
from dondoc.deployment import DeploymentFileError
from dondoc.domain.task import OPEN_STATES
from dondoc.domain.vietnam_calendar import CalendarFileError, parse_year_replacement
from dondoc.store.calendars import calendar_in_force, loaded_rows
from dondoc.store.db import session_scope
from dondoc.store.tables import TaskRow
from dondoc.store.tasks import status_of
from dondoc.web.console.auth import AdminUser, Form, OfficeUser, Upload
from dondoc.web.console.pages import redirect, render, settings_of

router = APIRouter(include_in_schema=False)
LISTED = 100
# A deadline counted in days across a provisional holiday can end this long after it.
SPAN_AFTER = timedelta(days=60)


def _waiting(session: Session) -> list[TaskRow]:
    """Open tasks whose workflow asks the office about a deadline the calendar moved."""
    rows = session.scalars(
        select(TaskRow)
        .where(
            TaskRow.state.in_([s.value for s in OPEN_STATES]),
            TaskRow.status["pending_deadline_move"].as_string().is_not(None),
        )
        .order_by(TaskRow.deadline_at)
        .limit(LISTED)
    )
    return list(rows)


def _resting(session: Session, first: date, last: date) -> list[TaskRow]:
    """Open tasks whose deadline was read on provisional days (checked on each deadline's
    own flags, among those due in the window the provisional days can reach)."""
    zone_start = datetime.combine(first, datetime.min.time(), tzinfo=UTC)
    zone_end = datetime.combine(last, datetime.min.time(), tzinfo=UTC) + SPAN_AFTER
    candidates = session.scalars(
        select(TaskRow)
        .where(
            TaskRow.state.in_([s.value for s in OPEN_STATES]),
            and_(TaskRow.deadline_at >= zone_start, TaskRow.deadline_at <= zone_end),
        )
        .order_by(TaskRow.deadline_at)
    )
    found = [r for r in candidates if status_of(r).deadline.rests_on_provisional_days]
    return found[:LISTED]


def _page_context(request: Request) -> dict[str, Any]:
    settings = settings_of(request)
    today = datetime.now(UTC).date()
    years = [today.year, today.year + 1]
    with session_scope(settings.database_url) as session:
        calendars = {y: calendar_in_force(session, settings, date(y, 1, 1)) for y in years}
        provisional = [
            d for y in years for d in calendars[y].provisional_days(date(y, 1, 1), date(y, 12, 31))
        ]
        resting = (
            _resting(session, provisional[0].date, provisional[-1].date) if provisional else []
        )
        return {
            "title": "Lịch làm việc",
            "years": [
                (
                    y,
                    [
                        calendars[y].standing_of(d)
                        for d in sorted(calendars[y].days_off | calendars[y].extra_working_days)
                        if d.year == y
                    ],
                )
                for y in years
            ],
            "provisional": provisional,
            "loaded": loaded_rows(session),
            "waiting": _waiting(session),
            "resting": resting,
        }


@router.get("/calendar", response_class=HTMLResponse)
def calendar_page(request: Request, user: OfficeUser) -> HTMLResponse:
    return render(request, "console/calendar.html", _page_context(request))


def _read(form: dict[str, str], upload: bytes) -> tuple[str, Any]:
    text = upload.decode("utf-8-sig", errors="replace") if upload else form.get("yaml", "")
    if not text.strip():
        return text, "Chưa có nội dung lịch để nạp."
    try:
        return text, parse_year_replacement(text)
    except (CalendarFileError, DeploymentFileError, ValueError) as err:
        return text, f"Tệp lịch không hợp lệ: {err}"


@router.post("/calendar/preview", response_class=HTMLResponse)
async def calendar_preview(request: Request, user: AdminUser, sent: Upload) -> Response:
    form, upload = sent
    text, parsed = _read(form, upload)
    if isinstance(parsed, str):
        context = await run_in_threadpool(_page_context, request)
        return render(
            request,
            "console/calendar.html",
            {**context, "problem": parsed, "yaml_text": text},
            status_code=422,
        )
    preview = await preview_calendar(settings_of(request), parsed)
    return render(
        request,
        "console/calendar_preview.html",
        {
            "title": "Kiểm tra lịch trước khi nạp",
            "years": sorted(parsed.years),
            "preview": preview,
            "yaml_text": text,
            "source": form.get("source", "").strip()[:300],
        },
    )


@router.post("/calendar/load", response_class=HTMLResponse)
async def calendar_load(request: Request, user: AdminUser, form: Form) -> Response:
    text, parsed = _read(form, b"")
    if isinstance(parsed, str):
        return redirect(request, "/admin/calendar", parsed, bad=True)
    loaded = await load_calendar(
        settings_of(request),
        request.app.state.temporal,
        parsed,
        actor=user.actor,
        source=form.get("source", "").strip()[:300],
    )
    text = (
        f"Đã nạp lịch năm {', '.join(map(str, loaded.years))}: {loaded.sent} nhiệm vụ đã áp dụng"
        + (
            f", {loaded.deferred} sẽ áp dụng khi hệ thống xử lý hoạt động trở lại"
            if loaded.deferred
            else ""
        )
        + f"; {len(loaded.proposed)} nhiệm vụ chờ Văn phòng quyết định thời hạn."
    )
    return redirect(request, "/admin/calendar", text)
