"""One assignment to its task drafts: one per owner, each field with its span, its
confidence and the flags that tell the reviewer what to check.

Owners come only from the directory: an agency gives its task; a collective the
directory defines gives one task per member, flagged; anything else (unknown, ambiguous,
restricted or undefined collectives, "các đơn vị liên quan") gives one task without
owner, flagged with the words of the text. Nothing is ever made up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from dondoc.domain.notice_text import phrases
from dondoc.domain.notice_text.book import Party, PartyKind
from dondoc.domain.notice_text.deadline_phrases import DeadlineSpan, find_deadline
from dondoc.domain.notice_text.document import Doc
from dondoc.domain.notice_text.draft import Flag, Span, TaskDraft
from dondoc.domain.notice_text.signals import Context, Segment

_OWNER_CONFIDENCE = {"cue": 0.95, "subject": 0.9, "heading": 0.9, "table": 0.9, "addressee": 0.8}
NO_DEADLINE = "văn bản không ghi thời hạn; ghi thời hạn (ví dụ «thường xuyên»)"


@dataclass
class Given:
    """Fields read elsewhere (a table's cells, a later sentence) instead of from the words."""

    coordinators: list[Party] | None = None
    deadline: DeadlineSpan | None = None
    work: tuple[int, int] | None = None
    result: tuple[int, int] | None = None
    flags: list[Flag] = field(default_factory=list)


def group_message(party: Party, shown: str) -> str:
    return (
        f"«{shown}» là tên chung: đã tách theo nhóm «{party.group}» của danh bạ "
        f"({len(party.codes)} đơn vị); kiểm tra lại"
    )


def unresolved_message(party: Party, role: str, shown: str) -> str:
    if party.kind == PartyKind.AMBIGUOUS:
        return (
            f"«{shown}» ứng với nhiều đơn vị trong danh bạ ({', '.join(party.codes)}); "
            f"chọn đơn vị {role}"
        )
    if party.kind == PartyKind.COLLECTIVE:
        return f"«{shown}» là tên chung, danh bạ chưa định nghĩa nhóm này; chọn đơn vị {role}"
    if party.kind == PartyKind.RELATED:
        return f"«{shown}» không chỉ rõ đơn vị; chọn đơn vị {role}"
    return f"«{shown}» không có trong danh bạ; chọn mã đơn vị {role}"


def _deadline(
    doc: Doc, segment: Segment, context: Context, flags: list[Flag]
) -> tuple[DeadlineSpan | None, float]:
    """The segment's own deadline, or its heading's (flagged); two different ones flag."""
    text = doc.text
    found = find_deadline(text, segment.work_from, segment.end) or find_deadline(
        text, segment.start, segment.end
    )
    confidence = 0.95
    if found is None and context.deadline is not None:
        found, confidence = context.deadline, 0.75
        flags.append(Flag(field="deadline", message=f"thời hạn lấy từ đề mục «{found.phrase}»"))
    if found is not None and found.start >= segment.start:
        later = find_deadline(text, found.end, segment.end)
        if later is not None and later.phrase.lower() != found.phrase.lower():
            flags.append(
                Flag(
                    field="deadline",
                    message=(
                        f"có nhiều mốc thời gian («{found.phrase}», «{later.phrase}»); "
                        f"đã lấy «{found.phrase}», kiểm tra lại"
                    ),
                )
            )
            confidence = 0.6
    return found, confidence


def _coordinator_fields(
    doc: Doc, parties: list[Party], flags: list[Flag]
) -> tuple[list[str], list[Span], float]:
    codes: list[str] = []
    spans: list[Span] = []
    confidence = 0.9 if parties else 1.0
    for party in parties:
        if party.kind == PartyKind.AGENCY:
            codes.append(party.codes[0])
            spans.append(doc.span(party.start, party.end, party.codes[0]))
            continue
        spans.append(doc.span(party.start, party.end))
        if party.kind == PartyKind.GROUP:
            codes.extend(party.codes)
            flags.append(Flag(field="coordinators", message=group_message(party, doc.shown(party))))
            confidence = min(confidence, 0.6)
        elif party.kind != PartyKind.RELATED:
            message = unresolved_message(party, "phối hợp", doc.shown(party))
            flags.append(Flag(field="coordinators", message=message))
            confidence = min(confidence, 0.5)
    return codes, spans, confidence


ADDRESSEE = (
    "đơn vị chủ trì lấy từ phần «Kính gửi»: văn bản giao chung cho các đơn vị nhận; kiểm tra lại"
)


def _owners(doc: Doc, party: Party, how: str) -> list[tuple[str | None, float, list[Flag]]]:
    """(code, confidence, flags) of each task a named owner gives."""
    if party.kind == PartyKind.AGENCY:
        flags = [Flag(field="owner", message=ADDRESSEE)] if how == "addressee" else []
        return [(party.codes[0], _OWNER_CONFIDENCE[how], flags)]
    if party.kind == PartyKind.GROUP:
        message = group_message(party, doc.shown(party))
        return [(code, 0.6, [Flag(field="owner", message=message)]) for code in party.codes]
    message = unresolved_message(party, "chủ trì", doc.shown(party))
    return [(None, 0.0, [Flag(field="owner", message=message)])]


def emit(
    doc: Doc, segment: Segment, context: Context, given: Given | None = None
) -> list[TaskDraft]:
    """The task drafts of one assignment, in the order of its owners."""
    given = given or Given()
    flags: list[Flag] = list(given.flags)
    confidence: dict[str, float] = {}
    spans: dict[str, Span | list[Span]] = {}

    parties = given.coordinators
    if parties is None:
        parties = phrases.coordinators(doc, segment.work_from, segment.end)
        if not parties and segment.inherited:
            parties = list(context.coordinators)
    parties = [*parties, *segment.joined]
    deadline, deadline_conf = given.deadline, 0.95
    if deadline is None and given.work is None:
        deadline, deadline_conf = _deadline(doc, segment, context, flags)

    if given.work is None:
        w_start, w_end, work_text = phrases.work(doc, segment.work_from, segment.end, deadline)
    else:
        w_start, w_end = given.work
        work_text = doc.words(w_start, w_end, capital=True)
    result = given.result
    if result is None:
        result = phrases.result(doc, w_start, segment.end, deadline)
    result_text = doc.words(*result) if result is not None else ""

    due: date | None = None
    if deadline is not None:
        spans["deadline"] = doc.span(deadline.start, deadline.end)
        due, error = doc.resolve(deadline.phrase)
        if error is not None:
            flags.append(Flag(field="deadline", message=error))
            deadline_conf = 0.3
        confidence["deadline"] = deadline_conf
    else:
        confidence["deadline"] = 0.0
        flags.append(Flag(field="deadline", message=NO_DEADLINE))
    spans["source"] = doc.span(segment.start, segment.end)
    while w_end > w_start and doc.text[w_end - 1] in " ,;.:":
        w_end -= 1
    spans["work"] = doc.span(w_start, w_end)
    if result is not None:
        spans["result"] = doc.span(*result)
        confidence["result"] = 0.7
    confidence["work"] = 0.8

    coord_codes, coord_spans, coord_conf = _coordinator_fields(doc, parties, flags)
    spans["coordinators"] = coord_spans
    confidence["coordinators"] = coord_conf
    source = " ".join(doc.src.show(segment.start, segment.end).split())

    tasks: list[TaskDraft] = []
    seen: set[str] = set()
    for party in segment.owners:
        if party.kind == PartyKind.AGENCY and party.codes[0] in seen:
            continue  # two former names of one agency: one task
        seen.update(party.codes if party.kind == PartyKind.AGENCY else ())
        for code, conf, owner_flags in _owners(doc, party, segment.how):
            tasks.append(
                TaskDraft(
                    owner=code,
                    coordinators=list(dict.fromkeys(c for c in coord_codes if c != code)),
                    work=work_text,
                    result=result_text,
                    deadline=deadline.phrase if deadline else None,
                    due=due,
                    source=source,
                    confidence={"owner": conf, **confidence},
                    review=[*owner_flags, *flags],
                    spans={"owner": doc.span(party.start, party.end, code), **spans},
                )
            )
    return tasks
