"""A province's worth of tasks for the console benchmark: written straight into the read model.

Ten tasks per notice, sixty agencies, eight leaders, deadlines from a year ago to a year
ahead, states and classes in the proportions a follow-up office sees (most done, some
overdue), a few events and mails per task. Rows go in with one executemany per table in
a single transaction, which is what makes 100,000 tasks load in seconds.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert

from dondoc.domain.deadlines import DeadlineKind
from dondoc.domain.directory import Agency, Directory, Leader, Office
from dondoc.domain.task import StatusClass, TaskState
from dondoc.store.db import engine_for, migrate, session_scope
from dondoc.store.directory import load_directory
from dondoc.store.tables import EventRow, NoticeRow, OutboxRow, TaskRow

WORKS = [
    "Tiếp thu ý kiến, hoàn thiện dự thảo Đề án hợp tác toàn diện với các tỉnh của Lào",
    "Rà soát, đánh giá tình hình thực hiện các dự án đầu tư công trên địa bàn",
    "Tham mưu UBND tỉnh ban hành Kế hoạch chuyển đổi số năm sau",
    "Kiểm tra, xử lý dứt điểm tình trạng lấn chiếm hành lang an toàn giao thông",
    "Phối hợp tổ chức hội nghị xúc tiến đầu tư, thương mại và du lịch",
    "Xây dựng phương án phòng, chống thiên tai và tìm kiếm cứu nạn mùa mưa bão",
    "Đôn đốc giải ngân vốn đầu tư công, báo cáo UBND tỉnh kết quả hằng tháng",
    "Hoàn thiện hồ sơ đề nghị công nhận xã đạt chuẩn nông thôn mới nâng cao",
    "Rà soát quy hoạch sử dụng đất, đề xuất điều chỉnh cho phù hợp",
    "Tổng hợp ý kiến các sở, ngành về dự thảo Nghị quyết của HĐND tỉnh",
]
SECTORS = [
    "Ngoại vụ", "Tài chính", "Nông nghiệp và Môi trường", "Công Thương", "Xây dựng",
    "Giáo dục và Đào tạo", "Y tế", "Văn hóa, Thể thao và Du lịch", "Khoa học và Công nghệ",
    "Nội vụ", "Tư pháp", "Dân tộc và Tôn giáo",
]  # fmt: skip


def directory(agencies: int = 60, leaders: int = 8) -> Directory:
    items = [
        Agency(
            code=f"S{i:02d}", name=f"Sở {SECTORS[i % len(SECTORS)]} {i}", email=f"s{i}@ubnd.test"
        )
        for i in range(agencies)
    ]
    heads = [
        Leader(
            code=f"PCT-{i}",
            name=f"Nguyễn Văn {chr(65 + i)}",
            title="Phó Chủ tịch UBND tỉnh",
            email=f"pct{i}@ubnd.test",
        )
        for i in range(leaders)
    ]
    return Directory(
        office=Office(name="Văn phòng UBND tỉnh", email="vanphong@ubnd.test"),
        leaders=heads,
        agencies=items,
    )


def _deadline(due: datetime | None) -> dict[str, Any]:
    if due is None:
        return {"phrase": "thường xuyên", "kind": DeadlineKind.ONGOING.value, "due": None,
                "report_every_months": 1}  # fmt: skip
    local = due.astimezone(UTC)
    return {
        "phrase": f"trước ngày {local.day}/{local.month}/{local.year}",
        "kind": DeadlineKind.DATE.value,
        "due": due.isoformat(),
        "report_every_months": None,
    }


def load(url: str, count: int, *, now: datetime | None = None, seed: int = 7) -> list[str]:
    """Write ``count`` tasks (and their notices, events and mails); the task ids."""
    now = now or datetime.now(UTC)
    rng = random.Random(seed)
    migrate(url)
    book = directory()
    with session_scope(url) as session:
        load_directory(session, book)
    agencies = [a.code for a in book.agencies]
    leaders = [leader.code for leader in book.leaders]
    notices: list[dict[str, Any]] = []
    tasks: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    mails: list[dict[str, Any]] = []
    per_notice = 10
    for n in range(-(-count // per_notice)):
        day = (now - timedelta(days=400 - n * 400 * per_notice // count)).date()
        key = f"{day.year}-{n + 1}-TB-UBND"
        number = f"{n + 1}/TB-UBND"
        leader = leaders[n % len(leaders)]
        issued = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=2)
        notices.append(
            {"key": key, "number": number, "date": day, "leader": leader,
             "subject": f"Kết luận của Phó Chủ tịch UBND tỉnh tại cuộc họp số {n + 1}",
             "signer": None, "fingerprint": f"{n:064d}", "issued_at": issued}
        )  # fmt: skip
        for position in range(1, per_notice + 1):
            if len(tasks) >= count:
                break
            tasks.append(_task(rng, key, number, day, leader, position, issued, agencies, now))
            task = tasks[-1]
            for seq, (kind, at) in enumerate(_story(task), start=1):
                event_id = f"{task['id']}#{seq}"
                events.append(
                    {"id": event_id, "task_id": task["id"], "seq": seq, "at": at, "kind": kind,
                     "actor": "system" if kind != "acknowledged" else f"agency:{task['owner']}",
                     "summary": "Giao nhiệm vụ" if seq == 1 else kind,
                     "data": {"mails": [{"kind": "assigned", "to": [task["owner"]], "cc": []}]}
                     if seq == 1 else {}}
                )  # fmt: skip
                if seq == 1:
                    mails.append(
                        {"key": f"{event_id}:assigned:{task['owner']}", "task_id": task["id"],
                         "event_id": event_id, "kind": "assigned", "recipient": task["owner"],
                         "to_addrs": [f"{task['owner'].lower()}@ubnd.test"], "cc_addrs": [],
                         "subject": f"[{number}] Giao nhiệm vụ", "message_id": f"<{event_id}@b>",
                         "status": "sent", "attempts": 1, "last_error": None,
                         "created_at": at, "sent_at": at}
                    )  # fmt: skip
    engine = engine_for(url)
    with engine.begin() as conn:
        conn.execute(insert(NoticeRow), notices)
        for start in range(0, len(tasks), 5000):
            conn.execute(insert(TaskRow), tasks[start : start + 5000])
        for start in range(0, len(events), 20000):
            conn.execute(insert(EventRow), events[start : start + 20000])
        for start in range(0, len(mails), 20000):
            conn.execute(insert(OutboxRow), mails[start : start + 20000])
    if engine.dialect.name == "postgresql":
        # VACUUM too: index-only scans need the visibility map a bulk load leaves unset
        # (autovacuum would set it some minutes later; a measurement should not wait).
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    return [t["id"] for t in tasks]


def _task(
    rng: random.Random,
    key: str,
    number: str,
    day: date,
    leader: str,
    position: int,
    issued: datetime,
    agencies: list[str],
    now: datetime,
) -> dict[str, Any]:
    task_id = f"{key}-{position}"
    owner = rng.choice(agencies)
    due = None if rng.random() < 0.05 else issued + timedelta(days=rng.randint(7, 120))
    roll = rng.random()
    acknowledged = issued + timedelta(hours=rng.randint(1, 72))
    state, completed, reported, cancelled = TaskState.ACKNOWLEDGED, None, None, None
    if roll < 0.05:
        state, cancelled = TaskState.CANCELLED, acknowledged + timedelta(days=3)
    elif due is not None and roll < 0.75 and due < now + timedelta(days=60):
        finish = due + timedelta(days=rng.randint(-20, 8))
        if finish < now:
            state, reported, completed = TaskState.COMPLETED, finish, finish + timedelta(hours=5)
    elif roll < 0.8:
        state = TaskState.ASSIGNED
    if state == TaskState.ASSIGNED:
        acknowledged = None  # type: ignore[assignment]
    if state == TaskState.COMPLETED:
        klass = (
            StatusClass.DONE_LATE
            if reported and due and reported > due
            else StatusClass.DONE_ON_TIME
        )
    elif state == TaskState.CANCELLED:
        klass = StatusClass.CANCELLED
    else:
        klass = (
            StatusClass.IN_PROGRESS_OVERDUE
            if due and due < now
            else StatusClass.IN_PROGRESS_ON_TIME
        )
    deadline = _deadline(due)
    work = f"{rng.choice(WORKS)} (mục {position})"
    spec = {
        "id": task_id, "position": position, "notice_key": key, "notice_number": number,
        "notice_date": day.isoformat(), "notice_subject": "Kết luận của Phó Chủ tịch UBND tỉnh",
        "leader": leader, "owner": owner, "coordinators": [], "work": work,
        "result": "Báo cáo UBND tỉnh", "deadline": deadline, "policy": "default",
    }  # fmt: skip
    status = {
        "task_id": task_id, "state": state.value, "owner": owner, "deadline": deadline,
        "original_deadline": deadline, "assigned_at": issued.isoformat(),
        "acknowledged_at": acknowledged.isoformat() if acknowledged else None,
        "reported_at": reported.isoformat() if reported else None,
        "completed_at": completed.isoformat() if completed else None,
        "cancelled_at": cancelled.isoformat() if cancelled else None,
        "report": {"summary": "Đã hoàn thành", "document_number": "", "link": ""} if completed else None,
        "escalation_step": 1 if klass == StatusClass.IN_PROGRESS_OVERDUE and rng.random() < 0.5 else 0,
        "pending_extension": None, "reassignment_proposed": None, "event_seq": 2,
    }  # fmt: skip
    return {
        "id": task_id, "notice_key": key, "position": position, "notice_number": number,
        "leader": leader, "owner": owner, "coordinators": [], "work": work,
        "result": "Báo cáo UBND tỉnh", "deadline_at": due, "deadline_phrase": deadline["phrase"],
        "original_deadline_at": due, "policy": "default", "state": state.value,
        "status_class": klass.value, "escalation_step": status["escalation_step"],
        "assigned_at": issued, "acknowledged_at": acknowledged, "reported_at": reported,
        "completed_at": completed, "closed_at": completed or cancelled, "status": status,
        "spec": spec, "event_seq": 2, "updated_at": completed or acknowledged or issued,
    }  # fmt: skip


def _story(task: dict[str, Any]) -> list[tuple[str, datetime]]:
    story = [("assigned", task["assigned_at"])]
    if task["acknowledged_at"]:
        story.append(("acknowledged", task["acknowledged_at"]))
    if task["completed_at"]:
        story.append(("completed", task["completed_at"]))
    return story
