"""The review form: a notice's text (pasted or uploaded) read into a draft of tasks that a
person corrects beside the text, then issues.

Every button of the form is a plain POST of the whole form (so it works without script):
«Cập nhật bản nháp» re-reads the flags and due days, the row buttons add, split, merge and
delete tasks, the expert view replaces the draft with its YAML, and «Ban hành» issues it,
which the server refuses, naming the fields, while anything stands flagged. Only issuing
awaits Temporal; the database work of that route runs in the thread pool, before the
await and after it, never around it.
"""

from __future__ import annotations

from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException

from dondoc.commands.documents import BadInput
from dondoc.commands.issue import SearchAttributesMissing, check_notice, issue_notice
from dondoc.commands.notice_text import (
    directory_book,
    draft_calendar,
    notice_text_of,
    parse_text,
)
from dondoc.commands.temporal import client_or_none
from dondoc.deployment import policies
from dondoc.domain.ids import notice_key
from dondoc.domain.notice import NoticeInvalid, Problem
from dondoc.settings import Settings
from dondoc.store.db import session_scope
from dondoc.store.tables import AgencyRow, LeaderRow, NoticeRow
from dondoc.web.console.auth import OfficeUser, checked_form, checked_upload
from dondoc.web.console.draft_edits import add_row, delete_row, merge_row, split_row
from dondoc.web.console.draft_form import (
    LABELS,
    MAX_TEXT,
    NOTICE,
    DraftError,
    DraftForm,
    Part,
    from_document,
    from_fields,
    meta_json,
    plain_text,
)
from dondoc.web.console.draft_review import repeated, review
from dondoc.web.console.pages import ConsoleError, redirect, render, settings_of
from dondoc.web.console.source_marks import pieces

router = APIRouter(include_in_schema=False)


FORM_LIMITS = {"max_fields": 20_000, "max_part_size": 8 * 1024 * 1024}
"""A draft of a few hundred tasks posts thousands of fields, and its text and YAML run to
megabytes once encoded; Starlette's defaults (1 000 fields, 1 MB a field) are for forms
a person types."""


async def _read_form(request: Request) -> None:
    """Read the form once with room for a draft; later reads get the same form."""
    try:
        await request.form(**FORM_LIMITS)
    except HTTPException:
        raise ConsoleError(
            413,
            "Bản nháp quá lớn",
            "Biểu mẫu bản nháp vượt quá giới hạn hệ thống nhận được; "
            "hãy chia thông báo thành nhiều phần hoặc dùng lệnh dondoc notice issue.",
        ) from None


async def _draft_fields(request: Request, user: OfficeUser) -> FormData:
    """The posted form with its repeated fields (coordinators, ticks), CSRF-checked."""
    await _read_form(request)
    await checked_form(request, user)
    return await request.form()


async def _pasted(request: Request, user: OfficeUser) -> dict[str, str]:
    await _read_form(request)
    return await checked_form(request, user)


async def _notice_file(request: Request, user: OfficeUser) -> tuple[str, bytes]:
    """The uploaded notice file's name and bytes, CSRF-checked (2 MB at most)."""
    _, data = await checked_upload(request, user, "file")
    upload = (await request.form()).get("file")
    return str(getattr(upload, "filename", "") or ""), data


DraftFields = Annotated[FormData, Depends(_draft_fields)]
Pasted = Annotated[dict[str, str], Depends(_pasted)]
NoticeFile = Annotated[tuple[str, bytes], Depends(_notice_file)]


# --------------------------------------------------------------------- reading a text


@router.post("/notices/draft", response_class=HTMLResponse)
def draft_from_pasted(request: Request, user: OfficeUser, form: Pasted) -> HTMLResponse:
    text = plain_text(form.get("text", ""))
    if not text.strip():
        return _refused_text(request, "Vui lòng dán toàn văn thông báo kết luận.", text)
    return _drafted(request, text)


@router.post("/notices/draft/upload", response_class=HTMLResponse)
def draft_from_upload(request: Request, user: OfficeUser, sent: NoticeFile) -> HTMLResponse:
    name, data = sent
    if not name and not data:
        return _refused_text(request, "Chưa chọn tệp văn bản (.docx, .pdf hoặc .txt).")
    try:
        text = plain_text(notice_text_of(name or "tệp tải lên", data))
    except BadInput as err:
        return _refused_text(request, f"Không đọc được tệp: {err}.")
    if not text.strip():
        return _refused_text(request, f"Tệp {name} không có chữ nào để đọc.")
    return _drafted(request, text)


def _drafted(request: Request, text: str) -> HTMLResponse:
    if len(text) > MAX_TEXT:
        return _refused_text(
            request,
            f"Văn bản dài quá {MAX_TEXT:,} ký tự; chỉ dán phần thông báo.".replace(",", "."),
        )
    settings = settings_of(request)
    with session_scope(settings.database_url) as session:
        book = directory_book(session)
    draft = parse_text(text, settings, book)
    try:
        form = from_document(draft.as_document(), text)
    except DraftError as err:
        return _refused_text(request, f"Không lập được bản nháp: {err}.")
    return _page(request, form)


