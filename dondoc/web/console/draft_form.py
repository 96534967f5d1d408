"""The review form of a parsed notice: its state, read from and written to plain fields.

A draft comes from the parser (``from_document``) and then lives in the browser: what a
person edits are plain form fields, one set per task row, so the form works without
script; what the parser knew about a row (its source sentence, where its fields are in the
text, the flags still open) travels beside them in one hidden JSON field per row
(``meta_json``). Every POST reads the form back (``from_fields``); ``draft_edits`` changes
its rows, ``draft_review`` says what still stands against issuing it.

The hidden state belongs to the reviewer: dropping a remark from it is no more than
ticking «Đã kiểm tra», which the same person may do. What would make the notice wrong (an
empty owner, an unknown code, an unreadable deadline) is found again from the values on
every POST, whatever the hidden fields say.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

MAX_ROWS = 300
MAX_TEXT = 300_000
"""Characters of notice text the console reads: a long notice is some 30 000."""

TASK_FIELDS = ("owner", "coordinators", "work", "result", "deadline")
HEADER_FIELDS = ("number", "date", "leader", "subject", "signer", "policy")
NOTICE = "notice"
"""The part name of the notice's own fields (rows are named by their uid)."""

LABELS = {
    "owner": "Đơn vị chủ trì",
    "coordinators": "Đơn vị phối hợp",
    "work": "Nội dung công việc",
    "result": "Kết quả cần đạt",
    "deadline": "Thời hạn",
    "number": "Số thông báo",
    "date": "Ngày thông báo",
    "leader": "Lãnh đạo kết luận",
    "subject": "Trích yếu",
    "signer": "Người ký",
    "policy": "Chính sách đôn đốc",
    "tasks": "Danh sách nhiệm vụ",
    "source": "Câu gốc",
    NOTICE: "Thông báo",
}

UID = re.compile(r"^t[0-9]{1,4}$")
NUMBER = re.compile(r"^[0-9]+/[^\s/]+")

Value = str | list[str]


class DraftError(ValueError):
    """A posted draft the form cannot read; the message says what, in Vietnamese."""


class Fields(Protocol):
    """What a posted form offers (Starlette's ``FormData`` does)."""

    def get(self, key: str, default: Any = None) -> Any: ...
    def getlist(self, key: str) -> list[Any]: ...


def normal(name: str, value: object) -> Value:
    """A field's value as flags compare it: words on one line; a set of codes."""
    if name == "coordinators":
        items = value if isinstance(value, list | tuple) else str(value or "").split(",")
        return sorted({str(c).strip() for c in items if str(c).strip()})
    if value is None:
        return ""
    return " ".join(str(value).split())


@dataclass
class Flag:
    """Something to check about one field, and the value of the field it speaks of."""

    field: str
    message: str
    value: Value = ""
    fix: bool = False
    """Set by ``review``: the field cannot be issued as it is; only a change clears it."""
    origin: str = "parser"
    """``parser`` (or the YAML), ``blank`` (an empty field), ``check`` (the form's own
    reading, e.g. a year left out) or ``validation`` (the notice's validation)."""

    @property
    def key(self) -> str:
        """Names the same remark on several rows (e.g. every addressee of a letter)."""
        return hashlib.sha1(f"{self.field}\x00{self.message}".encode()).hexdigest()[:12]

    def data(self) -> dict[str, Any]:
        return {"field": self.field, "message": self.message, "value": self.value}

    @classmethod
    def read(cls, raw: object) -> Flag:
        if not isinstance(raw, dict) or not isinstance(raw.get("message"), str):
            raise DraftError("dấu cần kiểm tra không đúng dạng")
        name = str(raw.get("field") or NOTICE)
        value = raw.get("value", "")
        return cls(name, raw["message"], normal(name, value))


