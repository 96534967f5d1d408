"""A desk for the workflow tests of a task's actions: a worker on a private time-skipping
server, the clock on a working morning, a notice issued around it, the mail it sends."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pytest
import pytest_asyncio
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from dondoc.domain.calendar import WorkingCalendar
from dondoc.domain.task import CompletionReport, TaskSpec
from dondoc.domain.view import TaskView
from dondoc.settings import Settings
from dondoc.workflows.task import TaskWorkflow
from support.followup import (
    addresses,
    at8,
    before,
    calendar,
    eventually,
    issue,
    notice,
    recorded,
    skip_to,
    start_on_a_working_morning,
    task,
    time_skipping_env,
    view,
    worker,
)
from support.mailbox import Mailbox, Received

BOOK = addresses()
UPDATE_EVENTS = {
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ADMITTED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_REJECTED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
}
OFFICE = "user:chuyenvien.vp"
OWNER = "agency:SNGV"
REPORT = CompletionReport(
    summary="Đã trình UBND tỉnh dự thảo Đề án hoàn chỉnh",
    document_number="123/TTr-SNGV",
    link="https://vanban.example.gov.vn/123",
)


@dataclass
class Desk:
    """A running worker on a private time-skipping server, the clock on a working morning."""

    env: WorkflowEnvironment
    settings: Settings
    mailbox: Mailbox
    cal: WorkingCalendar
    issued: datetime

    @property
    def deadline(self) -> date:
        return self.cal.add_working_days(self.issued.date(), 8)

    def wd(self, n: int, base: date | None = None) -> datetime:
        """08:00 on the n-th working day after ``base`` (the deadline by default)."""
        return at8(self.cal, self.cal.add_working_days(base or self.deadline, n))

    async def issue(
        self, policy: str | None = None, coordinators: tuple[str, ...] = ("STC", "SNNMT")
    ) -> tuple[TaskSpec, WorkflowHandle[Any, Any]]:
        raw = notice(
            self.issued.date(),
            task(before(self.deadline), policy=policy, coordinators=coordinators),
        )
        [(spec, handle)] = await issue(raw, self.settings, self.env.client)
        await recorded(self.settings, spec.id, 1)
        await self.mailbox.arrived(1 + len(coordinators))  # the assignment mails
        return spec, handle

    async def skip_to(self, moment: datetime) -> None:
        await skip_to(self.env, moment)

    def mails(self, kind: str) -> list[Received]:
        return [m for m in self.mailbox.messages if m.kind == kind]

    async def mail(self, kind: str, count: int = 1, timeout: float = 15) -> list[Received]:
        """Wait for ``count`` mails of ``kind``; return them."""

        def found() -> list[Received] | None:
            got = self.mails(kind)
            return got if len(got) >= count else None

        try:
            return await eventually(found, f"{count} «{kind}» mail(s)", timeout=timeout)
        except AssertionError:
            raise AssertionError(
                f"expected {count} «{kind}» mail(s), got {[m.kind for m in self.mailbox.messages]}"
            ) from None


@pytest_asyncio.fixture
async def desk(settings: Settings, mailbox: Mailbox) -> AsyncIterator[Desk]:
    settings = settings.model_copy(update={"task_queue": f"transitions-{uuid.uuid4()}"})
    async with time_skipping_env() as env:
        cal = calendar(settings, datetime.now().date())
        issued = await start_on_a_working_morning(env, cal)
        async with worker(env.client, settings):
            yield Desk(env, settings, mailbox, cal, issued)


async def update(handle: WorkflowHandle[Any, Any], name: str, req: Any) -> TaskView:
    return await handle.execute_update(getattr(TaskWorkflow, name), req)


async def refused(handle: WorkflowHandle[Any, Any], name: str, req: Any) -> str:
    """Run an Update that must be refused; check nothing changed; return the message."""
    before_view = await view(handle)
    before_history = len((await handle.fetch_history()).events)
    with pytest.raises(WorkflowUpdateFailedError) as caught:
        await update(handle, name, req)
    cause = caught.value.cause
    assert isinstance(cause, ApplicationError), cause
    assert cause.type == "Refused" and cause.non_retryable
    after_view = await view(handle)
    assert after_view.status == before_view.status
    # Refused by the validator: the Update never entered the workflow's history. (The
    # time-skipping server records the workflow task that ran the validator, where a
    # real server discards it; no Update event, though.)
    added = (await handle.fetch_history()).events[before_history:]
    assert not {e.event_type for e in added} & UPDATE_EVENTS, added
    return cause.message
