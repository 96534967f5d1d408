"""The body of a notice to tasks: structure first, then owner, coordinators, work, result
and deadline in each piece.

Structure. The body is a list of paragraphs; each may open with a marker ("I.", "1.",
"1.1.", "a)", "-", "+"). A marker's level says where the paragraph sits; an unmarked
paragraph either continues the item before it, fills an agency heading ("3. Sở Xây
dựng" followed by its text), or stands alone (an assignment of its own, a deadline shared
by the list, or the closing lines). Headings carry owners, coordinators and deadlines
down to the items under them. Sections that only assess ("I. ĐÁNH GIÁ CHUNG"), the
narrative before "... kết luận như sau:", opinion and praise paragraphs and the closing
exhortation to everyone give no task.

Owners. A piece assigns work when a clause opens with an assigning word ("Giao", "Yêu
cầu", "Đề nghị", "Chỉ đạo", "Thống nhất giao") followed by agencies, or with agencies
followed by a verb ("Sở Tài chính chủ trì ...", "UBND phường Âu Lâu đề xuất ..."), or sits
under an agency heading. A clause naming several owners gives one task per owner; a
collective gives one task per member of the directory's group, flagged; anything else
(unknown, ambiguous, restricted or undefined collectives) gives a task without owner,
flagged. Owners come only from the directory: none is ever made up.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from dondoc.domain.calendar import WorkingCalendar
from dondoc.domain.deadlines import DeadlineError, find_deadline_phrase, resolve_deadline
from dondoc.domain.notice_text import lexicon
from dondoc.domain.notice_text.draft import Flag, Span, TaskDraft
from dondoc.domain.notice_text.names import NameBook, Party, PartyKind, Reader
from dondoc.domain.notice_text.text import Paragraph, Source

# --------------------------------------------------------------------- markers

_MARKERS: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(r"^(?P<m>[IVX]{1,5})\.\s*(?=\S)"), 0),
    (re.compile(r"^(?P<m>\d{1,2}\.\d{1,2})\.?\s+(?=\S)"), 2),
    (re.compile(r"^(?P<m>\d{1,2})[.)]\s*(?=[^\d\s])"), 1),
    (re.compile(r"^(?P<m>[a-zđ])\)\s*(?=\S)"), 2),
    (re.compile(rf"^(?P<m>[a-zđ])\.\s+(?=[{lexicon.UPPER}])"), 2),
    (re.compile(r"^(?P<m>[-–—•*])\s*(?=\S)"), 3),
    (re.compile(r"^(?P<m>\+)\s*(?=\S)"), 4),
)
_UNMARKED = 9

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
_LATE_CUE = re.compile(
    r"[,:]\s+(?=(?:(?:thống nhất|đồng ý)\s+)?(?:giao|yêu cầu|đề nghị|chỉ đạo)\s)", re.IGNORECASE
)
_CLAUSE_END = re.compile(rf";\s+|\.\s+(?=[{lexicon.UPPER}])|:?\s*\n\s*")
_CHU_TRI = re.compile(
    r"\s*,?\s*(?:(?P<adv>khẩn trương|tiếp tục|chủ động|tập trung|kịp thời)\s+)?chủ\s+trì"
    r"(?![^\W\d_])\s*,?\s*",
    re.IGNORECASE,
)
_PHOI_HOP = re.compile(
    r"(?<![^\W\d_])phối\s+hợp(?:\s+chặt\s+chẽ)?(?:\s+với|\s+cùng)?\s+", re.IGNORECASE
)
_COMPLETE = re.compile(r"(?:[,;]?\s*(?:và\s+)?(?:hoàn thành|xong)(?:\s*,)?\s*)$", re.IGNORECASE)
_GROUNDS = re.compile(r"(?:căn cứ|trên cơ sở|theo)\s", re.IGNORECASE)
_TRAILING = re.compile(r"[\s,;:.\-–/]+$")
_SHARED_DEADLINE_WORDS = re.compile(
    r"các\s+(?:cơ quan|đơn vị|sở|ngành|địa phương)|(?:Báo cáo|Văn bản|Kết quả)\s+(?:của|gửi)",
    re.IGNORECASE,
)


def _marker(text: str) -> tuple[int, str, int]:
    """(level, marker, length of marker and its spaces) of a paragraph."""
    for pattern, level in _MARKERS:
        m = pattern.match(text)
        if m:
            return level, m["m"], m.end()
    return _UNMARKED, "", 0


def _is_upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 4 and all(c.isupper() for c in letters)


# ------------------------------------------------------------------- structure


@dataclass
class Unit:
    """An item of the body (or a lone paragraph) and what it carries to its children."""

    level: int
    start: int
    """Where the item's own text starts, after its marker (cleaned-text offset)."""
    end: int
    paragraph_start: int
    children: list[Unit] = field(default_factory=list)
    parent: Unit | None = None
    heading: bool = False
    skip: bool = False
    shared_deadline: bool = False
    closing: bool = False


