"""One notice being read: its text, its directory, its date, and the small services every
stage needs (spans back into the text as given, words as written, due days)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from dondoc.domain.calendar import WorkingCalendar
from dondoc.domain.deadlines import DeadlineError, resolve_deadline
from dondoc.domain.notice_text import lexicon
from dondoc.domain.notice_text.book import NameBook, Party
from dondoc.domain.notice_text.draft import Span
from dondoc.domain.notice_text.reader import Reader
from dondoc.domain.notice_text.text import Source

CalendarFor = Callable[[date], WorkingCalendar]

_CLAUSE_END = re.compile(rf";\s+|\.\s+(?=[{lexicon.UPPER}])|:?\s*\n\s*")
_TRAILING = re.compile(r"[\s,;:.\-–/]+$")


@dataclass
class Doc:
    src: Source
    book: NameBook
    notice_date: date | None = None
    calendar_for: CalendarFor | None = None
    addressees: list[Party] = field(default_factory=list)
    """The letter's "Kính gửi:" list, when the body assigns work to it as a whole."""
    reader: Reader = field(init=False)

    def __post_init__(self) -> None:
        self.reader = Reader(self.book, self.src.text)

    @property
    def text(self) -> str:
        return self.src.text

    def skip(self, pos: int, end: int) -> int:
        """Past spaces and tabs (not line ends)."""
        while pos < end and self.text[pos] in " \t":
            pos += 1
        return pos

    def clauses(self, start: int, end: int) -> list[tuple[int, int]]:
        """``text[start:end]`` cut at semicolons, sentence ends and line ends."""
        out: list[tuple[int, int]] = []
        at = start
        for m in _CLAUSE_END.finditer(self.text, start, end):
            if m.start() > at:
                out.append((at, m.start() + 1))
            at = m.end()
        if at < end:
            out.append((at, end))
        return out

    def span(self, start: int, end: int, code: str | None = None) -> Span:
        a, b = self.src.span(start, end)
        return Span(start=a, end=b, text=self.src.original[a:b], code=code)

    def words(self, start: int, end: int, *, capital: bool = False) -> str:
        """The words between two offsets as written, on one line, trailing punctuation off."""
        words = _TRAILING.sub("", " ".join(self.src.show(start, end).split()))
        return words[:1].upper() + words[1:] if capital else words

    def shown(self, party: Party) -> str:
        """A party's words as written (an elided "các Sở: Tài chính" keeps its label)."""
        if self.text[party.start : party.end] == party.text:
            return " ".join(self.src.show(party.start, party.end).split())
        return party.text

    def resolve(self, phrase: str) -> tuple[date | None, str | None]:
        """The due day of a deadline phrase, or why it has none (``None`` without a date or
        a calendar: the reviewer then sees the phrase only)."""
        if self.notice_date is None or self.calendar_for is None:
            return None, None
        try:
            deadline = resolve_deadline(
                phrase, self.notice_date, self.calendar_for(self.notice_date)
            )
        except DeadlineError as err:
            return None, str(err)
        return (deadline.due.date() if deadline.due else None), None