@dataclass
class Part:
    """What the notice and each task row carry beside their values."""

    spans: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    flags: list[Flag] = field(default_factory=list)
    """Flags from the parser (or the YAML) still open."""
    confirmed: list[Flag] = field(default_factory=list)
    """Flags ``review`` raises that a person has confirmed, for the values they spoke of."""
    standing: list[Flag] = field(default_factory=list)
    """After ``review``: every flag that stands, fixes first."""

    def value(self, name: str) -> Value:  # pragma: no cover - both parts override it
        raise NotImplementedError

    def flags_on(self, name: str) -> list[Flag]:
        return [f for f in self.standing if f.field == name]

    def confirmable(self, name: str) -> bool:
        """A person may tick «Đã kiểm tra» for this field: flagged, nothing to fix."""
        on = self.flags_on(name)
        return bool(on) and not any(f.fix for f in on)

    def meta(self) -> dict[str, Any]:
        return {
            "spans": {k: [list(s) for s in v] for k, v in self.spans.items()},
            "flags": [f.data() for f in self.flags],
            "confirmed": [f.data() for f in self.confirmed],
        }

    def read_meta(self, raw: dict[str, Any]) -> None:
        self.spans = _spans(raw.get("spans"))
        flags, confirmed = raw.get("flags") or [], raw.get("confirmed") or []
        if not isinstance(flags, list) or not isinstance(confirmed, list):
            raise DraftError("dấu cần kiểm tra không đúng dạng")
        self.flags = [Flag.read(f) for f in flags]
        self.confirmed = [Flag.read(f) for f in confirmed]


@dataclass
class Header(Part):
    number: str = ""
    date: str = ""
    leader: str = ""
    subject: str = ""
    signer_name: str = ""
    signer_title: str = ""
    policy: str = ""

    def value(self, name: str) -> Value:
        if name == "signer":
            return normal(name, f"{self.signer_name} {self.signer_title}")
        if name in HEADER_FIELDS:
            return normal(name, getattr(self, name))
        return ""

    def notice_date(self) -> date | None:
        try:
            day = date.fromisoformat(self.date.strip())
        except ValueError:
            return None
        return day if 1900 <= day.year <= 2999 else None


@dataclass
class Row(Part):
    uid: str = ""
    owner: str = ""
    coordinators: list[str] = field(default_factory=list)
    work: str = ""
    result: str = ""
    deadline: str = ""
    source: str = ""
    policy: str = ""
    """A task's own follow-up policy, kept from a YAML draft; the form does not edit it."""
    due: str = ""
    """After ``review``: the due moment the deadline phrase gives, in words."""
    due_on: date | None = None
    """After ``review``: its day (as ``dondoc notice parse`` prints it)."""

    def value(self, name: str) -> Value:
        if name in TASK_FIELDS:
            return normal(name, getattr(self, name))
        return ""

    def meta(self) -> dict[str, Any]:
        return {**super().meta(), "source": self.source, "policy": self.policy}

    def read_meta(self, raw: dict[str, Any]) -> None:
        super().read_meta(raw)
        self.source = str(raw.get("source") or "")
        self.policy = str(raw.get("policy") or "")


