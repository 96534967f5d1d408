"""The real app behind real uvicorn on a free loopback port, configured as ``dondoc web``
configures it (``web_config``), in the test's own event loop so that the test can reach
into ``app.state`` (a throttle with short delays), and asked from chosen client
addresses: every 127.x.y.z is this machine, so 127.0.0.2 and 127.0.0.3 are two clients
behind one NAT, or a client and a proxy, without any header saying so."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import uvicorn
from fastapi import FastAPI

from dondoc.cli.web_server import web_config
from dondoc.devstack.net import free_port
from dondoc.settings import Settings


@asynccontextmanager
async def served(app: FastAPI, settings: Settings) -> AsyncIterator[str]:
    port = free_port()
    server = uvicorn.Server(web_config(app, settings, host="127.0.0.1", port=port))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            raise AssertionError(f"uvicorn did not start: {task.exception()!r}")
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


def client_at(base_url: str, address: str) -> httpx.AsyncClient:
    """A client whose connections leave from ``address`` (a 127.x.y.z of this machine)."""
    return httpx.AsyncClient(
        base_url=base_url,
        transport=httpx.AsyncHTTPTransport(local_address=address),
        timeout=30,
    )
