"""What a person reads after acting, on the link pages, in the console and in the API."""

from __future__ import annotations

from dondoc.domain.task import Action

DEFERRED_TEXT = (
    "Thao tác đã được ghi nhận nhưng hệ thống xử lý đang tạm gián đoạn; thao tác sẽ được "
    "thực hiện tự động ngay khi hệ thống hoạt động trở lại. Anh/chị không cần gửi lại."
)
REPEATED_PREFIX = "Thao tác đã được thực hiện trước đó."
SUCCESS_TEXT: dict[Action, str] = {
    Action.ACKNOWLEDGE: "Đã tiếp nhận nhiệm vụ.",
    Action.COMPLETE: "Đã gửi báo cáo hoàn thành.",
    Action.REPORT_PROGRESS: "Đã gửi báo cáo tiến độ.",
    Action.REQUEST_EXTENSION: "Đã gửi đề nghị gia hạn; Văn phòng sẽ xem xét, quyết định.",
    Action.PROPOSE_REASSIGNMENT: "Đã gửi đề nghị điều chỉnh đơn vị chủ trì; Văn phòng sẽ xem xét.",
    Action.DECIDE_EXTENSION: "Đã gửi quyết định gia hạn; đơn vị chủ trì được thông báo qua thư.",
    Action.REASSIGN: "Đã giao lại đơn vị chủ trì; các đơn vị được thông báo qua thư.",
    Action.CONFIRM: "Đã xác nhận hoàn thành nhiệm vụ.",
    Action.RETURN_REPORT: "Đã trả lại báo cáo hoàn thành cho đơn vị chủ trì.",
    Action.CANCEL: "Đã hủy nhiệm vụ.",
    Action.REOPEN: "Đã mở lại nhiệm vụ.",
    Action.RESEND: "Đã gửi lại thư.",
    Action.NAME_OFFICIAL: "Đã ghi nhận cán bộ phụ trách; các thư sau sẽ gửi tới cán bộ này.",
    Action.REPLACE_CALENDAR: "Đã áp dụng lịch làm việc mới.",
    Action.DECIDE_DEADLINE_MOVE: "Đã gửi quyết định về thời hạn.",
}
EXTENSION_DECIDED = {
    True: "Đã đồng ý gia hạn; đơn vị chủ trì được thông báo qua thư.",
    False: "Đã không đồng ý gia hạn; đơn vị chủ trì được thông báo qua thư.",
}
DEADLINE_MOVE_DECIDED = {
    True: "Đã điều chỉnh thời hạn theo lịch mới; đơn vị chủ trì được thông báo qua thư.",
    False: "Đã giữ thời hạn đã thông báo.",
}
REASON_FIELD: dict[Action, str] = {
    Action.DECIDE_EXTENSION: "note",
    Action.REASSIGN: "note",
    Action.CONFIRM: "note",
    Action.RETURN_REPORT: "reason",
    Action.CANCEL: "reason",
    Action.REOPEN: "reason",
    Action.DECIDE_DEADLINE_MOVE: "note",
}
"""The field each office action asks its reason in: the console requires it even where
the workflow's input allows it empty, since every office decision says why."""


def repeated(text: str) -> str:
    return f"{REPEATED_PREFIX} {text}"