@dataclass
class DraftForm:
    text: str
    header: Header
    rows: list[Row]
    ticked: dict[str, set[str]] = field(default_factory=dict)
    """Fields a person ticked «Đã kiểm tra», by part (``notice`` or a row's uid)."""
    ticked_keys: set[str] = field(default_factory=set)
    """Remarks confirmed at once for every row they are on (``Flag.key``)."""

    # -------------------------------------------------------------- reading and writing

    def parts(self) -> list[tuple[str, Part]]:
        return [(NOTICE, self.header), *((r.uid, r) for r in self.rows)]

    def row(self, uid: str) -> Row:
        for row in self.rows:
            if row.uid == uid:
                return row
        raise DraftError(f"không có nhiệm vụ «{uid}» trong bản nháp")

    def position(self, uid: str) -> int:
        return next(i for i, r in enumerate(self.rows, start=1) if r.uid == uid)

    def where(self, part: str, name: str) -> tuple[str, str]:
        """A flag's place for a person («Nhiệm vụ 3 · Thời hạn») and for a machine
        (``tasks[3].deadline``, the location ``notice issue`` and the API use)."""
        label = LABELS.get(name, name)
        if part == NOTICE:
            return label, name
        position = self.position(part)
        return f"Nhiệm vụ {position} · {label}", f"tasks[{position}].{name}"

    def standing(self) -> list[tuple[str, Flag]]:
        """Every flag that stands after ``review``, by part, in the order of the page."""
        return [(name, flag) for name, part in self.parts() for flag in part.standing]

    def notice_input(self) -> dict[str, Any]:
        """The notice as ``check_notice`` takes it: every row a task, in order."""
        h = self.header
        raw: dict[str, Any] = {
            "number": h.number.strip(),
            "date": h.date.strip(),
            "leader": h.leader.strip(),
            "subject": " ".join(h.subject.split()),
            "tasks": [],
        }
        if h.signer_name.strip() and h.signer_title.strip():
            raw["signer"] = {"name": h.signer_name.strip(), "title": h.signer_title.strip()}
        if h.policy.strip():
            raw["policy"] = h.policy.strip()
        for row in self.rows:
            task: dict[str, Any] = {
                "owner": row.owner.strip(),
                "coordinators": list(dict.fromkeys(c for c in row.coordinators if c)),
                "work": " ".join(row.work.split()),
                "result": " ".join(row.result.split()),
                "deadline": " ".join(row.deadline.split()),
            }
            if row.policy:
                task["policy"] = row.policy
            raw["tasks"].append(task)
        return raw

    def document(self) -> dict[str, Any]:
        """The draft in the parser's shape (what ``dondoc notice parse`` prints), with the
        flags that stand: the expert view's YAML, and what it reads back."""
        raw = self.notice_input()
        h = self.header
        out: dict[str, Any] = {
            "number": raw["number"] or None,
            "date": raw["date"] or None,
            "leader": raw["leader"] or None,
            "signer": raw.get("signer"),
            "subject": raw["subject"] or None,
        }
        if h.policy:
            out["policy"] = h.policy
        out["tasks"] = []
        for row, task in zip(self.rows, raw["tasks"], strict=True):
            out["tasks"].append(
                {
                    **{k: (v if v != "" else None) for k, v in task.items()},
                    "result": task["result"],
                    "due": row.due_on.isoformat() if row.due_on else None,
                    "source": row.source,
                    "review": [{"field": f.field, "message": f.message} for f in row.standing],
                    "spans": self._span_data(row),
                }
            )
        out["review"] = [{"field": f.field, "message": f.message} for f in h.standing]
        out["spans"] = self._span_data(h)
        return out

    def _span_data(self, part: Part) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, spans in part.spans.items():
            items = [{"start": a, "end": b, "text": self.text[a:b]} for a, b in spans]
            out[name] = items if name == "coordinators" or len(items) != 1 else items[0]
        return out


# ------------------------------------------------------------------------ building


def from_document(document: object, text: str) -> DraftForm:
    """A form from a parser draft (``NoticeDraft.as_document()``) or the expert view's
    YAML: the flags in it apply to the values in it."""
    if not isinstance(document, dict):
        raise DraftError("bản nháp phải là một bảng khóa–giá trị (number, date, tasks, ...)")
    signer = document.get("signer")
    signer = signer if isinstance(signer, dict) else {}
    header = Header(
        number=_text(document.get("number")),
        date=_text(document.get("date")),
        leader=_text(document.get("leader")),
        subject=_text(document.get("subject")),
        signer_name=_text(signer.get("name")),
        signer_title=_text(signer.get("title")),
        policy=_text(document.get("policy")),
    )
    header.spans = _spans(document.get("spans"))
    header.flags = _flags(document.get("review"), header, "review")
    tasks = document.get("tasks") or []
    if not isinstance(tasks, list):
        raise DraftError("«tasks» phải là danh sách các nhiệm vụ")
    form = DraftForm(text=text, header=header, rows=[])
    if len(tasks) > MAX_ROWS:
        raise DraftError(f"một thông báo có nhiều nhất {MAX_ROWS} nhiệm vụ")
    for index, task in enumerate(tasks, start=1):
        if not isinstance(task, dict):
            raise DraftError(f"tasks[{index}] phải là một bảng khóa–giá trị")
        coordinators = task.get("coordinators") or []
        if isinstance(coordinators, str):
            coordinators = coordinators.split(",")
        if not isinstance(coordinators, list):
            raise DraftError(f"tasks[{index}].coordinators phải là danh sách mã đơn vị")
        row = Row(
            uid=f"t{index}",
            owner=_text(task.get("owner")),
            coordinators=[c for c in (_text(c) for c in coordinators) if c],
            work=_text(task.get("work")),
            result=_text(task.get("result")),
            deadline=_text(task.get("deadline")),
            source=_text(task.get("source")),
            policy=_text(task.get("policy")),
        )
        row.spans = _spans(task.get("spans"))
        row.flags = _flags(task.get("review"), row, f"tasks[{index}].review")
        form.rows.append(row)
    return form


