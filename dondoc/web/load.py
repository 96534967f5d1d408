"""Two rules every request of the web keeps, as pure ASGI middleware.

* ``EventLoopGuard``: inside a request a database session may not open on the event
  loop's thread (``store.db.guard_event_loop``): a route that would block the loop
  fails in the tests instead of stalling every other request in production.
* ``Overload``: past a number of requests in flight the web answers 503 at once, with
  Retry-After, instead of queueing work it cannot finish; ``/healthz`` always answers, and
  so does ``/metrics``: an overload is exactly when the operator must see the figures.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from dondoc.store.db import guard_event_loop

MAX_IN_FLIGHT = 200
ALWAYS = ("/healthz", "/metrics")

KEEP_ALIVE_SECONDS = 75
"""How long an idle connection stays open: longer than a reverse proxy's own idle timeout
(nginx's ``keepalive_timeout`` is 75 s, its upstream default 60 s), so the proxy, not us,
closes it. uvicorn's 5 s default closes connections a client is about to reuse; on a busy
morning that race answered a click with a dropped connection instead of a page."""


class EventLoopGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with guard_event_loop():
            await self.app(scope, receive, send)


class Overload:
    def __init__(self, app: ASGIApp, limit: int = MAX_IN_FLIGHT) -> None:
        self.app = app
        self.limit = limit
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path", "") in ALWAYS:
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            response: Any = PlainTextResponse(
                "Hệ thống đang quá tải, vui lòng thử lại sau ít giây.",
                status_code=503,
                headers={"Retry-After": "5", "Cache-Control": "no-store"},
            )
            await response(scope, receive, send)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
