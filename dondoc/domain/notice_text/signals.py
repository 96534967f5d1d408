"""Who a piece of the body assigns work to: the owner signals of a clause.

A clause assigns work when it opens with an assigning word ("Giao", "Yêu cầu", "Đề
nghị", "Chỉ đạo", "Thống nhất giao") followed by agencies, or with agencies followed by a
verb ("Sở Tài chính chủ trì ...", "UBND phường Âu Lâu đề xuất ..."), or names its owner
first ("Đối với Sở Y tế: ..."). The province itself never owns work: "Đề nghị UBND tỉnh
chỉ đạo Sở X" passes it on to Sở X.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dondoc.domain.notice_text import lexicon
from dondoc.domain.notice_text.book import Party, PartyKind
from dondoc.domain.notice_text.deadline_phrases import DeadlineSpan, find_deadline
from dondoc.domain.notice_text.document import Doc
from dondoc.domain.notice_text.phrases import coordinators

_CONNECTIVE = re.compile(
    r"(?:(?:Đối với|Trong thời gian|Riêng|Về|Để|Trên cơ sở|Sau khi|Trường hợp|Trong khi|"
    r"Trước mắt|Ngoài ra|Bên cạnh đó)(?![^\W\d_])[^,;]{0,160},\s*)?"
    r"(?:(?:đồng thời|Đồng thời|Trong đó|trong đó|Ngoài ra|ngoài ra)\s*,?\s*)?"
)
_REGARDING = re.compile(r"(?:Đối với|Riêng)\s+", re.IGNORECASE)
_SCOPE = re.compile(
    r",?\s*(?:theo|trong phạm vi)\s+chức năng,?\s*nhiệm vụ(?:\s+(?:được giao|của mình))?,?\s*",
    re.IGNORECASE,
)
_COMMA = re.compile(r"[,:]\s+")


@dataclass
class Segment:
    """The words of one assignment: its owners and where its work starts."""

    start: int
    end: int
    owners: list[Party]
    work_from: int
    how: str
    """"cue", "subject", "heading", "addressee" or "table": how the owners were named."""
    inherited: bool = False
    joined: list[Party] = field(default_factory=list)
    """Coordinators a later sentence names ("Sở Tài chính phối hợp thực hiện.")."""


@dataclass
class Context:
    """What a heading passes down to the items under it."""

    owners: list[Party] = field(default_factory=list)
    coordinators: list[Party] = field(default_factory=list)
    deadline: DeadlineSpan | None = None
    how: str = "heading"


def signal(doc: Doc, start: int, end: int, *, strict: bool) -> Segment | None:
    """The owners a clause opens with, and where its work starts.

    ``strict`` (lone paragraphs) accepts only specific signals: an assigning word, or
    agencies followed by "chủ trì"/a verb where at least one agency resolves or looks
    like one.
    """
    text = doc.text
    regarding = _REGARDING.match(text, start, end)
    if regarding:
        # "Đối với Sở Nông nghiệp và Môi trường: chủ trì, ..." names the owner.
        # "Riêng Sở Công Thương xây dựng ..." too.
        parties, stop = doc.reader.parties(regarding.end(), end)
        parties = [p for p in parties if p.kind != PartyKind.SELF]
        after = doc.skip(stop, end)
        if parties and text.startswith(":", after):
            return Segment(start, end, parties, after + 1, "subject")
        if parties and lexicon.VERB.match(text, after, end):
            return Segment(start, end, parties, stop, "subject")
    lead = _CONNECTIVE.match(text, start, end)
    at = lead.end() if lead else start
    speaker = lexicon.SPEAKER.match(text, at, end)
    if speaker and lexicon.ASSIGN_CUE.match(text, speaker.end(), end):
        at = speaker.end()  # "Đồng chí giao ...", "Thường trực HĐND tỉnh đề nghị ..."
    cue = lexicon.ASSIGN_CUE.match(text, at, end)
    if cue is None:
        cue = _late_cue(doc, at, end)
    how = "cue"
    if cue:
        at = cue.end()
    parties, stop = doc.reader.parties(at, end, loose=bool(cue))
    # "Đề nghị UBND tỉnh chỉ đạo Sở X": the province passes the work on.
    while parties and parties[0].kind == PartyKind.SELF:
        nested = lexicon.ASSIGN_CUE.match(text, doc.skip(parties[0].end, end), end)
        if nested is None:
            return None
        parties, stop = doc.reader.parties(nested.end(), end, loose=True)
    parties = [p for p in parties if p.kind != PartyKind.SELF]
    if not parties:
        return None
    after = doc.skip(stop, end)
    scope = _SCOPE.match(text, after, end)
    if scope:
        after = stop = scope.end()  # "Sở Y tế theo chức năng, nhiệm vụ được giao chủ động ..."
    if not cue:
        how = "subject"
        follows = text[after:end]
        if not (
            lexicon.VERB.match(follows)
            or lexicon.ASSIGN_CUE.match(follows)
            or follows.startswith(":")
        ):
            return None
    elif strict and all(p.kind == PartyKind.RELATED for p in parties):
        return None
    return Segment(start, end, parties, stop, how)


def _late_cue(doc: Doc, at: int, end: int) -> re.Match[str] | None:
    """An assigning word after a comma: "Về công tác tuyên truyền: Giao ...", "Để ...,
    Chủ tịch UBND tỉnh yêu cầu ..."."""
    text = doc.text
    for comma in _COMMA.finditer(text, at, min(end, at + 250)):
        after = comma.end()
        speaker = lexicon.SPEAKER.match(text, after, end)
        if speaker:
            after = speaker.end()
        cue = lexicon.ASSIGN_CUE.match(text, after, end)
        if cue:
            return cue
    return None


