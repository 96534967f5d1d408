"""The console under /admin/: office staff, leaders and admins (server-rendered pages)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from dondoc.web.console import (
    auth,
    calendar,
    dashboard,
    directory,
    notices,
    operations,
    reports,
    tasks,
    users,
)
from dondoc.web.console.pages import ConsoleError, LoginRequired, render

router = APIRouter(prefix="/admin", include_in_schema=False)
for module in (auth, dashboard, notices, tasks, calendar, directory, reports, operations, users):
    router.include_router(module.router)


def install(app: FastAPI) -> None:
    """Mount the console on ``app``: its routes and the answers to its two exceptions."""
    app.include_router(router)

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(
            f"/admin/login?next={quote(exc.next_url, safe='')}", status_code=303
        )

    @app.exception_handler(ConsoleError)
    async def console_error(request: Request, exc: ConsoleError) -> HTMLResponse:
        return render(
            request,
            "console/error.html",
            {"title": exc.title, "message": exc.message},
            status_code=exc.status,
        )


__all__ = ["install", "router"]
