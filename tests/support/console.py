"""The console under test: the real app, a real worker on the time-skipping server, a real
SMTP mailbox, one account per role, and two notices from two different leaders."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx
import pytest_asyncio
from fastapi import FastAPI
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from dondoc.commands.issue import check_notice, issue_notice
from dondoc.domain.formatting import LOCAL_TZ
from dondoc.settings import Settings
from dondoc.store.db import session_scope
from dondoc.store.tasks import get_task
from dondoc.store.users import add_user
from dondoc.web.app import create_app
from dondoc.worker import build_worker
from support.mailbox import Mailbox

PASSWORD = "mat-khau-thu-nghiem-1"
ACCOUNTS = {
    "admin": ("admin", None),
    "office": ("office", None),
    "leader": ("leader", "PCT-VINH"),
    "chairman": ("leader", "CT"),
}


class FixedClient:
    """Hands the web the test server's client instead of dialling an address."""

    def __init__(self, client: Client) -> None:
        self._client = client

    async def get(self) -> Client:
        return self._client


class DownClient:
    """Temporal unreachable: every attempt fails at once."""

    async def get(self) -> Client:
        raise RuntimeError("Temporal is down (test)")


def add_accounts(settings: Settings) -> None:
    with session_scope(settings.database_url) as session:
        for name, (role, leader) in ACCOUNTS.items():
            add_user(
                session,
                name,
                role=role,
                password=PASSWORD,
                display_name=f"Tài khoản {name}",
                leader_code=leader,
            )


def notices(today: date) -> list[dict[str, Any]]:
    number = uuid.uuid4().int % 9000 + 100
    return [
        {
            "number": f"{number}/TB-UBND",
            "date": today.isoformat(),
            "leader": "PCT-VINH",
            "subject": "Kết luận về Dự thảo Đề án hợp tác toàn diện với các tỉnh của Lào",
            "tasks": [
                {
                    "owner": "SNGV",
                    "coordinators": ["STC"],
                    "work": "Hoàn thiện dự thảo Đề án hợp tác toàn diện <b>với Lào</b>",
                    "result": "Dự thảo Đề án trình UBND tỉnh",
                    "deadline": (today + timedelta(days=30)).isoformat(),
                },
                {
                    "owner": "SNNMT",
                    "work": "Rà soát danh mục dự án nông nghiệp công nghệ cao",
                    "deadline": (today + timedelta(days=60)).isoformat(),
                },
            ],
        },
        {
            "number": f"{number + 1}/TB-UBND",
            "date": today.isoformat(),
            "leader": "CT",
            "subject": "Kết luận của Chủ tịch UBND tỉnh về số hóa hồ sơ",
            "tasks": [
                {
                    "owner": "SCT",
                    "work": "Xây dựng Kế hoạch số hóa hồ sơ ngành Công Thương",
                    "deadline": (today + timedelta(days=20)).isoformat(),
                }
            ],
        },
    ]


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


async def sign_in(
    web: httpx.AsyncClient, username: str, password: str = PASSWORD
) -> httpx.Response:
    page = await web.get("/admin/login")
    token = re.search(r'name="login_token" value="([^"]+)"', page.text)
    assert token
    return await web.post(
        "/admin/login",
        data={
            "username": username,
            "password": password,
            "login_token": token.group(1),
            "next": "/admin/",
        },
    )


@dataclass
class Console:
    app: FastAPI
    settings: Settings
    env: WorkflowEnvironment
    mailbox: Mailbox
    today: date
    vinh_tasks: list[str]
    ct_tasks: list[str]
    notice_keys: list[str]
    _clients: list[httpx.AsyncClient] = field(default_factory=list)

    async def as_user(self, name: str) -> httpx.AsyncClient:
        web = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url="http://dondoc.test"
        )
        self._clients.append(web)
        answer = await sign_in(web, name)
        assert answer.status_code == 303, answer.text
        return web

    def anonymous(self) -> httpx.AsyncClient:
        web = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url="http://dondoc.test"
        )
        self._clients.append(web)
        return web

    def state(self, task_id: str) -> str:
        with session_scope(self.settings.database_url) as session:
            row = get_task(session, task_id)
            assert row is not None
            return row.state

    async def close(self) -> None:
        for web in self._clients:
            await web.aclose()


async def build_console(
    env: WorkflowEnvironment, settings: Settings, mailbox: Mailbox
) -> tuple[Console, Any]:
    settings = settings.model_copy(update={"task_queue": f"console-{uuid.uuid4()}"})
    add_accounts(settings)
    app = create_app(settings)
    app.state.temporal = FixedClient(env.client)
    app.state.search_attributes = False
    today = (await env.get_current_time()).astimezone(LOCAL_TZ).date()
    parsed = [check_notice(raw, settings) for raw in notices(today)]
    worker = build_worker(env.client, settings)
    console = Console(
        app=app,
        settings=settings,
        env=env,
        mailbox=mailbox,
        today=today,
        vinh_tasks=[t.id for t in parsed[0].tasks],
        ct_tasks=[t.id for t in parsed[1].tasks],
        notice_keys=[n.key for n in parsed],
    )
    return console, (worker, parsed)


@pytest_asyncio.fixture
async def console(
    env: WorkflowEnvironment, settings: Settings, mailbox: Mailbox
) -> AsyncIterator[Console]:
    built, (worker, parsed) = await build_console(env, settings, mailbox)
    async with worker:
        for notice in parsed:
            await issue_notice(notice, built.settings, env.client, search_attributes=False)
        # SNGV + its cc'd coordinator STC, SNNMT, SCT: one assignment mail each.
        await mailbox.arrived(4)
        try:
            yield built
        finally:
            await built.close()
