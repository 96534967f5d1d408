"""The addressees of a letter ("Kính gửi:" and its list), who own the work when the body
speaks to them as "các cơ quan, đơn vị nêu trên" or "các đơn vị liên quan".

The list is one agency a line ("- Sở Y tế;"), an elided list ("- Các Sở: Tài chính, Y
tế;"), or one line ("Kính gửi: Sở Y tế; Công an tỉnh."), possibly after a table cell's
" | ". "Như trên" and the province itself are nobody to assign to.
"""

from __future__ import annotations

import re

from dondoc.domain.notice_text import lexicon
from dondoc.domain.notice_text.book import Party, PartyKind
from dondoc.domain.notice_text.document import Doc

_LEAD = re.compile(r"[\s|]*(?:Kính gửi\s*:?)?[\s|]*(?:[-–—•+*]\s*)?", re.IGNORECASE)


def read_addressees(doc: Doc, region: tuple[int, int] | None) -> list[Party]:
    """Every party of the "Kính gửi:" list, in its order, without repeats."""
    if region is None:
        return []
    found: list[Party] = []
    for p in doc.src.paragraphs(*region):
        lead = _LEAD.match(doc.text, p.start, p.end)
        at = lead.end() if lead else p.start
        parties, _ = doc.reader.parties(at, p.end, loose=True)
        found += [q for q in parties if q.kind not in {PartyKind.SELF, PartyKind.RELATED}]
    seen: set[tuple[str, ...] | str] = set()
    unique: list[Party] = []
    for party in found:
        mark = party.codes or party.text
        if mark not in seen:
            seen.add(mark)
            unique.append(party)
    return unique


def refers_to_addressees(doc: Doc, owners: list[Party]) -> bool:
    """Whether owners are only the letter's way of naming its addressees."""
    return bool(owners) and all(
        p.kind in {PartyKind.COLLECTIVE, PartyKind.RELATED}
        and lexicon.ADDRESSEE_REFERENCE.match(" ".join(doc.text[p.start : p.end].split()))
        for p in owners
    )
