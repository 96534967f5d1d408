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


def test_a_saturated_pool_answers_database_busy_then_recovers(database_url: str) -> None:
    engine = engine_for(database_url)
    with ExitStack() as held:
        for _ in range(POOL_SIZE + POOL_OVERFLOW):
            held.enter_context(engine.connect()).execute(text("SELECT 1"))
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            waiting = pool.submit(_in_a_thread, database_url)
            with pytest.raises(DatabaseBusy):
                waiting.result(timeout=LIVENESS)
    with session_scope(database_url) as session:  # the connections are back: it answers
        assert _select_one(session) == 1


async def test_in_session_on_a_saturated_pool_is_busy_not_stuck(database_url: str) -> None:
    engine = engine_for(database_url)
    with ExitStack() as held:
        for _ in range(POOL_SIZE + POOL_OVERFLOW):
            held.enter_context(engine.connect()).execute(text("SELECT 1"))
        with pytest.raises(DatabaseBusy):
            await asyncio.wait_for(in_session(database_url, _select_one), LIVENESS)
    assert await in_session(database_url, _select_one) == 1
