"""Who signed the notice and who concluded it.

The signature block follows the body: title lines in capitals ("KT. CHỦ TỊCH", "PHÓ CHỦ
TỊCH"), then the name; copied from Word it may share a line with "Nơi nhận:" through
" | ". The leader who concluded is named in the subject ("Kết luận của đồng chí ... -
Phó Chủ tịch UBND tỉnh"), in the opening paragraphs ("đồng chí Nguyễn Văn A, Chủ tịch
UBND tỉnh kết luận"), or only by signing as Chủ tịch or Phó Chủ tịch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from dondoc.domain.notice_text.text import Paragraph, Source

_SIGN_TITLE = re.compile(
    r"^(?:(?:KT|TM|TL|Q|TUQ)\.\s*)?(?:PHÓ\s+)?(?:CHỦ TỊCH|CHÁNH VĂN PHÒNG|GIÁM ĐỐC|"
    r"ỦY BAN NHÂN DÂN|ỦY BAN NHÂN DÂN TỈNH|VĂN PHÒNG|TRƯỞNG BAN|BỘ TRƯỞNG|THỨ TRƯỞNG)"
    r"(?:\s+[A-ZĐ][A-ZĐ\s]*)?$"
)
_LEADER_AFTER_NAME = re.compile(
    r"(?:đồng chí|đ/c)\s+(?P<name>\S+(?:\s+\S+){1,4}?)\s*[-–,]\s*"
    r"(?P<title>[^.;:()]{0,120}?(?:Phó\s+)?Chủ tịch(?:\s+Thường trực)?\s+"
    r"(?:UBND|Ủy ban nhân dân)\s+tỉnh)",
)
_LEADER_AFTER_TITLE = re.compile(
    r"(?P<title>(?:Phó\s+)?Chủ tịch(?:\s+Thường trực)?\s+(?:UBND|Ủy ban nhân dân)\s+tỉnh)"
    r"\s+(?P<name>[^\W\d_]\S*(?:\s+\S+){1,4})"
)
_TITLE_CASE = {
    "CHỦ TỊCH": "Chủ tịch",
    "PHÓ CHỦ TỊCH": "Phó Chủ tịch",
    "CHÁNH VĂN PHÒNG": "Chánh Văn phòng",
    "PHÓ CHÁNH VĂN PHÒNG": "Phó Chánh Văn phòng",
    "GIÁM ĐỐC": "Giám đốc",
    "PHÓ GIÁM ĐỐC": "Phó Giám đốc",
    "ỦY BAN NHÂN DÂN": "Ủy ban nhân dân",
}


def person_name(text: str) -> str | None:
    """The leading words of ``text`` that read as a Vietnamese person's name, if 2 to 5."""
    words: list[str] = []
    for word in text.split():
        clean = word.strip(",.;:()")
        if not clean or not clean[0].isupper() or not clean.isalpha():
            break
        if len(clean) > 1 and clean.isupper():
            break
        if clean[1:] != clean[1:].lower():
            break
        words.append(clean)
        if clean != word:
            break
        if len(words) == 5:
            break
    return " ".join(words) if 2 <= len(words) <= 5 else None


@dataclass
class Found:
    """A header value and where its words are (offsets in the cleaned text)."""

    value: str
    start: int
    end: int


@dataclass
class Header:
    number: Found | None = None
    number_digits: bool = False
    place: Found | None = None
    date: date | None = None
    date_text: Found | None = None
    subject: Found | None = None
    leader_name: Found | None = None
    leader_title: str | None = None
    signer_name: Found | None = None
    signer_title: str | None = None
    addressees: tuple[int, int] | None = None
    """Where the "Kính gửi:" list is (cleaned-text offsets)."""
    body_start: int = 0
    body_end: int = 0
    notes: list[str] = field(default_factory=list)


def signature_start(paragraphs: list[Paragraph], start: int, end: int) -> int:
    """Without "Nơi nhận:", the body ends where the signature's title lines begin."""
    for p in paragraphs:
        if p.start < start:
            continue
        cells = [c.strip() for c in p.text.split("|") if c.strip()]
        if cells and all(_SIGN_TITLE.match(c) for c in cells):
            return p.start
    return end


def signature(src: Source, header: Header) -> None:
    """The signer: title lines in capitals, then the name, after the body."""
    tail = src.paragraphs(header.body_end, len(src.text))
    titles: list[str] = []
    name: Found | None = None
    for p in tail:
        offset = p.start
        for cell in p.text.split("|"):
            stripped = cell.strip()
            at = offset + cell.find(stripped) if stripped else offset
            offset += len(cell) + 1
            if not stripped or stripped.startswith(("-", "+", "Nơi nhận")):
                continue
            if _SIGN_TITLE.match(stripped):
                titles.append(stripped)
                continue
            who = person_name(stripped)
            if who and who == stripped.rstrip("."):
                name = Found(src.show(at, at + len(who)), at, at + len(who))
    if name:
        header.signer_name = name
        header.signer_title = ", ".join(_title_case(t) for t in titles) or None


def _title_case(title: str) -> str:
    m = re.match(r"^((?:KT|TM|TL|Q|TUQ)\.)\s*(.*)$", title)
    prefix, rest = (m[1] + " ", m[2]) if m else ("", title)
    rest = " ".join(rest.split())
    return prefix + _TITLE_CASE.get(rest, rest[:1] + rest[1:].lower())


def leader(src: Source, header: Header, paragraphs: list[Paragraph]) -> None:
    """The leader who concluded: in the subject, the opening paragraphs, or the signature."""
    places: list[tuple[int, int]] = []
    if header.subject:
        places.append((header.subject.start, header.subject.end))
    body = [p for p in paragraphs if header.body_start <= p.start < header.body_end]
    for p in body[:4]:
        places.append((p.start, p.end))
    for start, end in places:
        chunk = src.text[start:end]
        for pattern in (_LEADER_AFTER_NAME, _LEADER_AFTER_TITLE):
            m = pattern.search(chunk)
            if m is None:
                continue
            name = person_name(m["name"])
            if name is None:
                continue
            at = start + m.start("name")
            header.leader_name = Found(src.show(at, at + len(name)), at, at + len(name))
            header.leader_title = " ".join(m["title"].split())
            return
    if header.signer_name and header.signer_title:
        last = header.signer_title.split(", ")[-1]
        if last in {"Chủ tịch", "Phó Chủ tịch"} and not header.signer_title.startswith("TL."):
            header.leader_name = header.signer_name
            header.leader_title = f"{last} UBND tỉnh"
