"""The connection pool's rule on both databases: saturated, it answers ``DatabaseBusy``
(the web's 503) after its short wait instead of queueing requests without end."""

from __future__ import annotations

import asyncio
import concurrent.futures
from contextlib import ExitStack

import pytest
from sqlalchemy import text

from dondoc.store.db import (
    POOL_OVERFLOW,
    POOL_SIZE,
    POOL_WAIT,
    DatabaseBusy,
    engine_for,
    in_session,
    session_scope,
)

LIVENESS = POOL_WAIT * 6
"""How long the test waits for an answer at all; the pool's own wait is ``POOL_WAIT``."""


def _select_one(session: object) -> int:
    return int(session.execute(text("SELECT 1")).scalar_one())  # type: ignore[attr-defined]


def _in_a_thread(url: str) -> None:
    with session_scope(url) as session:
        _select_one(session)


async def test_a_saturated_pool_answers_database_busy_then_recovers(database_url: str) -> None:
    """A unit of work in a thread (a plain route) and one through ``in_session`` (async
    code), both while every connection is taken: both are told "busy", neither waits on."""
    engine = engine_for(database_url)
    with ExitStack() as held, concurrent.futures.ThreadPoolExecutor(1) as threads:
        for _ in range(POOL_SIZE + POOL_OVERFLOW):
            held.enter_context(engine.connect()).execute(text("SELECT 1"))
        in_a_thread = threads.submit(_in_a_thread, database_url)
        with pytest.raises(DatabaseBusy):
            await asyncio.wait_for(in_session(database_url, _select_one), LIVENESS)
        with pytest.raises(DatabaseBusy):
            in_a_thread.result(timeout=LIVENESS)
    # The connections are back: both ways answer again.
    assert await in_session(database_url, _select_one) == 1
    with session_scope(database_url) as session:
        assert _select_one(session) == 1
