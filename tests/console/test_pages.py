"""The console's pages against a real workflow, worker and mailbox: what a person reads and
what their actions do."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import openpyxl
import yaml

from dondoc.domain import requests as rq
from dondoc.store.agency_actions import ActionStatus
from dondoc.store.db import session_scope
from dondoc.store.events import list_events
from dondoc.store.tables import AgencyActionRow
from dondoc.workflows.task import TaskWorkflow
from support.console import Console, DownClient, csrf_of
from support.waiting import eventually


def _events(console: Console, task_id: str) -> list[str]:
    with session_scope(console.settings.database_url) as session:
        return [e.kind for e in list_events(session, task_id)]


async def test_the_dashboard_counts_and_draws_each_agency(console: Console) -> None:
    office = await console.as_user("office")
    page = await office.get("/admin/")
    assert page.status_code == 200
    text = page.text
    assert "Tổng số 3 nhiệm vụ" in text
    assert re.search(r'<span class="n">3</span><span class="l">Đang thực hiện, trong hạn', text)
    assert '<svg class="bar"' in text and "Sở Ngoại vụ" in text and "Sở Công Thương" in text
    assert "style=" not in text  # the CSP forbids inline styles; classes only
    assert "<script" not in text


async def test_the_task_list_filters_by_agency_text_notice_and_state(console: Console) -> None:
    office = await console.as_user("office")

    async def found(query: str) -> list[str]:
        page = await office.get(f"/admin/tasks?{query}")
        assert page.status_code == 200
        return re.findall(r'href="/admin/tasks/([^"?]+)"', page.text)

    assert sorted(await found("")) == sorted(console.vinh_tasks + console.ct_tasks)
    assert await found("owner=SCT") == console.ct_tasks
    assert await found("q=hoan+thien+de+an") == [console.vinh_tasks[0]]  # no diacritics typed
    assert await found("q=R%C3%80+SO%C3%81T") == [console.vinh_tasks[1]]  # upper case, accents
    number = console.notice_keys[1].split("-")[1] + "/TB-UBND"
    assert await found(f"notice={number}") == console.ct_tasks
    assert await found("state=completed") == []
    assert await found("overdue=1") == []
    assert await found("leader=CT") == console.ct_tasks
    due = (console.today + timedelta(days=25)).isoformat()
    assert await found(f"due_to={due}") == console.ct_tasks  # 20 days; the others are 30 and 60
    assert (await found("sort=-deadline"))[0] == console.vinh_tasks[1]
    assert "Không có nhiệm vụ nào khớp" in (await office.get("/admin/tasks?q=khongcotu")).text


async def test_a_task_page_tells_its_story_its_plan_and_its_raw_history(console: Console) -> None:
    office = await console.as_user("office")
    task = console.vinh_tasks[0]
    page = await office.get(f"/admin/tasks/{task}")
    assert page.status_code == 200
    text = page.text
    assert "Giao nhiệm vụ" in text and "Hệ thống" in text
    assert (
        "Thư «Giao nhiệm vụ» gửi Sở Ngoại vụ (songoaivu@ubnd.test, vanthu.sngv@ubnd.test)" in text
    )
    assert "đã gửi" in text
    assert "Các bước đôn đốc tiếp theo" in text and "Nhắc thời hạn" in text
    assert "WorkflowExecutionStarted" in text and "ActivityTaskScheduled" in text
    assert f"http://127.0.0.1:8233/namespaces/default/workflows/{task}" in text
    # Task text comes from outside: escaped, never markup.
    assert "<b>với Lào</b>" not in text and "&lt;b&gt;với Lào&lt;/b&gt;" in text


async def test_a_task_page_opens_and_says_so_while_temporal_is_down(console: Console) -> None:
    office = await console.as_user("office")
    console.app.state.temporal = DownClient()
    page = await office.get(f"/admin/tasks/{console.vinh_tasks[0]}")
    assert page.status_code == 200
    assert "Không kết nối được Temporal" in page.text
    assert "Giao nhiệm vụ" in page.text  # the story comes from the database all the same


async def test_approving_an_extension_reaches_the_workflow_and_the_agency(console: Console) -> None:
    task = console.vinh_tasks[0]
    handle = console.env.client.get_workflow_handle(task)
    wanted = console.today + timedelta(days=45)
    await handle.execute_update(
        TaskWorkflow.request_extension,
        rq.RequestExtension(
            actor="agency:SNGV", new_deadline=wanted.isoformat(), reason="Chờ ý kiến các tỉnh bạn"
        ),
    )
    office = await console.as_user("office")
    page = await office.get(f"/admin/tasks/{task}")
    assert "Chờ ý kiến các tỉnh bạn" in page.text and "Quyết định gia hạn" in page.text
    before = len(console.mailbox.messages)
    key = re.search(r'name="action_key" value="([^"]+-decide_extension)"', page.text)
    assert key
    form = {
        "csrf_token": csrf_of(page.text),
        "action_key": key.group(1),
        "decision": "approve",
        "note": "Đồng ý, đề nghị hoàn thành đúng thời hạn mới",
    }
    done = await office.post(f"/admin/tasks/{task}/actions/decide_extension", data=form)
    assert done.status_code == 303
    page = await office.get(done.headers["location"])
    assert "Đã đồng ý gia hạn" in page.text
    view = await handle.query(TaskWorkflow.view)
    assert view.status.deadline.due is not None
    assert view.status.deadline.due.astimezone().date() >= wanted - timedelta(days=1)
    assert view.status.pending_extension is None
    mails = await console.mailbox.arrived(before + 1)
    approved = [m for m in mails if m.kind == "extension_approved"]
    assert approved and "songoaivu@ubnd.test" in approved[0].envelope_to
    await eventually(lambda: "extension_approved" in _events(console, task), what="the approval")
    page = await office.get(f"/admin/tasks/{task}")
    assert "Đồng ý gia hạn" in page.text and "Tài khoản office (office)" in page.text

    # The same form sent twice is one decision.
    again = await office.post(f"/admin/tasks/{task}/actions/decide_extension", data=form)
    assert again.status_code == 303
    assert _events(console, task).count("extension_approved") == 1


async def test_an_office_action_needs_a_reason_and_lands_in_the_history(console: Console) -> None:
    office = await console.as_user("office")
    task = console.vinh_tasks[1]
    page = await office.get(f"/admin/tasks/{task}")
    empty = await office.post(
        f"/admin/tasks/{task}/actions/cancel",
        data={"csrf_token": csrf_of(page.text), "reason": " "},
    )
    assert empty.status_code == 422 and "Vui lòng nhập lý do" in empty.text
    assert console.state(task) == "assigned"
    done = await office.post(
        f"/admin/tasks/{task}/actions/cancel",
        data={
            "csrf_token": csrf_of(page.text),
            "reason": "Nội dung đã lồng ghép vào nhiệm vụ khác",
        },
    )
    assert done.status_code == 303
    await eventually(lambda: console.state(task) == "cancelled", what="the cancellation")
    page = await office.get(f"/admin/tasks/{task}")
    assert "Hủy nhiệm vụ: Nội dung đã lồng ghép vào nhiệm vụ khác" in page.text
    refused = await office.post(
        f"/admin/tasks/{task}/actions/reopen",
        data={"csrf_token": csrf_of(page.text), "reason": "thử mở lại"},
    )
    # Refused by the workflow's validator, or by Temporal once the workflow has ended.
    assert refused.status_code == 409
    assert "nhiệm vụ đã bị hủy" in refused.text or "không còn nhận thao tác" in refused.text


async def test_resending_a_mail_sends_a_new_copy_in_the_same_thread(console: Console) -> None:
    office = await console.as_user("office")
    task = console.vinh_tasks[1]
    page = await office.get(f"/admin/tasks/{task}")
    original = next(m for m in console.mailbox.messages if m.task == task and m.kind == "assigned")
    before = len(console.mailbox.messages)
    done = await office.post(
        f"/admin/tasks/{task}/resend",
        data={"csrf_token": csrf_of(page.text), "reason": "Đơn vị báo chưa nhận được thư"},
    )
    assert done.status_code == 303
    copy = (await console.mailbox.arrived(before + 1))[-1]
    assert copy.kind == "assigned" and copy.task == task
    assert copy.message["Message-ID"] != original.message["Message-ID"]
    assert original.message["Message-ID"] in str(copy.message["References"])
    page = await office.get(f"/admin/tasks/{task}")
    assert (
        "Gửi lại thư «Giao nhiệm vụ» tới Sở Nông nghiệp và Môi trường: Đơn vị báo chưa nhận được thư"
        in page.text
    )


async def test_an_action_while_temporal_is_down_is_kept_for_later(console: Console) -> None:
    office = await console.as_user("office")
    task = console.vinh_tasks[1]
    page = await office.get(f"/admin/tasks/{task}")
    console.app.state.temporal = DownClient()
    done = await office.post(
        f"/admin/tasks/{task}/actions/cancel",
        data={"csrf_token": csrf_of(page.text), "reason": "Trùng nhiệm vụ khác"},
    )
    assert done.status_code == 303
    assert "sẽ được thực hiện tự động" in (await office.get(done.headers["location"])).text
    with session_scope(console.settings.database_url) as session:
        kept = session.query(AgencyActionRow).filter_by(task_id=task).one()
        assert kept.status == ActionStatus.PENDING.value and kept.actor == "user:office"


async def test_issuing_a_notice_from_yaml_goes_through_a_review(console: Console) -> None:
    office = await console.as_user("office")
    page = await office.get("/admin/notices/new")
    csrf = csrf_of(page.text)
    bad = {
        "number": "77/TB-UBND",
        "date": console.today.isoformat(),
        "leader": "PCT-VINH",
        "subject": "Kết luận về công tác đối ngoại",
        "tasks": [
            {"owner": "SNGV", "work": "Tổ chức đoàn công tác", "deadline": "trước ngày 30/2/2026"},
            {"owner": "KHONGCO", "work": "Việc khác", "deadline": "thường xuyên"},
        ],
    }
    refused = await office.post(
        "/admin/notices/preview",
        data={
            "csrf_token": csrf,
            "source": "yaml",
            "yaml": yaml.safe_dump(bad, allow_unicode=True),
        },
    )
    assert refused.status_code == 422
    assert "tasks[1].deadline" in refused.text and "tasks[2].owner" in refused.text
    good = dict(
        bad,
        tasks=[
            {"owner": "SNGV", "work": "Tổ chức đoàn công tác sang Lào", "deadline": "thường xuyên"}
        ],
    )
    review = await office.post(
        "/admin/notices/preview",
        data={
            "csrf_token": csrf,
            "source": "yaml",
            "yaml": yaml.safe_dump(good, allow_unicode=True),
        },
    )
    assert review.status_code == 200 and "Kiểm tra trước khi ban hành" in review.text
    payload = re.search(r'name="payload" value="([^"]+)"', review.text)
    assert payload
    import html

    before = len(console.mailbox.messages)
    issued = await office.post(
        "/admin/notices/issue",
        data={"csrf_token": csrf, "payload": html.unescape(payload.group(1))},
    )
    assert issued.status_code == 303
    notice_page = await office.get(issued.headers["location"])
    assert "Đã ban hành thông báo 77/TB-UBND: 1 nhiệm vụ." in notice_page.text
    assert "Tổ chức đoàn công tác sang Lào" in notice_page.text
    mails = await console.mailbox.arrived(before + 1)
    assert any(
        m.kind == "assigned" and "songoaivu@ubnd.test" in m.envelope_to for m in mails[before:]
    )


async def test_issuing_from_the_form_keeps_what_was_typed_when_it_is_wrong(
    console: Console,
) -> None:
    office = await console.as_user("office")
    csrf = csrf_of((await office.get("/admin/notices/new")).text)
    answer = await office.post(
        "/admin/notices/preview",
        data={
            "csrf_token": csrf,
            "source": "form",
            "number": "78/TB-UBND",
            "date": console.today.isoformat(),
            "leader": "PCT-VINH",
            "subject": "Kết luận",
            "owner_0": "SNGV",
            "work_0": "Báo cáo tình hình hợp tác",
            "deadline_0": "bao giờ xong",
        },
    )
    assert answer.status_code == 422
    assert "tasks[1].deadline" in answer.text
    assert "Báo cáo tình hình hợp tác" in answer.text  # nothing typed is lost


async def test_the_directory_is_edited_in_the_page_and_round_trips_as_yaml(
    console: Console,
) -> None:
    office = await console.as_user("office")
    csrf = csrf_of((await office.get("/admin/directory")).text)
    wrong = await office.post(
        "/admin/directory/agencies",
        data={
            "csrf_token": csrf,
            "code": "SCT",
            "name": "Sở Công Thương",
            "email": "không-phải-địa-chỉ",
        },
    )
    assert wrong.status_code == 422 and "Địa chỉ thư" in wrong.text
    saved = await office.post(
        "/admin/directory/agencies",
        data={
            "csrf_token": csrf,
            "code": "SCT",
            "name": "Sở Công Thương",
            "email": "sct@ubnd.test",
            "digest": "1",
        },
    )
    assert saved.status_code == 303
    exported = await office.get("/admin/directory.yaml")
    data = yaml.safe_load(exported.text)
    sct = next(a for a in data["agencies"] if a["code"] == "SCT")
    assert sct["email"] == "sct@ubnd.test" and sct["digest"] is True
    data["agencies"].append({"code": "SYT", "name": "Sở Y tế", "email": "soyte@ubnd.test"})
    loaded = await office.post(
        "/admin/directory-import",
        data={"csrf_token": csrf},
        files={
            "file": (
                "danh-ba.yaml",
                yaml.safe_dump(data, allow_unicode=True).encode(),
                "application/yaml",
            )
        },
    )
    assert loaded.status_code == 303
    page = await office.get(loaded.headers["location"])
    assert "1 mục mới" in page.text and "Sở Y tế" in page.text


async def test_reports_download_as_xlsx_and_csv(console: Console) -> None:
    office = await console.as_user("office")
    query = f"from={console.today.isoformat()}&to={console.today.isoformat()}"
    page = await office.get(f"/admin/reports?{query}")
    assert page.status_code == 200 and "Sở Ngoại vụ" in page.text and "Tổng cộng" in page.text
    xlsx = await office.get(f"/admin/reports.xlsx?{query}")
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["content-disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    header = rows.index(next(r for r in rows if r[0] == "Mã đơn vị"))
    body = {r[0]: r for r in rows[header + 1 :] if r[0]}
    assert (
        body["SNGV"][2] == 1
        and body["SCT"][2] == 1
        and rows[-1][1] == "Tổng cộng"
        and rows[-1][2] == 3
    )
    csv = await office.get(f"/admin/reports.csv?{query}")
    assert csv.content.startswith("\ufeff".encode()) and "Sở Nông nghiệp và Môi trường" in csv.text


async def test_operations_show_health_outbox_and_masked_settings(console: Console) -> None:
    admin = await console.as_user("admin")
    page = await admin.get("/admin/operations")
    assert page.status_code == 200
    assert "DONDOC_SECRET_KEY" in page.text and "test-secret" not in page.text
    assert "Hộp thư đi" in page.text and "songoaivu@ubnd.test" in page.text
    sent = await admin.get("/admin/operations?status=bounced")
    assert "Không có thư nào." in sent.text
