"""A notice file (.txt, .docx, .pdf) to the plain text the parser reads.

The text follows one convention whatever the format, so the parser sees one shape: one
paragraph per line; a table row on one line with its cells joined by " | " (a cell's own
paragraphs stay on separate lines in layout tables, such as the header and the signature
block, and are joined with spaces in task tables, whose rows must stay whole); PDF pages
joined by a form feed on its own line, which the parser reads as a page break.

python-docx and pypdf do the reading; nothing here interprets the notice. ``parse_text``
is the one way from text to draft that the CLI and the console share.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from dondoc.commands.documents import BadInput, load_document, refuse_oversized

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import date

    from sqlalchemy.orm import Session

    from dondoc.domain.calendar import WorkingCalendar
    from dondoc.domain.notice_text import NameBook, NoticeDraft
    from dondoc.settings import Settings

SUFFIXES = (".txt", ".docx", ".pdf")
_TASK_TABLE = re.compile(r"chủ\s+trì", re.IGNORECASE)


def read_notice_text(path: Path) -> str:
    """The text of a notice file; ``BadInput`` with a Vietnamese reason if unreadable."""
    if not path.exists():
        raise BadInput(f"không tìm thấy tệp {path}")
    if not path.is_file():
        raise BadInput(f"{path} không phải là một tệp")
    _check_suffix(str(path), path.suffix.lower())
    refuse_oversized(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise BadInput(f"không đọc được {path}: {err.strerror}") from None
    return notice_text_of(str(path), data)


def notice_text_of(name: str, data: bytes) -> str:
    """The text of a notice file's bytes (an upload), ``name`` telling the format and
    naming the file in the reason when it cannot be read."""
    suffix = Path(name).suffix.lower()
    _check_suffix(name, suffix)
    if suffix == ".txt":
        return _read_txt(name, data)
    if suffix == ".docx":
        return _read_docx(name, data)
    return _read_pdf(name, data)


def _check_suffix(name: str, suffix: str) -> None:
    if suffix not in SUFFIXES:
        raise BadInput(
            f"{name}: chỉ đọc được văn bản .txt, .docx hoặc .pdf "
            f"(tệp này là «{suffix or 'không có đuôi'}»)"
        )


def _read_txt(name: str, data: bytes) -> str:
    for encoding in ("utf-8-sig", "utf-16"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-16" and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            break
        return text
    raise BadInput(f"{name}: tệp không phải văn bản UTF-8")


def _read_docx(name: str, data: bytes) -> str:
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError) as err:
        raise BadInput(f"{name}: không đọc được tệp Word (.docx): {err}") from None

    lines: list[str] = []

    def table_lines(table: Table) -> list[str]:
        rows: list[str] = []
        cells_text = " ".join(c.text for c in table.rows[0].cells) if table.rows else ""
        joiner = " " if _TASK_TABLE.search(cells_text) else "\n"
        for row in table.rows:
            cells: list[str] = []
            seen: set[int] = set()
            for cell in row.cells:
                if id(cell._tc) in seen:  # a merged cell appears once per grid column
                    continue
                seen.add(id(cell._tc))
                parts = [p.text for p in cell.paragraphs]
                parts += ["\n".join(table_lines(t)) for t in cell.tables]
                cells.append(joiner.join(parts).strip("\n"))
            rows.append(" | ".join(cells))
        return rows

    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            lines.append(block.text)
        elif isinstance(block, Table):
            lines.extend(table_lines(block))
    return "\n".join(lines)


def _read_pdf(name: str, data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [(page.extract_text() or "").strip("\n") for page in reader.pages]
    except (PdfReadError, OSError, ValueError) as err:
        raise BadInput(f"{name}: không đọc được tệp PDF: {err}") from None
    text = "\n\f\n".join(pages)
    if not text.strip():
        raise BadInput(
            f"{name}: tệp PDF không có lớp chữ (bản quét); cần nhận dạng chữ (OCR) trước khi đọc"
        )
    return text


# ------------------------------------------------------------------ drafts


def directory_book(session: Session) -> NameBook:
    """The names of the directory in the database (agencies, leaders, groups)."""
    from dondoc.domain.notice_text import NameBook
    from dondoc.store.directory import export_directory

    return NameBook.from_directory(export_directory(session))


def name_book(settings: Settings, directory_file: Path | None = None) -> NameBook:
    """The names to resolve against: a directory file (with optional ``groups:``), or the
    directory in the database (brought to the current schema first: the CLI may be the
    first thing to touch a new database)."""
    from pydantic import ValidationError

    from dondoc.domain.directory import Directory, unknown_group_members
    from dondoc.domain.notice_text import NameBook

    if directory_file is None:
        from dondoc.store.db import migrate, session_scope

        migrate(settings.database_url)
        with session_scope(settings.database_url) as session:
            return directory_book(session)
    raw = load_document(directory_file)
    try:
        directory = Directory.model_validate(raw)
    except ValidationError as err:
        where = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in err.errors())
        raise BadInput(f"{directory_file}: danh bạ không hợp lệ — {where}") from None
    unknown = unknown_group_members(directory)
    if unknown:
        raise BadInput(
            f"{directory_file}: nhóm đơn vị có mã không có trong danh bạ: {', '.join(unknown)}"
        )
    return NameBook.from_directory(directory)


def draft_calendar(settings: Settings) -> Callable[[date], WorkingCalendar]:
    """The calendar a draft's deadlines resolve against, for the parser and for the
    console's review form alike: the one ``check_notice`` validates them with."""
    from dondoc.store.calendars import calendar_in_force
    from dondoc.store.db import session_scope

    def in_force(day: date) -> WorkingCalendar:
        with session_scope(settings.database_url) as session:
            return calendar_in_force(session, settings, day)

    return in_force


def parse_text(text: str, settings: Settings, book: NameBook) -> NoticeDraft:
    """The one way a notice's text becomes a draft, for the CLI and the console alike:
    names resolved against ``book``, deadlines against ``draft_calendar``."""
    from dondoc.domain.notice_text import parse_notice

    return parse_notice(text, book, calendar_for=draft_calendar(settings))


def draft_from_file(path: Path, settings: Settings, book: NameBook) -> NoticeDraft:
    """Read and parse a notice file (see ``parse_text``)."""
    return parse_text(read_notice_text(path), settings, book)


def render_draft(draft: NoticeDraft, *, as_json: bool = False) -> str:
    """The draft as YAML (what ``notice issue`` takes, plus review metadata) or JSON."""
    document = draft.as_document()
    if as_json:
        return json.dumps(document, ensure_ascii=False, indent=2)
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)


def issuable(document: object) -> object:
    """A notice document ready for validation: a parser draft loses its review metadata,
    but only once every field the text did not give has been filled in."""
    from dondoc.domain.notice_text import has_review_metadata, notice_input, unresolved

    if not has_review_metadata(document):
        return document
    assert isinstance(document, dict)
    missing = unresolved(document)
    if missing:
        raise BadInput(
            "bản nháp còn trường chưa xác định, không ban hành:\n"
            + "\n".join(f"  - {m}" for m in missing)
        )
    return notice_input(document)
