"""Reports per agency for a period: the table, and the same as .xlsx and CSV downloads."""

from __future__ import annotations

from datetime import UTC, date, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from dondoc.domain.formatting import LOCAL_TZ
from dondoc.store.db import session_scope
from dondoc.store.reports import PeriodReport, file_name, period_report, title, to_csv, to_xlsx
from dondoc.store.tables import LeaderRow
from dondoc.web.console.auth import User
from dondoc.web.console.pages import ConsoleError, parse_day, render, settings_of
from dondoc.web.console.scope import leader_scope

router = APIRouter(include_in_schema=False)


def quarter_start(today: date) -> date:
    return date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)


def _period(request: Request, user: object) -> tuple[date, date, str | None]:
    today = datetime.now(LOCAL_TZ).date()
    params = request.query_params
    start = parse_day(params.get("from")) or quarter_start(today)
    end = parse_day(params.get("to")) or today
    if end < start:
        raise ConsoleError(
            422, "Khoảng thời gian không hợp lệ", "Ngày kết thúc phải sau ngày bắt đầu."
        )
    scope = leader_scope(user)  # type: ignore[arg-type]
    leader = scope or (params.get("leader") or None)
    return start, end, leader


def _report(request: Request, user: object) -> PeriodReport:
    start, end, leader = _period(request, user)
    with session_scope(settings_of(request).database_url) as session:
        return period_report(session, start, end, datetime.now(UTC), leader=leader)


@router.get("/reports", response_class=HTMLResponse)
def report_page(request: Request, user: User) -> HTMLResponse:
    report = _report(request, user)
    with session_scope(settings_of(request).database_url) as session:
        leaders = session.execute(
            select(LeaderRow.code, LeaderRow.name, LeaderRow.title).order_by(LeaderRow.code)
        ).all()
    query = request.url.query
    return render(
        request,
        "console/reports.html",
        {
            "title": "Báo cáo",
            "report": report,
            "heading": title(report),
            "leaders": leaders,
            "leader_locked": leader_scope(user) is not None,
            "download_query": query
            or f"from={report.start.isoformat()}&to={report.end.isoformat()}",
        },
    )


def _download(content: bytes, name: str, media_type: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/reports.xlsx")
def report_xlsx(request: Request, user: User) -> Response:
    report = _report(request, user)
    return _download(
        to_xlsx(report),
        file_name(report, "xlsx"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@router.get("/reports.csv")
def report_csv(request: Request, user: User) -> Response:
    report = _report(request, user)
    return _download(to_csv(report), file_name(report, "csv"), "text/csv; charset=utf-8")
