"""Mail waits at most seconds after an outage of the relay or the database ends.

Temporal retries a failed attempt on the schedule the workflow gave it when it scheduled
the activity, and that schedule is in the history, which is what this reads. Before
SHORT_RETRIES the wait doubled up to 5 minutes, so mail could wait after an outage about as
long again as the outage had lasted. The fault suite (``make test-faults``, relay down and
database down) measures what it means for mail.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment

from dondoc.commands.issue import check_notice, issue_notice
from dondoc.domain.formatting import LOCAL_TZ
from dondoc.worker import build_worker


async def test_recording_and_mailing_are_retried_at_least_every_15_seconds_forever(
    env: WorkflowEnvironment, settings, mailbox
) -> None:
    settings = settings.model_copy(update={"task_queue": f"q-{uuid.uuid4()}"})
    today = (await env.get_current_time()).astimezone(LOCAL_TZ).date()
    document = {
        "number": "77/TB-UBND",
        "date": today.isoformat(),
        "leader": "PCT-VINH",
        "subject": "Kết luận về công tác chuyển đổi số",
        "tasks": [{"owner": "SNGV", "work": "Báo cáo tiến độ", "deadline": "trong 10 ngày"}],
    }
    parsed = check_notice(document, settings)
    async with build_worker(env.client, settings):
        await issue_notice(parsed, settings, env.client, search_attributes=False)
        await mailbox.arrived(1)  # the first effect ran: its scheduling is in the history
        history = await env.client.get_workflow_handle(f"{parsed.key}-1").fetch_history()
    scheduled = [
        e.activity_task_scheduled_event_attributes
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    ]
    effects = [a for a in scheduled if a.activity_type.name == "record_and_mail"]
    assert effects, [a.activity_type.name for a in scheduled]
    for attributes in effects:
        policy = attributes.retry_policy
        assert policy.maximum_interval.ToTimedelta() == timedelta(seconds=15)
        assert policy.maximum_attempts == 0  # never given up: nothing queued is dropped
