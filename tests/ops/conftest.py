"""Fixtures of the operations tests: a held SMTP relay and a deployment around it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from ops_deployment import Deployment, make_deployment
from ops_processes import HeldRelay
from temporalio.client import Client


@pytest.fixture
def relay() -> Iterator[HeldRelay]:
    held = HeldRelay()
    held.start()
    try:
        yield held
    finally:
        held.stop()


@pytest.fixture
def deployment(tmp_path: Path, dev_temporal: Client, relay: HeldRelay) -> Deployment:
    return make_deployment(tmp_path, dev_temporal, relay.port)
