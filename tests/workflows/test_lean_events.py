"""An event that sends no mail costs the server one workflow task, and indexing writes only
what changed (LEAN_EVENTS).

Read from the history, which is what the Temporal server stores and does: an agency's
acknowledgement is recorded by a local activity inside the Update's workflow task (no
activity task, no second workflow task), so its answer leaves once the event is in the
database; a database that does not answer at once hands the event to the regular activity,
which waits the outage out; and a task's search attributes are set when it starts and then
upserted only when one of them changes.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from temporalio import activity
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client, WorkflowHandle

from dondoc.activities.calendar import CalendarActivities
from dondoc.activities.digest import DigestActivities
from dondoc.activities.effects import EffectActivities
from dondoc.activities.mailing import MailActivities
from dondoc.activities.recording import RecordingActivities
from dondoc.commands.issue import check_notice, issue_notice
from dondoc.domain import requests as rq
from dondoc.domain.events import TaskEvent
from dondoc.domain.formatting import LOCAL_TZ
from dondoc.settings import Settings
from dondoc.worker import build_worker
from dondoc.workflows import search_attributes as sa
from support.desk import OWNER, Desk, update
from support.followup import (
    before,
    calendar,
    events,
    notice,
    recorded,
    start_on_a_working_morning,
    task,
    time_skipping_env,
    worker,
)
from support.mailbox import Mailbox

SCHEDULED = EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
MARKER = EventType.EVENT_TYPE_MARKER_RECORDED
WORKFLOW_TASK = EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED
UPSERT = EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES


async def _history_since(handle: WorkflowHandle[Any, Any], start: int) -> list[HistoryEvent]:
    return list((await handle.fetch_history()).events)[start:]


def _local_activity_markers(added: list[HistoryEvent]) -> list[HistoryEvent]:
    return [
        e
        for e in added
        if e.event_type == MARKER
        and e.marker_recorded_event_attributes.marker_name == "core_local_activity"
    ]


async def test_an_acknowledgement_is_in_the_database_when_its_answer_arrives_without_an_activity_task(
    desk: Desk,
) -> None:
    spec, handle = await desk.issue()
    start = len((await handle.fetch_history()).events)

    await update(handle, "acknowledge", rq.Acknowledge(actor=OWNER, note="Đã phân công"))

    # No waiting: the answer left after the event was written.
    assert [e.kind for e in events(desk.settings, spec.id)] == ["assigned", "acknowledged"]
    added = await _history_since(handle, start)
    assert [e for e in added if e.event_type == SCHEDULED] == []
    assert len(_local_activity_markers(added)) == 1
    assert [e.event_type for e in added].count(WORKFLOW_TASK) == 1


async def test_a_database_that_does_not_answer_at_once_hands_the_event_to_the_patient_activity(
    settings: Settings, mailbox: Mailbox
) -> None:
    settings = settings.model_copy(update={"task_queue": f"lean-{uuid.uuid4()}"})
    recording = RecordingActivities(settings.database_url)
    mailing = MailActivities(settings)
    effects = EffectActivities(recording, mailing)
    refused: list[str] = []

    @activity.defn(name="record_event")
    async def database_down(event: TaskEvent) -> None:
        refused.append(event.kind.value)
        raise RuntimeError("the database did not answer")

    async with time_skipping_env() as env:
        cal = calendar(settings, (await env.get_current_time()).date())
        issued = await start_on_a_working_morning(env, cal)
        activities = [
            effects.record_and_mail,
            database_down,
            mailing.send_mail,
            DigestActivities(settings).send_digests,
            CalendarActivities(settings).working_calendar,
        ]
        async with worker(env.client, settings, activities=activities):
            raw = notice(issued.date(), task(before(cal.add_working_days(issued.date(), 8))))
            parsed = check_notice(raw, settings)
            await issue_notice(parsed, settings, env.client, search_attributes=False)
            spec = parsed.tasks[0]
            handle = env.client.get_workflow_handle(spec.id)
            await recorded(settings, spec.id, 1)
            start = len((await handle.fetch_history()).events)

            view = await update(handle, "acknowledge", rq.Acknowledge(actor=OWNER))
            assert view.status.state.value == "acknowledged"  # answered from the workflow

            rows = await recorded(settings, spec.id, 2)
            added = await _history_since(handle, start)

    assert [e.kind for e in rows] == ["assigned", "acknowledged"]
    assert refused == ["acknowledged"]
    [marker] = _local_activity_markers(added)
    assert marker.marker_recorded_event_attributes.HasField("failure")
    names = [e.activity_task_scheduled_event_attributes.activity_type.name for e in added if e.event_type == SCHEDULED]  # fmt: skip
    assert names == ["record_and_mail"]


def _indexed_keys(added: list[HistoryEvent]) -> list[set[str]]:
    """The task's own keys each upsert wrote (TemporalChangeVersion, the patches', aside)."""
    return [
        {
            k
            for k in e.upsert_workflow_search_attributes_event_attributes.search_attributes.indexed_fields
            if k != "TemporalChangeVersion"
        }
        for e in added
        if e.event_type == UPSERT
    ]


async def test_search_attributes_are_set_at_the_start_then_written_only_when_they_change(
    dev_temporal: Client, settings: Settings, mailbox: Mailbox
) -> None:
    settings = settings.model_copy(update={"task_queue": f"lean-{uuid.uuid4()}"})
    number = f"{uuid.uuid4().int % 90000 + 10000}/TB-UBND"
    raw = notice(
        datetime.now(LOCAL_TZ).date(), task("trong 10 ngày", coordinators=()), number=number
    )
    parsed = check_notice(raw, settings)
    spec = parsed.tasks[0]
    handle = dev_temporal.get_workflow_handle(spec.id)
    async with build_worker(dev_temporal, settings):
        await issue_notice(parsed, settings, dev_temporal, search_attributes=True)
        described = await handle.describe()
        assert described.typed_search_attributes.get(sa.OWNER) == spec.owner
        assert described.typed_search_attributes.get(sa.STATE) == "assigned"
        await mailbox.arrived(1)
        await recorded(settings, spec.id, 1)
        after_mail = await _history_since(handle, 0)

        await update(handle, "acknowledge", rq.Acknowledge(actor=OWNER))
        acknowledged = await _history_since(handle, len(after_mail))
        described = await handle.describe()

    assert [keys for keys in _indexed_keys(after_mail) if keys] == []  # all set at the start
    assert [keys for keys in _indexed_keys(acknowledged) if keys] == [{"DondocState"}]
    assert described.typed_search_attributes.get(sa.STATE) == "acknowledged"
