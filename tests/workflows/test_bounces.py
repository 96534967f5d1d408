"""A refused address is recorded and reported to the office; the task carries on."""

from __future__ import annotations

import uuid
from datetime import timedelta

from temporalio.testing import WorkflowEnvironment

from dondoc.commands.issue import check_notice, issue_notice
from dondoc.domain import requests as rq
from dondoc.domain.formatting import LOCAL_TZ
from dondoc.domain.task import TaskState
from dondoc.store.db import session_scope
from dondoc.store.events import list_events
from dondoc.store.outbox import list_for_task
from dondoc.worker import build_worker
from dondoc.workflows.task import TaskWorkflow
from support.waiting import eventually


async def test_a_bounced_coordinator_is_recorded_and_the_office_told(
    env: WorkflowEnvironment, settings, mailbox
) -> None:
    settings = settings.model_copy(update={"task_queue": f"q-{uuid.uuid4()}"})
    mailbox.refuse("sotaichinh@ubnd.test")
    today = (await env.get_current_time()).astimezone(LOCAL_TZ).date()
    parsed = check_notice(
        {
            "number": f"{uuid.uuid4().int % 9000 + 100}/TB-UBND",
            "date": today.isoformat(),
            "leader": "PCT-VINH",
            "subject": "Kết luận kiểm thử thư bị từ chối",
            "tasks": [
                {
                    "owner": "SNGV",
                    "coordinators": ["STC"],
                    "work": "Rà soát danh mục hợp tác",
                    "deadline": (today + timedelta(days=20)).isoformat(),
                }
            ],
        },
        settings,
    )
    task_id = parsed.tasks[0].id
    async with build_worker(env.client, settings):
        await issue_notice(parsed, settings, env.client, search_attributes=False)
        bounce = await eventually(
            lambda: [m for m in mailbox.messages if m.kind == "bounce"], what="the bounce report"
        )
        assert bounce[0].envelope_to == ["vanphong@ubnd.test"]
        assert "sotaichinh@ubnd.test" not in [a for m in mailbox.messages for a in m.envelope_to]
        view = await env.client.get_workflow_handle(task_id).execute_update(
            TaskWorkflow.acknowledge, rq.Acknowledge(actor="agency:SNGV")
        )
        assert view.status.state == TaskState.ACKNOWLEDGED
    with session_scope(settings.database_url) as session:
        kinds = [e.kind for e in list_events(session, task_id)]
        statuses = {(m.kind, m.recipient): m.status for m in list_for_task(session, task_id)}
    assert "mail_bounced" in kinds
    assert statuses[("assigned", "STC")] == "bounced"
    assert statuses[("assigned", "SNGV")] == "sent"
