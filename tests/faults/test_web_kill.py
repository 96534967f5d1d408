"""The web killed with SIGKILL while fifty agencies click "acknowledge" in their mail.

Ten of the clicks come while the worker is down, so the web answers them "kept, will be
applied" (202, deferred); the other forty are in flight when the web dies, so some were
answered as applied, and some got no answer at all. After the restart: every click an
agency saw accepted is applied, every deferred one is applied, and one that got no answer
is applied at most once (it is applied if the web had kept it before it died).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import httpx
import pytest
from sqlalchemy import func, select

from dondoc.domain.events import EventKind
from dondoc.domain.task import TaskState
from dondoc.store.agency_actions import ActionStatus
from dondoc.store.db import session_scope
from dondoc.store.tables import AgencyActionRow, EventRow
from dondoc.workflows.task import TaskWorkflow
from faults.burst import agency_email
from faults.clicks import Answer, Form, click, link_path, open_form
from faults.knobs import Knobs
from faults.scenario import DELIVERY_WAIT, Run
from faults.stack import FaultStack

pytestmark = pytest.mark.faults

CLICKERS = 50
DEFERRED = 10
KILL_AFTER = 1 / 3
"""The share of the in-flight clicks answered when the web is killed."""


def _applied(url: str, tasks: set[str]) -> tuple[Counter[str], Counter[str]]:
    """Acknowledgements recorded per task; kept clicks by status."""
    with session_scope(url) as session:
        acks = session.execute(
            select(EventRow.task_id, func.count())
            .where(EventRow.kind == EventKind.ACKNOWLEDGED.value, EventRow.task_id.in_(tasks))
            .group_by(EventRow.task_id)
        ).all()
        kept = session.scalars(
            select(AgencyActionRow.status).where(AgencyActionRow.task_id.in_(tasks))
        )
        return Counter({t: n for t, n in acks}), Counter(kept)


async def _forms(stack: FaultStack, run: Run) -> list[Form]:
    """Each of the first fifty owners opens its task from its assignment mail."""
    owners = {t.id: t.owner for t in run.burst.tasks[:CLICKERS]}
    mail = {
        d.task: d
        for d in stack.relay.deliveries(set(owners))
        if d.kind == "assigned" and d.envelope_to == (agency_email(owners[d.task]),)
    }
    async with httpx.AsyncClient(base_url=stack.web.url, timeout=30) as http:
        return list(await asyncio.gather(*(open_form(http, t, link_path(mail[t])) for t in owners)))


async def _clicks_in_flight(stack: FaultStack, forms: list[Form]) -> list[Answer]:
    """Post them all at once; kill the web once a third are answered."""
    async with httpx.AsyncClient(base_url=stack.web.url) as http:
        pending = [asyncio.create_task(click(http, f)) for f in forms]
        while sum(p.done() for p in pending) < len(pending) * KILL_AFTER:
            await asyncio.sleep(0.01)
        stack.web.kill()
        return list(await asyncio.gather(*pending))


async def test_clicks_survive_a_web_killed_while_agencies_click(
    whole: FaultStack, knobs: Knobs
) -> None:
    run = Run.begin(whole, "6 web kill -9", max(knobs.tasks, CLICKERS))
    assert await run.delivered(), "the assignment mail never all arrived"
    forms = await _forms(whole, run)

    whole.worker.kill()
    async with httpx.AsyncClient(base_url=whole.web.url) as http:
        first = await asyncio.gather(*(click(http, f) for f in forms[:DEFERRED]))
    await whole.worker.start()
    rest = await _clicks_in_flight(whole, forms[DEFERRED:])
    answers = dict(zip((f.task for f in forms), [*first, *rest], strict=True))
    restarted = time.monotonic()
    await whole.web.start()

    must = {t for t, a in answers.items() if a in (Answer.ACCEPTED, Answer.DEFERRED)}
    clicked = set(answers)
    deadline = time.monotonic() + DELIVERY_WAIT
    while True:
        acks, kept = await asyncio.to_thread(_applied, whole.database_url, clicked)
        if (must <= set(acks) and not kept[ActionStatus.PENDING.value]) or (
            time.monotonic() > deadline
        ):
            break
        await asyncio.sleep(0.2)
    recovered = time.monotonic() - restarted
    # The read model agreeing with every workflow (which finish() waits for) means each
    # applied click's event is recorded too: an Update answers before its event is.
    outcome = await run.finish(recovery=recovered)
    acks, kept = await asyncio.to_thread(_applied, whole.database_url, clicked)
    client = await whole.client()
    states = {
        t: (await client.get_workflow_handle(t).query(TaskWorkflow.view)).status.state
        for t in sorted(clicked)
    }
    count = Counter(answers.values())
    unanswered = {t for t, a in answers.items() if a == Answer.NONE}
    outcome.note(
        f"{len(clicked)} clicks: {count[Answer.ACCEPTED]} accepted, "
        f"{count[Answer.DEFERRED]} deferred, {count[Answer.NONE]} no answer "
        f"({len(unanswered & set(acks))} of them applied), {count[Answer.REFUSED]} refused; "
        "seconds: web restart to every kept click applied"
    )

    outcome.assert_clean()
    assert not count[Answer.REFUSED], f"clicks refused: {answers}"
    assert all(a == Answer.DEFERRED for a in first), f"with no worker: {first}"
    assert count[Answer.ACCEPTED] and count[Answer.NONE], f"the kill missed the clicks: {rest}"
    assert must <= set(acks), f"accepted or deferred, never applied: {sorted(must - set(acks))}"
    assert all(n == 1 for n in acks.values()), f"applied twice: {acks}"
    assert not kept[ActionStatus.PENDING.value], f"clicks still kept, not applied: {kept}"
    expected_states = {
        t: TaskState.ACKNOWLEDGED if t in acks else TaskState.ASSIGNED for t in clicked
    }
    differ = {t: s for t, s in states.items() if s != expected_states[t]}
    assert not differ, f"workflow state and recorded acknowledgements differ: {differ}"