def draft_page(request: Request, document: object, yaml_text: str = "") -> HTMLResponse:
    """The review form of a draft given as data (a YAML draft pasted without its text)."""
    try:
        form = from_document(document, "")
    except DraftError as err:
        from dondoc.web.console.notices import new_page

        message = f"YAML chưa đúng dạng bản nháp: {err}."
        return new_page(
            request, source="yaml", yaml_text=yaml_text, message=message, status_code=422
        )
    return _page(request, form)


def _refused_text(request: Request, message: str, text: str = "") -> HTMLResponse:
    from dondoc.web.console.notices import new_page

    return new_page(request, source="text", message=message, text=text, status_code=422)


# ------------------------------------------------------------------------- the edits


@router.post("/notices/draft/edit", response_class=HTMLResponse)
def draft_edit(request: Request, user: OfficeUser, fields: DraftFields) -> HTMLResponse:
    try:
        form = from_fields(fields)
    except DraftError as err:
        return _refused_text(request, f"Không đọc được biểu mẫu bản nháp: {err}.")
    op, _, uid = str(fields.get("op") or "refresh").partition(":")
    note = None
    try:
        if op == "yaml":
            return _from_yaml(request, form, str(fields.get("yaml") or ""))
        if op == "add":
            add_row(form)
            note = f"Đã thêm nhiệm vụ {len(form.rows)}; điền đơn vị chủ trì, nội dung và thời hạn."
        elif op in {"delete", "split", "merge"}:
            position = form.position(form.row(uid).uid)
            if op == "delete":
                delete_row(form, uid)
                note = f"Đã xóa nhiệm vụ {position}."
            elif op == "split":
                made = split_row(form, uid)
                note = f"Đã tách nhiệm vụ {position} thành {len(made)} nhiệm vụ."
            else:
                merge_row(form, uid)
                note = f"Đã gộp nhiệm vụ {position} và {position + 1}."
        elif op != "refresh":
            raise DraftError(f"không có thao tác «{op}»")
    except DraftError as err:
        return _page(request, form, message=f"Không thực hiện được: {err}.", status_code=422)
    return _page(request, form, note=note)