def any_signal(doc: Doc, start: int, end: int) -> bool:
    return any(signal(doc, a, b, strict=True) for a, b in doc.clauses(start, end))


def segments(doc: Doc, start: int, end: int, context: Context) -> list[Segment]:
    """``text[start:end]`` cut where a clause names new owners."""
    found: list[Segment] = []
    for a, b in doc.clauses(start, end):
        one = signal(doc, a, b, strict=False)
        if one is not None and _coordinating(doc, one, b):
            if found:
                found[-1].joined.extend(one.owners)
            elif context.owners:
                found.append(
                    Segment(
                        a, end, context.owners, b, context.how, inherited=True, joined=one.owners
                    )
                )
            continue
        if one is not None and (found or a == start or one.how == "cue"):
            one.end = end
            if found:
                found[-1].end = a
            found.append(one)
        elif not found and context.owners:
            found.append(Segment(a, end, context.owners, a, context.how, inherited=True))
        # Otherwise words before the first owner are a lead-in ("Nhất trí chủ trương
        # ...; Giao ..."), not work: they belong to no task.
    return found


def _coordinating(doc: Doc, one: Segment, end: int) -> bool:
    """Agencies that only join the work named before: "Sở Tài chính, Sở Xây dựng phối hợp
    thực hiện.", "các đơn vị có liên quan phối hợp" (never an owner)."""
    if one.how != "subject":
        return False
    words = doc.text[doc.skip(one.work_from, end) : end].strip()
    if lexicon.COORDINATION_ONLY.match(words):
        return True
    related = all(p.kind == PartyKind.RELATED for p in one.owners)
    return related and words.lower().startswith(("phối hợp", "cùng phối hợp"))


def heading_context(doc: Doc, start: int, end: int, inherited: Context) -> Context:
    """What a heading ("1. Sở Công Thương", "b) Giao Sở Xây dựng:") passes down."""
    one = signal(doc, start, end, strict=False)
    context = Context(list(inherited.owners), list(inherited.coordinators), inherited.deadline)
    if one is not None:
        context.owners = one.owners
        context.coordinators = coordinators(doc, one.work_from, end)
    else:
        lead = _CONNECTIVE.match(doc.text, start, end)
        parties, stop = doc.reader.parties(lead.end() if lead else start, end)
        parties = [p for p in parties if p.kind != PartyKind.SELF]
        if parties and not doc.text[stop:end].strip(" :.;"):
            context.owners = parties  # "1. Sở Công Thương", "a) Đối với Sở Y tế:"
            context.coordinators = []
    # Only the heading's last clause speaks of the list ("... các nội dung sau, hoàn
    # thành trước ngày 30/9/2025:"); earlier ones tell the story of the meeting.
    text = doc.text
    last = max(text.rfind(",", start, end), text.rfind(";", start, end), start)
    deadline = find_deadline(text, last, end)
    if deadline is not None:
        context.deadline = deadline
    return context