def from_fields(fields: Fields) -> DraftForm:
    """The form as posted: the values typed, and what travelled beside them."""
    text = plain_text(str(fields.get("text") or ""))
    if len(text) > MAX_TEXT:
        raise DraftError(f"văn bản dài quá {MAX_TEXT:,} ký tự".replace(",", "."))

    def one(name: str) -> str:
        value = fields.get(name)
        return value if isinstance(value, str) else ""

    header = Header(
        number=one("number"),
        date=one("date"),
        leader=one("leader"),
        subject=one("subject"),
        signer_name=one("signer_name"),
        signer_title=one("signer_title"),
        policy=one("policy"),
    )
    header.read_meta(_meta(one(f"meta.{NOTICE}"), "thông báo"))
    uids = [u for u in fields.getlist("row") if isinstance(u, str)]
    if len(uids) > MAX_ROWS:
        raise DraftError(f"một thông báo có nhiều nhất {MAX_ROWS} nhiệm vụ")
    if len(set(uids)) != len(uids) or not all(UID.match(u) for u in uids):
        raise DraftError("danh sách nhiệm vụ của biểu mẫu không đúng dạng")
    form = DraftForm(text=text, header=header, rows=[])
    for position, uid in enumerate(uids, start=1):
        row = Row(
            uid=uid,
            owner=one(f"owner.{uid}").strip(),
            coordinators=[
                c.strip()
                for c in fields.getlist(f"coordinators.{uid}")
                if isinstance(c, str) and c.strip()
            ],
            work=one(f"work.{uid}").replace("\r\n", "\n"),
            result=one(f"result.{uid}"),
            deadline=one(f"deadline.{uid}"),
        )
        row.read_meta(_meta(one(f"meta.{uid}"), f"nhiệm vụ {position}"))
        form.rows.append(row)
    form.ticked = {
        name: {v for v in fields.getlist(f"ok.{name}") if isinstance(v, str)}
        for name in [NOTICE, *uids]
    }
    form.ticked_keys = {v for v in fields.getlist("okall") if isinstance(v, str)}
    return form


def plain_text(text: str) -> str:
    """Line ends as one ``\\n``: a browser posts a field back with CRLF whatever it was
    given, and the spans must point at the same characters on every round trip."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _spans(raw: object) -> dict[str, list[tuple[int, int]]]:
    """Spans as the parser writes them (one ``{start, end}`` or a list) or as the form
    carries them (lists of ``[start, end]``); anything else is left out."""
    out: dict[str, list[tuple[int, int]]] = {}
    if not isinstance(raw, dict):
        return out
    for name, value in raw.items():
        items: Iterable[object] = value if isinstance(value, list) else [value]
        spans: list[tuple[int, int]] = []
        for item in items:
            if isinstance(item, dict):
                start, end = item.get("start"), item.get("end")
            elif isinstance(item, list | tuple) and len(item) == 2:
                start, end = item
            else:
                continue
            if isinstance(start, int) and isinstance(end, int) and 0 <= start < end:
                spans.append((start, end))
        if spans:
            out[str(name)] = spans
    return out


def _flags(raw: object, part: Part, where: str) -> list[Flag]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise DraftError(f"{where} phải là danh sách")
    flags: list[Flag] = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("message"), str):
            raise DraftError(f"{where}: mỗi mục cần có field và message")
        name = str(item.get("field") or NOTICE)
        if isinstance(part, Row) and name not in TASK_FIELDS:
            name = "work"  # a remark about the task as a whole: shown by its work
        elif isinstance(part, Header) and name not in (*HEADER_FIELDS, "tasks"):
            name = NOTICE
        flags.append(Flag(name, item["message"], part.value(name)))
    return flags


def _meta(raw: str, what: str) -> dict[str, Any]:
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise DraftError(f"phần dữ liệu kèm theo của {what} bị hỏng; vui lòng đọc lại văn bản")
    return data


def meta_json(part: Part) -> str:
    return json.dumps(part.meta(), ensure_ascii=False, separators=(",", ":"))
