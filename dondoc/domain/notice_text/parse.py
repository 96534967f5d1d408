"""Text of a conclusion notice to a draft a person reviews, then issues."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from dondoc.domain.calendar import WorkingCalendar
from dondoc.domain.notice_text.book import NameBook
from dondoc.domain.notice_text.document import Doc
from dondoc.domain.notice_text.draft import Flag, NoticeDraft, SignerDraft, Span
from dondoc.domain.notice_text.header import Found, Header, read_header
from dondoc.domain.notice_text.tasks import read_tasks
from dondoc.domain.notice_text.text import Source


def parse_notice(
    text: str,
    book: NameBook,
    *,
    calendar_for: Callable[[date], WorkingCalendar] | None = None,
) -> NoticeDraft:
    """Read a notice's text into a draft; every offset in it points into ``text``.

    ``calendar_for`` resolves each deadline to its due day for the reviewer; without it
    (or without the notice's date) the draft keeps the phrases only.
    """
    src = Source.read(text)
    header = read_header(src)
    doc = Doc(src, book, header.date, calendar_for)
    tasks = read_tasks(doc, header.body_start, header.body_end, header.addressees)
    draft = NoticeDraft(
        number=None,
        date=header.date,
        leader=None,
        subject=header.subject.value if header.subject else None,
        tasks=tasks,
    )
    _fill_header(draft, header, src, book)
    return draft


def _span(src: Source, found: Found, code: str | None = None) -> Span:
    a, b = src.span(found.start, found.end)
    return Span(start=a, end=b, text=src.original[a:b], code=code)


def _fill_header(draft: NoticeDraft, header: Header, src: Source, book: NameBook) -> None:
    flags: list[Flag] = []
    confidence: dict[str, float] = {}
    spans: dict[str, Span] = {}

    if header.number is None:
        flags.append(Flag(field="number", message="không tìm thấy số, ký hiệu văn bản («Số: ...»)"))
        confidence["number"] = 0.0
    else:
        draft.number = header.number.value
        spans["number"] = _span(src, header.number)
        if header.number_digits:
            confidence["number"] = 0.95
        else:
            confidence["number"] = 0.0
            flags.append(
                Flag(
                    field="number",
                    message=(
                        f"số văn bản để trống («{header.number.value}»); "
                        "điền số khi văn bản đã được ký"
                    ),
                )
            )

    if header.date_text is not None:
        spans["date"] = _span(src, header.date_text)
    if header.date is not None:
        confidence["date"] = 0.95
    else:
        confidence["date"] = 0.0
        if header.date_text is not None:
            message = f"ngày ban hành để trống («{header.date_text.value}»); điền ngày ký"
        else:
            message = "không tìm thấy ngày ban hành («…, ngày … tháng … năm …»)"
        flags.extend(Flag(field="date", message=note) for note in header.notes)
        flags.append(Flag(field="date", message=message))

    if header.subject is not None:
        spans["subject"] = _span(src, header.subject)
        confidence["subject"] = 0.9
    else:
        confidence["subject"] = 0.0
        flags.append(Flag(field="subject", message="không tìm thấy trích yếu"))

    if header.leader_name is not None:
        leader = book.leader(header.leader_name.value)
        if leader is None and header.leader_title:
            titled = book.leader_by_title(header.leader_title)
            # Only a title that also names this person: never another leader's code.
            leader = titled if titled and titled.name == header.leader_name.value else None
        spans["leader"] = _span(src, header.leader_name, leader.code if leader else None)
        if leader is not None:
            draft.leader = leader.code
            confidence["leader"] = 0.95
        else:
            confidence["leader"] = 0.0
            flags.append(
                Flag(
                    field="leader",
                    message=(
                        f"lãnh đạo «{header.leader_name.value}» không có trong danh bạ; "
                        "chọn mã lãnh đạo"
                    ),
                )
            )
    else:
        confidence["leader"] = 0.0
        flags.append(
            Flag(field="leader", message="không tìm thấy lãnh đạo kết luận; chọn mã lãnh đạo")
        )

    if header.signer_name is not None:
        draft.signer = SignerDraft(
            name=header.signer_name.value, title=header.signer_title or "Người ký"
        )
        spans["signer"] = _span(src, header.signer_name)

    if not draft.tasks:
        flags.append(Flag(field="tasks", message="không tìm thấy nhiệm vụ nào trong văn bản"))
    draft.review = flags
    draft.confidence = confidence
    draft.spans = spans
