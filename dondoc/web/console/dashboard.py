"""The dashboard: where things stand, what is late, what waits for the office."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from dondoc.store.dashboard import AgencyBar, dashboard
from dondoc.store.db import session_scope
from dondoc.web.console.auth import User
from dondoc.web.console.pages import render, settings_of
from dondoc.web.console.scope import leader_scope

router = APIRouter(include_in_schema=False)

# The order of the segments of each agency's bar, and their CSS classes.
SEGMENTS = (
    ("done_on_time", "Hoàn thành đúng hạn", "seg-done"),
    ("in_progress_on_time", "Đang thực hiện, trong hạn", "seg-open"),
    ("done_late", "Hoàn thành quá hạn", "seg-late"),
    ("overdue", "Đang thực hiện, quá hạn", "seg-overdue"),
)


def bar_segments(bar: AgencyBar, widest: int) -> list[dict[str, object]]:
    """Rectangles of one bar, in SVG user units (the whole row is 100 wide)."""
    x = 0.0
    out = []
    for name, label, css in SEGMENTS:
        count = getattr(bar, name)
        if not count:
            continue
        width = 100.0 * count / max(1, widest)
        out.append(
            {"x": round(x, 3), "width": round(width, 3), "css": css, "label": label, "count": count}
        )
        x += width
    return out


@router.get("/", response_class=HTMLResponse)
def dashboard_page(request: Request, user: User) -> HTMLResponse:
    now = datetime.now(UTC)
    with session_scope(settings_of(request).database_url) as session:
        board = dashboard(session, now, leader=leader_scope(user))
    widest = max((a.total for a in board.agencies), default=1)
    bars = [{"agency": a, "segments": bar_segments(a, widest)} for a in board.agencies]
    return render(
        request,
        "console/dashboard.html",
        {"board": board, "bars": bars, "segments": SEGMENTS, "title": "Tổng quan"},
    )
