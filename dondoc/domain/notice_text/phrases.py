"""Phrase finders inside one assignment: who coordinates, where the work is, what result
it must give. Each returns offsets into the cleaned text, so every field has its span.

An assignment reads "<owners> [chủ trì], [phối hợp với <coordinators>] <work>[, <result>]
[<deadline>]"; the finders take it apart in that order.
"""

from __future__ import annotations

import re

from dondoc.domain.notice_text import lexicon
from dondoc.domain.notice_text.book import Party, PartyKind
from dondoc.domain.notice_text.deadline_phrases import DeadlineSpan
from dondoc.domain.notice_text.document import Doc

CHU_TRI = re.compile(
    r"\s*,?\s*(?:(?P<adv>khẩn trương|tiếp tục|chủ động|tập trung|kịp thời)\s+)?chủ\s+trì"
    r"(?![^\W\d_])\s*,?\s*",
    re.IGNORECASE,
)
PHOI_HOP = re.compile(
    r"(?<![^\W\d_])phối\s+hợp(?:\s+chặt\s+chẽ)?(?:\s+với|\s+cùng)?\s+", re.IGNORECASE
)
_COMPLETE = re.compile(r"(?:[,;]?\s*(?:và\s+)?(?:hoàn thành|xong)(?:\s*,)?\s*)$", re.IGNORECASE)
_GROUNDS = re.compile(r"(?:căn cứ|trên cơ sở|theo)\s", re.IGNORECASE)
_TRAILING = re.compile(r"[\s,;:.\-–/]+$")
_BLANKS = re.compile(r"\s*,?\s*")


def coordinators(doc: Doc, start: int, end: int) -> list[Party]:
    """Every party named after "phối hợp (chặt chẽ) (với|cùng)" in ``text[start:end]``."""
    found: list[Party] = []
    for m in PHOI_HOP.finditer(doc.text, start, end):
        parties, _ = doc.reader.parties(m.end(), end, loose=True)
        found.extend(p for p in parties if p.kind != PartyKind.SELF)
    return found


def work(doc: Doc, start: int, end: int, deadline: DeadlineSpan | None) -> tuple[int, int, str]:
    """The work of an assignment whose owners end at ``start``: past "chủ trì" and the
    coordinators, up to a closing deadline. Returns its offsets and its words."""
    text = doc.text
    at = start
    while at < end and text[at] in " ,:;":
        at += 1
    if text.startswith("(", at) and text.find(")", at, end) > 0:
        at = text.find(")", at, end) + 1  # "Sở Nội vụ (cơ quan thường trực) tổng hợp"
        while at < end and text[at] in " ,":
            at += 1
    adverb = ""
    chu_tri = CHU_TRI.match(text, at, end)
    if chu_tri:
        adverb = chu_tri["adv"] or ""
        at = chu_tri.end()
    blanks = _BLANKS.match(text, at, end)
    probe = blanks.end() if blanks else at
    phoi = PHOI_HOP.match(text, probe, end)
    if phoi and (chu_tri or probe == at):
        parties, stop = doc.reader.parties(phoi.end(), end)
        if parties:
            at = stop
            while at < end and text[at] in " ,":
                at += 1
    stop = end
    if deadline is not None and deadline.end >= len(_TRAILING.sub("", text[:end])) - 2:
        stop = deadline.start
        tail = _COMPLETE.search(text[at:stop])
        if tail:
            stop = at + tail.start()
    at = past_grounds(doc, at, stop)
    words = doc.words(at, stop)
    if adverb:
        words = f"{adverb} {words}"
    return at, stop, words[:1].upper() + words[1:]


def past_grounds(doc: Doc, at: int, stop: int) -> int:
    """Past "căn cứ Luật ..., Luật ... và quy định khác có liên quan," to the work."""
    if not _GROUNDS.match(doc.text, at, stop):
        return at
    for m in re.finditer(r",\s+", doc.text[at:stop]):
        if lexicon.VERB.match(doc.text, at + m.end()):
            return at + m.end()
    return at


def result(doc: Doc, at: int, stop: int, deadline: DeadlineSpan | None) -> tuple[int, int] | None:
    """The expected result: "trình UBND tỉnh ...", "báo cáo Chủ tịch UBND tỉnh ..." after
    the work, up to the clause's end or its deadline."""
    text = doc.text
    for m in lexicon.RESULT.finditer(text, at, stop):
        if m.start() == at:
            continue
        before = text[at : m.start()].rstrip()
        if not (before.endswith((",", ";")) or re.search(r"(?:hoàn thành|và|để|rồi)$", before)):
            continue
        end = stop
        clause = re.compile(r";|\.\s").search(text, m.end(), stop)
        if clause:
            end = clause.start()
        if deadline is not None and m.start() < deadline.start < end:
            end = deadline.start
            tail = _COMPLETE.search(text[m.start() : end])
            if tail:
                end = m.start() + tail.start()
        while end > m.start() and text[end - 1] in " ,;.":
            end -= 1
        return m.start(), end
    return None
