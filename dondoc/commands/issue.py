"""Issue a notice: validate all of it, record it, start one workflow per task.

All-or-nothing: nothing is recorded or started unless every task is valid. Idempotent:
workflow ids come from the notice number and task position, so running the same issue
again (after a crash half-way, say) starts only what is missing and reports the rest.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.orm import Session
from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from dondoc.deployment import policies
from dondoc.domain.calendar import DayStanding, WorkingCalendar
from dondoc.domain.calendar_change import plan_rests_on
from dondoc.domain.ladder import plan
from dondoc.domain.notice import Notice, NoticeInvalid, Problem, validate_notice
from dondoc.domain.policy import FollowUpState, Occurrence
from dondoc.domain.task import TaskSpec, TaskStatus
from dondoc.settings import Settings
from dondoc.store.calendars import calendar_in_force
from dondoc.store.db import in_session, session_scope
from dondoc.store.directory import agency_codes, leader_codes
from dondoc.store.notices import fingerprint, get_notice, record_notice
from dondoc.store.tasks import save_task
from dondoc.workflows import search_attributes as sa
from dondoc.workflows.task import TaskInput, TaskWorkflow

START_CONCURRENCY = 32
"""Workflows started at once for one notice: enough to keep the server busy, few enough
not to flood it."""


@dataclass
class IssueResult:
    notice: Notice
    started: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)

    @property
    def was_already_issued(self) -> bool:
        return not self.started and bool(self.already)


class SearchAttributesMissing(RuntimeError):
    """The namespace lacks the search attributes a task starts with: a deployment step
    (docs/operations.md, step 4) not done. Refused at the first start, before any task runs
    without them; issuing again once they are registered starts what is missing."""

    def __init__(self, namespace: str, detail: str) -> None:
        super().__init__(
            f"Thông báo chưa được ban hành: không gian tên Temporal «{namespace}» chưa đăng ký "
            f"các thuộc tính tìm kiếm của Đôn đốc ({detail}); quản trị viên đăng ký chúng "
            "(docs/operations.md, bước 4) rồi ban hành lại."
        )


def _unregistered(err: RPCError) -> bool:
    return err.status == RPCStatusCode.INVALID_ARGUMENT and "search attribute" in str(err).lower()


def check_notice(raw: object, settings: Settings) -> Notice:
    """Validate against the directory and the policies in force; raise NoticeInvalid."""
    with session_scope(settings.database_url) as session:
        return validate_notice(
            raw,
            agencies=agency_codes(session),
            leaders=leader_codes(session),
            policies=policies(settings),
            calendar_for=lambda d: calendar_in_force(session, settings, d),
        )


def task_input(
    spec: TaskSpec,
    settings: Settings,
    calendar: WorkingCalendar,
    *,
    search_attributes: bool = True,
) -> TaskInput:
    return TaskInput(
        spec=spec,
        policy=policies(settings)[spec.policy],
        calendar=calendar,
        search_attributes=search_attributes,
    )


def _record(session: Session, notice: Notice) -> None:
    """The notice and its tasks' first read-model rows, in one transaction: all or none."""
    now = datetime.now(UTC)
    existing = get_notice(session, notice.key)
    if existing is not None:
        if existing.fingerprint != fingerprint(notice):
            raise NoticeInvalid(
                [
                    Problem(
                        location="number",
                        message=(
                            f"thông báo số {notice.number} năm {notice.date.year} đã được ban hành "
                            "với nội dung khác; không ban hành lại"
                        ),
                    )
                ]
            )
        return
    record_notice(session, notice, now)
    for spec in notice.tasks:
        initial = TaskStatus.assigned(spec, now)
        save_task(session, spec, initial, now)


async def issue_notice(
    notice: Notice, settings: Settings, client: Client, *, search_attributes: bool = True
) -> IssueResult:
    """Record the notice, then start its tasks' workflows, several at a time.

    Each start is independent and idempotent, so a start that fails (Temporal went away
    mid-notice) fails the issue, and issuing again starts only what is missing.
    """
    await in_session(settings.database_url, _record, notice)
    calendar = await in_session(settings.database_url, calendar_in_force, settings, notice.date)
    gate = asyncio.Semaphore(START_CONCURRENCY)

    async def start(spec: TaskSpec) -> bool:
        async with gate:
            now = datetime.now(UTC)
            indexed = (
                sa.at_start(spec, TaskStatus.assigned(spec, now), now)
                if search_attributes
                else None
            )
            try:
                await client.start_workflow(
                    TaskWorkflow.run,
                    task_input(spec, settings, calendar, search_attributes=search_attributes),
                    id=spec.id,
                    task_queue=settings.task_queue,
                    id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                    search_attributes=indexed,
                )
            except WorkflowAlreadyStartedError:
                return False
            except RPCError as err:
                if _unregistered(err):
                    raise SearchAttributesMissing(settings.temporal_namespace, str(err)) from err
                raise
            return True

    started = await asyncio.gather(*(start(spec) for spec in notice.tasks))
    result = IssueResult(notice=notice)
    for spec, fresh in zip(notice.tasks, started, strict=True):
        (result.started if fresh else result.already).append(spec.id)
    return result


@dataclass(frozen=True, slots=True)
class DryRunPlan:
    spec: TaskSpec
    steps: list[Occurrence]
    provisional: tuple[DayStanding, ...]
    """Provisional calendar days the deadline or the plan depends on."""


def dry_run_plans(notice: Notice, settings: Settings, *, limit: int = 8) -> list[DryRunPlan]:
    """Each task and the first steps its ladder would send if nobody acted, from now (or
    the notice's day, if later), and the provisional days they rest on: what
    ``notice issue --dry-run`` prints."""
    now = datetime.now(UTC)
    with session_scope(settings.database_url) as session:
        calendar = calendar_in_force(session, settings, notice.date)
    plans = []
    for spec in notice.tasks:
        assigned = max(now, datetime.combine(spec.notice_date, datetime.min.time(), tzinfo=UTC))
        status = TaskStatus.assigned(spec, assigned)
        steps = plan(
            policies(settings)[spec.policy],
            spec,
            status,
            FollowUpState(deadline_set_at=assigned),
            calendar,
            assigned,
            limit=limit,
        )
        moments = [o.at for o in steps] + ([spec.deadline.due] if spec.deadline.due else [])
        provisional = plan_rests_on(calendar, moments, since=assigned)
        plans.append(DryRunPlan(spec, steps, provisional))
    return plans
