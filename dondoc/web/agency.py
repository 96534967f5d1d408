"""Agency pages behind signed links: see the task, act on it. GET never changes anything.

A click goes through ``commands.actions.perform``: it is kept before it goes to the
workflow, so a click made while the worker is down is applied when it is back, and the
page says so. The path of a click does the least it can before the Update: the link
and the form token are checked without the database, the grant with one read.

A link opens only while its recipient's link generation is the one signed into it: the
office raises the generation to revoke every link an agency holds (its own page, the
task links that page mints, the task links mailed to it; ``store.agency_links``). Bad
links are throttled per address only when their signature fails, and per link when a
genuine one is refused (``dondoc.web.throttle`` says why).
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from dondoc.commands.actions import Deferred, Refused, perform
from dondoc.domain import requests as rq
from dondoc.domain.directory import Leader
from dondoc.domain.events import EVENT_LABELS, EventKind
from dondoc.domain.task import (
    AGENCY_ACTIONS,
    OPEN_STATES,
    Action,
    TaskSpec,
    TaskState,
    TaskStatus,
    allowed_actions,
    coordinators,
)
from dondoc.domain.tokens import (
    TOKEN_PROBLEM_TEXT,
    AgencyGrant,
    InvalidToken,
    LinkGrant,
    TokenProblem,
    read_agency_link,
    read_form,
    read_link,
    sign_form,
    sign_link,
)
from dondoc.domain.view import TaskView
from dondoc.settings import Settings
from dondoc.store.agency_actions import pending_for_task
from dondoc.store.agency_links import link_generation
from dondoc.store.db import in_session
from dondoc.store.directory import display_name, get_leader
from dondoc.store.events import list_events
from dondoc.store.tasks import get_task, list_tasks, spec_of, status_of
from dondoc.web.action_words import DEFERRED_TEXT, SUCCESS_TEXT, repeated
from dondoc.web.proxies import client_address
from dondoc.web.templating import templates
from dondoc.web.throttle import FailureThrottle, address_key, link_key

log = structlog.get_logger(__name__)
router = APIRouter(prefix="/t", include_in_schema=False)

TOKEN_STATUS = {
    TokenProblem.MALFORMED: 400,
    TokenProblem.FORGED: 403,
    TokenProblem.EXPIRED: 410,
    TokenProblem.REVOKED: 403,
    TokenProblem.WITHDRAWN: 403,
}
GENUINE = frozenset({TokenProblem.EXPIRED})
"""Problems found only after the signature verified: the token is ours."""
FIELD_NAMES = {
    "summary": "Kết quả thực hiện",
    "note": "Nội dung báo cáo",
    "new_deadline": "Thời hạn đề nghị",
    "reason": "Lý do",
    "document_number": "Số văn bản",
    "link": "Đường dẫn văn bản",
    "name": "Họ và tên cán bộ phụ trách",
    "position": "Chức vụ",
    "email": "Thư điện tử của cán bộ phụ trách",
    "phone": "Điện thoại",
    "percent": "Tỷ lệ hoàn thành (0–100)",
    "milestone": "Mốc công việc",
}
UNUSABLE = "Đường dẫn không sử dụng được"
PAUSED = "Tạm dừng truy cập"


class PageError(Exception):
    def __init__(self, status: int, title: str, message: str, *, genuine: bool = True) -> None:
        self.status, self.title, self.message = status, title, message
        # The link's signature verified: the failure counts against the link, not the address.
        self.genuine = genuine


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _unusable(err: InvalidToken) -> PageError:
    return PageError(TOKEN_STATUS[err.problem], UNUSABLE, str(err), genuine=err.problem in GENUINE)


async def _guarded(request: Request, token: str, check: Any) -> Any:
    """Run a link check; count its failure under the link when the link is ours, under
    the address when it is not, and slow down (then refuse) repeated ones."""
    throttle: FailureThrottle = request.app.state.throttle
    link = link_key(token)
    if throttle.refused(link):
        raise PageError(
            429, PAUSED, "Đường dẫn này bị dùng sai quá nhiều lần. Vui lòng thử lại sau ít phút."
        )
    try:
        return await check()
    except PageError as err:
        key = link if err.genuine else address_key(client_address(request))
        if not err.genuine and throttle.refused(key):
            # Still checked first, so a genuine link from this address opens; a bad one
            # waits as long as the throttle ever makes anyone wait, then is refused.
            await asyncio.sleep(throttle.max_delay)
            raise PageError(
                429,
                PAUSED,
                "Có quá nhiều đường dẫn không hợp lệ từ địa chỉ này. Vui lòng thử lại sau ít phút.",
            ) from None
        throttle.record(key)
        await asyncio.sleep(throttle.delay(key))
        raise


@dataclass(frozen=True, slots=True)
class _Granted:
    """What a valid link opens: the task as the read model has it."""

    grant: LinkGrant
    spec: TaskSpec
    status: TaskStatus


def _current(session: Session, agency: str, generation: int) -> None:
    """PageError unless ``generation`` is ``agency``'s link generation now."""
    if generation != link_generation(session, agency):
        raise PageError(403, UNUSABLE, TOKEN_PROBLEM_TEXT[TokenProblem.WITHDRAWN])


