"""What ``dondoc tasks`` prints: the same words as the pages, from the read model."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from dondoc.commands.timeline import Names
from dondoc.commands.timeline import timeline as story_of
from dondoc.domain.formatting import format_deadline, format_moment
from dondoc.domain.task import STATE_LABELS, STATUS_CLASS_LABELS, StatusClass, TaskState
from dondoc.store.outbox import list_for_task
from dondoc.store.tables import TaskRow
from dondoc.store.tasks import status_of, summary_of


def task_summary(row: TaskRow) -> dict[str, Any]:
    """A list entry (``store.tasks.summary_of``) under the CLI's JSON keys."""
    item = summary_of(row, datetime.now(UTC))
    return {
        "id": item.id,
        "notice": item.notice_number,
        "position": item.position,
        "owner": item.owner,
        "state": item.state.value,
        "status_class": item.status_class.value,
        "deadline": item.deadline.isoformat() if item.deadline else None,
        "deadline_phrase": item.deadline_phrase,
        "escalation_step": item.escalation_step,
        "work": item.work,
    }


def timeline(session: Session, task_id: str) -> list[dict[str, Any]]:
    """The task's story as the console tells it (``commands.timeline``), as JSON."""
    return [
        {
            "at": entry.at.isoformat(),
            "kind": entry.kind,
            "label": entry.label,
            "actor": entry.actor,
            "description": entry.text,
            "mails": [
                {
                    "kind": m.kind,
                    "label": m.label,
                    "recipient": m.recipient,
                    "addresses": m.addresses,
                    "status": m.status,
                    "status_label": m.status_label,
                }
                for m in entry.mails
            ],
        }
        for entry in story_of(session, task_id, Names(session))
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
        text = f": {item['description']}" if item["description"] else ""
        lines.append(f"  {when}  {item['label']}{text} ({item['actor']})")
        for m in item["mails"]:
            lines.append(f"      thư «{m['label']}» gửi {m['recipient']} — {m['status_label']}")
    if detail["mails"]:
        lines.append("")
        lines.append("Thư đã gửi:")
        for m in detail["mails"]:
            error = f" — {m['error']}" if m["error"] else ""
            lines.append(
                f"  [{m['status']}] {m['kind']} → {m['recipient']} ({', '.join(m['to'])}){error}"
            )
    return "\n".join(lines)
