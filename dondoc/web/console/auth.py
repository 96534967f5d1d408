"""Signing in and out, who the request comes from, what that role may do, CSRF on forms.

Sessions live in the database (``console_sessions``), so signing out, a new password or a
disabled account ends them at once. The cookie is HttpOnly, SameSite=Lax (a link from a
mail still opens the page for a signed-in officer; a cross-site POST carries no cookie),
limited to ``/admin`` and Secure when the public address is https. Every form carries the
session's CSRF token as well.

Failed sign-ins are counted per username and per username at one address
(``dondoc.web.throttle`` names the keys): after a few, each further try on a username is
answered more slowly, and tries on one username wait their turn, so guessing is slow
however many connections are used; an address that keeps failing on one username is
refused that username for a while. Nothing is refused per address alone, so the officers
behind one NAT are not locked out by one of them, or by a guesser among them. The address
is the one ``dondoc.web.proxies`` settled: a client cannot choose it with a header.
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from dondoc.store.db import in_session, session_scope
from dondoc.store.users import (
    Role,
    SignedIn,
    authenticate,
    close_session,
    open_session,
    read_session,
)
from dondoc.web.console.pages import (
    COOKIE_PATH,
    ConsoleError,
    LoginRequired,
    redirect,
    render,
    secure_cookies,
    settings_of,
)
from dondoc.web.proxies import client_address
from dondoc.web.throttle import LoginThrottle, account_at_address_key, account_key

log = structlog.get_logger(__name__)
router = APIRouter(include_in_schema=False)

SESSION_COOKIE = "dondoc_session"
LOGIN_COOKIE = "dondoc_login"


def _throttle(request: Request) -> LoginThrottle:
    state = request.app.state
    if not hasattr(state, "login_throttle"):
        state.login_throttle = LoginThrottle()
    return state.login_throttle


def _safe_next(value: str | None) -> str:
    """Only a path inside the console: never another site (open redirect)."""
    if value and value.startswith("/admin") and "//" not in value and "\\" not in value:
        return value
    return "/admin/"


# ------------------------------------------------------------------------ dependencies


def current_user(request: Request) -> SignedIn:
    """The signed-in user, or LoginRequired; also kept on ``request.state`` for templates.

    A plain function: FastAPI runs it in its thread pool, off the event loop."""
    cookie = request.cookies.get(SESSION_COOKIE, "")
    user = None
    if cookie:
        with session_scope(settings_of(request).database_url) as session:
            user = read_session(session, cookie)
    if user is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target if request.method == "GET" else "/admin/")
    request.state.user = user
    return user


User = Annotated[SignedIn, Depends(current_user)]


def require(*roles: Role) -> Callable[..., Coroutine[Any, Any, SignedIn]]:
    async def check(user: User) -> SignedIn:
        if user.role not in roles:
            raise ConsoleError(
                403,
                "Không có quyền truy cập",
                "Tài khoản của anh/chị không được dùng chức năng này.",
            )
        return user

    return check


OfficeUser = Annotated[SignedIn, Depends(require(Role.ADMIN, Role.OFFICE))]
AdminUser = Annotated[SignedIn, Depends(require(Role.ADMIN))]


async def checked_form(request: Request, user: SignedIn) -> dict[str, str]:
    """The POSTed fields, after the CSRF token has been checked against the session's."""
    form = await request.form()
    token = str(form.get("csrf_token", ""))
    if not hmac.compare_digest(token.encode(), user.csrf_token.encode()):
        raise ConsoleError(
            403,
            "Biểu mẫu không hợp lệ",
            "Biểu mẫu đã cũ hoặc không được gửi từ trang của hệ thống. Vui lòng tải lại trang và thao tác lại.",
        )
    return {k: v if isinstance(v, str) else "" for k, v in form.multi_items()}


