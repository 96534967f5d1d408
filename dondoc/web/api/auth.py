"""Bearer tokens of integrations (``dondoc api-token create NAME``), checked on every call.

Checked by ``BearerGate``, an ASGI middleware in front of the API, and not only by a
FastAPI dependency: FastAPI reads and parses a request's body before it solves the
route's dependencies, so an anonymous 100 MB POST would be read in full before it is
refused. The gate answers 401 from the headers alone and the body is never read. The
token's database lookup runs in a worker thread, so the event loop keeps serving others.

The ``integration`` dependency stays on the router: it documents the scheme in OpenAPI
and hands the name the gate found to the routes.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from dondoc.store.db import in_session
from dondoc.store.users import verify_api_token
from dondoc.web.api.errors import ApiError, problem

API_PREFIX = "/api/v1/"
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="dondoc"'}
MISSING = "Thiếu mã truy cập (Authorization: Bearer …)."
REFUSED = "Mã truy cập không hợp lệ hoặc đã bị thu hồi."

bearer = HTTPBearer(
    auto_error=False,
    description="Mã truy cập do quản trị tạo bằng `dondoc api-token create TÊN` (hiển thị một lần).",
)


def _presented(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, else None."""
    scheme, _, token = (authorization or "").strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


async def verified_name(database_url: str, token: str) -> str | None:
    """The integration's name for a valid token; the lookup off the event loop."""
    return await in_session(database_url, verify_api_token, token)


class BearerGate:
    """Refuse an API request without a valid token before anything reads its body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return
        token = _presented(Headers(scope=scope).get("authorization"))
        name = None
        if token is not None:
            name = await verified_name(scope["app"].state.settings.database_url, token)
        if name is None:
            refusal = problem(401, MISSING if token is None else REFUSED, headers=CHALLENGE)
            await refusal(scope, receive, send)
            return
        scope.setdefault("state", {})["integration"] = name
        await self.app(scope, receive, send)


async def integration(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> str:
    """The calling integration's name; 401 without a valid token."""
    name = getattr(request.state, "integration", None)
    if isinstance(name, str):
        return name  # the gate checked this request's token already
    token = _presented(f"{credentials.scheme} {credentials.credentials}" if credentials else None)
    if token is None:
        raise ApiError(401, MISSING, headers=CHALLENGE)
    name = await verified_name(request.app.state.settings.database_url, token)
    if name is None:
        raise ApiError(401, REFUSED, headers=CHALLENGE)
    request.state.integration = name
    return name


Integration = Annotated[str, Depends(integration)]
