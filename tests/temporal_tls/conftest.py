"""A Temporal dev server behind Debian's nginx, with certificates this suite makes.

One dev server and one nginx serve the whole folder (each starts in a second or two);
tests use their own task queues and notices, so they do not see each other's work.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from dondoc_processes import API_KEY
from grpc_proxy import GrpcProxy, nginx_binary, start_proxy
from tls_pki import Pki, make_pki

from support.temporal import dev_server


@pytest.fixture(scope="package")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest_asyncio.fixture(scope="package", loop_scope="session")
async def temporal_address() -> AsyncIterator[str]:
    """A plain-gRPC dev server on loopback: what sits behind the proxy."""
    async with dev_server() as client:
        yield client.service_client.config.target_host


@pytest.fixture(scope="package")
def proxy(
    tmp_path_factory: pytest.TempPathFactory, pki: Pki, temporal_address: str
) -> Iterator[GrpcProxy]:
    binary = nginx_binary()
    if binary is None:
        pytest.fail("nginx is not installed: run `make install-nginx` (or `make test`)")
    running = start_proxy(binary, tmp_path_factory.mktemp("nginx"), pki, temporal_address, API_KEY)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No DONDOC_* variable and no systemd credentials directory from the outside."""
    for name in list(os.environ):
        if name.startswith("DONDOC_") or name == "CREDENTIALS_DIRECTORY":
            monkeypatch.delenv(name)
    return monkeypatch
