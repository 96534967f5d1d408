"""Count and time every request by its route template, and log one line for it.

The label is the template the router matched (``/t/{token}``, ``/admin/tasks/{task_id}``),
read from the ASGI scope after routing, never the raw path: a link's token must not become
a label value (nor fill Prometheus with one series per link). The log line names the same
template, which is why uvicorn's own access log is off in ``dondoc web``: it prints the
raw path, token and all. It names the client's address as ``dondoc.web.proxies`` settled
it: the peer, or what a trusted proxy forwarded, never a header anyone could send.
"""

from __future__ import annotations

import time

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dondoc.metrics import HTTP_DURATION, HTTP_REQUESTS, UNMATCHED_ROUTE

log = structlog.get_logger(__name__)

PROBES = frozenset({"/healthz", "/readyz", "/metrics"})
"""Asked every few seconds by machines: logged at DEBUG only."""


def route_template(scope: Scope) -> str:
    path = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) and path else UNMATCHED_ROUTE


class RequestMetrics:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client sees if the app fails before answering

        async def send_counted(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_counted)
        finally:
            elapsed = time.perf_counter() - started
            route = route_template(scope)
            HTTP_REQUESTS.labels(route, str(status)).inc()
            HTTP_DURATION.labels(route).observe(elapsed)
            emit = log.debug if route in PROBES else log.info
            client = scope.get("client")
            emit(
                "http_request",
                method=scope.get("method"),
                route=route,
                client=client[0] if client else None,
                status=status,
                duration_ms=round(elapsed * 1000, 1),
            )
