"""The worker and the Temporal server killed with SIGKILL mid-burst, and started again."""

from __future__ import annotations

import pytest

from faults.knobs import Knobs
from faults.scenario import Run
from faults.stack import FaultStack

pytestmark = pytest.mark.faults

SLOW_250 = 0.5
"""Seconds the relay holds its "250" in the worker scenario: with the worker's twenty
activities sending at once, the kill is sure to land on some copies the relay already
took but the outbox never heard about — the crash window, opened wide on purpose."""


async def test_a_worker_killed_mid_burst_leaves_its_mail_to_the_next_worker(
    whole: FaultStack, knobs: Knobs
) -> None:
    whole.relay.answer_after(SLOW_250)
    run = Run.begin(whole, "1 worker kill -9", knobs.tasks)
    await run.mid_burst()
    whole.worker.kill()
    run.clear()
    await whole.worker.start()
    outcome = await run.finish()
    outcome.assert_clean()


async def test_the_temporal_server_killed_and_restarted_on_its_file_loses_nothing(
    whole: FaultStack, knobs: Knobs
) -> None:
    run = Run.begin(whole, "2 Temporal kill -9", knobs.tasks)
    await run.issued()  # the starts need the server; a burst's mail is still going out
    await run.mid_burst()
    whole.temporal.kill()
    run.clear()
    await whole.temporal.start()
    whole.forget_client()
    outcome = await run.finish()
    outcome.assert_clean()
    assert whole.worker.alive, f"the worker did not outlive the server:\n{whole.worker.tail()}"
