"""Whether this deployment can do its work now: the database, Temporal and the mail
relay each answer within a few seconds. What ``/readyz`` reports."""

from __future__ import annotations

import asyncio

import aiosmtplib
from sqlalchemy import text

from dondoc.commands.temporal import ClientSource
from dondoc.settings import Settings
from dondoc.store.db import DatabaseBusy, in_session

CHECK_TIMEOUT = 3.0


async def _database(settings: Settings) -> str:
    await in_session(
        settings.database_url, lambda s: s.execute(text("SELECT 1")), timeout=CHECK_TIMEOUT
    )
    return "ok"


async def _temporal(temporal: ClientSource) -> str:
    client = await asyncio.wait_for(temporal.get(), CHECK_TIMEOUT)
    await asyncio.wait_for(client.service_client.check_health(), CHECK_TIMEOUT)
    return "ok"


async def _smtp(settings: Settings) -> str:
    host, port = settings.smtp_target
    smtp = aiosmtplib.SMTP(
        hostname=host, port=port, use_tls=settings.smtp_tls, start_tls=False, timeout=CHECK_TIMEOUT
    )
    await smtp.connect()
    try:
        await smtp.noop()
    finally:
        smtp.close()
    return "ok"


async def database_answer(settings: Settings, timeout: float = 1.0) -> str:
    """ "ok", "busy" (no answer within ``timeout``) or the error's name; never raises."""
    try:
        await in_session(
            settings.database_url, lambda s: s.execute(text("SELECT 1")), timeout=timeout
        )
    except DatabaseBusy:
        return "busy"
    except Exception as err:  # the health page reports, it does not fail
        return f"error: {type(err).__name__}"
    return "ok"


async def readiness(settings: Settings, temporal: ClientSource) -> dict[str, str]:
    """``{"database": "ok" | "error: ...", "temporal": ..., "smtp": ...}``, checked at once."""
    names = ("database", "temporal", "smtp")
    results = await asyncio.gather(
        _database(settings), _temporal(temporal), _smtp(settings), return_exceptions=True
    )
    return {
        name: r if isinstance(r, str) else f"error: {type(r).__name__}: {r}"[:200]
        for name, r in zip(names, results, strict=True)
    }
