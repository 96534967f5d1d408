"""A notice file (.txt, .docx, .pdf) to the plain text the parser reads.

The text follows one convention whatever the format, so the parser sees one shape: one
paragraph per line; a table row on one line with its cells joined by " | " (a cell's own
paragraphs stay on separate lines in layout tables, such as the header and the signature
block, and are joined with spaces in task tables, whose rows must stay whole); PDF pages
joined by a form feed on its own line, which the parser reads as a page break.

python-docx and pypdf do the reading; nothing here interprets the notice.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from dondoc.commands.documents import BadInput, load_document, refuse_oversized

if TYPE_CHECKING:
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
    suffix = path.suffix.lower()
    if suffix == ".txt":
        return _read_txt(path)
    if suffix == ".docx":
        return _read_docx(path)
    if suffix == ".pdf":
        return _read_pdf(path)
    raise BadInput(f"{path}: chỉ đọc được văn bản .txt, .docx hoặc .pdf (tệp này là «{suffix}»)")


def _read_txt(path: Path) -> str:
    refuse_oversized(path)
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "utf-16"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-16" and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            break
        return text
    raise BadInput(f"{path}: tệp không phải văn bản UTF-8")


def _read_docx(path: Path) -> str:
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError, OSError) as err:
        raise BadInput(f"{path}: không đọc được tệp Word (.docx): {err}") from None

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


def _read_pdf(path: Path) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        pages = [(page.extract_text() or "").strip("\n") for page in reader.pages]
    except (PdfReadError, OSError, ValueError) as err:
        raise BadInput(f"{path}: không đọc được tệp PDF: {err}") from None
    text = "\n\f\n".join(pages)
    if not text.strip():
        raise BadInput(
            f"{path}: tệp PDF không có lớp chữ (bản quét); cần nhận dạng chữ (OCR) trước khi đọc"
        )
    return text


# ------------------------------------------------------------------ drafts


def name_book(settings: Settings, directory_file: Path | None = None) -> NameBook:
    """The names to resolve against: a directory file (with optional ``groups:``), or the
    directory in the database."""
    from pydantic import ValidationError

    from dondoc.domain.directory import Directory, unknown_group_members
    from dondoc.domain.notice_text import NameBook

    if directory_file is None:
        from dondoc.store.db import migrate, session_scope
        from dondoc.store.directory import export_directory

        migrate(settings.database_url)
        with session_scope(settings.database_url) as session:
            return NameBook.from_directory(export_directory(session))
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


def draft_from_file(path: Path, settings: Settings, book: NameBook) -> NoticeDraft:
    """Read and parse a notice file; deadlines resolve with the deployment's calendar."""
    from dondoc.deployment import calendar_for
    from dondoc.domain.notice_text import parse_notice

    text = read_notice_text(path)
    return parse_notice(text, book, calendar_for=lambda d: calendar_for(settings, d))


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
