"""Task tables (STT | Nội dung | Chủ trì | Phối hợp | Thời hạn), read row by row.

A Word table arrives as one line per row with its cells joined by " | " (or tabs); a row
of column names starts a table, and rows of the same width below it are its tasks.
"""

from __future__ import annotations

import re

from dondoc.domain.notice_text.deadline_phrases import DeadlineSpan
from dondoc.domain.notice_text.document import Doc
from dondoc.domain.notice_text.draft import TaskDraft
from dondoc.domain.notice_text.emit import Given, emit
from dondoc.domain.notice_text.signals import Context, Segment
from dondoc.domain.notice_text.text import Paragraph

Cell = tuple[int, int]


def _cells(doc: Doc, p: Paragraph) -> list[Cell]:
    sep = "|" if "|" in p.text else "\t"
    cells: list[Cell] = []
    at = p.start
    for piece in p.text.split(sep):
        a, b = at, at + len(piece)
        while a < b and doc.text[a].isspace():
            a += 1
        while b > a and doc.text[b - 1].isspace():
            b -= 1
        cells.append((a, b))
        at += len(piece) + 1
    return cells


def _columns(names: list[str]) -> dict[str, int] | None:
    found: dict[str, int] = {}
    for index, name in enumerate(names):
        if "chủ trì" in name and "owner" not in found:
            found["owner"] = index
        elif "phối hợp" in name and "coordinators" not in found:
            found["coordinators"] = index
        elif re.search(r"thời hạn|thời gian", name) and "deadline" not in found:
            found["deadline"] = index
        elif re.search(r"sản phẩm|kết quả", name) and "result" not in found:
            found["result"] = index
        elif re.search(r"nội dung|nhiệm vụ|công việc", name) and "work" not in found:
            found["work"] = index
    return found if "owner" in found and "work" in found else None


def _row(doc: Doc, cells: list[Cell], columns: dict[str, int], p: Paragraph) -> list[TaskDraft]:
    def cell(name: str) -> Cell | None:
        index = columns.get(name)
        if index is None:
            return None
        a, b = cells[index]
        return (a, b) if b > a else None

    work, owner = cell("work"), cell("owner")
    if work is None:
        return []
    owners = doc.reader.parties(*owner)[0] if owner else []
    coord = cell("coordinators")
    deadline = None
    dl = cell("deadline")
    if dl:
        deadline = DeadlineSpan(" ".join(doc.text[dl[0] : dl[1]].split()), dl[0], dl[1])
    given = Given(
        coordinators=doc.reader.parties(*coord)[0] if coord else [],
        deadline=deadline,
        work=work,
        result=cell("result"),
    )
    return emit(doc, Segment(p.start, p.end, owners, work[0], "table"), Context(), given)


def read_tables(doc: Doc, paragraphs: list[Paragraph]) -> tuple[list[TaskDraft], list[Paragraph]]:
    """The tasks of every task table, and the paragraphs that are not part of one."""
    tasks: list[TaskDraft] = []
    rest: list[Paragraph] = []
    columns: dict[str, int] | None = None
    width = 0
    for p in paragraphs:
        cells = _cells(doc, p) if ("|" in p.text or "\t" in p.text) else []
        if len(cells) >= 3:
            found = _columns([doc.text[a:b].lower() for a, b in cells])
            if found is not None:
                columns, width = found, len(cells)
                continue
            if columns is not None and len(cells) == width:
                tasks.extend(_row(doc, cells, columns, p))
                continue
        columns = None
        rest.append(p)
    return tasks, rest
