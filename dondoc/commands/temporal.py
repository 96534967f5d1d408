"""The one way every edge gets its Temporal client.

The client is made on first use, so the web starts (and shows its pages) while Temporal
is down. After a failed connection the edge stops asking for a while: a down server then
costs one short wait, not one per request, and a click is deferred at once instead of
making the person wait for a timeout.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol

import structlog
from temporalio.client import Client

from dondoc.client import connect
from dondoc.settings import Settings

log = structlog.get_logger(__name__)

CONNECT_TIMEOUT = 5.0
BACKOFF = 15.0


class ClientSource(Protocol):
    """Anything that hands out the Temporal client (tests hand a fixed one)."""

    async def get(self) -> Client: ...


class TemporalUnavailable(RuntimeError):
    """Temporal cannot be reached now; the caller defers, or says so."""


class TemporalClients:
    def __init__(
        self, settings: Settings, *, timeout: float = CONNECT_TIMEOUT, backoff: float = BACKOFF
    ) -> None:
        self._settings = settings
        self._timeout = timeout
        self._backoff = backoff
        self._client: Client | None = None
        self._down_until = 0.0
        self._lock = asyncio.Lock()

    async def get(self) -> Client:
        """The connected client; ``TemporalUnavailable`` at once while backing off."""
        if self._client is not None:
            return self._client
        async with self._lock:
            if self._client is not None:
                return self._client
            if time.monotonic() < self._down_until:
                raise TemporalUnavailable(
                    f"Temporal at {self._settings.temporal_address} was unreachable moments ago"
                )
            try:
                self._client = await asyncio.wait_for(
                    connect(self._settings), timeout=self._timeout
                )
            except Exception as err:
                self._down_until = time.monotonic() + self._backoff
                log.warning(
                    "temporal_unreachable", address=self._settings.temporal_address, error=repr(err)
                )
                raise TemporalUnavailable(str(err) or type(err).__name__) from err
            return self._client


async def client_or_none(clients: ClientSource) -> Client | None:
    """The client, or None when Temporal cannot be reached now (never raises)."""
    try:
        return await clients.get()
    except Exception:
        return None