async def checked_upload(
    request: Request, user: SignedIn, field: str
) -> tuple[dict[str, str], bytes]:
    """Like ``checked_form``, plus the bytes of one uploaded file (empty if none)."""
    form = await request.form()
    token = str(form.get("csrf_token", ""))
    if not hmac.compare_digest(token.encode(), user.csrf_token.encode()):
        raise ConsoleError(403, "Biểu mẫu không hợp lệ", "Biểu mẫu đã cũ. Vui lòng tải lại trang.")
    upload = form.get(field)
    data = b""
    if upload is not None and not isinstance(upload, str):
        data = await upload.read(2_000_001)
        if len(data) > 2_000_000:
            raise ConsoleError(413, "Tệp quá lớn", "Tệp tải lên không được quá 2 MB.")
    return {k: v for k, v in form.multi_items() if isinstance(v, str)}, data


async def _form(request: Request, user: User) -> dict[str, str]:
    return await checked_form(request, user)


async def _upload(request: Request, user: User) -> tuple[dict[str, str], bytes]:
    return await checked_upload(request, user, "file")


Form = Annotated[dict[str, str], Depends(_form)]
"""The POSTed fields, CSRF-checked; read on the event loop, so a route taking it can be a
plain function that FastAPI runs in its thread pool."""
Upload = Annotated[tuple[dict[str, str], bytes], Depends(_upload)]
"""The fields and the bytes of the uploaded ``file``, CSRF-checked."""


# ------------------------------------------------------------------------------ pages


def _login_page(
    request: Request, *, error: str | None = None, status: int = 200, username: str = ""
) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(
        request,
        "console/login.html",
        {
            "login_token": token,
            "next": _safe_next(request.query_params.get("next")),
            "error": error,
            "username": username,
        },
        status_code=status,
    )
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        max_age=3600,
        path="/admin/login",
        httponly=True,
        samesite="strict",
        secure=secure_cookies(request),
    )
    return response


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request) -> Response:
    return _login_page(request)


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    form = await request.form()
    username = str(form.get("username", "")).strip().lower()[:64]
    password = str(form.get("password", ""))[:1024]
    sent = str(form.get("login_token", ""))
    cookie = request.cookies.get(LOGIN_COOKIE, "")
    if not sent or not hmac.compare_digest(sent.encode(), cookie.encode()):
        return _login_page(
            request,
            error="Phiên đăng nhập đã hết hạn. Vui lòng nhập lại.",
            status=403,
            username=username,
        )
    throttle = _throttle(request)
    address = client_address(request)
    account = account_key(username)
    here = account_at_address_key(username, address)
    refusal = "Đăng nhập sai quá nhiều lần vào tài khoản này từ địa chỉ này. Vui lòng thử lại sau 15 phút."
    if throttle.refused(here):
        return _login_page(request, error=refusal, status=429, username=username)
    async with throttle.turn(account):
        if throttle.refused(here):  # refused while this try waited its turn
            return _login_page(request, error=refusal, status=429, username=username)
        await asyncio.sleep(throttle.delay(account, here))

        def sign_in(session: Session) -> str | None:
            user = authenticate(session, username, password)
            return open_session(session, user, address) if user else None

        cookie_value = await in_session(settings_of(request).database_url, sign_in)
        if cookie_value is None:
            throttle.record(account, here)
            log.warning("console_login_failed", username=username, address=address)
            return _login_page(
                request,
                error="Tên đăng nhập hoặc mật khẩu không đúng.",
                status=401,
                username=username,
            )
    # Only this address's count: a success here must not wipe what a guesser did elsewhere.
    throttle.forget(here)
    log.info("console_login", username=username, address=address)
    response = redirect(request, _safe_next(str(form.get("next", ""))))
    response.set_cookie(
        SESSION_COOKIE,
        cookie_value,
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
    )
    response.delete_cookie(LOGIN_COOKIE, path="/admin/login")
    return response


@router.post("/logout")
async def logout(request: Request, user: User) -> Response:
    await checked_form(request, user)
    cookie = request.cookies.get(SESSION_COOKIE, "")
    await in_session(settings_of(request).database_url, lambda s: close_session(s, cookie))
    response = redirect(request, "/admin/login", "Đã đăng xuất.")
    response.delete_cookie(SESSION_COOKIE, path=COOKIE_PATH)
    return response
