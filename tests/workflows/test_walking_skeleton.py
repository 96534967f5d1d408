"""A notice in, one workflow per task, the assignment mail out, the agency acts."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from temporalio.testing import WorkflowEnvironment

from dondoc.commands.issue import check_notice, issue_notice
from dondoc.domain import requests as rq
from dondoc.domain.formatting import LOCAL_TZ
from dondoc.domain.task import CompletionReport, TaskState
from dondoc.store.db import session_scope
from dondoc.store.events import list_events
from dondoc.store.tasks import get_task
from dondoc.worker import build_worker
from dondoc.workflows.task import TaskWorkflow
from support.waiting import eventually


def notice(today: date, number: str = "245/TB-UBND") -> dict:
    return {
        "number": number,
        "date": today.isoformat(),
        "leader": "PCT-VINH",
        "subject": "Kết luận về Dự thảo Đề án hợp tác toàn diện với các tỉnh của Lào",
        "tasks": [
            {
                "owner": "SNGV",
                "coordinators": ["STC", "SNNMT"],
                "work": "Tiếp thu ý kiến, hoàn thiện dự thảo Đề án",
                "result": "Dự thảo Đề án hoàn chỉnh trình UBND tỉnh",
                "deadline": f"trước ngày {today + timedelta(days=40):%d/%m/%Y}",
            },
            {
                "owner": "STC",
                "work": "Cân đối nguồn kinh phí",
                "deadline": "trong 15 ngày làm việc",
            },
        ],
    }


# The same walk with the worker's workflows in the SDK's sandbox (the default) and as plain
# code (DONDOC_WORKER_SANDBOX=false, the faster way to run them).
@pytest.mark.parametrize("sandbox", [True, False], ids=["sandboxed", "unsandboxed"])
async def test_issue_sends_assignment_and_agency_acts(
    env: WorkflowEnvironment, settings, mailbox, sandbox: bool
) -> None:
    queue = f"q-{uuid.uuid4()}"
    settings = settings.model_copy(update={"task_queue": queue, "worker_sandbox": sandbox})
    today = (await env.get_current_time()).astimezone(LOCAL_TZ).date()
    parsed = check_notice(notice(today), settings)
    key = parsed.key
    async with build_worker(env.client, settings):
        result = await issue_notice(parsed, settings, env.client, search_attributes=False)
        assert result.started == [f"{key}-1", f"{key}-2"]
        handle = env.client.get_workflow_handle(f"{key}-1")
        view = await handle.execute_update(
            TaskWorkflow.acknowledge, rq.Acknowledge(actor="agency:SNGV")
        )
        assert view.status.state == TaskState.ACKNOWLEDGED
        view = await handle.execute_update(
            TaskWorkflow.complete,
            rq.Complete(actor="agency:SNGV", report=CompletionReport(summary="Đã trình dự thảo")),
        )
        assert view.status.state == TaskState.AWAITING_CONFIRMATION
        again = await issue_notice(parsed, settings, env.client, search_attributes=False)
        assert again.was_already_issued
        messages = await mailbox.arrived(5)

        def recorded_state() -> str | None:
            with session_scope(settings.database_url) as session:
                row = get_task(session, f"{key}-1")
                return row.state if row and row.state == "awaiting_confirmation" else None

        await eventually(recorded_state, what="the read model to show the report")
    subjects = sorted(m.subject for m in messages)
    assert "[245/TB-UBND] Giao nhiệm vụ: Tiếp thu ý kiến, hoàn thiện dự thảo Đề án" in subjects
    assert (
        "[245/TB-UBND] Đề nghị xác nhận hoàn thành: Tiếp thu ý kiến, hoàn thiện dự thảo Đề án"
        in subjects
    )
    with session_scope(settings.database_url) as session:
        kinds = [e.kind for e in list_events(session, f"{key}-1")]
    assert kinds[:3] == ["assigned", "acknowledged", "completion_reported"]
