"""The parts of a notice around its body: number, place and date, subject, who concluded,
who signed, and where the body starts and ends.

Administrative documents follow one layout (Nghị định 30/2020/NĐ-CP): the issuing body
and "Số: 245/TB-UBND" on the left, the national motto and "Nghệ An, ngày 20 tháng 8 năm
2025" on the right, the title ("THÔNG BÁO") and the subject under it, or "V/v ..." under
the number for a letter; the body; then "Nơi nhận:" on the left and the signature block
("KT. CHỦ TỊCH / PHÓ CHỦ TỊCH / name") on the right. Copied text puts the two columns
one after the other or on one line separated by " | "; the patterns allow both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from dondoc.domain.notice_text.text import Paragraph, Source

_NUMBER = re.compile(
    r"(?<![^\W\d_])Số\s*[:.]?\s*(?P<n>\d*)\s*/\s*(?P<sym>[A-ZĐ][A-ZĐ0-9]*(?:\s*[-–]\s*[A-ZĐ0-9]+)*)"
)
_PLACE_DATE = re.compile(
    r"(?P<place>[^\W\d_][^\W\d_ ]*(?:[ ]+[^\W\d_]+){0,4})\s*,\s*ngày\s*(?P<d>\d{1,2})?\s*"
    r"tháng\s*(?P<m>\d{1,2})?\s*năm\s*(?P<y>\d{4})"
)
_PLACE_DATE_NUMERIC = re.compile(
    r"(?P<place>[^\W\d_][^\W\d_ ]*(?:[ ]+[^\W\d_]+){0,4})\s*,\s*ngày\s*"
    r"(?P<d>\d{1,2})\s*/\s*(?P<m>\d{1,2})\s*/\s*(?P<y>\d{4})"
)
_TITLE = re.compile(r"^\s*\|?\s*THÔNG BÁO(?:\s+KẾT LUẬN)?\s*$")
_VV = re.compile(r"(?<![^\W\d_])V/v\s+(?P<subject>[^|\n]+)")
_MOTTO = re.compile(r"CỘNG HÒA XÃ HỘI|Độc lập\s*[-–]\s*Tự do", re.IGNORECASE)
_SEPARATOR = re.compile(r"^[\s|_\-–—=*.·]*$")
_BODY_OPENER = re.compile(
    r"^(?:Ngày|Sáng|Chiều|Tối|Vào|Thực hiện|Xét|Căn cứ|Liên quan|Theo|Tại|Trên cơ sở|"
    r"Sau khi|Hôm nay|Thừa lệnh|Trong|Nhằm|Để|Ủy ban nhân dân tỉnh nhận được|UBND tỉnh nhận được)"
    r"(?![^\W\d_])"
)
_KINH_GUI = re.compile(r"(?:^|\|)\s*Kính gửi\s*:?", re.IGNORECASE)
_RECIPIENTS = re.compile(r"(?:^|\n)[ \t|]*Nơi nhận\s*:?", re.IGNORECASE)
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
    body_start: int = 0
    body_end: int = 0
    notes: list[str] = field(default_factory=list)


def _header_limit(paragraphs: list[Paragraph], text: str) -> int:
    """Where the header can no longer be: the first long paragraph (the body's prose)."""
    for p in paragraphs:
        if len(p.text) >= 200 and " | " not in p.text:
            return p.start
    return min(len(text), 3000)


def read_header(src: Source) -> Header:
    text = src.text
    paragraphs = src.paragraphs()
    header = Header(body_end=len(text))
    limit = _header_limit(paragraphs, text)
    last = 0

    number = _NUMBER.search(text, 0, limit)
    if number:
        symbol = re.sub(r"\s+", "", number["sym"]).replace("–", "-")
        header.number = Found(f"{number['n']}/{symbol}", number.start(), number.end())
        header.number_digits = bool(number["n"])
        last = max(last, number.end())

    place = _PLACE_DATE.search(text, 0, limit) or _PLACE_DATE_NUMERIC.search(text, 0, limit)
    if place:
        header.place = Found(place["place"].strip(), place.start("place"), place.end("place"))
        header.date_text = Found(
            " ".join(src.show(place.start(), place.end()).split()), place.start(), place.end()
        )
        if place["d"] and place["m"]:
            try:
                header.date = date(int(place["y"]), int(place["m"]), int(place["d"]))
            except ValueError:
                header.notes.append(f"ngày ban hành «{header.date_text.value}» không tồn tại")
        last = max(last, place.end())

    last = max(last, _subject(src, paragraphs, header, limit))
    for p in paragraphs:
        if p.start >= limit:
            break
        if _MOTTO.search(p.text):
            last = max(last, p.end)
    last = _skip_addressees(paragraphs, last, limit)
    header.body_start = _first_body(paragraphs, last)

    recipients = _RECIPIENTS.search(text, header.body_start)
    if recipients:
        header.body_end = recipients.start() + (1 if text[recipients.start()] == "\n" else 0)
    else:
        header.body_end = _signature_start(paragraphs, header.body_start, len(text))
    _signature(src, header)
    _leader(src, header, paragraphs)
    return header


def _subject(src: Source, paragraphs: list[Paragraph], header: Header, limit: int) -> int:
    """The subject under "THÔNG BÁO", or after "V/v"; returns where it ends."""
    for index, p in enumerate(paragraphs):
        if p.start >= limit:
            break
        if _TITLE.match(p.text):
            parts: list[Paragraph] = []
            for q in paragraphs[index + 1 : index + 6]:
                if _SEPARATOR.match(q.text) or _BODY_OPENER.match(q.text):
                    break
                if parts and (parts[-1].text.endswith((".", ":")) or len(q.text) > 250):
                    break
                parts.append(q)
                if len(" ".join(x.text for x in parts)) > 400:
                    break
            if parts:
                value = " ".join(src.show(parts[0].start, parts[-1].end).split()).rstrip(" .")
                header.subject = Found(value, parts[0].start, parts[-1].end)
                return parts[-1].end
            return p.end
    m = _VV.search(src.text, 0, limit)
    if m is None:
        return 0
    start, end = m.start("subject"), m.end("subject")
    # The subject of a letter may run on to the next lines, until the motto or a cell.
    following = [p for p in paragraphs if p.start > end]
    for q in following[:3]:
        if (
            q.start >= limit
            or src.text[end : q.start].count("\n") > 1
            or src.text[m.start() : end].rstrip().endswith(".")
            or _MOTTO.search(q.text)
            or _KINH_GUI.search(q.text)
            or _PLACE_DATE.search(q.text)
            or q.text.startswith("|")
            or _SEPARATOR.match(q.text)
        ):
            break
        end = q.start + len(q.text.split(" | ")[0])
        if " | " in q.text:
            break
    value = " ".join(src.show(start, end).split()).rstrip(" .")
    value = value[:1].upper() + value[1:]
    header.subject = Found(value, start, end)
    return end


def _skip_addressees(paragraphs: list[Paragraph], after: int, limit: int) -> int:
    """Past the "Kính gửi:" list of a letter, whose dashes are not tasks."""
    for index, p in enumerate(paragraphs):
        if p.start >= max(limit, after + 1) and not _KINH_GUI.search(p.text):
            return after
        if not _KINH_GUI.search(p.text):
            continue
        end = p.end
        if p.text.rstrip().endswith("."):
            return max(after, end)
        for q in paragraphs[index + 1 :]:
            if _BODY_OPENER.match(q.text) or len(q.text) > 160:
                break
            end = q.end
            if q.text.rstrip(" |").endswith("."):
                break
        return max(after, end)
    return after


def _first_body(paragraphs: list[Paragraph], after: int) -> int:
    for p in paragraphs:
        if p.end <= after:
            continue
        t = p.text
        if _SEPARATOR.match(t) or _MOTTO.search(t) or t.strip(" |") == "":
            continue
        return max(p.start, after)
    return after


def _signature_start(paragraphs: list[Paragraph], start: int, end: int) -> int:
    """Without "Nơi nhận:", the body ends where the signature's title lines begin."""
    for p in paragraphs:
        if p.start < start:
            continue
        cells = [c.strip() for c in p.text.split("|") if c.strip()]
        if cells and all(_SIGN_TITLE.match(c) for c in cells):
            return p.start
    return end


def _signature(src: Source, header: Header) -> None:
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


def _leader(src: Source, header: Header, paragraphs: list[Paragraph]) -> None:
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
