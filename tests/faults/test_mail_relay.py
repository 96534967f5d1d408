"""The mail relay down for a while, and one mailbox that refuses its mail for good."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select
from temporalio.client import WorkflowExecutionStatus

from dondoc.domain.events import EventKind
from dondoc.domain.mail import MailKind
from dondoc.domain.task import TaskState
from dondoc.store.db import session_scope
from dondoc.store.outbox import OutboxStatus
from dondoc.store.tables import EventRow, OutboxRow
from dondoc.workflows.task import TaskWorkflow
from faults.burst import agency_code, agency_email
from faults.checks import first_arrivals
from faults.knobs import Knobs
from faults.scenario import Run
from faults.stack import FaultStack

pytestmark = pytest.mark.faults

WATCH_FOR_RETRIES = 5.0
"""Seconds to keep watching a refused mailbox after its bounce was reported: a worker that
kept retrying it would have knocked again within its first backoff steps."""


async def test_mail_waits_out_a_relay_that_refuses_connections(
    whole: FaultStack, knobs: Knobs
) -> None:
    run = Run.begin(whole, "3 SMTP down", knobs.tasks)
    await run.mid_burst()
    whole.relay.stop()
    await asyncio.sleep(knobs.smtp_outage)
    held = run.share()
    whole.relay.start()
    run.clear()
    run.notes.append(f"down {knobs.smtp_outage:.0f} s")
    outcome = await run.finish()
    outcome.assert_clean()
    assert held < 1, "all the mail was out before the relay went down"


def _told_after(stack: FaultStack, run: Run, address: str) -> float:
    """The longest wait from a 550 to the arrival of the office's notice of it."""
    refusals = stack.relay.refusal_times(address)
    notices = [
        t for m, t in first_arrivals(stack.relay, run.expected).items()
        if run.expected[m].kind == MailKind.BOUNCE
    ]  # fmt: skip
    return max(t - max(r for r in refusals if r <= t) for t in notices)


def _refused_copies(url: str, code: str, tasks: set[str]) -> list[tuple[str, str, int]]:
    with session_scope(url) as session:
        rows = session.scalars(
            select(OutboxRow).where(OutboxRow.recipient == code, OutboxRow.task_id.in_(tasks))
        )
        return [(r.task_id, r.status, r.attempts) for r in rows]


def _bounce_events(url: str, tasks: set[str]) -> set[str]:
    with session_scope(url) as session:
        query = select(EventRow.task_id).where(
            EventRow.kind == EventKind.MAIL_BOUNCED.value, EventRow.task_id.in_(tasks)
        )
        return set(session.scalars(query))


async def test_a_mailbox_refused_for_good_is_reported_once_and_the_task_goes_on(
    whole: FaultStack, knobs: Knobs
) -> None:
    refused = agency_code(0)
    address = agency_email(refused)
    whole.relay.refuse(address)
    run = Run.begin(whole, "4 one address 550", knobs.tasks, refused=frozenset({refused}))
    addressed = {t.id for t in run.burst.tasks if refused in t.recipients}
    run.notes.append(f"{address} refused; seconds: a 550 to the office's notice of it")
    assert await run.delivered(), "the burst's mail, or the office's notices, never all arrived"
    outcome = await run.finish(recovery=_told_after(whole, run, address))
    await asyncio.sleep(WATCH_FOR_RETRIES)
    knocks = whole.relay.refusals(address)
    copies = await asyncio.to_thread(_refused_copies, whole.database_url, refused, addressed)
    bounced = await asyncio.to_thread(_bounce_events, whole.database_url, addressed)
    client = await whole.client()
    states, running = [], []
    for task in sorted(addressed):
        handle = client.get_workflow_handle(task)
        states.append((await handle.query(TaskWorkflow.view)).status.state)
        running.append((await handle.describe()).status == WorkflowExecutionStatus.RUNNING)
    outcome.note(f"RCPT refused {knocks}× for {len(addressed)} copies")

    outcome.assert_clean()
    assert knocks == len(addressed), "the refused mailbox was tried again after its 550"
    assert sorted(copies) == sorted((t, OutboxStatus.BOUNCED.value, 1) for t in addressed), (
        "each refused copy is recorded as bounced after one attempt"
    )
    assert bounced == addressed, "every task with a refused copy records the bounce"
    assert all(s == TaskState.ASSIGNED for s in states) and all(running), (
        "a refused address stops no task"
    )