def _task_for(session: Session, grant: LinkGrant, ttl_days: int, now: datetime) -> _Granted:
    _current(session, grant.recipient, grant.generation)
    row = get_task(session, grant.task_id)
    if row is None:
        raise PageError(
            404, "Không tìm thấy nhiệm vụ", "Nhiệm vụ trong đường dẫn không còn tồn tại."
        )
    if grant.recipient != row.owner and grant.recipient not in row.coordinators:
        raise PageError(403, UNUSABLE, TOKEN_PROBLEM_TEXT[TokenProblem.REVOKED])
    if row.closed_at and now > row.closed_at + timedelta(days=ttl_days):
        raise PageError(410, UNUSABLE, TOKEN_PROBLEM_TEXT[TokenProblem.EXPIRED])
    return _Granted(grant, spec_of(row), status_of(row))


async def _grant(token: str, settings: Settings) -> _Granted:
    """The link's grant and its task, or PageError saying why the link does not work."""
    now = datetime.now(UTC)
    try:
        grant = read_link(token, settings.signing_keys(), now)
    except InvalidToken as err:
        raise _unusable(err) from None
    return await in_session(
        settings.database_url, lambda s: _task_for(s, grant, settings.link_ttl_days, now)
    )


async def _opened(token: str, settings: Settings) -> tuple[_Granted, _Around]:
    """The link's grant and what its page shows, read in one unit of work: a page load is
    the commonest request of a busy morning, and each unit is a thread hop and a session."""
    now = datetime.now(UTC)
    try:
        grant = read_link(token, settings.signing_keys(), now)
    except InvalidToken as err:
        raise _unusable(err) from None

    def work(session: Session) -> tuple[_Granted, _Around]:
        granted = _task_for(session, grant, settings.link_ttl_days, now)
        spec, status = granted.spec, granted.status
        return granted, _around(session, spec.id, grant.recipient, spec, status)

    return await in_session(settings.database_url, work)


def _error_page(request: Request, err: PageError) -> HTMLResponse:
    return templates.TemplateResponse(
        request, "error.html", {"title": err.title, "message": err.message}, status_code=err.status
    )


@dataclass(frozen=True, slots=True)
class _Around:
    """What the page shows beside the task: names, history, whether a click waits."""

    recipient_name: str
    owner_name: str
    coordinator_names: list[str]
    leader: Leader | None
    history: list[dict[str, Any]]
    deferred: bool


def _around(
    session: Session, task_id: str, recipient: str, spec: TaskSpec, status: TaskStatus
) -> _Around:
    history = [
        {"at": e.at, "label": EVENT_LABELS.get(EventKind(e.kind), e.kind), "summary": e.summary}
        for e in list_events(session, task_id)
    ]
    return _Around(
        recipient_name=display_name(session, recipient),
        owner_name=display_name(session, status.owner),
        coordinator_names=[display_name(session, c) for c in coordinators(spec, status)],
        leader=get_leader(session, spec.leader),
        history=list(reversed(history)),
        deferred=bool(pending_for_task(session, task_id)),
    )


async def _page(
    request: Request,
    token: str,
    granted: _Granted,
    *,
    view: TaskView | None = None,
    notice: str | None = None,
    error: str | None = None,
    status_code: int = 200,
    around: _Around | None = None,
) -> HTMLResponse:
    settings = _settings(request)
    spec = view.spec if view else granted.spec
    status = view.status if view else granted.status
    recipient = granted.grant.recipient
    if around is None:
        around = await in_session(
            settings.database_url, lambda s: _around(s, spec.id, recipient, spec, status)
        )
    now = datetime.now(UTC)
    is_owner = recipient == status.owner
    actions = [a for a in allowed_actions(status.state) if a in AGENCY_ACTIONS] if is_owner else []
    due = status.deadline.due
    if Action.REQUEST_EXTENSION in actions and (
        status.pending_extension is not None or (due and now >= due)
    ):
        actions.remove(Action.REQUEST_EXTENSION)
    if around.deferred and notice is None and error is None:
        notice = DEFERRED_TEXT
    if is_owner and status.state in OPEN_STATES:
        actions.append(Action.NAME_OFFICIAL)
    official = (
        status.official if status.official and status.official.named_by == status.owner else None
    )
    keys = settings.signing_keys()
    context: dict[str, Any] = {
        "official": official,
        "token": token,
        "spec": spec,
        "status": status,
        "recipient_name": around.recipient_name,
        "owner_name": around.owner_name,
        "coordinator_names": around.coordinator_names,
        "leader": around.leader,
        "is_owner": is_owner,
        "actions": actions,
        "overdue": status.is_overdue(now),
        "forms": {
            a.value: sign_form(token, a.value, secrets.token_urlsafe(16), keys) for a in actions
        },
        "history": around.history,
        "notice": notice,
        "deferred": around.deferred,
        "error": error,
        "today": now.date().isoformat(),
        "State": TaskState,
    }
    return templates.TemplateResponse(request, "task.html", context, status_code=status_code)


