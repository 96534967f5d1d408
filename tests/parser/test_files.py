"""Word and PDF files read into the same draft as their text."""

from __future__ import annotations

from pathlib import Path

import pytest
from corpus import DEV, calendar_for, load_book
from docx import Document

from dondoc.commands.documents import BadInput
from dondoc.commands.notice_text import read_notice_text
from dondoc.domain.notice_text import parse_notice

BOOK = load_book()


def write_docx(text: str, path: Path) -> None:
    """A Word file of a notice's text: lines with " | " become rows of real tables."""
    document = Document()
    rows: list[list[str]] = []

    def flush() -> None:
        if not rows:
            return
        table = document.add_table(rows=0, cols=max(len(r) for r in rows))
        for cells in rows:
            row = table.add_row().cells
            for cell, value in zip(row, cells, strict=False):
                cell.text = value
        rows.clear()

    for line in text.splitlines():
        if " | " in line:
            cells = [c.strip() for c in line.split(" | ")]
            if rows and len(cells) != len(rows[-1]):
                flush()
            rows.append(cells)
            continue
        flush()
        document.add_paragraph(line)
    flush()
    document.save(str(path))


def summary(text: str) -> list[tuple[str | None, list[str], str | None]]:
    draft = parse_notice(text, BOOK, calendar_for=calendar_for)
    return [(t.owner, t.coordinators, t.deadline) for t in draft.tasks]


def test_a_word_file_with_a_task_table_reads_like_its_text(tmp_path: Path) -> None:
    source = (DEV / "06-bang-nhiem-vu-hoi-cho.txt").read_text("utf-8")
    path = tmp_path / "thong-bao.docx"
    write_docx(source, path)
    text = read_notice_text(path)
    assert "Sở Công Thương | Sở Tài chính, Sở Ngoại vụ | Trước ngày 25/10/2025" in text
    draft = parse_notice(text, BOOK, calendar_for=calendar_for)
    assert draft.number == "620/TB-UBND" and draft.leader == "PCT-KHAI"
    assert summary(text) == summary(source)
    assert len(draft.tasks) == 6


def test_a_pdf_with_a_text_layer_is_read_page_by_page() -> None:
    text = read_notice_text(DEV / "21-pdf-nong-thon-moi.pdf")
    assert "\f" in text  # the page break, which the parser reads as such
    draft = parse_notice(text, BOOK, calendar_for=calendar_for)
    assert draft.signer is not None and draft.signer.name == "Nguyễn Văn Hùng"
    assert [t.owner for t in draft.tasks] == ["SNNMT", "STC", "XNAMDAN", "XYENTHANH", "SCT"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.docx", b"not a zip", "không đọc được tệp Word"),
        ("a.pdf", b"%PDF-1.4 broken", "không đọc được tệp PDF"),
        ("a.txt", b"\xff\xfe\x00\xd8", "không phải văn bản UTF-8"),
        ("a.odt", b"x", "chỉ đọc được văn bản .txt, .docx hoặc .pdf"),
    ],
)
def test_unreadable_files_say_why(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(BadInput, match=message):
        read_notice_text(path)
