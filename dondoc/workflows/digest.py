"""DigestWorkflow: started each morning by a Temporal Schedule; the activity does the rest."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from dondoc.activities.digest import DigestActivities
    from dondoc.domain.formatting import LOCAL_TZ
    from dondoc.workflows.task import RETRY_FOREVER


@workflow.defn(name="DigestWorkflow")
class DigestWorkflow:
    @workflow.run
    async def run(self) -> int:
        # The schedule fires every weekday morning; whether the day is worked (holidays,
        # make-up Saturdays) is the calendar's call, made in the activity.
        day = workflow.now().astimezone(LOCAL_TZ).date()
        return await workflow.execute_activity_method(
            DigestActivities.send_digests,
            day,
            start_to_close_timeout=timedelta(minutes=10),
            retry_policy=RETRY_FOREVER,
        )
