"""The notice's text cut into pieces, each marked with the draft field it became.

The console shows the source beside the draft so a reviewer sees at once where each owner,
coordinator, deadline and result came from, and what the parser did not take.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

# Where spans overlap (the work contains the result), the narrower, more decisive field wins.
PRIORITY = ("owner", "coordinators", "deadline", "result", "work")
LABELS = {
    "owner": "Đơn vị chủ trì",
    "coordinators": "Đơn vị phối hợp",
    "deadline": "Thời hạn",
    "result": "Kết quả cần đạt",
    "work": "Nội dung công việc",
    "number": "Số thông báo",
    "date": "Ngày ban hành",
    "subject": "Trích yếu",
    "leader": "Lãnh đạo kết luận",
    "signer": "Người ký",
}


class Piece(BaseModel):
    text: str
    field: str | None = None
    title: str = ""


def _spans(document: dict[str, Any]) -> list[tuple[int, int, str, str]]:
    found: list[tuple[int, int, str, str]] = []
    for name, span in (document.get("spans") or {}).items():
        if isinstance(span, dict) and name in LABELS:
            found.append((span["start"], span["end"], name, LABELS[name]))
    for position, task in enumerate(document.get("tasks") or [], start=1):
        for name, value in (task.get("spans") or {}).items():
            if name not in PRIORITY:
                continue
            for span in value if isinstance(value, list) else [value]:
                if isinstance(span, dict):
                    found.append(
                        (span["start"], span["end"], name, f"{LABELS[name]} — nhiệm vụ {position}")
                    )
    return found


def highlight(text: str, document: dict[str, Any]) -> list[Piece]:
    """``text`` as consecutive pieces; a piece inside a field's span carries that field."""
    rank = {
        name: i for i, name in enumerate((*PRIORITY, *(k for k in LABELS if k not in PRIORITY)))
    }
    owner: list[tuple[int, str, str] | None] = [None] * len(text)
    for start, end, name, title in _spans(document):
        for i in range(max(0, start), min(end, len(text))):
            current = owner[i]
            if current is None or rank[name] < current[0]:
                owner[i] = (rank[name], name, title)
    pieces: list[Piece] = []
    for i, char in enumerate(text):
        mark = owner[i]
        field, title = (mark[1], mark[2]) if mark else (None, "")
        if pieces and pieces[-1].field == field and pieces[-1].title == title:
            pieces[-1].text += char
        else:
            pieces.append(Piece(text=char, field=field, title=title))
    return pieces
