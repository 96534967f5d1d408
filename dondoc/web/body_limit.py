"""Request bodies have a size limit, enforced before anything parses them.

A plain ASGI middleware (BaseHTTPMiddleware would not see the stream as it arrives): a
declared ``Content-Length`` over the limit is refused with 413 at once, unread; a body sent
without one (chunked) is counted as it streams and refused as soon as it passes the limit,
so memory never holds more than the limit, whatever the client sends.

The limit depends on where the body goes (``limits_for``): the console's notice and
directory forms carry a pasted notice text or an uploaded file, percent-encoded or in
multipart, and get ``DONDOC_MAX_UPLOAD_BODY_BYTES``; everything else, the API included,
gets ``DONDOC_MAX_BODY_BYTES``.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dondoc.settings import Settings
from dondoc.web.templating import templates

UPLOAD_PREFIXES = ("/admin/notices", "/admin/directory")
TITLE = "Nội dung quá lớn"


def limits_for(settings: Settings) -> dict[str, int]:
    """Path prefix → largest body accepted there; ``""`` is the default."""
    return {
        "": settings.max_body_bytes,
        **dict.fromkeys(UPLOAD_PREFIXES, settings.max_upload_body_bytes),
    }


def size_text(limit: int) -> str:
    """``2 MB``, ``512 KB``: the limit as an office reader says it."""
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):.3g} MB"
    if limit >= 1024:
        return f"{limit / 1024:.3g} KB"
    return f"{limit} byte"


def too_large_text(limit: int) -> str:
    return f"Nội dung gửi lên quá lớn: tối đa {size_text(limit)}."


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a streamed body passes its limit.

    An HTTPException, so that FastAPI re-raises it from its body parsing (anything else
    there becomes a 400) and the app's error handler answers 413 in its own shape.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(413, too_large_text(limit))


def refusal(path: str, limit: int) -> Response:
    """The 413 answer for a body refused before the app saw it: JSON for the API, a page
    for people, in the same words and shapes as the app's other errors."""
    message = too_large_text(limit)
    if path.startswith("/api/"):
        return JSONResponse({"detail": message, "errors": []}, 413)
    page = templates.get_template("error.html").render(title=TITLE, message=message)
    return HTMLResponse(page, 413)


class BodyLimit:
    def __init__(self, app: ASGIApp, limits: Mapping[str, int]) -> None:
        self.app = app
        # Longest prefix first, so /admin/notices wins over the default "".
        self.limits = sorted(limits.items(), key=lambda item: len(item[0]), reverse=True)

    def limit_for(self, path: str) -> int:
        return next(limit for prefix, limit in self.limits if path.startswith(prefix))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        limit = self.limit_for(path)
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await refusal(path, limit)(scope, receive, send)
            return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge:
            # Raised where no handler turned it into a page (a middleware reading the body).
            if started:
                raise
            await refusal(path, limit)(scope, receive, send)
