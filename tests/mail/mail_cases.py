"""Realistic mail orders for every kind, as the workflow builds them, and the context the
mail activity would render them with; shared by the mail tests and the screenshot tool."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from dondoc.activities.mail_render import Role
from dondoc.deployment import calendar_for
from dondoc.domain.deadlines import Deadline, DeadlineKind, resolve_deadline
from dondoc.domain.formatting import LOCAL_TZ
from dondoc.domain.mail import MailKind, MailOrder
from dondoc.domain.task import (
    CompletionReport,
    ExtensionRequest,
    TaskSpec,
    TaskState,
    TaskStatus,
)
from dondoc.settings import Settings

NOTICE_DATE = date(2026, 9, 7)
CAL = calendar_for(Settings(), NOTICE_DATE)
DEADLINE = resolve_deadline("trước ngày 15/10/2026", NOTICE_DATE, CAL)
EXTENDED = resolve_deadline("trước ngày 30/11/2026", NOTICE_DATE, CAL)
ONGOING = Deadline(phrase="thường xuyên", kind=DeadlineKind.ONGOING, due=None)
WORK = (
    "Tiếp thu ý kiến các sở, ngành, hoàn thiện dự thảo Đề án hợp tác toàn diện với các "
    "tỉnh của Lào giai đoạn 2026–2030, trình UBND tỉnh"
)
NAMES = {
    "SNGV": "Sở Ngoại vụ",
    "STC": "Sở Tài chính",
    "SNNMT": "Sở Nông nghiệp và Môi trường",
    "SCT": "Sở Công Thương",
    "VP": "Văn phòng UBND tỉnh",
    "PCT-VINH": "đồng chí Phùng Thành Vinh, Phó Chủ tịch UBND tỉnh",
}
BASE = "http://dondoc.test"


def at(day: date, hour: int = 8, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LOCAL_TZ)


def make_spec(**changes: Any) -> TaskSpec:
    values: dict[str, Any] = {
        "id": "2026-245-TB-UBND-1",
        "position": 1,
        "notice_key": "2026-245-TB-UBND",
        "notice_number": "245/TB-UBND",
        "notice_date": NOTICE_DATE,
        "notice_subject": (
            "Kết luận của Phó Chủ tịch UBND tỉnh Phùng Thành Vinh về Dự thảo Đề án hợp tác "
            "toàn diện với các tỉnh của Lào"
        ),
        "leader": "PCT-VINH",
        "owner": "SNGV",
        "coordinators": ("STC", "SNNMT"),
        "work": WORK,
        "result": "Dự thảo Đề án hoàn chỉnh, kèm Tờ trình của Sở Ngoại vụ",
        "deadline": DEADLINE,
    }
    values.update(changes)
    return TaskSpec(**values)


def make_status(spec: TaskSpec, **changes: Any) -> TaskStatus:
    values: dict[str, Any] = {
        "task_id": spec.id,
        "owner": spec.owner,
        "deadline": spec.deadline,
        "original_deadline": spec.deadline,
        "assigned_at": at(NOTICE_DATE, 9, 30),
    }
    values.update(changes)
    return TaskStatus(**values)


@dataclass(frozen=True)
class Case:
    """One mail kind in a realistic moment, with what its reader must learn from it."""

    name: str
    order: MailOrder
    now: datetime
    facts: tuple[str, ...] = ()
    roles: dict[str, Role] = field(default_factory=dict)

    @property
    def kind(self) -> MailKind:
        return self.order.kind

    def recipients(self) -> list[str]:
        return list(dict.fromkeys([*self.order.to, *self.order.cc]))


def role_of(code: str, order: MailOrder) -> Role:
    if code == "VP":
        return Role.OFFICE
    if code == "PCT-VINH":
        return Role.LEADER
    if code == order.status.owner:
        return Role.OWNER
    if code in order.spec.coordinators:
        return Role.COORDINATOR
    return Role.OTHER


def context(order: MailOrder, code: str, now: datetime) -> dict[str, Any]:
    """What MailActivities.prepare hands the renderer, without the database."""
    role = role_of(code, order)
    agency = role in (Role.OWNER, Role.COORDINATOR, Role.OTHER)
    return {
        "subject": f"[{order.spec.notice_number}] …",
        "recipient_name": NAMES.get(code, code),
        "is_owner": code == order.status.owner,
        "spec": order.spec,
        "status": order.status,
        "owner_name": NAMES.get(order.status.owner, order.status.owner),
        "coordinator_names": [NAMES.get(c, c) for c in order.spec.coordinators],
        "leader_label": "Phó Chủ tịch UBND tỉnh Phùng Thành Vinh",
        "office_name": "Văn phòng UBND tỉnh",
        "link": f"{BASE}/t/tok-{code}" if agency else f"{BASE}/admin/tasks/{order.spec.id}",
        "agency_link": f"{BASE}/t/agency/tok-{code}" if agency else None,
        "note": order.note,
        "recipient_role": role,
        "now": now,
        "calendar": CAL,
    }


def _order(
    kind: MailKind,
    to: tuple[str, ...],
    cc: tuple[str, ...] = (),
    *,
    spec: TaskSpec | None = None,
    note: str = "",
    seq: int = 2,
    **status: Any,
) -> MailOrder:
    spec = spec or make_spec()
    return MailOrder(
        event_id=f"{spec.id}:{seq}",
        kind=kind,
        to=to,
        cc=cc,
        spec=spec,
        status=make_status(spec, event_seq=seq, **status),
        note=note,
    )


REPORT = CompletionReport(
    summary="Đã tiếp thu đầy đủ ý kiến của 12 sở, ngành; hoàn thiện dự thảo Đề án và Tờ trình.",
    document_number="Tờ trình số 118/TTr-SNgV ngày 10/10/2026",
    link="https://vanban.example.gov.vn/118-TTr-SNgV.pdf",
)
ACK = at(date(2026, 9, 8), 10, 15)
REPORTED = at(date(2026, 10, 12), 15, 40)
LATE_REPORTED = at(date(2026, 10, 19), 9, 5)
ONGOING_SPEC = make_spec(
    id="2026-245-TB-UBND-3",
    position=3,
    owner="SCT",
    coordinators=(),
    work="Theo dõi, đôn đốc tiến độ các dự án hợp tác thương mại biên giới với tỉnh Savannakhet",
    result="",
    deadline=ONGOING,
)


def cases() -> list[Case]:
    """One case per kind (some kinds twice: the same event reads differently per role)."""
    ack = {"state": TaskState.ACKNOWLEDGED, "acknowledged_at": ACK}
    return [
        Case(
            "assigned",
            _order(MailKind.ASSIGNED, ("SNGV",), ("STC", "SNNMT"), seq=1),
            at(NOTICE_DATE, 9, 31),
            ("chủ trì", "15/10/2026", "còn 38 ngày", "tiếp nhận nhiệm vụ"),
        ),
        Case(
            "not_acknowledged",
            _order(MailKind.NOT_ACKNOWLEDGED, ("SNGV",)),
            at(date(2026, 9, 9)),
            ("chưa ghi nhận", "tiếp nhận nhiệm vụ ngay", "còn 36 ngày", "07/09/2026"),
        ),
        Case(
            "reminder",
            _order(MailKind.REMINDER, ("SNGV",), ("STC", "SNNMT"), **ack),
            at(date(2026, 10, 8)),
            ("sắp đến thời hạn", "còn 7 ngày", "15/10/2026", "Đề nghị gia hạn"),
        ),
        Case(
            "overdue",
            _order(MailKind.OVERDUE, ("SNGV",), ("STC", "SNNMT"), **ack),
            at(date(2026, 10, 16)),
            ("đã quá hạn 1 ngày", "báo cáo kết quả ngay", "nguyên nhân chậm trễ"),
        ),
        Case(
            "escalation_office",
            _order(MailKind.ESCALATION_OFFICE, ("VP",), escalation_step=1, **ack),
            at(date(2026, 10, 16)),
            ("đã quá hạn 1 ngày", "đôn đốc Sở Ngoại vụ", "08/09/2026"),
        ),
        Case(
            "escalation_leader",
            _order(MailKind.ESCALATION_LEADER, ("PCT-VINH",), ("VP",), escalation_step=2, **ack),
            at(date(2026, 10, 22)),
            ("kính báo cáo", "đã quá hạn 7 ngày", "chỉ đạo Sở Ngoại vụ"),
        ),
        Case(
            "overdue_reminder",
            _order(MailKind.OVERDUE_REMINDER, ("SNGV",), escalation_step=2, **ack),
            at(date(2026, 10, 29)),
            ("đã quá hạn 14 ngày", "báo cáo Phó Chủ tịch UBND tỉnh Phùng Thành Vinh"),
        ),
        Case(
            "acknowledged",
            _order(
                MailKind.ACKNOWLEDGED,
                ("VP",),
                note="Sở sẽ họp các đơn vị liên quan ngày 12/9.",
                **ack,
            ),
            at(date(2026, 9, 8), 10, 16),
            ("đã tiếp nhận", "10:15", "họp các đơn vị"),
        ),
        Case(
            "progress_reported",
            _order(
                MailKind.PROGRESS_REPORTED,
                ("VP",),
                note="Đã lấy ý kiến 9/12 sở, ngành.\nDự kiến trình UBND tỉnh ngày 10/10/2026.",
                **ack,
            ),
            at(date(2026, 9, 25), 14, 20),
            ("báo cáo tiến độ", "9/12 sở, ngành", "Dự kiến trình", "còn 20 ngày"),
        ),
        Case(
            "extension_requested",
            _order(
                MailKind.EXTENSION_REQUESTED,
                ("VP",),
                note="Chờ ý kiến góp ý của Bộ Ngoại giao (dự kiến cuối tháng 10).",
                pending_extension=ExtensionRequest(
                    requested_at=at(date(2026, 10, 5), 16, 0),
                    new_deadline=EXTENDED,
                    reason="Chờ ý kiến góp ý của Bộ Ngoại giao (dự kiến cuối tháng 10).",
                    requested_by="agency:SNGV",
                ),
                **ack,
            ),
            at(date(2026, 10, 5), 16, 1),
            ("gia hạn", "30/11/2026", "15/10/2026", "Bộ Ngoại giao", "còn 10 ngày"),
        ),
        Case(
            "extension_approved",
            _order(
                MailKind.EXTENSION_APPROVED,
                ("SNGV",),
                ("STC", "SNNMT"),
                note="Đồng ý; đề nghị trình trước ngày 30/11/2026, không gia hạn thêm.",
                deadline=EXTENDED,
                **ack,
            ),
            at(date(2026, 10, 7), 9, 0),
            ("đồng ý gia hạn", "30/11/2026", "15/10/2026", "không gia hạn thêm", "còn 54 ngày"),
        ),
        Case(
            "deadline_moved",
            _order(
                MailKind.DEADLINE_MOVED,
                ("SNGV",),
                ("STC", "SNNMT"),
                note="Theo Thông báo của Bộ Nội vụ về lịch nghỉ Tết Nguyên đán 2027.",
                deadline=EXTENDED,
                **ack,
            ),
            at(date(2026, 10, 7), 9, 0),
            ("điều chỉnh theo lịch mới", "30/11/2026", "15/10/2026", "Bộ Nội vụ"),
        ),
        Case(
            "extension_refused",
            _order(
                MailKind.EXTENSION_REFUSED,
                ("SNGV",),
                note="Đề án phải trình kỳ họp tháng 10; đề nghị hoàn thành đúng hạn.",
                **ack,
            ),
            at(date(2026, 10, 7), 9, 0),
            ("không đồng ý gia hạn", "giữ nguyên", "còn 8 ngày", "kỳ họp tháng 10"),
        ),
        Case(
            "reassignment_proposed",
            _order(
                MailKind.REASSIGNMENT_PROPOSED,
                ("VP",),
                note="Nội dung thuộc chức năng của Sở Tài chính (cân đối ngân sách).",
                reassignment_proposed="Nội dung thuộc chức năng của Sở Tài chính (cân đối ngân sách).",
                **ack,
            ),
            at(date(2026, 9, 10), 11, 0),
            ("điều chỉnh đơn vị chủ trì", "cân đối ngân sách", "vẫn là đơn vị chủ trì"),
        ),
        Case(
            "reassigned",
            _order(
                MailKind.REASSIGNED,
                ("STC",),
                ("SNNMT",),
                note="Theo ý kiến chỉ đạo của đồng chí Phó Chủ tịch ngày 12/9/2026.",
                owner="STC",
                spec=make_spec(coordinators=("SNNMT",)),
            ),
            at(date(2026, 9, 14), 8, 30),
            ("chủ trì", "ý kiến chỉ đạo", "tiếp nhận nhiệm vụ", "còn 31 ngày"),
        ),
        Case(
            "reassigned_away",
            _order(
                MailKind.REASSIGNED_AWAY,
                ("SNGV",),
                note="Theo ý kiến chỉ đạo của đồng chí Phó Chủ tịch ngày 12/9/2026.",
                owner="STC",
                spec=make_spec(coordinators=("SNNMT",)),
            ),
            at(date(2026, 9, 14), 8, 30),
            ("không còn là đơn vị chủ trì", "Sở Tài chính", "chuyển giao hồ sơ"),
        ),
        Case(
            "awaiting_confirmation",
            _order(
                MailKind.AWAITING_CONFIRMATION,
                ("VP",),
                state=TaskState.AWAITING_CONFIRMATION,
                acknowledged_at=ACK,
                reported_at=REPORTED,
                report=REPORT,
            ),
            at(date(2026, 10, 12), 15, 41),
            (
                "báo cáo hoàn thành",
                "đúng hạn",
                "118/TTr-SNgV",
                "12 sở, ngành",
                "xác nhận hoàn thành",
            ),
        ),
        Case(
            "confirmation_reminder",
            _order(
                MailKind.CONFIRMATION_REMINDER,
                ("VP",),
                state=TaskState.AWAITING_CONFIRMATION,
                acknowledged_at=ACK,
                reported_at=REPORTED,
                report=REPORT,
            ),
            at(date(2026, 10, 14)),
            ("đã chờ Văn phòng xác nhận 2 ngày", "118/TTr-SNgV"),
        ),
        Case(
            "report_returned",
            _order(
                MailKind.REPORT_RETURNED,
                ("SNGV",),
                note="Dự thảo chưa có phụ lục danh mục dự án ưu tiên; đề nghị bổ sung.",
                **ack,
            ),
            at(date(2026, 10, 13), 10, 0),
            ("trả lại báo cáo", "phụ lục danh mục", "còn 2 ngày", "báo cáo lại kết quả"),
        ),
        Case(
            "completed",
            _order(
                MailKind.COMPLETED,
                ("SNGV",),
                note="Kết quả đạt yêu cầu.",
                state=TaskState.COMPLETED,
                acknowledged_at=ACK,
                reported_at=LATE_REPORTED,
                completed_at=at(date(2026, 10, 20), 9, 0),
                report=REPORT,
            ),
            at(date(2026, 10, 20), 9, 1),
            ("hoàn thành", "quá hạn 4 ngày", "Kết quả đạt yêu cầu", "không cần thao tác thêm"),
        ),
        Case(
            "completed_to_office",
            _order(
                MailKind.COMPLETED,
                ("VP",),
                ("SNGV",),
                state=TaskState.COMPLETED,
                acknowledged_at=ACK,
                reported_at=REPORTED,
                completed_at=REPORTED,
                report=REPORT,
            ),
            at(date(2026, 10, 12), 15, 41),
            ("hoàn thành", "đúng hạn", "118/TTr-SNgV"),
        ),
        Case(
            "cancelled",
            _order(
                MailKind.CANCELLED,
                ("SNGV",),
                ("STC", "SNNMT"),
                note="Nội dung đã được lồng ghép vào Đề án chung của tỉnh.",
                state=TaskState.CANCELLED,
                cancelled_at=at(date(2026, 9, 30), 14, 0),
            ),
            at(date(2026, 9, 30), 14, 1),
            ("đã được hủy", "lồng ghép", "không cần tiếp tục thực hiện"),
        ),
        Case(
            "reopened",
            _order(
                MailKind.REOPENED,
                ("SNGV",),
                ("VP",),
                note="Lãnh đạo UBND tỉnh yêu cầu bổ sung đánh giá tác động.",
                **ack,
            ),
            at(date(2026, 10, 21), 10, 0),
            ("mở lại", "đánh giá tác động", "đã quá hạn 6 ngày", "báo cáo lại kết quả ngay"),
        ),
        Case(
            "report_due",
            _order(
                MailKind.REPORT_DUE,
                ("SCT",),
                spec=ONGOING_SPEC,
                deadline=ONGOING,
                original_deadline=ONGOING,
                **ack,
            ),
            at(date(2026, 10, 27)),
            ("kỳ báo cáo", "tháng 10/2026", "02/11/2026", "còn 6 ngày", "Báo cáo tiến độ"),
        ),
        Case(
            "report_missed",
            _order(
                MailKind.REPORT_MISSED,
                ("VP",),
                ("SCT",),
                spec=ONGOING_SPEC,
                deadline=ONGOING,
                original_deadline=ONGOING,
                **ack,
            ),
            at(date(2026, 11, 5)),
            ("chưa báo cáo", "tháng 10/2026", "02/11/2026", "đã quá hạn 3 ngày"),
        ),
        Case(
            "bounce",
            _order(MailKind.BOUNCE, ("VP",), note="STC: 550 5.1.1 Mailbox does not exist"),
            at(NOTICE_DATE, 9, 32),
            ("không gửi được", "STC", "550 5.1.1 Mailbox does not exist", "địa chỉ thư điện tử"),
        ),
    ]


def one_per_recipient(case: Case) -> list[tuple[str, dict[str, Any]]]:
    return [(code, context(case.order, code, case.now)) for code in case.recipients()]


CASES_BY_NAME = {c.name: c for c in cases()}


def write_samples(out: Path) -> list[Path]:
    """Every case, to every recipient, as ``<case>-<code>.html`` and ``.txt`` files: what to
    open in a browser (or chromium --headless --screenshot) to see how each mail reads."""
    from dondoc.activities.mail_render import render

    out.mkdir(parents=True, exist_ok=True)
    written = []
    for case in cases():
        for code in case.recipients():
            mail = render(case.kind, context(case.order, code, case.now))
            for suffix, body in ((".html", mail.html), (".txt", mail.text)):
                path = out / f"{case.name}-{code}{suffix}"
                path.write_text(body, "utf-8")
                written.append(path)
    return written


if __name__ == "__main__":  # python tests/mail/mail_cases.py OUT_DIR
    import sys

    print(len(write_samples(Path(sys.argv[1] if len(sys.argv) > 1 else "var/mail-samples"))))
