"""The bare-Temporal baseline: sleep, call a no-op activity, repeat."""

from __future__ import annotations

from datetime import timedelta

from temporalio import activity, workflow


@activity.defn(name="noop")
async def noop(_: int) -> None:
    return None


@workflow.defn(name="BareLadder")
class BareLadder:
    @workflow.run
    async def run(self, steps: list[float]) -> None:
        for seconds in steps:
            await workflow.sleep(seconds)
            await workflow.execute_activity("noop", 0, start_to_close_timeout=timedelta(seconds=30))
