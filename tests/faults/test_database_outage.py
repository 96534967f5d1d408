"""PostgreSQL stopped mid-burst (every connection cut, the port closed) and started again.

PostgreSQL only: "unreachable" means something for a database server; for SQLite, a file
on the worker's own disk, the nearest fault would be a broken disk, which no retry cures.
"""

from __future__ import annotations

import asyncio

import pytest

from faults.knobs import Knobs
from faults.scenario import Run
from faults.stack import FaultStack, start_postgres, stop_postgres

pytestmark = [pytest.mark.faults, pytest.mark.server_database]


async def test_work_waits_out_a_database_that_is_unreachable(
    whole: FaultStack, knobs: Knobs
) -> None:
    assert whole.pg is not None
    run = Run.begin(whole, "5 database down", knobs.tasks)
    await run.issued()  # issuing records the notice first: it needs the database
    await run.mid_burst()
    await stop_postgres(whole.pg)
    await asyncio.sleep(knobs.db_outage)
    held = run.share()
    run.clear()
    await start_postgres(whole.pg)
    run.notes.append(f"down {knobs.db_outage:.0f} s")
    outcome = await run.finish()
    outcome.assert_clean()
    assert held < 1, "all the mail was out before the database went down"
    assert whole.worker.alive, f"the worker did not outlive the outage:\n{whole.worker.tail()}"
