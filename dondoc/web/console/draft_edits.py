"""The edits a reviewer makes to a draft's tasks: add, delete, split and merge rows.

Each keeps what the rows knew (spans into the text, flags still open), so the highlights
follow the words and a remark about a value that an edit kept still stands. An edit that
changes a value says so with a flag of its own where a person should look again.
"""

from __future__ import annotations

import re
from copy import deepcopy

from dondoc.web.console.draft_form import (
    MAX_ROWS,
    UID,
    DraftError,
    DraftForm,
    Flag,
    Row,
    normal,
)


def _new_uid(form: DraftForm) -> str:
    taken = [int(r.uid[1:]) for r in form.rows if UID.match(r.uid)]
    return f"t{max(taken, default=0) + 1}"


def _room(form: DraftForm, more: int) -> None:
    if len(form.rows) + more > MAX_ROWS:
        raise DraftError(f"một thông báo có nhiều nhất {MAX_ROWS} nhiệm vụ")


def add_row(form: DraftForm) -> Row:
    _room(form, 1)
    row = Row(uid=_new_uid(form))
    form.rows.append(row)
    return row


def delete_row(form: DraftForm, uid: str) -> None:
    form.rows.remove(form.row(uid))


def split_row(form: DraftForm, uid: str) -> list[Row]:
    """Each line of the work becomes a task with the row's other fields; a work on
    one line is copied, to give the same work to another owner."""
    row = form.row(uid)
    parts = [p.strip() for p in row.work.splitlines() if p.strip()]
    if len(parts) < 2:
        parts = [row.work.strip(), row.work.strip()]
    _room(form, len(parts) - 1)
    at = form.rows.index(row)
    within = row.spans.get("work") or row.spans.get("source") or []
    made: list[Row] = []
    for i, part in enumerate(parts):
        piece = deepcopy(row) if i else row
        if i:
            piece.uid = _new_uid(form)
            form.rows.insert(at + i, piece)
        piece.work = part
        found = _locate(form.text, part, within)
        piece.spans = {k: v for k, v in piece.spans.items() if k != "work"}
        if found:
            piece.spans["work"] = [found]
        made.append(piece)
    return made


def merge_row(form: DraftForm, uid: str) -> Row:
    """The row and the one below it become one task: the first owner leads, the
    second's joins the coordinators; two different deadlines keep the first, flagged."""
    first = form.row(uid)
    at = form.rows.index(first)
    if at + 1 >= len(form.rows):
        raise DraftError("nhiệm vụ cuối cùng không có nhiệm vụ nào bên dưới để gộp")
    second = form.rows[at + 1]
    owner = first.owner or second.owner
    moved = second.owner if second.owner and second.owner != owner else ""
    coordinators = [
        c for c in dict.fromkeys([*first.coordinators, *second.coordinators, moved]) if c
    ]
    first.coordinators = [c for c in coordinators if c != owner]
    if moved:
        first.flags.append(
            Flag(
                "owner",
                f"gộp hai nhiệm vụ: giữ «{owner}» chủ trì, «{moved}» chuyển sang phối hợp; "
                "kiểm tra lại",
                normal("owner", owner),
            )
        )
    first.owner = owner
    first.work = _joined(first.work, second.work)
    first.result = _joined(first.result, second.result)
    if first.deadline.strip() and second.deadline.strip():
        if normal("deadline", first.deadline) != normal("deadline", second.deadline):
            first.flags.append(
                Flag(
                    "deadline",
                    f"gộp hai thời hạn khác nhau («{normal('deadline', first.deadline)}», "
                    f"«{normal('deadline', second.deadline)}»); đã giữ thời hạn thứ nhất",
                    normal("deadline", first.deadline),
                )
            )
    else:
        first.deadline = first.deadline or second.deadline
    if second.source and second.source != first.source:
        first.source = f"{first.source} {second.source}".strip()
    for name, spans in second.spans.items():
        target = "coordinators" if name == "owner" and moved else name
        first.spans[target] = sorted({*first.spans.get(target, []), *spans})
    first.flags += second.flags
    first.confirmed += second.confirmed
    first.policy = first.policy or second.policy
    form.rows.remove(second)
    return first


def _locate(text: str, words: str, within: list[tuple[int, int]]) -> tuple[int, int] | None:
    """Where ``words`` are written inside the given spans of the text, if they are."""
    tokens = words.split()
    if not tokens:
        return None
    pattern = re.compile(r"\s+".join(re.escape(t) for t in tokens), re.IGNORECASE)
    for start, end in within:
        m = pattern.search(text, max(0, start), min(end, len(text)))
        if m:
            return m.start(), m.end()
    return None


def _joined(first: str, second: str) -> str:
    a, b = first.strip(), second.strip()
    if not b or normal("work", a) == normal("work", b):
        return a
    if not a:
        return b
    return f"{a.rstrip(' .;,')}; {b[:1].lower()}{b[1:]}"
