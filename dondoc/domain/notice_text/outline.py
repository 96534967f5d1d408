"""The body's outline: paragraphs to a tree of items by their markers.

The body is a list of paragraphs; each may open with a marker ("I.", "1.", "1.1.", "a)",
"-", "+"). A marker's level says where the paragraph sits; an unmarked paragraph either
continues the item before it, fills an agency heading ("3. Sở Xây dựng" followed by its
text), or stands alone (an assignment of its own, a deadline shared by the list, or the
closing lines). The narrative before any list gives no item.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dondoc.domain.notice_text import lexicon
from dondoc.domain.notice_text.deadline_phrases import find_deadline
from dondoc.domain.notice_text.document import Doc
from dondoc.domain.notice_text.signals import any_signal, signal
from dondoc.domain.notice_text.text import Paragraph

_MARKERS: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(r"^(?P<m>[IVX]{1,5})\.\s*(?=\S)"), 0),
    (re.compile(r"^(?P<m>\d{1,2}\.\d{1,2})\.?\s+(?=\S)"), 2),
    (re.compile(r"^(?P<m>\d{1,2})[.)]\s*(?=[^\d\s])"), 1),
    (re.compile(r"^(?P<m>[a-zđ])\)\s*(?=\S)"), 2),
    (re.compile(rf"^(?P<m>[a-zđ])\.\s+(?=[{lexicon.UPPER}])"), 2),
    (re.compile(r"^(?P<m>[-–—•*])\s*(?=\S)"), 3),
    (re.compile(r"^(?P<m>\+)\s*(?=\S)"), 4),
)
UNMARKED = 9
ROOT = -1
_SHARED_DEADLINE_WORDS = re.compile(
    r"các\s+(?:cơ quan|đơn vị|sở|ngành|địa phương)|(?:Báo cáo|Văn bản|Kết quả)\s+(?:của|gửi)",
    re.IGNORECASE,
)


def marker(text: str) -> tuple[int, str, int]:
    """(level, marker, length of marker and its spaces) of a paragraph."""
    for pattern, level in _MARKERS:
        m = pattern.match(text)
        if m:
            return level, m["m"], m.end()
    return UNMARKED, "", 0


def is_upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 4 and all(c.isupper() for c in letters)


@dataclass
class Unit:
    """An item of the body (or a lone paragraph) and its children."""

    level: int
    start: int
    """Where the item's own text starts, after its marker (cleaned-text offset)."""
    end: int
    paragraph_start: int
    children: list[Unit] = field(default_factory=list)
    parent: Unit | None = None
    heading: bool = False
    shared_deadline: bool = False
    closing: bool = False


def intro(paragraphs: list[Paragraph]) -> int | None:
    """The paragraph that opens the list ("... kết luận như sau:"), if any."""
    for index, p in enumerate(paragraphs):
        level, _, _ = marker(p.text)
        if level == UNMARKED and lexicon.CONCLUSION_INTRO.search(p.text):
            return index
    return None


def own_text(doc: Doc, unit: Unit) -> str:
    return doc.text[unit.start : unit.end]


def first_line(doc: Doc, unit: Unit) -> tuple[int, int]:
    newline = doc.text.find("\n", unit.start, unit.end)
    return unit.start, (unit.end if newline < 0 else newline)


def heading_like(doc: Doc, start: int, end: int) -> bool:
    """A line that names who, not what: "Sở Công Thương", "Các Ban Quản lý dự án"."""
    text = doc.text
    line = text[start:end].strip()
    if not line or is_upper(line) or line.endswith(":"):
        return bool(line)
    parties, stop = doc.reader.parties(start, end)
    if parties and not text[stop:end].strip(" :."):
        return True
    if parties and len(text[stop:end].split()) <= 2 and not re.search(r"[.;,]$", line):
        return True  # "Các Ban Quản lý dự án đầu tư xây dựng": a name the reader cut short
    return (
        len(line) <= 90
        and not re.search(r"[.;,]$", line)
        and signal(doc, start, end, strict=False) is None
        and not lexicon.ASSIGN_CUE.search(line)
        and bool(parties or re.match(r"(?:Các|Những)\s", line))
    )


def _awaits_body(doc: Doc, unit: Unit) -> bool:
    """An item that is only a heading so far, so the next paragraph is its text."""
    if unit.children or "\n" in own_text(doc, unit):
        return False
    return heading_like(doc, unit.start, unit.end)


def _shared(doc: Doc, p: Paragraph) -> bool:
    """A sentence after a list that gives the list's deadline ("Báo cáo ... gửi về
    UBND tỉnh trước ngày 12/6/2026")."""
    return (
        find_deadline(doc.text, p.start, p.end) is not None
        and bool(_SHARED_DEADLINE_WORDS.search(p.text))
        and signal(doc, p.start, p.end, strict=True) is None
    )


def _heading_parent(doc: Doc, stack: list[Unit]) -> Unit:
    for unit in reversed(stack):
        if unit.level <= 0 or own_text(doc, unit).rstrip().endswith(":"):
            return unit
    return stack[0]


def build(doc: Doc, paragraphs: list[Paragraph], root: Unit, *, narrative: bool) -> None:
    """Hang every paragraph under ``root``: marked ones by level, unmarked ones by what
    they are (``narrative``: no list opener was found, so the account of the meeting
    before the first item is dropped)."""
    stack: list[Unit] = [root]
    listed = False
    for p in paragraphs:
        level, _, size = marker(p.text)
        if level != UNMARKED:
            listed = True
            while stack[-1].level >= level:
                stack.pop()
            unit = Unit(level, p.start + size, p.end, p.start, parent=stack[-1])
            stack[-1].children.append(unit)
            stack.append(unit)
            continue
        current = stack[-1]
        unit = Unit(UNMARKED, p.start, p.end, p.start)
        if lexicon.CLOSING.match(p.text):
            unit.closing = True
            unit.parent = root
            root.children.append(unit)
            stack = [root]
            continue
        if narrative and not listed and not any_signal(doc, p.start, p.end):
            continue  # the account of the meeting before any list
        if current.level >= 1 and _awaits_body(doc, current):
            current.end = p.end  # "3. Sở Xây dựng" and its text on the next line
            continue
        if current.level <= 0:
            unit.parent = current  # a paragraph of a section: judged with the section
            current.children.append(unit)
            continue
        if any_signal(doc, p.start, p.end):
            parent = _heading_parent(doc, stack)
            unit.parent = parent
            parent.children.append(unit)
            continue
        if _shared(doc, p):
            unit.shared_deadline = True
            unit.parent = root
            root.children.append(unit)
            continue
        current.end = p.end  # a further paragraph of the same item
