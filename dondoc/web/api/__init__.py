"""The JSON API v1 under /api/v1/, for the province's document-management systems.

Bearer tokens per integration, each with its scopes (``read``, ``notices:issue``,
``tasks:act``: ``dondoc.store.users.ApiScope``) and a rate per minute; OpenAPI at
/openapi.json (this router is the only part of the app in it), where every operation
names the scope it needs; errors as ``{"detail", "errors"}`` in Vietnamese, naming the
fields.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dondoc.web.api import notices, tasks
from dondoc.web.api.auth import BearerGate, integration, rate_limit_for
from dondoc.web.api.errors import ApiError, api_error_handler, validation_handler
from dondoc.web.api.operations import operation_for
from dondoc.web.api.schemas import Problem

COMMON: dict[int | str, dict[str, Any]] = {
    400: {
        "model": Problem,
        "description": "Nội dung gửi lên không đọc được (không phải JSON UTF-8).",
    },
    401: {"model": Problem, "description": "Thiếu hoặc sai mã truy cập."},
    403: {"model": Problem, "description": "Mã truy cập không có phạm vi mà thao tác cần."},
    422: {"model": Problem, "description": "Dữ liệu không hợp lệ; `errors` nêu từng trường."},
    429: {
        "model": Problem,
        "description": "Mã truy cập gửi quá nhiều yêu cầu trong một phút; xem `Retry-After`.",
    },
}


async def known_query(request: Request) -> None:
    """Refuse a query parameter the operation does not have (a typo such as ``ownr=SNGV``
    would otherwise be ignored and list every task), or one given twice."""
    operation = operation_for(request.app, request.method, request.url.path)
    if operation is None:
        return
    names = operation.query_names
    keys = [k for k, _ in request.query_params.multi_items()]
    unknown = [k for k in dict.fromkeys(keys) if k not in names]
    if unknown:
        raise ApiError(
            422,
            "Tham số không được hỗ trợ: " + ", ".join(unknown) + ".",
            [{"field": k, "message": "tham số không được hỗ trợ"} for k in unknown],
        )
    # Every parameter of this API takes one value; a repeated one would silently keep the last.
    repeated = [k for k in dict.fromkeys(keys) if keys.count(k) > 1]
    if repeated:
        raise ApiError(
            422,
            "Tham số chỉ được gửi một lần: " + ", ".join(repeated) + ".",
            [{"field": k, "message": "chỉ được gửi một giá trị"} for k in repeated],
        )


router = APIRouter(
    prefix="/api/v1",
    dependencies=[Depends(integration), Depends(known_query)],
    responses=COMMON,
)
router.include_router(notices.router)
router.include_router(tasks.router)


def _allowed_methods(app: FastAPI, path: str) -> set[str]:
    try:
        from fastapi.routing import iter_route_contexts

        routes: list[Any] = list(iter_route_contexts(app.routes))
    except ImportError:  # older FastAPI lists included routes directly
        routes = list(app.routes)
    allowed: set[str] = set()
    for route in routes:
        regex, methods = getattr(route, "path_regex", None), getattr(route, "methods", None)
        if regex is not None and methods and regex.match(path):
            allowed |= set(methods)
    return allowed


class CompleteAllow:
    """A 405 of the API lists every method of the path, not only those of the first route
    found (GET and POST of /api/v1/notices are two routes; RFC 9110 wants both in Allow).

    Plain ASGI, looking only at the API's answers: as an ``@app.middleware("http")`` it
    cost every request of the site, link pages included, a task group and a copy of the
    response stream.
    """

    def __init__(self, app: ASGIApp, owner: FastAPI) -> None:
        self.app = app
        self.owner = owner

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] != "http" or not path.startswith("/api/"):
            await self.app(scope, receive, send)
            return

        async def send_allow(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 405:
                allowed = _allowed_methods(self.owner, path)
                if allowed:
                    MutableHeaders(scope=message)["Allow"] = ", ".join(sorted(allowed))
            await send(message)

        await self.app(scope, receive, send_allow)


def install(app: FastAPI) -> None:
    app.state.api_rate = rate_limit_for(app.state.settings.api_rate_limit)
    app.include_router(router)

    app.add_middleware(CompleteAllow, owner=app)
    # Added last, so it runs first: no token, no reading of the body (see api.auth).
    app.add_middleware(BearerGate)
    app.add_exception_handler(ApiError, api_error_handler)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, validation_handler)  # type: ignore[arg-type]


__all__ = ["install", "router"]
