"""What ``dondoc tasks`` prints: the same words as the pages, from the read model."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from dondoc.domain.events import EVENT_LABELS, EventKind
from dondoc.domain.formatting import format_deadline, format_moment
from dondoc.domain.task import STATE_LABELS, STATUS_CLASS_LABELS, StatusClass, TaskState
from dondoc.store.events import list_events
from dondoc.store.outbox import list_for_task
from dondoc.store.tables import TaskRow
from dondoc.store.tasks import status_of


def task_summary(row: TaskRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "notice": row.notice_number,
        "position": row.position,
        "owner": row.owner,
        "state": row.state,
        "status_class": row.status_class,
        "deadline": row.deadline_at.isoformat() if row.deadline_at else None,
        "deadline_phrase": row.deadline_phrase,
        "escalation_step": row.escalation_step,
        "work": row.work,
    }


def timeline(session: Session, task_id: str) -> list[dict[str, Any]]:
    return [
        {
            "at": e.at.isoformat(),
            "kind": e.kind,
            "label": EVENT_LABELS.get(EventKind(e.kind), e.kind),
            "actor": e.actor,
            "description": e.summary,
            "mails": e.data.get("mails", []),
        }
        for e in list_events(session, task_id)
    ]


def mails(session: Session, task_id: str) -> list[dict[str, Any]]:
    return [
        {
            "kind": m.kind,
            "recipient": m.recipient,
            "to": m.to_addrs,
            "subject": m.subject,
            "status": m.status,
            "error": m.last_error,
            "sent_at": m.sent_at.isoformat() if m.sent_at else None,
        }
        for m in list_for_task(session, task_id)
    ]


def task_detail(session: Session, row: TaskRow) -> dict[str, Any]:
    status = status_of(row)
    return {
        **task_summary(row),
        "notice_key": row.notice_key,
        "leader": row.leader,
        "coordinators": row.coordinators,
        "result": row.result,
        "original_deadline": row.original_deadline_at.isoformat()
        if row.original_deadline_at
        else None,
        "acknowledged_at": row.acknowledged_at.isoformat() if row.acknowledged_at else None,
        "completed_at": row.completed_at.isoformat() if row.completed_at else None,
        "report": status.report.model_dump() if status.report else None,
        "pending_extension": status.pending_extension.model_dump(mode="json")
        if status.pending_extension
        else None,
        "timeline": timeline(session, row.id),
        "mails": mails(session, row.id),
    }


def render_detail(detail: dict[str, Any], row: TaskRow) -> str:
    status = status_of(row)
    lines = [
        f"Nhiệm vụ {detail['id']} — Thông báo {detail['notice']}, mục {detail['position']}",
        f"  Nội dung: {detail['work']}",
        f"  Kết quả cần đạt: {detail['result'] or '(không nêu)'}",
        f"  Chủ trì: {detail['owner']}"
        + (f"; phối hợp: {', '.join(detail['coordinators'])}" if detail["coordinators"] else ""),
        f"  Thời hạn: {format_deadline(status.deadline)}",
        f"  Trạng thái: {STATE_LABELS[TaskState(row.state)]} — {STATUS_CLASS_LABELS[StatusClass(row.status_class)]}",
    ]
    if status.deadline != status.original_deadline:
        lines.append(f"  Thời hạn ban đầu: {format_deadline(status.original_deadline)}")
    if status.report:
        lines.append(f"  Kết quả thực hiện: {status.report.summary}")
    lines.append("")
    lines.append("Diễn biến:")
    for item in detail["timeline"]:
        when = format_moment(datetime.fromisoformat(item["at"]))
        lines.append(f"  {when}  {item['label']}: {item['description']} ({item['actor']})")
        for m in item["mails"]:
            cc = f", cc {', '.join(m['cc'])}" if m["cc"] else ""
            lines.append(f"      thư «{m['kind']}» gửi {', '.join(m['to'])}{cc}")
    if detail["mails"]:
        lines.append("")
        lines.append("Thư đã gửi:")
        for m in detail["mails"]:
            error = f" — {m['error']}" if m["error"] else ""
            lines.append(
                f"  [{m['status']}] {m['kind']} → {m['recipient']} ({', '.join(m['to'])}){error}"
            )
    return "\n".join(lines)
