"""How a console page is rendered: templates, filters, the signed-in user, flashes, errors.

The console has its own template environment (``templates/console/``) so its filters and
globals do not leak into the agency pages, and every page gets the same context: who is
signed in, the CSRF token for its forms, the navigation that role may see, and the one
message left by the previous action (a flash, carried in a signed cookie for one request).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from datetime import date, datetime
from importlib.resources import files
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from itsdangerous import BadSignature, URLSafeTimedSerializer
from temporalio.client import Client

from dondoc.domain.events import EVENT_LABELS
from dondoc.domain.formatting import format_date, format_deadline, format_moment, local
from dondoc.domain.mail import SUBJECT_ACTIONS
from dondoc.domain.task import (
    ACTION_LABELS,
    STATE_LABELS,
    STATUS_CLASS_LABELS,
    StatusClass,
    TaskState,
)
from dondoc.settings import Settings
from dondoc.store.users import ROLE_LABELS, Role, SignedIn

templates = Jinja2Templates(directory=str(files("dondoc.web") / "templates"))
FLASH_COOKIE = "dondoc_flash"
COOKIE_PATH = "/admin"
# How long a page waits for Temporal before saying it is unreachable, and how long the
# console then stops asking (so a down server costs one wait, not one per page).
TEMPORAL_WAIT = 2.0
TEMPORAL_BACKOFF = 15.0


def _short_day(value: datetime | date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local(value).date()
    return f"{value:%d/%m/%Y}"


def _number(value: float | int | None, digits: int = 0) -> str:
    """Vietnamese digits: 12.345 and 3,5."""
    if value is None:
        return "—"
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{_number(value * 100, 1)}%"


def _clock(value: datetime | None) -> str:
    return "" if value is None else f"{local(value):%H:%M %d/%m/%Y}"


templates.env.filters.update(
    deadline=format_deadline,
    moment=format_moment,
    day=format_date,
    short_day=_short_day,
    number=_number,
    percent=_percent,
    clock=_clock,
)
templates.env.globals.update(
    STATE_LABELS={s.value: label for s, label in STATE_LABELS.items()},
    STATUS_CLASS_LABELS={c.value: label for c, label in STATUS_CLASS_LABELS.items()},
    ACTION_LABELS={a.value: label for a, label in ACTION_LABELS.items()},
    EVENT_LABELS={k.value: label for k, label in EVENT_LABELS.items()},
    MAIL_LABELS={k.value: label for k, label in SUBJECT_ACTIONS.items()},
    ROLE_LABELS={r.value: label for r, label in ROLE_LABELS.items()},
    TaskState=TaskState,
    StatusClass=StatusClass,
)

NAV: list[tuple[str, str, frozenset[Role]]] = [
    ("/admin/", "Tổng quan", frozenset(Role)),
    ("/admin/notices", "Thông báo", frozenset(Role)),
    ("/admin/tasks?state=open", "Nhiệm vụ", frozenset(Role)),
    ("/admin/reports", "Báo cáo", frozenset(Role)),
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


async def temporal_client(request: Request) -> Client | None:
    """The Temporal client, or None (quickly) when Temporal cannot be reached now."""
    state = request.app.state
    if getattr(state, "console_temporal_down_until", 0.0) > time.monotonic():
        return None
    try:
        return await asyncio.wait_for(state.temporal.get(), timeout=TEMPORAL_WAIT)
    except Exception:
        state.console_temporal_down_until = time.monotonic() + TEMPORAL_BACKOFF
        return None


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