def _from_yaml(request: Request, form: DraftForm, text: str) -> HTMLResponse:
    try:
        document = yaml.safe_load(text)
        replaced = from_document(document, form.text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" (dòng {mark.line + 1})" if mark is not None else ""
        message = f"Không đọc được YAML{where}: {getattr(err, 'problem', None) or err}."
        return _page(request, form, message=message, yaml_text=text, status_code=422)
    except DraftError as err:
        message = f"YAML chưa đúng dạng bản nháp: {err}."
        return _page(request, form, message=message, yaml_text=text, status_code=422)
    _carry_flags(form, replaced)
    return _page(request, replaced, note="Đã dùng nội dung YAML cho bản nháp.", yaml_open=True)


def _carry_flags(before: DraftForm, after: DraftForm) -> None:
    """A remark the YAML kept speaks of the value the form had when it was made: a value
    changed in the YAML clears it, as a change in the table does. Rows pair by position."""
    pairs: list[tuple[Part, Part]] = [(before.header, after.header)]
    pairs += list(zip(before.rows, after.rows, strict=False))
    for old, new in pairs:
        for flag in new.flags:
            same = [f for f in old.flags if (f.field, f.message) == (flag.field, flag.message)]
            flag.value = same[0].value if same else old.value(flag.field)


# ------------------------------------------------------------------------- issuing


@router.post("/notices/draft/issue", response_class=HTMLResponse)
async def draft_issue(request: Request, user: OfficeUser, fields: DraftFields) -> Response:
    settings = settings_of(request)
    prepared = await run_in_threadpool(_prepare_issue, request, fields)
    if isinstance(prepared, Response):
        return prepared
    form, notice = prepared
    client = await client_or_none(request.app.state.temporal)
    if client is None:
        message = (
            f"Không kết nối được Temporal tại {settings.temporal_address}; thông báo chưa được "
            "ban hành. Vui lòng bấm «Ban hành» lại sau ít phút."
        )
        return await run_in_threadpool(_page_after, request, form, message, 503)
    sa = getattr(request.app.state, "search_attributes", True)
    try:
        result = await issue_notice(notice, settings, client, search_attributes=sa)
    except NoticeInvalid as err:
        message = "Thông báo không ban hành được: " + "; ".join(
            f"{p.location}: {p.message}" for p in err.problems
        )
        return await run_in_threadpool(_page_after, request, form, message, 409)
    except Exception as err:
        message = (
            str(err)
            if isinstance(err, SearchAttributesMissing)
            else f"Ban hành chưa trọn vẹn ({type(err).__name__}); bấm «Ban hành» lại để khởi "
            "tạo các nhiệm vụ còn thiếu."
        )
        return await run_in_threadpool(_page_after, request, form, message, 503)
    if result.was_already_issued:
        text = (
            f"Thông báo {notice.number} đã được ban hành trước đó; "
            "không khởi tạo thêm nhiệm vụ nào."
        )
    else:
        text = f"Đã ban hành thông báo {notice.number}: {len(result.started)} nhiệm vụ."
    return redirect(request, f"/admin/notices/{notice.key}", text)


def _prepare_issue(request: Request, fields: FormData) -> tuple[DraftForm, Any] | Response:
    """The notice to issue, or the page that says why not (in the thread pool)."""
    settings = settings_of(request)
    try:
        form = from_fields(fields)
    except DraftError as err:
        return _refused_text(request, f"Không đọc được biểu mẫu bản nháp: {err}.")
    _review(form, settings)
    standing = form.standing()
    if standing:
        names = "; ".join(
            f"{form.where(part, flag.field)[0]} ({form.where(part, flag.field)[1]})"
            for part, flag in standing
        )
        message = (
            f"Chưa ban hành: còn {len(standing)} mục cần sửa hoặc xác nhận — {names}. "
            "Không nhiệm vụ nào được giao."
        )
        return _page(request, form, message=message, status_code=422, reviewed=True)
    try:
        notice = check_notice(form.notice_input(), settings)
    except (NoticeInvalid, OverflowError, ValueError) as err:  # pragma: no cover - reviewed
        return _page(request, form, message=f"Chưa ban hành: {err}.", status_code=422)
    return form, notice


def _page_after(request: Request, form: DraftForm, message: str, status: int) -> HTMLResponse:
    return _page(request, form, message=message, status_code=status)


# ------------------------------------------------------------------------ the page


def _validator(settings: Settings) -> Any:
    def validate(raw: dict[str, Any]) -> list[Problem]:
        try:
            check_notice(raw, settings)
        except NoticeInvalid as err:
            return err.problems
        except (OverflowError, ValueError):
            message = "ngày thông báo hoặc thời hạn nằm ngoài phạm vi hệ thống xử lý được"
            return [Problem(location="date", message=message)]
        return []

    return validate


def _review(form: DraftForm, settings: Settings) -> None:
    review(form, draft_calendar(settings), _validator(settings))


def _page(
    request: Request,
    form: DraftForm,
    *,
    message: str | None = None,
    note: str | None = None,
    yaml_text: str | None = None,
    yaml_open: bool = False,
    status_code: int = 200,
    reviewed: bool = False,
) -> HTMLResponse:
    settings = settings_of(request)
    if not reviewed:
        _review(form, settings)
    with session_scope(settings.database_url) as session:
        choices = _choices(session, form)
    standing = [
        {"part": part, "flag": flag, "where": form.where(part, flag.field), "target": _target(part, flag.field)}
        for part, flag in form.standing()
    ]  # fmt: skip
    groups = [
        {"flag": flag, "positions": [form.position(p) for p in parts], "label": LABELS.get(flag.field, flag.field)}
        for flag, parts in repeated(form)
    ]  # fmt: skip
    document = yaml.safe_dump(form.document(), allow_unicode=True, sort_keys=False, width=100)
    return render(
        request,
        "console/notice_draft.html",
        {
            "title": "Rà soát bản nháp thông báo",
            "form": form,
            "NOTICE": NOTICE,
            "LABELS": LABELS,
            "meta_json": meta_json,
            "target": _target,
            "pieces": pieces(form),
            **choices,
            "policy_names": sorted(policies(settings)),
            "standing": standing,
            "groups": groups,
            "message": message,
            "note": note,
            "yaml_text": yaml_text if yaml_text is not None else document,
            "yaml_open": yaml_open or yaml_text is not None,
        },
        status_code=status_code,
    )


def _choices(session: Session, form: DraftForm) -> dict[str, Any]:
    """The directory's agencies and leaders for the pickers; the notice issued before
    under the same number, if any."""
    agencies = session.execute(
        select(AgencyRow.code, AgencyRow.name).order_by(AgencyRow.name)
    ).all()
    leaders = session.execute(
        select(LeaderRow.code, LeaderRow.name, LeaderRow.title).order_by(LeaderRow.code)
    ).all()
    notice_date, number = form.header.notice_date(), form.header.number.strip()
    existing = None
    if notice_date is not None and number:
        existing = session.get(NoticeRow, notice_key(number, notice_date))
    return {
        "agencies": agencies,
        "agency_names": dict(agencies),
        "leaders": leaders,
        "existing": existing,
    }


def _target(part: str, name: str) -> str:
    """The id of the control a flag's link goes to."""
    if part == NOTICE:
        target = {"signer": "signer_name", "tasks": "add-task"}.get(name, name)
        return f"f-notice-{target}" if name != "tasks" else target
    return f"f-{part}-{name}"
