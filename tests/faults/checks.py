"""What a fault run checks after each scenario, the same for every fault.

* **Mail, by Message-ID.** Every expected message arrived; a second copy is allowed only
  inside the crash window — the relay took the message but the worker died before it
  heard "250" — and then it must be the first copy again (same Message-ID, Date, Subject
  and text, so mail clients fold the two), its outbox row must say ``duplicate_risk`` and
  the task's timeline must tell the office it may have arrived twice. Anything else (a
  message nobody expected, a copy that differs, a duplicate nobody flagged) is a fault.
* **The read model.** Every task of the burst has its row, and each row's status is the
  status its workflow's Query returns.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import pairwise

from sqlalchemy import select
from temporalio.client import Client

from dondoc.commands.timeline import DUPLICATE_NOTE, Names, timeline
from dondoc.domain.task import TaskStatus
from dondoc.domain.view import TaskView
from dondoc.store.db import session_scope
from dondoc.store.tables import OutboxRow
from dondoc.store.tasks import get_task, status_of
from dondoc.workflows.task import TaskWorkflow
from faults.burst import Burst, Expected
from faults.relay import Delivery, FaultRelay
from faults.stack import FaultStack

POLL = 0.1
QUERY_CONCURRENCY = 16


@dataclass
class MailTally:
    expected: int
    delivered: int = 0
    duplicated: int = 0
    """Extra copies inside the crash window, each identical and flagged."""
    lost: list[Expected] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    bad_copies: list[str] = field(default_factory=list)
    """Extra copies that are not the first one again, or that nobody flagged."""


async def wait_for_mail(
    relay: FaultRelay, expected: dict[str, Expected], timeout: float
) -> float | None:
    """Wait until every expected Message-ID arrived; when the last of them first did
    (``time.monotonic()``), or None if some had not within ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        first = first_arrivals(relay, expected)
        if len(first) == len(expected):
            return max((first[m] for m in expected), default=time.monotonic())
        if time.monotonic() > deadline:
            return None
        await asyncio.sleep(POLL)


def first_arrivals(relay: FaultRelay, expected: dict[str, Expected]) -> dict[str, float]:
    """When each expected message first arrived (``time.monotonic()``)."""
    first: dict[str, float] = {}
    for d in relay.deliveries({e.task for e in expected.values()}):
        if d.message_id in expected:
            first.setdefault(d.message_id, d.arrived)
    return first


def longest_pause(relay: FaultRelay, expected: dict[str, Expected], since: float) -> float:
    """The longest time after ``since`` with no new expected message arriving: how long the
    fault stopped the mail, apart from the backlog it left."""
    times = sorted(t for t in first_arrivals(relay, expected).values() if t >= since)
    marks = [since, *times]
    return max((b - a for a, b in pairwise(marks)), default=0.0)


def arrived_share(relay: FaultRelay, expected: dict[str, Expected]) -> float:
    tasks = {e.task for e in expected.values()}
    seen = {d.message_id for d in relay.deliveries(tasks)}
    return len(seen & expected.keys()) / max(len(expected), 1)


async def wait_for_share(
    relay: FaultRelay, expected: dict[str, Expected], share: float, timeout: float
) -> float:
    """Wait until ``share`` of the expected mail arrived (the moment to strike mid-burst)."""
    deadline = time.monotonic() + timeout
    while (now := arrived_share(relay, expected)) < share:
        assert time.monotonic() < deadline, f"only {now:.0%} of the burst's mail arrived"
        await asyncio.sleep(POLL / 2)
    return now


def _same_message(copies: list[Delivery]) -> bool:
    first = copies[0].message
    body = first.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else ""
    for again in copies[1:]:
        other = again.message.get_body(preferencelist=("plain",))
        if (
            again.date != copies[0].date
            or again.message["Subject"] != first["Subject"]
            or (other.get_content() if other is not None else "") != text
        ):
            return False
    return True


def _flagged(database_url: str, message_id: str, task: str) -> bool:
    """The copy's outbox row says it may have gone twice, and the timeline says so too."""
    with session_scope(database_url) as session:
        row = session.scalars(select(OutboxRow).where(OutboxRow.message_id == message_id)).first()
        if row is None or not row.duplicate_risk:
            return False
        names = Names(session)
        story = timeline(session, task, names)
    return any(
        m.kind == row.kind
        and m.recipient == names.code(row.recipient)
        and DUPLICATE_NOTE in m.status_label
        for entry in story
        for m in entry.mails
    )


async def tally_mail(stack: FaultStack, burst: Burst, expected: dict[str, Expected]) -> MailTally:
    copies: dict[str, list[Delivery]] = defaultdict(list)
    for d in stack.relay.deliveries(burst.ids):
        copies[d.message_id].append(d)
    tally = MailTally(expected=len(expected))
    tally.lost = [e for m, e in expected.items() if m not in copies]
    tally.delivered = len(expected) - len(tally.lost)
    tally.unexpected = sorted(
        f"{c[0].task} {c[0].kind} → {', '.join(c[0].envelope_to)} ({m})"
        for m, c in copies.items()
        if m not in expected
    )
    for m, found in copies.items():
        if len(found) < 2 or m not in expected:
            continue
        identical = _same_message(found)
        flagged = await asyncio.to_thread(_flagged, stack.database_url, m, found[0].task)
        if identical and flagged:
            tally.duplicated += len(found) - 1
        else:
            tally.bad_copies.append(
                f"{m} ×{len(found)} (identical: {identical}, flagged: {flagged})"
            )
    return tally


def _rows(database_url: str, ids: set[str]) -> dict[str, TaskStatus]:
    with session_scope(database_url) as session:
        return {i: status_of(row) for i in ids if (row := get_task(session, i)) is not None}


async def _views(client: Client, ids: set[str]) -> dict[str, TaskView]:
    gate = asyncio.Semaphore(QUERY_CONCURRENCY)

    async def view(task_id: str) -> tuple[str, TaskView]:
        async with gate:
            handle = client.get_workflow_handle(task_id)
            return task_id, await handle.query(TaskWorkflow.view)

    return dict(await asyncio.gather(*(view(i) for i in sorted(ids))))


async def read_model_problems(stack: FaultStack, ids: set[str]) -> list[str]:
    """Tasks missing from the read model, and rows whose status is not the workflow's."""
    rows = await asyncio.to_thread(_rows, stack.database_url, ids)
    views = await _views(await stack.client(), ids)
    problems = [f"{i}: not in the read model" for i in sorted(ids - rows.keys())]
    for i, status in sorted(rows.items()):
        live = views[i].status
        if status != live:
            problems.append(
                f"{i}: read model at event {status.event_seq} ({status.state}), "
                f"workflow at {live.event_seq} ({live.state})"
            )
    return problems


async def read_model_agrees(stack: FaultStack, ids: set[str], timeout: float) -> list[str]:
    """The problems left once the last recordings had their moment (none, if it agrees)."""
    deadline = time.monotonic() + timeout
    while True:
        problems = await read_model_problems(stack, ids)
        if not problems or time.monotonic() > deadline:
            return problems
        await asyncio.sleep(1)
