"""A notice in, one workflow per task, the assignment mail out, the agency acts."""

from __future__ import annotations

import uuid

from temporalio.testing import WorkflowEnvironment

from dondoc.domain import requests as rq
from dondoc.domain.task import CompletionReport, TaskState
from dondoc.starter.issuing import check_notice, issue_notice
from dondoc.store.db import session_scope
from dondoc.store.events import list_events
from dondoc.store.tasks import get_task
from dondoc.worker import build_worker
from dondoc.workflows.task import TaskWorkflow


def notice(number: str = "245/TB-UBND") -> dict:
    return {
        "number": number,
        "date": "2026-08-20",
        "leader": "PCT-VINH",
        "subject": "Kết luận về Dự thảo Đề án hợp tác toàn diện với các tỉnh của Lào",
        "tasks": [
            {
                "owner": "SNGV",
                "coordinators": ["STC", "SNNMT"],
                "work": "Tiếp thu ý kiến, hoàn thiện dự thảo Đề án",
                "result": "Dự thảo Đề án hoàn chỉnh trình UBND tỉnh",
                "deadline": "trước ngày 15/9/2026",
            },
            {
                "owner": "STC",
                "work": "Cân đối nguồn kinh phí",
                "deadline": "trong 15 ngày làm việc",
            },
        ],
    }


async def test_issue_sends_assignment_and_agency_acts(
    env: WorkflowEnvironment, settings, mailbox
) -> None:
    queue = f"q-{uuid.uuid4()}"
    settings = settings.model_copy(update={"task_queue": queue})
    parsed = check_notice(notice(), settings)
    async with build_worker(env.client, settings):
        result = await issue_notice(parsed, settings, env.client, search_attributes=False)
        assert result.started == ["2026-245-TB-UBND-1", "2026-245-TB-UBND-2"]
        handle = env.client.get_workflow_handle("2026-245-TB-UBND-1")
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
        messages = await mailbox.arrived(4)
    subjects = sorted(m.subject for m in messages)
    print(subjects)
    assert any(s.startswith("[245/TB-UBND] Giao nhiệm vụ: Tiếp thu ý kiến") for s in subjects)
    with session_scope(settings.database_url) as session:
        row = get_task(session, "2026-245-TB-UBND-1")
        assert row is not None and row.state == "awaiting_confirmation"
        kinds = [e.kind for e in list_events(session, row.id)]
    assert kinds[:3] == ["assigned", "acknowledged", "completion_reported"]
