"""Accounts and API tokens (admins). A new password or token is shown once, on the answer
page itself, never in a redirect or a cookie."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from dondoc.store.db import session_scope
from dondoc.store.tables import LeaderRow
from dondoc.store.users import (
    SCOPE_LABELS,
    ApiScope,
    Role,
    UserError,
    add_user,
    create_api_token,
    generate_password,
    list_api_tokens,
    list_users,
    revoke_api_token,
    scopes_of,
    scopes_text,
    set_password,
    update_user,
)
from dondoc.web.console.auth import AdminUser, Form
from dondoc.web.console.pages import redirect, render, settings_of

router = APIRouter(include_in_schema=False)


def _page(
    request: Request,
    *,
    error: str | None = None,
    secret: tuple[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    with session_scope(settings_of(request).database_url) as session:
        users = list_users(session)
        tokens = list_api_tokens(session)
        leaders = session.execute(
            select(LeaderRow.code, LeaderRow.name).order_by(LeaderRow.code)
        ).all()
    return render(
        request,
        "console/users.html",
        {
            "title": "Tài khoản",
            "users": users,
            "tokens": [(t, scopes_text(scopes_of(t))) for t in tokens],
            "scopes": [(s.value, SCOPE_LABELS[s]) for s in ApiScope],
            "leaders": leaders,
            "roles": list(Role),
            "error": error,
            "secret": secret,
        },
        status_code=status_code,
    )


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request, user: AdminUser) -> HTMLResponse:
    return _page(request)


@router.post("/users", response_class=HTMLResponse)
def user_add(request: Request, user: AdminUser, form: Form) -> Response:
    password = generate_password()
    try:
        with session_scope(settings_of(request).database_url) as session:
            row = add_user(
                session,
                form.get("username", ""),
                role=form.get("role", ""),
                password=password,
                display_name=form.get("display_name", ""),
                leader_code=form.get("leader_code") or None,
            )
            name = row.username
    except UserError as err:
        return _page(request, error=str(err), status_code=422)
    return _page(
        request, secret=(f"Mật khẩu của tài khoản «{name}» (chỉ hiển thị một lần)", password)
    )


@router.post("/users/{username}", response_class=HTMLResponse)
def user_edit(request: Request, user: AdminUser, username: str, form: Form) -> Response:
    try:
        with session_scope(settings_of(request).database_url) as session:
            update_user(
                session,
                username,
                role=form.get("role", ""),
                display_name=form.get("display_name", ""),
                leader_code=form.get("leader_code") or None,
                active=form.get("active") == "1",
            )
    except UserError as err:
        return _page(request, error=str(err), status_code=422)
    return redirect(request, "/admin/users", f"Đã lưu tài khoản «{username}».")


@router.post("/users/{username}/password", response_class=HTMLResponse)
def user_password(request: Request, user: AdminUser, username: str, form: Form) -> Response:
    password = generate_password()
    try:
        with session_scope(settings_of(request).database_url) as session:
            set_password(session, username, password)
    except UserError as err:
        return _page(request, error=str(err), status_code=404)
    return _page(
        request, secret=(f"Mật khẩu mới của «{username}» (chỉ hiển thị một lần)", password)
    )


SCOPE_FIELD = "scope:"
"""One checkbox per scope, ``scope:read`` and so on: each its own field, so the form
dependency (one value per name) keeps them all."""


@router.post("/api-tokens", response_class=HTMLResponse)
def token_create(request: Request, user: AdminUser, form: Form) -> Response:
    # Unticked boxes are not sent; none ticked is read only, as on the command line.
    chosen = [s for s in ApiScope if form.get(SCOPE_FIELD + s.value) == "1"]
    try:
        with session_scope(settings_of(request).database_url) as session:
            token = create_api_token(session, form.get("name", ""), chosen)
    except UserError as err:
        return _page(request, error=str(err), status_code=422)
    name = form.get("name", "").strip().lower()
    granted = scopes_text(chosen or [ApiScope.READ])
    return _page(
        request,
        secret=(
            f"Mã truy cập API của «{name}», phạm vi {granted} (chỉ hiển thị một lần)",
            token,
        ),
    )


@router.post("/api-tokens/{name}/revoke", response_class=HTMLResponse)
def token_revoke(request: Request, user: AdminUser, name: str, form: Form) -> Response:
    with session_scope(settings_of(request).database_url) as session:
        done = revoke_api_token(session, name)
    text = f"Đã thu hồi mã truy cập của «{name}»." if done else f"«{name}» không có mã đang dùng."
    return redirect(request, "/admin/users", text)
