"""Where a deadline is written in a piece of the notice, and what only looks like one.

``deadlines.find_deadline_phrase`` reads the words of a deadline; this module finds them
again in the text (a span for the reviewer) and refuses what a notice says about other
things: an aside in brackets ("(dự kiến tổ chức trong tháng 6 năm 2026)"), a bare cadence
that does not speak of reporting ("ngân sách hằng năm" is money), and the traps of real
text ("nguồn chi thường xuyên" is a budget line, "tính đến ngày 15/5/2026" a status).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dondoc.domain.deadlines import find_deadline_phrase


@dataclass(frozen=True)
class DeadlineSpan:
    phrase: str
    start: int
    end: int


_CADENCE_ONLY = re.compile(r"^(?:định kỳ\s+)?(?:hằng|hàng|mỗi)\s+(?:tháng|quý|năm)$", re.I)
# "nguồn chi thường xuyên", "kinh phí thường xuyên": a budget line, not ongoing work.
_BUDGET_BEFORE = re.compile(r"(?<![^\W\d_])(?:chi|kinh phí|nhiệm vụ chi)\s+$", re.I)
# "Tính đến ngày 31/8/2026, ..." dates a figure: a status, not a deadline.
_STATUS_BEFORE = re.compile(r"(?<![^\W\d_])(?:tính|số liệu|lũy kế)\s+$", re.I)


def _trap(text: str, phrase: str, start: int, m: re.Match[str]) -> bool:
    before = text[max(start, m.start() - 20) : m.start()]
    lowered = phrase.lower()
    if lowered.startswith("thường xuyên") and _BUDGET_BEFORE.search(before):
        return True
    return lowered.startswith(("đến", "tới")) and bool(_STATUS_BEFORE.search(before))


def find_deadline(text: str, start: int, end: int) -> DeadlineSpan | None:
    """The first deadline phrase in ``text[start:end]`` and its offsets, traps refused."""
    at = start
    while at < end:
        phrase = find_deadline_phrase(text[at:end])
        if phrase is None:
            return None
        pattern = r"\s+".join(re.escape(w) for w in phrase.split())
        m = re.compile(pattern, re.IGNORECASE).search(text, at, end)
        if m is None:
            return None
        opened = text.count("(", start, m.start()) - text.count(")", start, m.start())
        if opened > 0 and ")" in text[m.end() : end]:
            at = m.end()  # an aside
            continue
        if _trap(text, phrase, start, m):
            at = m.end()
            continue
        if _CADENCE_ONLY.match(phrase) and not phrase.lower().startswith("định kỳ"):
            near = text[max(start, m.start() - 40) : min(end, m.end() + 40)].lower()
            if "báo cáo" not in near:
                at = m.end()
                continue
        return DeadlineSpan(phrase, m.start(), m.end())
    return None
