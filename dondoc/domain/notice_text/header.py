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
from datetime import date

from dondoc.domain.notice_text.signature import (
    Found,
    Header,
    leader,
    signature,
    signature_start,
)
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
_ITEM = re.compile(r"^(?:[IVX]{1,5}|\d{1,2}|[a-zđ])[.)]\s|^[-+•]\s")
_FOOTNOTES = re.compile(r"\n[ \t]*_{5,}[ \t]*\n[ \t]*(?:[¹²³⁴⁵⁶⁷⁸⁹]|\(?\d{1,2}\)?\s)")
_RECIPIENTS = re.compile(r"(?:^|\n)[ \t|]*Nơi nhận\s*:?", re.IGNORECASE)


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
    last, header.addressees = _skip_addressees(paragraphs, last, limit)
    header.body_start = _first_body(paragraphs, last)

    recipients = _RECIPIENTS.search(text, header.body_start)
    if recipients:
        header.body_end = recipients.start() + (1 if text[recipients.start()] == "\n" else 0)
    else:
        header.body_end = signature_start(paragraphs, header.body_start, len(text))
    footnotes = _FOOTNOTES.search(text, header.body_start, header.body_end)
    if footnotes:
        header.body_end = footnotes.start() + 1  # a web page's or a Word file's footnotes
    signature(src, header)
    leader(src, header, paragraphs)
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
            or q.text.rstrip().endswith(":")  # the body's opening line
            or _ITEM.match(q.text)
        ):
            break
        end = q.start + len(q.text.split(" | ")[0])
        if " | " in q.text:
            break
    value = " ".join(src.show(start, end).split()).rstrip(" .")
    value = value[:1].upper() + value[1:]
    header.subject = Found(value, start, end)
    return end


def _skip_addressees(
    paragraphs: list[Paragraph], after: int, limit: int
) -> tuple[int, tuple[int, int] | None]:
    """Past the "Kính gửi:" list of a letter, whose dashes are not tasks; and where it is."""
    for index, p in enumerate(paragraphs):
        if p.start >= max(limit, after + 1) and not _KINH_GUI.search(p.text):
            return after, None
        found = _KINH_GUI.search(p.text)
        if not found:
            continue
        start = p.start + found.start()
        end = p.end
        if p.text.rstrip().endswith("."):
            return max(after, end), (start, end)
        for q in paragraphs[index + 1 :]:
            if _BODY_OPENER.match(q.text) or len(q.text) > 160:
                break
            end = q.end
            if q.text.rstrip(" |").endswith("."):
                break
        return max(after, end), (start, end)
    return after, None


def _first_body(paragraphs: list[Paragraph], after: int) -> int:
    for p in paragraphs:
        if p.end <= after:
            continue
        t = p.text
        if _SEPARATOR.match(t) or _MOTTO.search(t) or t.strip(" |") == "":
            continue
        return max(p.start, after)
    return after
