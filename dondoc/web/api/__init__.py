"""The JSON API v1 under /api/v1/, for the province's document-management systems.

Bearer tokens per integration, each with its scopes (``read``, ``notices:issue``,
``tasks:act``: ``dondoc.store.users.ApiScope``) and a rate per minute; OpenAPI at
/openapi.json (this router is the only part of the app in it), where every operation
names the scope it needs; errors as ``{"detail", "errors"}`` in Vietnamese, naming the
fields.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError

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


def install(app: FastAPI) -> None:
    app.state.api_rate = rate_limit_for(app.state.settings.api_rate_limit)
    app.include_router(router)

    @app.middleware("http")
    async def complete_allow(request: Request, call_next: Any) -> Response:
        """A 405 lists every method of the path, not only those of the first route found
        (GET and POST of /api/v1/notices are two routes; RFC 9110 wants both in Allow)."""
        response = await call_next(request)
        if response.status_code == 405 and request.url.path.startswith("/api/"):
            allowed = _allowed_methods(app, request.url.path)
            if allowed:
                response.headers["Allow"] = ", ".join(sorted(allowed))
        return response

    # Added last, so it runs first: no token, no reading of the body (see api.auth).
    app.add_middleware(BearerGate)
    app.add_exception_handler(ApiError, api_error_handler)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, validation_handler)  # type: ignore[arg-type]


__all__ = ["install", "router"]