@router.get("/{token}", response_class=HTMLResponse)
async def task_page(request: Request, token: str) -> HTMLResponse:
    try:
        granted, around = await _guarded(request, token, lambda: _opened(token, _settings(request)))
    except PageError as err:
        return _error_page(request, err)
    return await _page(request, token, granted, around=around)


def _missing_fields(err: ValidationError) -> str:
    """What to fix, in the form's words: a missing field, one too long, or a rule's own message
    (a completion link that is not a web address)."""
    missing: list[str] = []
    said: list[str] = []
    for e in err.errors():
        name = FIELD_NAMES.get(str(e["loc"][-1]), str(e["loc"][-1]))
        if e["type"] == "value_error":
            said.append(str(e.get("ctx", {}).get("error", e["msg"])))
        elif e["type"] == "string_too_long":
            said.append(f"{name} quá dài (tối đa {e.get('ctx', {}).get('max_length')} ký tự).")
        else:
            missing.append(name)
    if missing:
        said.insert(0, "Vui lòng nhập: " + ", ".join(dict.fromkeys(missing)) + ".")
    return " ".join(dict.fromkeys(said))


@router.post("/{token}/{action}", response_class=HTMLResponse)
async def task_action(request: Request, token: str, action: str) -> HTMLResponse:
    settings = _settings(request)
    try:
        granted = await _guarded(request, token, lambda: _grant(token, settings))
    except PageError as err:
        return _error_page(request, err)
    act = next((a for a in AGENCY_ACTIONS if a.value == action), None)
    if act is None:
        return _error_page(
            request, PageError(404, "Không có thao tác này", f"Không có thao tác «{action}».")
        )
    form = {k: str(v) for k, v in (await request.form()).items()}
    nonce = read_form(form.get("form_token", ""), token, act.value, settings.signing_keys())

    async def again(code: int, error: str | None = None, **kw: Any) -> HTMLResponse:
        return await _page(request, token, granted, status_code=code, error=error, **kw)

    if nonce is None:
        request.app.state.throttle.record(link_key(token))
        return await again(
            403, "Biểu mẫu không hợp lệ hoặc đã cũ. Vui lòng thao tác lại trên trang này."
        )
    recipient = granted.grant.recipient
    if recipient != granted.status.owner:
        return await again(403, "Chỉ đơn vị chủ trì được thực hiện thao tác này.")
    try:
        req = rq.request_from(act, f"agency:{recipient}", form)
    except ValidationError as err:
        return await again(422, _missing_fields(err))

    # perform() keeps the click before sending it: from then on it cannot be lost.
    performed = await perform(
        settings, request.app.state.temporal, granted.spec.id, act, req, nonce
    )
    outcome = performed.outcome
    if isinstance(outcome, Deferred):
        log.warning(
            "update_deferred", task=granted.spec.id, action=act.value, reason=outcome.reason
        )
        return await again(202, None, notice=DEFERRED_TEXT)
    if isinstance(outcome, Refused):
        message = outcome.message
        return await again(409, repeated(message) if outcome.refusal.is_repeat else message)
    text = repeated(SUCCESS_TEXT[act]) if performed.repeated else SUCCESS_TEXT[act]
    log.info("agency_action", task=granted.spec.id, action=act.value, agency=recipient)
    return await _page(request, token, granted, view=outcome.view, notice=text)


def _open_tasks(session: Session, grant: AgencyGrant) -> tuple[str, list[Any]]:
    _current(session, grant.agency, grant.generation)
    return display_name(session, grant.agency), list_tasks(
        session, owner=grant.agency, open_only=True
    )


@router.get("/agency/{token}", response_class=HTMLResponse)
async def agency_page(request: Request, token: str) -> HTMLResponse:
    """One agency's open tasks: what is due, what is overdue, each with its own link."""
    settings = _settings(request)
    now = datetime.now(UTC)
    keys = settings.signing_keys()

    async def check() -> tuple[AgencyGrant, str, list[Any]]:
        try:
            grant = read_agency_link(token, keys, now)
        except InvalidToken as err:
            raise _unusable(err) from None
        name, rows = await in_session(settings.database_url, lambda s: _open_tasks(s, grant))
        return grant, name, rows

    try:
        grant, name, rows = await _guarded(request, token, check)
    except PageError as err:
        return _error_page(request, err)
    rows.sort(key=lambda r: (r.deadline_at is None, r.deadline_at or now))
    items = []
    for r in rows:
        status = status_of(r)
        # Bound to its task and this agency, and to the generation of the page's link: a
        # revocation cuts what the page handed out along with the page.
        minted = LinkGrant(
            task_id=r.id, recipient=grant.agency, expires=grant.expires, generation=grant.generation
        )
        items.append(
            {
                "row": r,
                "status": status,
                "overdue": status.is_overdue(now),
                "due_soon": bool(
                    status.deadline.due and now <= status.deadline.due <= now + timedelta(days=7)
                ),
                "link": f"/t/{sign_link(minted, keys)}",
            }
        )
    context = {
        "agency_name": name,
        "items": items,
        "overdue": sum(i["overdue"] for i in items),
    }
    return templates.TemplateResponse(request, "agency.html", context)
