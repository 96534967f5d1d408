"""The directory: agencies, leaders and the office, edited in the page or as the YAML file.

Every change goes through the same models and upsert as ``dondoc directory load``, so an
address the CLI refuses is refused here too, and an export loads back unchanged.

The office also revokes, from here, every link one agency holds (a forwarded mail, a
mailbox in the wrong hands), with a reason that is recorded (``store.agency_links``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import structlog
import yaml
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy import func, select

from dondoc.domain.directory import Agency, Directory, Leader, Office
from dondoc.store.agency_links import RevocationRefused, last_revocations, revoke_links
from dondoc.store.db import session_scope
from dondoc.store.directory import display_name, export_directory, load_directory
from dondoc.store.tables import TaskRow
from dondoc.web.console.auth import Form, OfficeUser, Upload
from dondoc.web.console.pages import redirect, render, settings_of

log = structlog.get_logger(__name__)
router = APIRouter(include_in_schema=False)

FIELD_NAMES = {
    "code": "Mã",
    "name": "Tên",
    "title": "Chức vụ",
    "email": "Địa chỉ thư",
    "cc": "Đồng gửi",
    "aliases": "Tên gọi khác",
    "office": "Văn phòng",
    "leaders": "Lãnh đạo",
    "agencies": "Cơ quan, đơn vị",
}


def _problems(err: ValidationError) -> list[str]:
    out = []
    for e in err.errors():
        where = " › ".join(
            f"mục {p + 1}" if isinstance(p, int) else FIELD_NAMES.get(str(p), str(p))
            for p in e["loc"]
        )
        message = str(e["msg"]).removeprefix("Value error, ")
        out.append(f"{where}: {message}" if where else message)
    return out


def _list(text: str, sep: str = ",") -> list[str]:
    return [part.strip() for part in text.split(sep) if part.strip()]


def _page(
    request: Request,
    *,
    problems: list[str] | None = None,
    yaml_text: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    with session_scope(settings_of(request).database_url) as session:
        book = export_directory(session)
        owned = dict(
            session.execute(select(TaskRow.owner, func.count()).group_by(TaskRow.owner)).all()
        )
        revoked = last_revocations(session)
    return render(
        request,
        "console/directory.html",
        {
            "title": "Danh bạ",
            "book": book,
            "owned": owned,
            "revoked": revoked,
            "problems": problems or [],
            "yaml_text": yaml_text,
        },
        status_code=status_code,
    )


@router.get("/directory", response_class=HTMLResponse)
def directory_page(request: Request, user: OfficeUser) -> HTMLResponse:
    return _page(request)


def _save(request: Request, entry: Office | Leader | Agency) -> None:
    kind = {Office: "office", Leader: "leaders", Agency: "agencies"}[type(entry)]
    book = Directory(**{kind: entry if kind == "office" else [entry]})  # type: ignore[arg-type]
    with session_scope(settings_of(request).database_url) as session:
        load_directory(session, book)


@router.post("/directory/{kind}", response_class=HTMLResponse)
def directory_save(request: Request, user: OfficeUser, kind: str, form: Form) -> Response:
    data: dict[str, Any] = {
        "name": form.get("name", ""),
        "email": form.get("email", ""),
        "cc": _list(form.get("cc", "")),
    }
    model: type[Office] | type[Leader] | type[Agency]
    if kind == "office":
        model = Office
    elif kind == "leaders":
        model, data["code"], data["title"] = Leader, form.get("code", ""), form.get("title", "")
    elif kind == "agencies":
        model, data["code"] = Agency, form.get("code", "")
        data["aliases"] = _list(form.get("aliases", ""), ";")
        data["digest"] = form.get("digest") == "1"
    else:
        return _page(request, problems=[f"Không có mục danh bạ «{kind}»."], status_code=404)
    try:
        entry = model.model_validate(data)
    except ValidationError as err:
        return _page(request, problems=_problems(err), status_code=422)
    _save(request, entry)
    label = getattr(entry, "code", "VP")
    return redirect(request, f"/admin/directory#{kind}-{label}", f"Đã lưu «{entry.name}».")


@router.post("/directory/agencies/{code}/revoke-links", response_class=HTMLResponse)
def agency_links_revoke(request: Request, user: OfficeUser, code: str, form: Form) -> Response:
    """Every link the agency holds stops opening; the next mail to it carries new ones."""
    try:
        with session_scope(settings_of(request).database_url) as session:
            done = revoke_links(
                session, code, reason=form.get("reason", ""), by=user.actor, now=datetime.now(UTC)
            )
            name = display_name(session, code)
    except RevocationRefused as err:
        return _page(request, problems=[str(err)], status_code=422)
    log.warning(
        "agency_links_revoked", agency=done.agency, generation=done.generation, by=user.actor
    )
    return redirect(
        request,
        f"/admin/directory#agencies-{done.agency}",
        f"Đã thu hồi mọi đường dẫn của «{name}». Thư tiếp theo gửi cho đơn vị sẽ mang đường dẫn mới.",
    )


@router.post("/directory-import", response_class=HTMLResponse)
def directory_import(request: Request, user: OfficeUser, sent: Upload) -> Response:
    form, upload = sent
    text = upload.decode("utf-8-sig", errors="replace") if upload else form.get("yaml", "")
    if not text.strip():
        return _page(request, problems=["Chưa có nội dung danh bạ để nạp."], status_code=422)
    try:
        raw = yaml.safe_load(text)
        book = Directory.model_validate(raw)
    except yaml.YAMLError as err:
        return _page(
            request, problems=[f"Không đọc được YAML: {err}"], yaml_text=text, status_code=422
        )
    except ValidationError as err:
        return _page(request, problems=_problems(err), yaml_text=text, status_code=422)
    with session_scope(settings_of(request).database_url) as session:
        counts = load_directory(session, book)
    return redirect(
        request,
        "/admin/directory",
        f"Đã nạp danh bạ: {counts.added} mục mới, {counts.updated} mục cập nhật.",
    )


@router.get("/directory.yaml")
def directory_export(request: Request, user: OfficeUser) -> Response:
    with session_scope(settings_of(request).database_url) as session:
        data = export_directory(session).model_dump(mode="json")
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    return Response(
        text.encode("utf-8"),
        media_type="application/yaml; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="danh-ba.yaml"',
            "Cache-Control": "no-store",
        },
    )