@dataclass
class Context:
    """What a heading passes down: its owners, coordinators and deadline."""

    owners: list[Party] = field(default_factory=list)
    coordinators: list[Party] = field(default_factory=list)
    deadline: tuple[str, int, int] | None = None


@dataclass
class Segment:
    """The words of one assignment inside a unit: one owner signal and what follows."""

    start: int
    end: int
    owners: list[Party]
    work_from: int
    how: str
    inherited: bool = False


# ------------------------------------------------------------------------ parser


@dataclass
class TaskParser:
    src: Source
    book: NameBook
    notice_date: date | None
    calendar_for: Callable[[date], WorkingCalendar] | None
    reader: Reader = field(init=False)
    tasks: list[TaskDraft] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.reader = Reader(self.book, self.src.text)

    @property
    def text(self) -> str:
        return self.src.text

    # ---------------------------------------------------------------- entry

    def run(self, body_start: int, body_end: int) -> list[TaskDraft]:
        paragraphs = self.src.paragraphs(body_start, body_end)
        intro = self._intro(paragraphs)
        region = paragraphs[intro + 1 :] if intro is not None else paragraphs
        root = Unit(level=-1, start=body_start, end=body_start, paragraph_start=body_start)
        root.heading = True
        context = Context()
        if intro is not None:
            p = paragraphs[intro]
            context = self._heading_context(p.start, p.end, Context())
            if context.owners and all(not o.resolved for o in context.owners):
                context.owners = []  # "đề nghị các cơ quan, đơn vị ... như sau:"
        remaining = self._tables(region)
        self._build(remaining, root, narrative=intro is None)
        before = len(self.tasks)
        self._walk(root, context)
        self._apply_shared(root, before)
        return self.tasks

    def _intro(self, paragraphs: list[Paragraph]) -> int | None:
        for index, p in enumerate(paragraphs):
            level, _, _ = _marker(p.text)
            if level == _UNMARKED and lexicon.CONCLUSION_INTRO.search(p.text):
                return index
        return None

    # ---------------------------------------------------------------- tables

    def _cells(self, p: Paragraph) -> list[tuple[int, int]]:
        sep = "|" if "|" in p.text else "\t"
        cells: list[tuple[int, int]] = []
        at = p.start
        for piece in p.text.split(sep):
            a, b = at, at + len(piece)
            while a < b and self.text[a].isspace():
                a += 1
            while b > a and self.text[b - 1].isspace():
                b -= 1
            cells.append((a, b))
            at += len(piece) + 1
        return cells

    def _tables(self, paragraphs: list[Paragraph]) -> list[Paragraph]:
        """Task tables (STT | Nội dung | Chủ trì | Phối hợp | Thời hạn) read row by row;
        returns the paragraphs that are not part of one."""
        rest: list[Paragraph] = []
        columns: dict[str, int] | None = None
        width = 0
        for p in paragraphs:
            cells = self._cells(p) if ("|" in p.text or "\t" in p.text) else []
            if len(cells) >= 3:
                names = [self.text[a:b].lower() for a, b in cells]
                found = _columns(names)
                if found is not None:
                    columns, width = found, len(cells)
                    continue
                if columns is not None and len(cells) == width:
                    self._row(cells, columns, p)
                    continue
            columns = None
            rest.append(p)
        return rest

    def _row(self, cells: list[tuple[int, int]], columns: dict[str, int], p: Paragraph) -> None:
        def cell(name: str) -> tuple[int, int] | None:
            index = columns.get(name)
            if index is None:
                return None
            a, b = cells[index]
            return (a, b) if b > a else None

        work, owner = cell("work"), cell("owner")
        if work is None:
            return
        owners = self.reader.parties(*owner)[0] if owner else []
        coordinators = []
        coord = cell("coordinators")
        if coord:
            coordinators = self.reader.parties(*coord)[0]
        deadline = None
        dl = cell("deadline")
        if dl:
            phrase = " ".join(self.text[dl[0] : dl[1]].split())
            deadline = (phrase, dl[0], dl[1])
        result = cell("result")
        segment = Segment(p.start, p.end, owners, work[0], "table")
        self._emit(
            segment,
            Context(),
            coordinators=coordinators,
            deadline=deadline,
            work=work,
            result=result,
        )

    # ---------------------------------------------------------------- tree

    def _build(self, paragraphs: list[Paragraph], root: Unit, *, narrative: bool) -> None:
        stack: list[Unit] = [root]
        listed = False
        for p in paragraphs:
            level, _, size = _marker(p.text)
            if level != _UNMARKED:
                listed = True
                while stack[-1].level >= level:
                    stack.pop()
                unit = Unit(level, p.start + size, p.end, p.start, parent=stack[-1])
                stack[-1].children.append(unit)
                stack.append(unit)
                continue
            current = stack[-1]
            unit = Unit(_UNMARKED, p.start, p.end, p.start)
            if lexicon.CLOSING.match(p.text):
                unit.closing = True
                unit.parent = root
                root.children.append(unit)
                stack = [root]
                continue
            if narrative and not listed and not self._any_signal(p.start, p.end):
                continue  # the account of the meeting before any list
            if current.level >= 1 and self._awaits_body(current):
                current.end = p.end  # "3. Sở Xây dựng" and its text on the next line
                continue
            if current.level <= 0:
                unit.parent = current  # a paragraph of a section: judged with the section
                current.children.append(unit)
                continue
            if self._any_signal(p.start, p.end):
                parent = self._heading_parent(stack)
                unit.parent = parent
                parent.children.append(unit)
                continue
            if self._shared(p):
                unit.shared_deadline = True
                unit.parent = root
                root.children.append(unit)
                continue
            current.end = p.end  # a further paragraph of the same item

    def _any_signal(self, start: int, end: int) -> bool:
        return any(self._signal(a, b, strict=True) for a, b in self._clauses(start, end))

    def _heading_parent(self, stack: list[Unit]) -> Unit:
        for unit in reversed(stack):
            if unit.level <= 0 or self._own_text(unit).rstrip().endswith(":"):
                return unit
        return stack[0]

    def _own_text(self, unit: Unit) -> str:
        return self.text[unit.start : unit.end]

    def _first_line(self, unit: Unit) -> tuple[int, int]:
        newline = self.text.find("\n", unit.start, unit.end)
        return unit.start, (unit.end if newline < 0 else newline)

    def _heading_like(self, start: int, end: int) -> bool:
        """A line that names who, not what: "Sở Công Thương", "Các Ban Quản lý dự án"."""
        line = self.text[start:end].strip()
        if not line or _is_upper(line) or line.endswith(":"):
            return bool(line)
        parties, stop = self.reader.parties(start, end)
        if parties and not self.text[stop:end].strip(" :."):
            return True
        if parties and len(self.text[stop:end].split()) <= 2 and not re.search(r"[.;,]$", line):
            return True  # "Các Ban Quản lý dự án đầu tư xây dựng": a name the reader cut short
        return (
            len(line) <= 90
            and not re.search(r"[.;,]$", line)
            and self._signal(start, end, strict=False) is None
            and not lexicon.ASSIGN_CUE.search(line)
            and bool(parties or re.match(r"(?:Các|Những)\s", line))
        )

    def _awaits_body(self, unit: Unit) -> bool:
        """An item that is only a heading so far, so the next paragraph is its text."""
        if unit.children or "\n" in self._own_text(unit):
            return False
        return self._heading_like(unit.start, unit.end)

    def _shared(self, p: Paragraph) -> bool:
        """A sentence after a list that gives the list's deadline ("Báo cáo ... gửi về
        UBND tỉnh trước ngày 12/6/2026")."""
        return (
            self._deadline(p.start, p.end) is not None
            and bool(_SHARED_DEADLINE_WORDS.search(p.text))
            and self._signal(p.start, p.end, strict=True) is None
        )

    # ---------------------------------------------------------------- signals

    def _signal(self, start: int, end: int, *, strict: bool) -> Segment | None:
        """The owners a clause opens with, and where its work starts.

        ``strict`` (lone paragraphs) accepts only specific signals: an assigning word, or
        agencies followed by "chủ trì"/a verb where at least one agency resolves or looks
        like one.
        """
        text = self.text
        regarding = _REGARDING.match(text, start, end)
        if regarding:
            # "Đối với Sở Nông nghiệp và Môi trường: chủ trì, ..." names the owner.
            parties, stop = self.reader.parties(regarding.end(), end)
            if parties and text.startswith(":", self._skip(stop, end)):
                return Segment(start, end, parties, self._skip(stop, end) + 1, "subject")
        lead = _CONNECTIVE.match(text, start, end)
        at = lead.end() if lead else start
        cue = lexicon.ASSIGN_CUE.match(text, at, end)
        if cue is None:
            # "Về công tác tuyên truyền: Giao ...", "Đối với các cụm: A và B, giao ..."
            later = _LATE_CUE.search(text, at, min(end, at + 200))
            if later is not None:
                cue = lexicon.ASSIGN_CUE.match(text, later.end(), end)
        how = "cue"
        if cue:
            at = cue.end()
        parties, stop = self.reader.parties(at, end, loose=bool(cue))
        # "Đề nghị UBND tỉnh chỉ đạo Sở X": the province passes the work on.
        while parties and parties[0].kind == PartyKind.SELF:
            nested = lexicon.ASSIGN_CUE.match(text, self._skip(parties[0].end, end), end)
            if nested is None:
                return None
            parties, stop = self.reader.parties(nested.end(), end, loose=True)
        parties = [p for p in parties if p.kind != PartyKind.SELF]
        if not parties:
            return None
        after = self._skip(stop, end)
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

    def _skip(self, pos: int, end: int) -> int:
        while pos < end and self.text[pos] in " \t":
            pos += 1
        return pos

    def _clauses(self, start: int, end: int) -> list[tuple[int, int]]:
        out: list[tuple[int, int]] = []
        at = start
        for m in _CLAUSE_END.finditer(self.text, start, end):
            if m.start() > at:
                out.append((at, m.start() + 1))
            at = m.end()
        if at < end:
            out.append((at, end))
        return out

    def _segments(self, unit: Unit, context: Context) -> list[Segment]:
        """The unit's text cut where a clause names new owners."""
        segments: list[Segment] = []
        for a, b in self._clauses(unit.start, unit.end):
            signal = self._signal(a, b, strict=False)
            if signal is not None and (segments or a == unit.start or signal.how == "cue"):
                signal.end = unit.end
                if segments:
                    segments[-1].end = a
                segments.append(signal)
            elif not segments and context.owners:
                segments.append(Segment(a, unit.end, context.owners, a, "heading", inherited=True))
            # Otherwise words before the first owner are a lead-in ("Nhất trí chủ trương
            # ...; Giao ..."), not work: they belong to no task.
        return segments

    # ---------------------------------------------------------------- walking

    def _heading_context(self, start: int, end: int, inherited: Context) -> Context:
        signal = self._signal(start, end, strict=False)
        context = Context(
            owners=list(inherited.owners),
            coordinators=list(inherited.coordinators),
            deadline=inherited.deadline,
        )
        if signal is not None:
            context.owners = signal.owners
            context.coordinators = self._coordinators(signal.work_from, end)
        else:
            lead = _CONNECTIVE.match(self.text, start, end)
            parties, stop = self.reader.parties(lead.end() if lead else start, end)
            parties = [p for p in parties if p.kind != PartyKind.SELF]
            if parties and not self.text[stop:end].strip(" :.;"):
                context.owners = parties  # "1. Sở Công Thương", "a) Đối với Sở Y tế:"
                context.coordinators = []
        # Only the heading's last clause speaks of the list ("... các nội dung sau, hoàn
        # thành trước ngày 30/9/2025:"); earlier ones tell the story of the meeting.
        last = max(self.text.rfind(",", start, end), self.text.rfind(";", start, end), start)
        deadline = self._deadline(last, end)
        if deadline is not None:
            context.deadline = deadline
        return context

    def _walk(self, unit: Unit, context: Context) -> None:
        for child in unit.children:
            if child.closing or child.shared_deadline:
                continue
            first = self.text[slice(*self._first_line(child))]
            if child.level == 0 or (_is_upper(first) and child.children):
                if lexicon.NON_TASK_SECTION.search(first):
                    continue
                self._walk(child, context)
                continue
            if child.children:
                if not self._heading_like(*self._first_line(child)):
                    # An item with its own assignment and sub-items: both count.
                    self._unit_tasks(child, context)
                self._walk(child, self._heading_context(child.start, child.end, context))
                continue
            self._unit_tasks(child, context)

    def _unit_tasks(self, unit: Unit, context: Context) -> None:
        text = self._own_text(unit)
        if text.rstrip().endswith(":"):
            return  # a lead-in to a list, not work
        start, end = self._first_line(unit)
        if end < unit.end and self._heading_like(start, end):
            # "3. Sở Xây dựng" on one line, its work on the next.
            context = self._heading_context(start, end, context)
            unit = Unit(unit.level, end + 1, unit.end, unit.paragraph_start, parent=unit.parent)
            while unit.start < unit.end and self.text[unit.start].isspace():
                unit.start += 1
        if (
            unit.level == _UNMARKED
            and lexicon.OPINION.match(text)
            and not context.owners
            and not self._any_signal(unit.start, unit.end)
        ):
            return
        for segment in self._segments(unit, context):
            if self._exhortation(unit, segment):
                continue
            self._emit(segment, context)

    def _exhortation(self, unit: Unit, segment: Segment) -> bool:
        """The closing call on everyone to carry the notice out: not a task."""
        if any(p.kind == PartyKind.AGENCY for p in segment.owners):
            return False
        if self._deadline(segment.start, segment.end) is not None:
            return False
        words = self.text[segment.work_from : segment.end]
        if lexicon.GENERIC_WORK.search(words[:120]):
            return True
        # A lone paragraph after the list, addressed to everyone, with no deadline. A name
        # the directory lacks is still somebody: its task stays, flagged.
        everyone = {PartyKind.GROUP, PartyKind.COLLECTIVE, PartyKind.RELATED}
        return (
            unit.level == _UNMARKED
            and segment.how != "heading"
            and unit.parent is not None
            and unit.parent.level == -1
            and all(p.kind in everyone for p in segment.owners)
        )

    def _apply_shared(self, root: Unit, first: int) -> None:
        """A deadline sentence after the list applies to its tasks that have none."""
        for unit in root.children:
            if not unit.shared_deadline:
                continue
            found = self._deadline(unit.start, unit.end)
            if found is None:
                continue
            phrase, a, b = found
            for task in self.tasks[first:]:
                if task.deadline is None:
                    task.deadline = phrase
                    task.due = self._due(phrase)
                    task.confidence["deadline"] = 0.7
                    task.spans["deadline"] = self._span(a, b)
                    task.review = [f for f in task.review if f.field != "deadline"]
                    task.review.append(
                        Flag(
                            field="deadline",
                            message=f"thời hạn lấy từ câu chung «{_short(self.src.show(unit.start, unit.end))}»",
                        )
                    )

    # ---------------------------------------------------------------- fields

    def _coordinators(self, start: int, end: int) -> list[Party]:
        found: list[Party] = []
        for m in _PHOI_HOP.finditer(self.text, start, end):
            parties, _ = self.reader.parties(m.end(), end, loose=True)
            found.extend(p for p in parties if p.kind != PartyKind.SELF)
        return found

    def _deadline(self, start: int, end: int) -> tuple[str, int, int] | None:
        return find_deadline(self.text, start, end)

    def _due(self, phrase: str) -> date | None:
        if self.notice_date is None or self.calendar_for is None:
            return None
        try:
            deadline = resolve_deadline(
                phrase, self.notice_date, self.calendar_for(self.notice_date)
            )
        except DeadlineError:
            return None
        return deadline.due.date() if deadline.due else None

    def _shown(self, party: Party) -> str:
        """A party's words as written (an elided "các Sở: Tài chính" keeps its label)."""
        if self.text[party.start : party.end] == party.text:
            return " ".join(self.src.show(party.start, party.end).split())
        return party.text

    def _span(self, start: int, end: int, code: str | None = None) -> Span:
        a, b = self.src.span(start, end)
        return Span(start=a, end=b, text=self.src.original[a:b], code=code)

    def _work(
        self, segment: Segment, deadline: tuple[str, int, int] | None
    ) -> tuple[int, int, str]:
        text, end = self.text, segment.end
        at = segment.work_from
        while at < end and text[at] in " ,:;":
            at += 1
        if text.startswith("(", at) and text.find(")", at, end) > 0:
            at = text.find(")", at, end) + 1  # "Sở Nội vụ (cơ quan thường trực) tổng hợp"
            while at < end and text[at] in " ,":
                at += 1
        adverb = ""
        chu_tri = _CHU_TRI.match(text, at, end)
        if chu_tri:
            adverb = chu_tri["adv"] or ""
            at = chu_tri.end()
        coop = re.compile(r"\s*,?\s*").match(text, at, end)
        probe = coop.end() if coop else at
        phoi = _PHOI_HOP.match(text, probe, end)
        if phoi and (chu_tri or probe == at):
            parties, stop = self.reader.parties(phoi.end(), end)
            if parties:
                at = stop
                while at < end and text[at] in " ,":
                    at += 1
        stop = end
        if deadline is not None and deadline[2] >= len(_TRAILING.sub("", text[:end])) - 2:
            stop = deadline[1]
            tail = _COMPLETE.search(text[at:stop])
            if tail:
                stop = at + tail.start()
        at = self._past_grounds(at, stop)
        words = " ".join(self.src.show(at, stop).split())
        words = _TRAILING.sub("", words)
        if adverb:
            words = f"{adverb} {words}"
        words = words[:1].upper() + words[1:]
        return at, stop, words

    def _past_grounds(self, at: int, stop: int) -> int:
        """Past "căn cứ Luật ..., Luật ... và quy định khác có liên quan," to the work."""
        if not _GROUNDS.match(self.text, at, stop):
            return at
        for m in re.finditer(r",\s+", self.text[at:stop]):
            if lexicon.VERB.match(self.text, at + m.end()):
                return at + m.end()
        return at

    def _result(
        self, at: int, stop: int, deadline: tuple[str, int, int] | None
    ) -> tuple[int, int] | None:
        text = self.text
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
            if deadline is not None and m.start() < deadline[1] < end:
                end = deadline[1]
                tail = _COMPLETE.search(text[m.start() : end])
                if tail:
                    end = m.start() + tail.start()
            while end > m.start() and text[end - 1] in " ,;.":
                end -= 1
            return m.start(), end
        return None

    # ---------------------------------------------------------------- emit

    def _emit(
        self,
        segment: Segment,
        context: Context,
        *,
        coordinators: list[Party] | None = None,
        deadline: tuple[str, int, int] | None = None,
        work: tuple[int, int] | None = None,
        result: tuple[int, int] | None = None,
    ) -> None:
        flags: list[Flag] = []
        confidence: dict[str, float] = {}
        spans: dict[str, Span | list[Span]] = {}

        if coordinators is None:
            coordinators = self._coordinators(segment.work_from, segment.end)
            if not coordinators and segment.inherited:
                coordinators = list(context.coordinators)
        deadline_conf = 0.95
        if deadline is None and work is None:
            deadline = self._deadline(segment.work_from, segment.end) or self._deadline(
                segment.start, segment.end
            )
            if deadline is None and context.deadline is not None:
                deadline = context.deadline
                deadline_conf = 0.75
                flags.append(
                    Flag(field="deadline", message=f"thời hạn lấy từ đề mục «{deadline[0]}»")
                )
        if deadline is not None and work is None:
            later = self._deadline(deadline[2], segment.end)
            if later is not None and later[0].lower() != deadline[0].lower():
                flags.append(
                    Flag(
                        field="deadline",
                        message=(
                            f"có nhiều mốc thời gian («{deadline[0]}», «{later[0]}»); "
                            f"đã lấy «{deadline[0]}», kiểm tra lại"
                        ),
                    )
                )
                deadline_conf = 0.6

        if work is None:
            w_start, w_end, work_text = self._work(segment, deadline)
        else:
            w_start, w_end = work
            work_text = _TRAILING.sub("", " ".join(self.src.show(w_start, w_end).split()))
            work_text = work_text[:1].upper() + work_text[1:]
        if result is None:
            result = self._result(w_start, segment.end, deadline)
        result_text = ""
        if result is not None:
            result_text = _TRAILING.sub("", " ".join(self.src.show(*result).split()))

        due: date | None = None
        if deadline is not None:
            spans["deadline"] = self._span(deadline[1], deadline[2])
            due = self._due(deadline[0])
            if self.notice_date is not None and self.calendar_for is not None and due is None:
                try:
                    resolve_deadline(
                        deadline[0], self.notice_date, self.calendar_for(self.notice_date)
                    )
                except DeadlineError as err:
                    flags.append(Flag(field="deadline", message=str(err)))
                    deadline_conf = 0.3
            confidence["deadline"] = deadline_conf
        else:
            confidence["deadline"] = 0.0
            flags.append(
                Flag(
                    field="deadline",
                    message="văn bản không ghi thời hạn; ghi thời hạn (ví dụ «thường xuyên»)",
                )
            )
        spans["source"] = self._span(segment.start, segment.end)
        while w_end > w_start and self.text[w_end - 1] in " ,;.:":
            w_end -= 1
        spans["work"] = self._span(w_start, w_end)
        if result is not None:
            spans["result"] = self._span(*result)
            confidence["result"] = 0.7
        confidence["work"] = 0.8

        coord_codes: list[str] = []
        coord_spans: list[Span] = []
        coord_conf = 0.9 if coordinators else 1.0
        for party in coordinators:
            if party.kind == PartyKind.AGENCY:
                coord_codes.append(party.codes[0])
                coord_spans.append(self._span(party.start, party.end, party.codes[0]))
            elif party.kind == PartyKind.GROUP:
                coord_codes.extend(party.codes)
                coord_spans.append(self._span(party.start, party.end))
                flags.append(
                    Flag(field="coordinators", message=_group_message(party, self._shown(party)))
                )
                coord_conf = min(coord_conf, 0.6)
            elif party.kind == PartyKind.RELATED:
                coord_spans.append(self._span(party.start, party.end))
            else:
                coord_spans.append(self._span(party.start, party.end))
                flags.append(
                    Flag(
                        field="coordinators",
                        message=_unresolved_message(party, "phối hợp", self._shown(party)),
                    )
                )
                coord_conf = min(coord_conf, 0.5)
        spans["coordinators"] = coord_spans
        confidence["coordinators"] = coord_conf
        source = " ".join(self.src.show(segment.start, segment.end).split())

        owner_conf = {"cue": 0.95, "subject": 0.9, "heading": 0.9, "table": 0.9}[segment.how]
        seen: set[str] = set()
        for party in segment.owners:
            if party.kind == PartyKind.AGENCY and party.codes[0] in seen:
                continue  # two former names of one agency: one task
            seen.update(party.codes if party.kind == PartyKind.AGENCY else ())
            if party.kind == PartyKind.AGENCY:
                owners: list[tuple[str | None, float, list[Flag]]] = [
                    (party.codes[0], owner_conf, [])
                ]
            elif party.kind == PartyKind.GROUP:
                message = _group_message(party, self._shown(party))
                owners = [
                    (code, 0.6, [Flag(field="owner", message=message)]) for code in party.codes
                ]
            elif party.kind == PartyKind.RELATED:
                owners = [
                    (
                        None,
                        0.0,
                        [
                            Flag(
                                field="owner",
                                message=(
                                    f"«{self._shown(party)}» không chỉ rõ đơn vị; "
                                    "chọn đơn vị chủ trì"
                                ),
                            )
                        ],
                    )
                ]
            else:
                message = _unresolved_message(party, "chủ trì", self._shown(party))
                owners = [(None, 0.0, [Flag(field="owner", message=message)])]
            for code, conf, owner_flags in owners:
                own_coords = [c for c in coord_codes if c != code]
                own_coords = list(dict.fromkeys(own_coords))
                self.tasks.append(
                    TaskDraft(
                        owner=code,
                        coordinators=own_coords,
                        work=work_text,
                        result=result_text,
                        deadline=deadline[0] if deadline else None,
                        due=due,
                        source=source,
                        confidence={"owner": conf, **confidence},
                        review=[*owner_flags, *flags],
                        spans={
                            "owner": self._span(party.start, party.end, code),
                            **spans,
                        },
                    )
                )


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


