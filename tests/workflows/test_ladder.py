"""The escalation ladder on Temporal's time-skipping server, with real activities and mail.

A silent agency: nobody acknowledges, nobody reports. The clock is moved with
``env.sleep``; every expected send time is computed here from the working calendar,
independently of the policy code, and compared with the recorded events (whose time is
the workflow's clock) and with the mail that actually reached the aiosmtpd mailbox.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from email.utils import getaddresses

import pytest
import pytest_asyncio
from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

import dondoc.workflows.task as task_module
from dondoc.domain import requests as rq
from dondoc.domain.mail import SUBJECT_ACTIONS, MailKind
from dondoc.domain.task import StatusClass, TaskState
from dondoc.settings import Settings
from dondoc.worker import build_worker
from dondoc.workflows.task import TaskWorkflow
from support.followup import (
    WORK,
    addresses,
    at8,
    before,
    calendar,
    events,
    issue,
    local_now,
    notice,
    outbox,
    recorded,
    rounded,
    settle,
    skip_to,
    start_on_a_working_morning,
    task,
    time_skipping_env,
    timeline,
    view,
    worker,
)
from support.mailbox import Mailbox, Received


@pytest_asyncio.fixture
async def tenv() -> AsyncIterator[WorkflowEnvironment]:
    async with time_skipping_env() as env:
        yield env


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"task_queue": f"ladder-{uuid.uuid4()}"})


BOOK = addresses()


def emails(header: str | None) -> list[str]:
    return [addr for _, addr in getaddresses([header])] if header else []


def by_kind(messages: list[Received]) -> dict[str, list[Received]]:
    grouped: dict[str, list[Received]] = {}
    for m in messages:
        grouped.setdefault(m.kind, []).append(m)
    return grouped


def assert_one_row_per_event_and_recipient(settings: Settings, task_id: str) -> None:
    rows = outbox(settings, task_id)
    pairs = Counter((r.event_id, r.recipient) for r in rows)
    assert all(n == 1 for n in pairs.values()), pairs
    assert len({r.message_id for r in rows}) == len(rows)
    assert {r.status for r in rows} == {"sent"}


# ------------------------------------------------------------------ the default ladder


async def test_a_silent_agency_gets_the_default_ladder_in_order_and_to_the_right_people(
    tenv: WorkflowEnvironment, settings: Settings, mailbox: Mailbox
) -> None:
    cal = calendar(settings, datetime.now().date())
    issued = await start_on_a_working_morning(tenv, cal)
    deadline = cal.add_working_days(issued.date(), 8)
    expected = [
        ("assigned", issued),
        ("nudged", at8(cal, cal.add_working_days(issued.date(), 2))),
        ("reminded", at8(cal, cal.add_working_days(deadline, -5))),
        ("reminded", at8(cal, cal.add_working_days(deadline, -1))),
        ("overdue", at8(cal, cal.add_working_days(deadline, 1))),
        ("escalated", at8(cal, cal.add_working_days(deadline, 1))),
        ("escalated", at8(cal, cal.add_working_days(deadline, 5))),
        ("overdue", at8(cal, cal.add_working_days(deadline, 10))),
        ("overdue", at8(cal, cal.add_working_days(deadline, 15))),
    ]
    async with build_worker(tenv.client, settings):
        [(spec, handle)] = await issue(
            notice(issued.date(), task(before(deadline))), settings, tenv.client
        )
        await recorded(settings, spec.id, 1)
        first = await view(handle)
        assert first.status.state == TaskState.ASSIGNED
        assert first.status.deadline.due == cal.end_of_day(deadline)
        assert (first.overdue, first.status.escalation_step) == (False, 0)
        assert [(p.step, p.at) for p in first.plan] == [
            ("nudge", expected[1][1]),
            ("reminder_5", expected[2][1]),
            ("reminder_1", expected[3][1]),
            ("overdue", expected[4][1]),
            ("escalation_office", expected[5][1]),
            ("escalation_leader", expected[6][1]),
        ]

        # The morning after the deadline: overdue to the owner, step 1 to the office.
        await skip_to(tenv, expected[5][1] + timedelta(hours=1))
        await recorded(settings, spec.id, 6)
        middle = await view(handle)
        assert (middle.overdue, middle.status.escalation_step) == (True, 1)
        assert middle.status_class == StatusClass.IN_PROGRESS_OVERDUE
        assert middle.plan[0].step == "escalation_leader"

        await skip_to(tenv, expected[-1][1] + timedelta(hours=1))
        rows = await recorded(settings, spec.id, len(expected))
        messages = await mailbox.arrived(16)
        await settle(settings, [spec.id])
        last = await view(handle)

    assert rows[0].kind == "assigned" and abs(rows[0].at - issued) < timedelta(seconds=5)
    assert timeline(rows[1:]) == expected[1:]
    assert [e.data.get("step") for e in rows[1:]] == [
        "nudge",
        "reminder_5",
        "reminder_1",
        "overdue",
        "escalation_office",
        "escalation_leader",
        "overdue_repeat",
        "overdue_repeat",
    ]
    assert last.status.escalation_step == 2 and last.overdue
    assert last.plan[0].step == "overdue_repeat"
    assert last.plan[0].at == at8(cal, cal.add_working_days(deadline, 20))

    # One message per recipient, in the order of the ladder.
    assert len(mailbox.messages) == 16
    assert [m.kind for m in messages] == [
        *["assigned"] * 3,
        "not_acknowledged",
        "reminder",
        *["reminder"] * 3,
        *["overdue"] * 3,
        "escalation_office",
        *["escalation_leader"] * 2,
        *["overdue_reminder"] * 2,
    ]
    for m in messages:
        assert m.subject == f"[245/TB-UBND] {SUBJECT_ACTIONS[MailKind(m.kind)]}: {WORK}"
        assert m.task == spec.id

    sngv, stc, snnmt = BOOK["SNGV"], BOOK["STC"], BOOK["SNNMT"]
    office, leader = BOOK["VP"], BOOK["PCT-VINH"]
    kinds = by_kind(messages)
    # The owner alone for the nudge and the repeats; its own copy address rides along.
    for kind in ("not_acknowledged", "overdue_reminder"):
        for m in kinds[kind]:
            assert emails(m.message["To"]) == [sngv.email]
            assert m.message["Cc"] is None
            assert m.envelope_to == sngv.envelope
    # The owner, coordinators in Cc: each coordinator gets its own copy of the same mail.
    for kind in ("assigned", "overdue"):
        for m in kinds[kind]:
            assert emails(m.message["To"]) == [sngv.email]
            assert emails(m.message["Cc"]) == [stc.email, snnmt.email]
        assert sorted(m.envelope_to for m in kinds[kind]) == sorted(
            [sngv.envelope, stc.envelope, snnmt.envelope]
        )
    reminder_5, *reminder_1 = kinds["reminder"]
    assert reminder_5.envelope_to == sngv.envelope and reminder_5.message["Cc"] is None
    assert [m.envelope_to for m in reminder_1] == [sngv.envelope, stc.envelope, snnmt.envelope]
    [step1] = kinds["escalation_office"]
    assert emails(step1.message["To"]) == [office.email] and step1.message["Cc"] is None
    assert step1.envelope_to == office.envelope
    for m in kinds["escalation_leader"]:
        assert emails(m.message["To"]) == [leader.email]
        assert emails(m.message["Cc"]) == [office.email]
    assert [m.envelope_to for m in kinds["escalation_leader"]] == [leader.envelope, office.envelope]

    # The outbox: one row per (event, recipient), nothing twice.
    rows_out = outbox(settings, spec.id)
    assert len(rows_out) == 16
    assert_one_row_per_event_and_recipient(settings, spec.id)
    ids = {e.id for e in rows}
    assert {r.event_id for r in rows_out} <= ids


async def test_a_worker_restart_mid_ladder_loses_nothing_and_sends_nothing_twice(
    tenv: WorkflowEnvironment, settings: Settings, mailbox: Mailbox
) -> None:
    cal = calendar(settings, datetime.now().date())
    issued = await start_on_a_working_morning(tenv, cal)
    deadline = cal.add_working_days(issued.date(), 8)
    # The first worker keeps no workflow in its cache. A caching worker would take the
    # workflow's tasks on its own sticky queue, which the time-skipping server never hands
    # back to the normal queue once that worker is gone (a real server does, on the
    # worker's shutdown or after the sticky timeout); the test would then wait forever.
    async with worker(tenv.client, settings, max_cached_workflows=0):
        [(spec, handle)] = await issue(
            notice(issued.date(), task(before(deadline))), settings, tenv.client
        )
        await skip_to(tenv, at8(cal, cal.add_working_days(deadline, -5)) + timedelta(hours=1))
        await recorded(settings, spec.id, 3)  # assigned, nudged, reminded
        await settle(settings, [spec.id])
    sent_before = len(mailbox.messages)
    assert sent_before == 5

    # The worker is gone while the ladder's next timers fall due. The time-skipping
    # server cannot skip past a workflow task nobody polls, so the clock is released in
    # the background and a new worker (a new process would have an empty cache too: it
    # replays the whole history) comes up while it waits.
    end = at8(cal, cal.add_working_days(deadline, 10)) + timedelta(hours=1)
    skipping = asyncio.create_task(skip_to(tenv, end))
    await asyncio.sleep(1.0)
    assert len(mailbox.messages) == sent_before
    async with build_worker(tenv.client, settings):
        await skipping
        rows = await recorded(settings, spec.id, 8)
        await mailbox.arrived(sent_before + 10)
        await settle(settings, [spec.id])
        after = await view(handle)

    assert [e.kind for e in rows] == [
        "assigned",
        "nudged",
        "reminded",
        "reminded",
        "overdue",
        "escalated",
        "escalated",
        "overdue",
    ]
    assert [e.seq for e in rows] == list(range(1, 9))
    assert after.status.event_seq == 8 and after.status.escalation_step == 2
    # Nothing was sent twice: the mailbox and the outbox agree, one per event and recipient.
    assert len(mailbox.messages) == sent_before + 10
    ids = Counter(m.message["Message-ID"] for m in mailbox.messages)
    assert all(n == 1 for n in ids.values()), ids
    assert len(outbox(settings, spec.id)) == len(mailbox.messages)
    assert_one_row_per_event_and_recipient(settings, spec.id)


async def test_the_demo_policy_runs_the_whole_ladder_in_minutes(
    tenv: WorkflowEnvironment, settings: Settings, mailbox: Mailbox
) -> None:
    cal = calendar(settings, datetime.now().date())
    now = await local_now(tenv, cal)
    deadline = (now + timedelta(minutes=30)).replace(second=0, microsecond=0)
    async with build_worker(tenv.client, settings):
        [(spec, handle)] = await issue(
            notice(now.date(), task(deadline.isoformat(), policy="demo")), settings, tenv.client
        )
        await recorded(settings, spec.id, 1)
        assigned = (await view(handle)).status.assigned_at
        assert (await view(handle)).policy == "demo"
        await skip_to(tenv, deadline + timedelta(minutes=21))
        rows = await recorded(settings, spec.id, 8)
        await mailbox.arrived(13)
        await settle(settings, [spec.id])
        last = await view(handle)
    # Minute offsets, not working hours: the demo ladder runs day or night.
    assert [(e.kind, e.data.get("step"), rounded(e.at)) for e in rows] == [
        ("assigned", None, rounded(assigned)),
        ("nudged", "nudge", rounded(assigned + timedelta(minutes=2))),
        ("reminded", "reminder", deadline - timedelta(minutes=5)),
        ("overdue", "overdue", deadline),
        ("escalated", "escalation_office", deadline),
        ("escalated", "escalation_leader", deadline + timedelta(minutes=5)),
        ("overdue", "overdue_repeat", deadline + timedelta(minutes=10)),
        ("overdue", "overdue_repeat", deadline + timedelta(minutes=20)),
    ]
    assert last.status.escalation_step == 2
    assert last.plan[0].at == deadline + timedelta(minutes=30)
    assert len(mailbox.messages) == 13
    assert_one_row_per_event_and_recipient(settings, spec.id)


# ------------------------------------------------------------- continue-as-new, ongoing


async def _history_lengths(tenv: WorkflowEnvironment, workflow_id: str) -> list[int]:
    """Event count of every run of the workflow, oldest first."""
    lengths: list[int] = []
    run_id: str | None = None
    while True:
        handle = tenv.client.get_workflow_handle(workflow_id, run_id=run_id)
        history = await handle.fetch_history()
        lengths.append(len(history.events))
        started = history.events[0].workflow_execution_started_event_attributes
        previous = started.continued_execution_run_id
        if not previous:
            return lengths[::-1]
        run_id = previous


def _worker_with_host_module(tenv: WorkflowEnvironment, settings: Settings) -> Worker:
    """The production worker, but the workflow module is shared with the test process.

    The sandbox re-imports workflow modules for every run, so a monkeypatched module
    constant does not reach the running workflow; passing the module through does.
    """
    return worker(
        tenv.client,
        settings,
        workflow_runner=SandboxedWorkflowRunner(
            restrictions=SandboxRestrictions.default.with_passthrough_modules(
                "dondoc.workflows.task"
            )
        ),
    )


async def test_an_ongoing_task_continues_as_new_for_years_and_keeps_its_state(
    tenv: WorkflowEnvironment,
    settings: Settings,
    mailbox: Mailbox,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    limit = 150
    monkeypatch.setattr(task_module, "HISTORY_LIMIT", limit)
    cal = calendar(settings, datetime.now().date())
    issued = await start_on_a_working_morning(tenv, cal)
    async with _worker_with_host_module(tenv, settings):
        [(spec, handle)] = await issue(
            notice(issued.date(), task("thường xuyên, báo cáo hằng tháng")), settings, tenv.client
        )
        await handle.execute_update(TaskWorkflow.acknowledge, rq.Acknowledge(actor="agency:SNGV"))
        await skip_to(tenv, issued + timedelta(days=365))
        # A progress report in the second year: that month's report_missed is not sent.
        reported = await handle.execute_update(
            TaskWorkflow.report_progress,
            rq.ReportProgress(actor="agency:SNGV", note="Đã làm việc với tỉnh Hủa Phăn"),
        )
        assert reported.status.state == TaskState.ACKNOWLEDGED
        await skip_to(tenv, issued + timedelta(days=2 * 365))
        await settle(settings, [spec.id], delay=0.5)
        final = await view(handle)
        lengths = await _history_lengths(tenv, spec.id)
        description = await handle.describe()

    assert len(lengths) >= 3, f"expected several runs, history lengths {lengths}"
    assert max(lengths) < limit + 60, lengths
    assert description.status is not None and description.status.name == "RUNNING"

    rows = events(settings, spec.id)
    kinds = Counter(e.kind for e in rows)
    # Every month's report_due, across every run, exactly once, on a working morning.
    due = [e.at.astimezone(cal.zone()) for e in rows if e.data.get("step") == "report_due"]
    assert 22 <= len(due) <= 25, due
    months = [(d.year, d.month) for d in due]
    assert len(set(months)) == len(months)
    assert all(cal.is_working_moment(d) and rounded(d).hour == 8 for d in due)
    assert Counter(m.kind for m in mailbox.messages)["report_due"] == len(due)
    # report_missed for every period but the one with a progress report (and perhaps
    # the last, whose check is still ahead).
    missed = [e.at for e in rows if e.data.get("step") == "report_missed"]
    assert len(due) - 2 <= len(missed) <= len(due) - 1, (due, missed)
    progress = next(e.at for e in rows if e.kind == "progress_reported")
    assert not any(progress < m < progress + timedelta(days=30) for m in missed)
    assert kinds["acknowledged"] == 1 and kinds["progress_reported"] == 1
    assert [e.seq for e in rows] == list(range(1, len(rows) + 1))
    # The state carried across runs.
    assert final.status.state == TaskState.ACKNOWLEDGED
    assert final.status.acknowledged_at is not None
    assert final.status.event_seq == len(rows)
    assert final.plan and final.plan[0].step in {"report_due", "report_missed"}
    assert_one_row_per_event_and_recipient(settings, spec.id)
    assert len(outbox(settings, spec.id)) == len(mailbox.messages)


async def test_a_monkeypatched_history_limit_does_not_reach_the_sandbox(
    tenv: WorkflowEnvironment, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Why the test above passes the workflow module through the sandbox."""
    monkeypatch.setattr(task_module, "HISTORY_LIMIT", 5)
    cal = calendar(settings, datetime.now().date())
    issued = await start_on_a_working_morning(tenv, cal)
    async with build_worker(tenv.client, settings):
        [(spec, handle)] = await issue(
            notice(issued.date(), task("thường xuyên")), settings, tenv.client
        )
        await recorded(settings, spec.id, 1)
        await skip_to(tenv, issued + timedelta(days=6))
        await recorded(settings, spec.id, 2)
        history = await handle.fetch_history()
    assert not any(
        e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
        for e in history.events
    )
    assert len(history.events) > 5
