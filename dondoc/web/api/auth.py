"""Bearer tokens of integrations (``dondoc api-token create NAME``), checked on every call.

Checked by ``BearerGate``, an ASGI middleware in front of the API, and not only by a
FastAPI dependency: FastAPI reads and parses a request's body before it solves the
route's dependencies, so an anonymous 100 MB POST would be read in full before it is
refused. The gate answers 401 from the headers alone and the body is never read. The
token's database lookup runs in a worker thread, so the event loop keeps serving others.
The gate also counts each valid token's requests (``DONDOC_API_RATE_LIMIT`` a minute, in
this process's memory: see ``dondoc.web.throttle``) and answers 429 beyond it, again
before the body is read.

Each route names the one scope it needs (``Reader``, ``Issuer``, ``OfficeActor``: FastAPI
``Security`` scopes, which the OpenAPI document lists). The gate reads them from that
document and answers 403 naming the missing scope, again before the body is read; an
operation that names no scope is refused to every token (it fails closed). The route's
own dependency checks the same scopes once more, for a request that did not come
through the gate.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer, SecurityScopes
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from dondoc.store.db import in_session
from dondoc.store.users import SCOPE_LABELS, ApiCaller, ApiScope, api_caller
from dondoc.web.api.errors import ApiError, problem
from dondoc.web.api.operations import operation_for
from dondoc.web.throttle import RateLimit

API_PREFIX = "/api/v1/"
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="dondoc"'}
MISSING = "Thiếu mã truy cập (Authorization: Bearer …)."
REFUSED = "Mã truy cập không hợp lệ hoặc đã bị thu hồi."
UNSCOPED = "Thao tác này chưa được gán phạm vi truy cập nên không mã truy cập nào dùng được."
RATE_WINDOW = 60.0
"""Seconds over which ``DONDOC_API_RATE_LIMIT`` requests are counted."""

bearer = HTTPBearer(
    auto_error=False,
    description=(
        "Mã truy cập do quản trị tạo bằng `dondoc api-token create TÊN --scope …` (hiển thị "
        "một lần). Mỗi thao tác cần một phạm vi: "
        + "; ".join(f"`{s.value}`: {SCOPE_LABELS[s].lower()}" for s in ApiScope)
        + ". Không chọn phạm vi: chỉ `read`."
    ),
)


def _presented(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, else None."""
    scheme, _, token = (authorization or "").strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


async def verified_caller(database_url: str, token: str) -> ApiCaller | None:
    """The integration and its scopes for a valid token; the lookup off the event loop."""
    return await in_session(database_url, api_caller, token)


def rate_limit_for(limit: int) -> RateLimit:
    return RateLimit(limit, RATE_WINDOW)


def too_many(limit: int, wait: int) -> str:
    return (
        f"Mã truy cập này đã gửi quá {limit} yêu cầu trong một phút. "
        f"Vui lòng thử lại sau {wait} giây."
    )


class BearerGate:
    """Refuse an API request without a valid token, or past its token's rate, before
    anything reads its body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return
        state = scope["app"].state
        token = _presented(Headers(scope=scope).get("authorization"))
        caller = None
        if token is not None:
            caller = await verified_caller(state.settings.database_url, token)
        if caller is None:
            refusal = problem(401, MISSING if token is None else REFUSED, headers=CHALLENGE)
            await refusal(scope, receive, send)
            return
        rate: RateLimit = state.api_rate
        wait = rate.take(f"token:{caller.name}")
        if wait is not None:
            await problem(429, too_many(rate.limit, wait), headers={"Retry-After": str(wait)})(
                scope, receive, send
            )
            return
        refused = scope_refusal(scope["app"], str(scope["method"]), str(scope["path"]), caller)
        if refused is not None:
            await problem(403, refused)(scope, receive, send)
            return
        scope.setdefault("state", {})["api_caller"] = caller
        await self.app(scope, receive, send)


def missing_scope(caller: ApiCaller, scope: ApiScope) -> str:
    return (
        f"Mã truy cập của «{caller.name}» không có phạm vi «{scope.value}» "
        f"({SCOPE_LABELS[scope].lower()}). Quản trị cần tạo mã mới có phạm vi này."
    )


def scope_refusal(app: FastAPI, method: str, path: str, caller: ApiCaller) -> str | None:
    """Why ``caller`` may not make this request, or None. A path or method the API lacks
    passes (its 404 or 405 tells more than a 403 would)."""
    operation = operation_for(app, method, path)
    if operation is None:
        return None
    if not operation.scopes:
        return UNSCOPED
    for needed in operation.scopes:
        known = next((s for s in ApiScope if s.value == needed), None)
        if known is None:
            return UNSCOPED
        if known not in caller.scopes:
            return missing_scope(caller, known)
    return None


async def integration(
    request: Request,
    security_scopes: SecurityScopes,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> str:
    """The calling integration's name: 401 without a valid token, 403 when the token
    lacks a scope the route names."""
    caller = getattr(request.state, "api_caller", None)
    if not isinstance(caller, ApiCaller):  # the gate checks first; this is for safety
        token = _presented(
            f"{credentials.scheme} {credentials.credentials}" if credentials else None
        )
        if token is None:
            raise ApiError(401, MISSING, headers=CHALLENGE)
        caller = await verified_caller(request.app.state.settings.database_url, token)
        if caller is None:
            raise ApiError(401, REFUSED, headers=CHALLENGE)
        request.state.api_caller = caller
    for needed in security_scopes.scopes:
        if ApiScope(needed) not in caller.scopes:
            raise ApiError(403, missing_scope(caller, ApiScope(needed)))
    return caller.name


Reader = Annotated[str, Security(integration, scopes=[ApiScope.READ.value])]
"""The integration's name, for a route that only reads (scope ``read``)."""
Issuer = Annotated[str, Security(integration, scopes=[ApiScope.ISSUE_NOTICES.value])]
"""The integration's name, for issuing a notice (scope ``notices:issue``)."""
OfficeActor = Annotated[str, Security(integration, scopes=[ApiScope.ACT_ON_TASKS.value])]
"""The integration's name, for an office action or a resend (scope ``tasks:act``)."""
