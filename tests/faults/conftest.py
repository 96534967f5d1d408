"""The fault runs' deployment (one per database, shared by its scenarios, which run in
order) and the table printed when the run ends.

``--databases`` (the suite's own option) chooses the databases; the size of the bursts and
the length of the outages come from the environment (``faults/knobs.py``).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from faults.knobs import Knobs
from faults.stack import FaultStack, durable_database
from faults.table import ROWS, render
from support.postgres import PostgresCluster

DATABASES = ("sqlite", "postgresql")
NO_SERVER = "SQLite is a file beside the worker: there is no server to take down"


@pytest.fixture(scope="session")
def knobs() -> Knobs:
    return Knobs.from_environment()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Each scenario once per chosen database; ``server_database`` ones on PostgreSQL only."""
    if "database" not in metafunc.fixturenames:
        return
    chosen = [d.strip() for d in str(metafunc.config.getoption("--databases")).split(",")]
    server_only = metafunc.definition.get_closest_marker("server_database") is not None
    params = [
        pytest.param(d, marks=pytest.mark.skip(reason=NO_SERVER))
        if server_only and d == "sqlite"
        else d
        for d in DATABASES
        if d in chosen
    ]
    metafunc.parametrize("database", params, indirect=True)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "server_database: a database server's outage; SQLite has none to inject"
    )


@pytest.fixture(scope="session")
def database(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest_asyncio.fixture(scope="session")
async def stack(
    database: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> AsyncIterator[FaultStack]:
    folder = tmp_path_factory.mktemp(f"faults-{database}")
    pg: PostgresCluster | None = None
    if database == "postgresql":
        pg = request.getfixturevalue("postgres")
        url = durable_database(pg, "faults")
    else:
        url = f"sqlite:///{folder / 'dondoc.db'}"
    deployment = FaultStack(database, folder, url, pg)
    try:
        await deployment.open()
        yield deployment
    finally:
        await deployment.close()


@pytest_asyncio.fixture
async def whole(stack: FaultStack) -> FaultStack:
    """The deployment with everything running again, whatever the last scenario left."""
    await stack.ensure_running()
    return stack


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The table, and the machine's load: recovery includes the backlog a fault leaves,
    worked off at whatever pace a shared machine allows."""
    if ROWS:
        terminalreporter.section("fault table")
        terminalreporter.write_line(render(ROWS))
        one, five, _ = os.getloadavg()
        terminalreporter.write_line(
            f"load average at the end: {one:.1f} (1 min), {five:.1f} (5 min) "
            f"on {os.cpu_count()} CPUs"
        )