def _short(text: str, size: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= size else text[: size - 1].rstrip() + "…"


def _group_message(party: Party, shown: str) -> str:
    return (
        f"«{shown}» là tên chung: đã tách theo nhóm «{party.group}» của danh bạ "
        f"({len(party.codes)} đơn vị); kiểm tra lại"
    )


def _unresolved_message(party: Party, role: str, shown: str) -> str:
    if party.kind == PartyKind.AMBIGUOUS:
        return (
            f"«{shown}» ứng với nhiều đơn vị trong danh bạ ({', '.join(party.codes)}); "
            f"chọn đơn vị {role}"
        )
    if party.kind == PartyKind.COLLECTIVE:
        return f"«{shown}» là tên chung, danh bạ chưa định nghĩa nhóm này; chọn đơn vị {role}"
    return f"«{shown}» không có trong danh bạ; chọn mã đơn vị {role}"


# ------------------------------------------------------------------- deadlines

_CADENCE_ONLY = re.compile(r"^(?:định kỳ\s+)?(?:hằng|hàng|mỗi)\s+(?:tháng|quý|năm)$", re.I)


def find_deadline(text: str, start: int, end: int) -> tuple[str, int, int] | None:
    """The deadline phrase in ``text[start:end]`` and its offsets.

    ``find_deadline_phrase`` reads the words; this finds them again in the text, and
    refuses a bare cadence that does not speak of reporting ("ngân sách hằng năm" is
    money, "định kỳ hằng quý ... báo cáo" is a deadline).
    """
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
            at = m.end()  # "(dự kiến tổ chức trong tháng 6 năm 2026)" is an aside
            continue
        if _CADENCE_ONLY.match(phrase) and not phrase.lower().startswith("định kỳ"):
            near = text[max(start, m.start() - 40) : min(end, m.end() + 40)].lower()
            if "báo cáo" not in near:
                at = m.end()
                continue
        return phrase, m.start(), m.end()
    return None
