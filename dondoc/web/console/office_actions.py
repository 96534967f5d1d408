"""The office's actions on a task, shared by the console and the JSON API.

Each is a Temporal Update of the task's workflow, sent the way the agency pages send
theirs: the action is first kept in ``agency_actions`` (the table of every person's
action waiting for its workflow) under a key that is also the update id, so a double
submit is one action, and an action made while Temporal is down is applied by the web's
``ActionRelay`` when it is back, never lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dondoc.domain import requests as rq
from dondoc.domain.task import Action
from dondoc.web.actions import Applied, Deferred, Performed, Refused, perform

OFFICE_ACTIONS: tuple[Action, ...] = (
    Action.DECIDE_EXTENSION,
    Action.REASSIGN,
    Action.CONFIRM,
    Action.RETURN_REPORT,
    Action.CANCEL,
    Action.REOPEN,
)
UPDATE_TIMEOUT = 8.0
DEFERRED_TEXT = (
    "Thao tác đã được ghi nhận nhưng chưa kết nối được hệ thống xử lý (Temporal); "
    "thao tác sẽ được thực hiện tự động khi hệ thống hoạt động trở lại."
)
SUCCESS_TEXT: dict[Action, str] = {
    Action.DECIDE_EXTENSION: "Đã gửi quyết định gia hạn; đơn vị chủ trì được thông báo qua thư.",
    Action.REASSIGN: "Đã giao lại đơn vị chủ trì; các đơn vị được thông báo qua thư.",
    Action.CONFIRM: "Đã xác nhận hoàn thành nhiệm vụ.",
    Action.RETURN_REPORT: "Đã trả lại báo cáo hoàn thành cho đơn vị chủ trì.",
    Action.CANCEL: "Đã hủy nhiệm vụ.",
    Action.REOPEN: "Đã mở lại nhiệm vụ.",
}
# The field each action asks a reason in (the console requires it even where the
# workflow's input allows it empty: every office decision says why).
REASON_FIELD: dict[Action, str] = {
    Action.DECIDE_EXTENSION: "note",
    Action.REASSIGN: "note",
    Action.CONFIRM: "note",
    Action.RETURN_REPORT: "reason",
    Action.CANCEL: "reason",
    Action.REOPEN: "reason",
}


def office_request(action: Action, actor: str, fields: Mapping[str, Any]) -> rq._Request:
    """The Update's input from form or JSON fields; raises pydantic's ValidationError."""
    if action == Action.DECIDE_EXTENSION:
        return rq.DecideExtension(
            actor=actor, approve=fields.get("approve"), note=fields.get("note", "")
        )
    if action == Action.REASSIGN:
        return rq.Reassign(actor=actor, owner=fields.get("owner", ""), note=fields.get("note", ""))
    if action == Action.CONFIRM:
        return rq.Confirm(actor=actor, note=fields.get("note", ""))
    if action == Action.RETURN_REPORT:
        return rq.ReturnReport(actor=actor, reason=fields.get("reason", ""))
    if action == Action.CANCEL:
        return rq.Cancel(actor=actor, reason=fields.get("reason", ""))
    if action == Action.REOPEN:
        return rq.Reopen(actor=actor, reason=fields.get("reason", ""))
    raise ValueError(f"not an office action: {action}")


__all__ = [
    "DEFERRED_TEXT",
    "OFFICE_ACTIONS",
    "REASON_FIELD",
    "SUCCESS_TEXT",
    "Applied",
    "Deferred",
    "Performed",
    "Refused",
    "office_request",
    "perform",
]
