"""Headers every response carries: no script from anywhere else, no framing, no referrer.

A plain ASGI middleware that sets them on ``http.response.start``, whoever sends it. The
app wraps its whole stack in it (``dondoc.web.app``), outside Starlette's own
ServerErrorMiddleware, so the 500 page, the 413 of the body limit and the 401 of the API
gate carry exactly the headers of every other page. A middleware inside that stack (as
BaseHTTPMiddleware was) never sees the 500 at all.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
FIXED = {
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
}
PERSONAL_PREFIX = "/t/"
"""Pages behind a personal link: never kept in a shared cache."""


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        personal = str(scope.get("path", "")).startswith(PERSONAL_PREFIX)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", CSP)
                for name, value in FIXED.items():
                    headers[name] = value
                if personal:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)
