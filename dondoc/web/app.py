"""The web application: agency pages under /t/, the console under /admin/, the API under /api/v1/."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp

from dondoc.settings import Settings
from dondoc.store.db import engine_for
from dondoc.web import agency, api, console
from dondoc.web.actions import ActionRelay
from dondoc.web.body_limit import BodyLimit, limits_for
from dondoc.web.deps import TemporalClients, templates
from dondoc.web.security import SecurityHeaders
from dondoc.web.throttle import FailureThrottle

SERVER_ERROR = "Hệ thống gặp lỗi khi xử lý yêu cầu; vui lòng thử lại sau ít phút."


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Relay clicks that could not reach their workflow while the web runs."""
    stop = asyncio.Event()
    relay = ActionRelay(app.state.settings, lambda: app.state.temporal.get())
    task = asyncio.create_task(relay.run(stop))
    try:
        yield
    finally:
        stop.set()
        await task


class _App(FastAPI):
    def build_middleware_stack(self) -> ASGIApp:
        # Outside Starlette's ServerErrorMiddleware, which answers a 500 past every
        # middleware added with add_middleware: the 500 page gets the headers too.
        return SecurityHeaders(super().build_middleware_stack())


def create_app(settings: Settings) -> FastAPI:
    app = _App(title="Đôn đốc", version="0.1.0", docs_url=None, redoc_url=None, lifespan=_lifespan)
    app.state.settings = settings
    app.state.temporal = TemporalClients(settings)
    app.state.throttle = FailureThrottle()
    # The API's bearer gate (api.install) runs before this, so an anonymous body is refused
    # unread whatever its size; then sizes are checked before anything parses a body.
    app.add_middleware(BodyLimit, limits=limits_for(settings))
    app.mount("/static", StaticFiles(directory=str(files("dondoc.web") / "static")), name="static")
    app.include_router(agency.router)
    console.install(app)
    api.install(app)

    @app.get("/", include_in_schema=False)
    async def home() -> RedirectResponse:
        # Agencies arrive by their links; anyone typing the address wants the console.
        return RedirectResponse("/admin/", status_code=303)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> JSONResponse:
        try:
            with engine_for(settings.database_url).connect() as conn:
                conn.execute(text("SELECT 1"))
            database = "ok"
        except Exception as err:  # the health page reports, it does not fail
            database = f"error: {type(err).__name__}"
        code = 200 if database == "ok" else 503
        return JSONResponse(
            {"status": "ok" if code == 200 else "degraded", "database": database}, code
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(
        request: Request, exc: StarletteHTTPException
    ) -> HTMLResponse | JSONResponse:
        messages = {
            400: "Nội dung yêu cầu không đọc được.",
            404: "Không tìm thấy trang.",
            405: "Thao tác không được hỗ trợ.",
            429: "Vui lòng thử lại sau ít phút.",
        }
        if request.url.path.startswith("/api/"):
            # The API's error shape (dondoc.web.api.errors); headers such as Allow kept.
            detail = messages.get(exc.status_code, str(exc.detail))
            return JSONResponse(
                {"detail": detail, "errors": []}, exc.status_code, headers=exc.headers
            )
        return templates.TemplateResponse(
            request,
            "error.html",
            {
                "title": "Không thực hiện được",
                "message": messages.get(exc.status_code, str(exc.detail)),
            },
            status_code=exc.status_code,
            headers=exc.headers,
        )

    @app.exception_handler(500)
    async def server_error(request: Request, exc: Exception) -> HTMLResponse | JSONResponse:
        # Starlette still logs the exception and re-raises it once this is sent.
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": SERVER_ERROR, "errors": []}, 500)
        return templates.TemplateResponse(
            request,
            "error.html",
            {"title": "Không thực hiện được", "message": SERVER_ERROR},
            status_code=500,
        )

    return app
