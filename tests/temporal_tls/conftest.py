"""A Temporal dev server behind Debian's nginx, with certificates this suite makes.

One dev server and one nginx serve the whole folder (each starts in a second or two);
tests use their own task queues and notices, so they do not see each other's work.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from dondoc_processes import API_KEY
from grpc_proxy import GrpcProxy, nginx_binary, start_proxy
from temporalio.client import Client
from tls_pki import Pki, make_pki

from dondoc.devstack.net import free_port
from dondoc.devstack.temporal import temporal_command


@pytest.fixture(scope="package")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest_asyncio.fixture(scope="package", loop_scope="session")
async def temporal_address() -> AsyncIterator[str]:
    """A plain-gRPC dev server on loopback: what sits behind the proxy."""
    port = free_port()
    process = subprocess.Popen(
        temporal_command(port, headless=True, log_level="error"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    address = f"127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                await Client.connect(address)
                break
            except RuntimeError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                await asyncio.sleep(0.3)
        yield address
    finally:
        process.terminate()
        process.wait(timeout=20)


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
