"""The body of a notice to its tasks: tables, then the outline walked from the top.

Headings carry owners, coordinators and deadlines down to the items under them. Sections
that only assess ("I. ĐÁNH GIÁ CHUNG"), opinion and praise paragraphs and the closing
exhortation to everyone give no task; a deadline sentence after the list applies to the
list's tasks that have none.
"""

from __future__ import annotations

from dondoc.domain.notice_text import lexicon
from dondoc.domain.notice_text.addressees import read_addressees, refers_to_addressees
from dondoc.domain.notice_text.book import PartyKind
from dondoc.domain.notice_text.deadline_phrases import find_deadline
from dondoc.domain.notice_text.document import Doc
from dondoc.domain.notice_text.draft import Flag, TaskDraft
from dondoc.domain.notice_text.emit import emit
from dondoc.domain.notice_text.outline import (
    ROOT,
    UNMARKED,
    Unit,
    build,
    first_line,
    heading_like,
    intro,
    is_upper,
    own_text,
)
from dondoc.domain.notice_text.signals import (
    Context,
    Segment,
    any_signal,
    heading_context,
    segments,
)
from dondoc.domain.notice_text.tables import read_tables

_EVERYONE = {PartyKind.GROUP, PartyKind.COLLECTIVE, PartyKind.RELATED}


def read_tasks(
    doc: Doc, body_start: int, body_end: int, addressees: tuple[int, int] | None = None
) -> list[TaskDraft]:
    """The tasks of the body between two offsets; ``addressees``: where the letter's
    "Kính gửi:" list is, for the items the body gives to its addressees as a whole."""
    doc.addressees = read_addressees(doc, addressees)
    paragraphs = doc.src.paragraphs(body_start, body_end)
    opener = intro(paragraphs)
    region = paragraphs[opener + 1 :] if opener is not None else paragraphs
    root = Unit(level=ROOT, start=body_start, end=body_start, paragraph_start=body_start)
    root.heading = True
    context = Context()
    if opener is not None:
        p = paragraphs[opener]
        context = heading_context(doc, p.start, p.end, Context())
        if doc.addressees and refers_to_addressees(doc, context.owners):
            context.owners, context.how = list(doc.addressees), "addressee"
        elif context.owners and all(not o.resolved for o in context.owners):
            context.owners = []  # "đề nghị các cơ quan, đơn vị ... như sau:"
    tasks, remaining = read_tables(doc, region)
    build(doc, remaining, root, narrative=opener is None)
    listed = _walk(doc, root, context)
    _apply_shared(doc, root, listed)
    return tasks + listed


def _walk(doc: Doc, unit: Unit, context: Context) -> list[TaskDraft]:
    tasks: list[TaskDraft] = []
    for child in unit.children:
        if child.closing or child.shared_deadline:
            continue
        first = doc.text[slice(*first_line(doc, child))]
        if child.level == 0 or (is_upper(first) and child.children):
            if not lexicon.NON_TASK_SECTION.search(first):
                tasks += _walk(doc, child, context)
            continue
        if child.children:
            if not heading_like(doc, *first_line(doc, child)):
                # An item with its own assignment and sub-items: both count.
                tasks += _unit_tasks(doc, child, context)
            tasks += _walk(doc, child, heading_context(doc, child.start, child.end, context))
            continue
        tasks += _unit_tasks(doc, child, context)
    return tasks


def _unit_tasks(doc: Doc, unit: Unit, context: Context) -> list[TaskDraft]:
    text = own_text(doc, unit)
    if text.rstrip().endswith(":"):
        return []  # a lead-in to a list, not work
    start, end = first_line(doc, unit)
    if end < unit.end and heading_like(doc, start, end):
        # "3. Sở Xây dựng" on one line, its work on the next.
        context = heading_context(doc, start, end, context)
        unit = Unit(unit.level, end + 1, unit.end, unit.paragraph_start, parent=unit.parent)
        while unit.start < unit.end and doc.text[unit.start].isspace():
            unit.start += 1
    if (
        unit.level == UNMARKED
        and lexicon.OPINION.match(text)
        and not context.owners
        and not any_signal(doc, unit.start, unit.end)
    ):
        return []
    tasks: list[TaskDraft] = []
    for segment in segments(doc, unit.start, unit.end, context):
        if _exhortation(doc, unit, segment):
            continue
        if doc.addressees and refers_to_addressees(doc, segment.owners):
            segment.owners, segment.how = list(doc.addressees), "addressee"
        tasks += emit(doc, segment, context)
    return tasks


def _exhortation(doc: Doc, unit: Unit, segment: Segment) -> bool:
    """The closing call on everyone to carry the notice out: not a task."""
    if any(p.kind == PartyKind.AGENCY for p in segment.owners):
        return False
    if find_deadline(doc.text, segment.start, segment.end) is not None:
        return False
    words = doc.text[segment.work_from : segment.end]
    if lexicon.GENERIC_WORK.search(words[:120]):
        return True
    # A lone paragraph after the list, addressed to everyone, with no deadline. A name
    # the directory lacks is still somebody: its task stays, flagged.
    return (
        unit.level == UNMARKED
        and segment.how != "heading"
        and unit.parent is not None
        and unit.parent.level == ROOT
        and all(p.kind in _EVERYONE for p in segment.owners)
    )


def _apply_shared(doc: Doc, root: Unit, tasks: list[TaskDraft]) -> None:
    """A deadline sentence after the list applies to its tasks that have none."""
    for unit in root.children:
        if not unit.shared_deadline:
            continue
        found = find_deadline(doc.text, unit.start, unit.end)
        if found is None:
            continue
        sentence = _short(doc.src.show(unit.start, unit.end))
        for task in tasks:
            if task.deadline is not None:
                continue
            task.deadline = found.phrase
            task.due = doc.resolve(found.phrase)[0]
            task.confidence["deadline"] = 0.7
            task.spans["deadline"] = doc.span(found.start, found.end)
            task.review = [f for f in task.review if f.field != "deadline"]
            task.review.append(
                Flag(field="deadline", message=f"thời hạn lấy từ câu chung «{sentence}»")
            )


def _short(text: str, size: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= size else text[: size - 1].rstrip() + "…"
