"""Temporal Schedules of the deployment: the agencies' morning digest."""

from __future__ import annotations

import structlog
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
)

from dondoc.settings import Settings
from dondoc.workflows.digest import DigestWorkflow

log = structlog.get_logger(__name__)
DIGEST_SCHEDULE_ID = "dondoc-digest"


def digest_schedule(settings: Settings) -> Schedule:
    """07:30 Monday to Saturday in Vietnam: Saturdays for the official make-up working days."""
    return Schedule(
        action=ScheduleActionStartWorkflow(
            DigestWorkflow.run, id="dondoc-digest-run", task_queue=settings.task_queue
        ),
        spec=ScheduleSpec(
            calendars=[
                ScheduleCalendarSpec(
                    hour=[ScheduleRange(7)],
                    minute=[ScheduleRange(30)],
                    day_of_week=[ScheduleRange(1, 6)],
                )
            ],
            time_zone_name="Asia/Ho_Chi_Minh",
        ),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


async def ensure_digest_schedule(client: Client, settings: Settings) -> bool:
    """Create the digest schedule unless it exists; True if this call created it."""
    try:
        await client.create_schedule(DIGEST_SCHEDULE_ID, digest_schedule(settings))
    except ScheduleAlreadyRunningError:
        return False
    log.info("digest_schedule_created", schedule=DIGEST_SCHEDULE_ID)
    return True
