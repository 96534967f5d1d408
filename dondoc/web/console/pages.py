"""How a console page is rendered: the signed-in user, flashes, errors.

Every page gets the same context: who is signed in, the CSRF token for its forms, the
navigation that role may see, and the one message left by the previous action (a flash,
carried in a signed cookie for one request).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from dondoc.settings import Settings
from dondoc.store.users import Role, SignedIn
from dondoc.web.templating import templates

FLASH_COOKIE = "dondoc_flash"
COOKIE_PATH = "/admin"


NAV: list[tuple[str, str, frozenset[Role]]] = [
    ("/admin/", "Tổng quan", frozenset(Role)),
    ("/admin/notices", "Thông báo", frozenset(Role)),
    ("/admin/tasks?state=open", "Nhiệm vụ", frozenset(Role)),
    ("/admin/reports", "Báo cáo", frozenset(Role)),
    ("/admin/calendar", "Lịch làm việc", frozenset({Role.ADMIN, Role.OFFICE})),
    ("/admin/directory", "Danh bạ", frozenset({Role.ADMIN, Role.OFFICE})),
    ("/admin/operations", "Vận hành", frozenset({Role.ADMIN})),
    ("/admin/users", "Tài khoản", frozenset({Role.ADMIN})),
]


class ConsoleError(Exception):
    """A console page that cannot be shown, with words for the person who asked."""

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status, self.title, self.message = status, title, message


class LoginRequired(Exception):
    """No valid session: the handler sends the browser to the sign-in page, then back."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


def _serializer(request: Request) -> URLSafeTimedSerializer:
    secret = settings_of(request).secret_key.get_secret_value()
    return URLSafeTimedSerializer(secret, salt="dondoc-console-flash")


def secure_cookies(request: Request) -> bool:
    return settings_of(request).public_url.startswith("https://")


def redirect(
    request: Request, url: str, flash: str | None = None, *, bad: bool = False
) -> Response:
    """303 to ``url`` (a GET), leaving ``flash`` for the page it lands on."""
    response = RedirectResponse(url, status_code=303)
    if flash:
        value = _serializer(request).dumps({"text": flash, "bad": bad})
        response.set_cookie(
            FLASH_COOKIE,
            value,
            max_age=60,
            path=COOKIE_PATH,
            httponly=True,
            samesite="lax",
            secure=secure_cookies(request),
        )
    return response


def _take_flash(request: Request) -> dict[str, Any] | None:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    try:
        return _serializer(request).loads(raw, max_age=120)
    except BadSignature:
        return None


def page_url(request: Request, **changes: Any) -> str:
    """This page's URL with some query parameters changed (None removes one)."""
    params = dict(request.query_params)
    for name, value in changes.items():
        if value is None or value == "":
            params.pop(name, None)
        else:
            params[name] = str(value)
    query = urlencode(params)
    return f"{request.url.path}?{query}" if query else request.url.path


def render(
    request: Request,
    name: str,
    context: Mapping[str, Any],
    *,
    status_code: int = 200,
) -> HTMLResponse:
    user: SignedIn | None = getattr(request.state, "user", None)
    flash = _take_flash(request)
    full = {
        "user": user,
        "csrf": user.csrf_token if user else "",
        "nav": [(url, label) for url, label, roles in NAV if user and user.role in roles],
        "flash": flash,
        "page_url": lambda **kw: page_url(request, **kw),
        "path": request.url.path,
        **context,
    }
    response = templates.TemplateResponse(request, name, full, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    if flash is not None:
        response.delete_cookie(FLASH_COOKIE, path=COOKIE_PATH)
    return response


def parse_day(value: str | None) -> date | None:
    """A date from a form field (YYYY-MM-DD, or dd/mm/yyyy typed by hand); None if blank/wrong."""
    if not value:
        return None
    value = value.strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            day = datetime.strptime(value, pattern).date()
        except ValueError:
            continue
        # Year 1 or 9999 would overflow on the way to UTC; no task lives there anyway.
        return day if 1900 <= day.year <= 2999 else None
    return None
