"""Shared dependencies: settings, a database session, the Temporal client, templates."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from importlib.resources import files

from fastapi import Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session
from temporalio.client import Client

from dondoc.client import connect
from dondoc.domain.formatting import format_date, format_deadline, format_moment
from dondoc.domain.task import ACTION_LABELS, STATE_LABELS, STATUS_CLASS_LABELS
from dondoc.settings import Settings
from dondoc.store.db import session_scope

templates = Jinja2Templates(directory=str(files("dondoc.web") / "templates"))
templates.env.filters["deadline"] = format_deadline
templates.env.filters["moment"] = format_moment
templates.env.filters["day"] = format_date
templates.env.globals.update(
    STATE_LABELS=STATE_LABELS, STATUS_CLASS_LABELS=STATUS_CLASS_LABELS, ACTION_LABELS=ACTION_LABELS
)


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_session(request: Request) -> Iterator[Session]:
    with session_scope(request.app.state.settings.database_url) as session:
        yield session


class TemporalClients:
    """Connect on first use, so the web starts (and shows pages) while Temporal is down."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._client: Client | None = None
        self._lock = asyncio.Lock()

    async def get(self) -> Client:
        async with self._lock:
            if self._client is None:
                self._client = await asyncio.wait_for(connect(self._settings), timeout=5)
            return self._client


async def get_temporal(request: Request) -> Client:
    return await request.app.state.temporal.get()
