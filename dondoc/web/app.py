"""The web application: agency pages under /t/, the console under /admin/, the API under /api/v1/."""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp
from temporalio.client import Client

from dondoc.commands.gauges import ReadModelGauges
from dondoc.commands.readiness import database_answer, readiness
from dondoc.commands.relay import ActionRelay
from dondoc.commands.temporal import TemporalClients
from dondoc.metrics import exposition, render
from dondoc.settings import Settings
from dondoc.store.db import DatabaseBusy, guard_event_loop
from dondoc.web import agency, api, console
from dondoc.web.body_limit import BodyLimit, limits_for
from dondoc.web.load import EventLoopGuard, Overload
from dondoc.web.proxies import behind_trusted_proxies
from dondoc.web.request_metrics import RequestMetrics
from dondoc.web.security import SecurityHeaders
from dondoc.web.templating import templates
from dondoc.web.throttle import FailureThrottle

SERVER_ERROR = "Hệ thống gặp lỗi khi xử lý yêu cầu; vui lòng thử lại sau ít phút."

log = structlog.get_logger(__name__)

RELAY_STOP_TIMEOUT = 5.0
"""Seconds the web waits at shutdown for the relay's round in progress; an action cut off
stays pending in the database and is sent by the next start's relay."""


class _Current:
    """The app's Temporal client source as it is now (tests swap ``app.state.temporal``)."""

    def __init__(self, app: FastAPI) -> None:
        self._app = app

    async def get(self) -> Client:
        return await self._app.state.temporal.get()


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Relay clicks that could not reach their workflow while the web runs."""
    stop = asyncio.Event()
    relay = ActionRelay(app.state.settings, _Current(app))
    with guard_event_loop():
        task = asyncio.create_task(relay.run(stop))
    try:
        yield
    finally:
        stop.set()
        done, _ = await asyncio.wait({task}, timeout=RELAY_STOP_TIMEOUT)
        if not done:
            task.cancel()
            await asyncio.wait({task})
        log.info("action_relay_stopped", cut_short=not done)


class _App(FastAPI):
    def build_middleware_stack(self) -> ASGIApp:
        # Outside Starlette's ServerErrorMiddleware, which answers a 500 past every
        # middleware added with add_middleware: the 500 page gets the headers too. The
        # client's address is settled before anything else reads it (web.proxies).
        return behind_trusted_proxies(
            SecurityHeaders(super().build_middleware_stack()),
            self.state.settings.trusted_proxies,
        )


def create_app(settings: Settings) -> FastAPI:
    app = _App(title="Đôn đốc", version="0.1.0", docs_url=None, redoc_url=None, lifespan=_lifespan)
    app.state.settings = settings
    app.state.temporal = TemporalClients(settings)
    app.state.throttle = FailureThrottle()
    app.state.metrics = exposition(ReadModelGauges(settings.database_url))
    # Outermost last. The API's bearer gate (api.install) runs before all of these, so an
    # anonymous body is refused unread whatever its size; every answer is counted, an
    # overload's 503 too; an overload is refused at once; sizes are checked before
    # anything parses a body. The security headers wrap it all (_App), the 500 page
    # included. Each of them once: every layer costs every request its call.
    app.add_middleware(BodyLimit, limits=limits_for(settings))
    app.add_middleware(EventLoopGuard)
    app.add_middleware(Overload)
    app.add_middleware(RequestMetrics)
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
        """Alive: this process answers, whatever else is slow (200 even then). It also says
        how the database answered within a second; ``/readyz`` judges readiness."""
        return JSONResponse({"status": "ok", "database": await database_answer(settings)})

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        """Ready: the database, Temporal and the mail relay answer, each within seconds."""
        checks = await readiness(settings, app.state.temporal)
        ready = all(c == "ok" for c in checks.values())
        return JSONResponse(
            {"status": "ok" if ready else "degraded", **checks}, 200 if ready else 503
        )

    @app.get("/metrics", include_in_schema=False)
    def metrics(request: Request) -> Response:
        """Prometheus: counts and durations only, never a token, address or task text.
        Open like ``/healthz`` unless ``DONDOC_METRICS_TOKEN`` is set. A plain ``def``:
        the read-model gauges query the database in the thread pool."""
        if settings.metrics_token is not None and not _bearer_matches(
            request, settings.metrics_token.get_secret_value()
        ):
            return PlainTextResponse(
                "Cần mã truy cập để xem số liệu giám sát.",
                401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        body, content_type = render(app.state.metrics, request.headers.get("accept"))
        return Response(body, media_type=content_type)

    @app.exception_handler(DatabaseBusy)
    async def busy(request: Request, exc: DatabaseBusy) -> HTMLResponse | JSONResponse:
        return _error(
            request, 503, "Hệ thống đang bận, vui lòng thử lại sau ít phút.", {"Retry-After": "5"}
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
        return _error(
            request, exc.status_code, messages.get(exc.status_code, str(exc.detail)), exc.headers
        )

    @app.exception_handler(500)
    async def server_error(request: Request, exc: Exception) -> HTMLResponse | JSONResponse:
        # Starlette still logs the exception and re-raises it once this is sent.
        return _error(request, 500, SERVER_ERROR)

    return app


def _bearer_matches(request: Request, token: str) -> bool:
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.encode(), token.encode())


def _error(
    request: Request, status: int, message: str, headers: dict[str, str] | None = None
) -> HTMLResponse | JSONResponse:
    """An error in the shape the caller reads: the API's JSON (dondoc.web.api.errors), or
    a page; headers such as Allow and Retry-After kept."""
    if request.url.path.startswith("/api/"):
        return JSONResponse({"detail": message, "errors": []}, status, headers=headers)
    return templates.TemplateResponse(
        request,
        "error.html",
        {"title": "Không thực hiện được", "message": message},
        status_code=status,
        headers=headers,
    )
