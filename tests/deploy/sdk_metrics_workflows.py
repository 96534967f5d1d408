"""Three workflows and an activity that make a worker emit its metrics, failures included.

A module of its own: the workflow sandbox re-imports the module that defines a workflow,
and this one imports nothing but temporalio.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import activity, workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError


@activity.defn
async def flaky_activity() -> str:
    if activity.info().attempt == 1:
        raise RuntimeError("the first attempt fails, as a mail to a relay that is down would")
    return "done"


@workflow.defn
class CompletingWorkflow:
    @workflow.run
    async def run(self) -> str:
        return await workflow.execute_activity(
            flaky_activity,
            start_to_close_timeout=timedelta(seconds=10),
            retry_policy=RetryPolicy(initial_interval=timedelta(milliseconds=10)),
        )


@workflow.defn
class FailingWorkflow:
    @workflow.run
    async def run(self) -> None:
        raise ApplicationError("the workflow fails", non_retryable=True)


@workflow.defn
class BrokenTaskWorkflow:
    @workflow.run
    async def run(self) -> None:
        raise RuntimeError("a bug: every workflow task fails and is retried")
