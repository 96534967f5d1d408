"""Bearer tokens of integrations (``dondoc api-token create NAME``), checked on every call."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from dondoc.store.db import session_scope
from dondoc.store.users import verify_api_token
from dondoc.web.api.errors import ApiError

bearer = HTTPBearer(
    auto_error=False,
    description="Mã truy cập do quản trị tạo bằng `dondoc api-token create TÊN` (hiển thị một lần).",
)


def integration(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> str:
    """The calling integration's name; 401 without a valid token."""
    challenge = {"WWW-Authenticate": 'Bearer realm="dondoc"'}
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise ApiError(401, "Thiếu mã truy cập (Authorization: Bearer …).", headers=challenge)
    with session_scope(request.app.state.settings.database_url) as session:
        name = verify_api_token(session, credentials.credentials.strip())
    if name is None:
        raise ApiError(401, "Mã truy cập không hợp lệ hoặc đã bị thu hồi.", headers=challenge)
    request.state.integration = name
    return name


Integration = Annotated[str, Depends(integration)]
