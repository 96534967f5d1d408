"""No fault: the burst as it goes on a calm day, the yardstick of every recovery time."""

from __future__ import annotations

import pytest

from faults.knobs import Knobs
from faults.scenario import Run
from faults.stack import FaultStack

pytestmark = pytest.mark.faults


async def test_a_burst_with_no_fault_delivers_every_assignment_once(
    whole: FaultStack, knobs: Knobs
) -> None:
    run = Run.begin(whole, "0 no fault (baseline)", knobs.tasks)
    outcome = await run.finish(measured=False)
    outcome.assert_clean()
    assert outcome.tally.duplicated == 0, "a copy went twice with nothing in its way"
