"""A task's search attributes are set when it starts, then written only when one changes
(CHANGED_SEARCH_ATTRIBUTES).

Read from the history, which is what the Temporal server stores: each upsert is a command, a
history event and a write to the visibility store, and before this change every event wrote
all six again, a reminder or a mail's outcome included.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client, WorkflowHandle

from dondoc.commands.issue import check_notice, issue_notice
from dondoc.domain import requests as rq
from dondoc.domain.formatting import LOCAL_TZ
from dondoc.settings import Settings
from dondoc.worker import build_worker
from dondoc.workflows import search_attributes as sa
from support.desk import OWNER, update
from support.followup import notice, recorded, task
from support.mailbox import Mailbox

UPSERT = EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES


async def _history_since(handle: WorkflowHandle[Any, Any], start: int) -> list[HistoryEvent]:
    return list((await handle.fetch_history()).events)[start:]


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
    settings = settings.model_copy(update={"task_queue": f"indexed-{uuid.uuid4()}"})
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
        await recorded(settings, spec.id, 2)
        for _ in range(100):  # the upsert follows the recording, in the next workflow task
            described = await handle.describe()
            if described.typed_search_attributes.get(sa.STATE) == "acknowledged":
                break
            await asyncio.sleep(0.1)
        acknowledged = await _history_since(handle, len(after_mail))

    assert [keys for keys in _indexed_keys(after_mail) if keys] == []  # all set at the start
    assert [keys for keys in _indexed_keys(acknowledged) if keys] == [{"DondocState"}]
    assert described.typed_search_attributes.get(sa.STATE) == "acknowledged"
