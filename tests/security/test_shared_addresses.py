"""One address, many people: a guesser behind an agency's NAT locks out nobody else.

The app under uvicorn as ``dondoc web`` runs it, with throttles that refuse after a few
failures (and wait milliseconds, not seconds). The clients really are different
addresses of this machine: 127.0.0.2 is the NAT that the guesser and the honest staff
share, 127.0.0.3 somewhere else.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import pytest_asyncio

from dondoc.domain.tokens import LinkGrant, sign_agency_link, sign_link
from dondoc.settings import Settings
from dondoc.store.db import session_scope
from dondoc.store.users import add_user
from dondoc.web.app import create_app
from dondoc.web.console.auth import LoginThrottle
from dondoc.web.throttle import FailureThrottle
from support.console import PASSWORD, DownClient
from support.seeded import into_read_model, notice_document, seeded_settings
from support.served import client_at, served

NAT = "127.0.0.2"
ELSEWHERE = "127.0.0.3"


@dataclass
class Seeded:
    settings: Settings
    tasks: list[str]
    """Two tasks of SNGV, one per notice."""


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    settings = seeded_settings(tmp_path_factory.mktemp("shared"))
    today = datetime.now(UTC).date()
    tasks = [
        into_read_model(settings, notice_document(number, today)).tasks[0].id
        for number in ("611/TB-UBND", "612/TB-UBND")
    ]
    with session_scope(settings.database_url) as session:
        for name in ("office", "admin"):
            add_user(session, name, role=name, password=PASSWORD, display_name=name)
    return Seeded(settings, tasks)


@dataclass
class Served:
    url: str
    seeded: Seeded

    def task_link(self, which: int, *, days: int = 30) -> str:
        expires = int((datetime.now(UTC) + timedelta(days=days)).timestamp())
        grant = LinkGrant(self.seeded.tasks[which], "SNGV", expires)
        return f"/t/{sign_link(grant, self.seeded.settings.signing_keys())}"

    def agency_link(self) -> str:
        keys = self.seeded.settings.signing_keys()
        expires = int((datetime.now(UTC) + timedelta(days=30)).timestamp())
        return f"/t/agency/{sign_agency_link('SNGV', expires, keys)}"


@pytest_asyncio.fixture
async def web(seeded: Seeded) -> AsyncIterator[Served]:
    """A fresh app (fresh counts) for each test."""
    app = create_app(seeded.settings)
    app.state.temporal = DownClient()
    app.state.throttle = FailureThrottle(free=1, refuse_after=3, max_delay=0.01)
    app.state.login_throttle = LoginThrottle(free=1, refuse_after=3, max_delay=0.01)
    async with served(app, seeded.settings) as url:
        yield Served(url, seeded)


async def forged(client: httpx.AsyncClient, times: int) -> list[int]:
    return [(await client.get(f"/t/doan-mo.ma-gia-{i}")).status_code for i in range(times)]


async def test_a_token_guesser_behind_a_nat_does_not_lock_out_the_links_behind_it(
    web: Served,
) -> None:
    async with client_at(web.url, NAT) as guesser, client_at(web.url, NAT) as colleague:
        assert await forged(guesser, 4) == [403, 403, 403, 429]
        # The guesser's own next bad token is still refused...
        assert (await guesser.get("/t/doan-mo.lan-nua")).status_code == 429
        # ...while the genuine links of everyone behind the same address open.
        task = await colleague.get(web.task_link(0))
        assert task.status_code == 200 and "Hoàn thiện dự thảo Đề án" in task.text
        agency = await colleague.get(web.agency_link())
        assert agency.status_code == 200 and "Sở Ngoại vụ" in agency.text
        minted = re.search(r'href="(/t/[^"]+)"', agency.text)
        assert minted and (await colleague.get(minted.group(1))).status_code == 200
    async with client_at(web.url, ELSEWHERE) as other:
        assert await forged(other, 1) == [403]  # counted per address: not refused here


async def test_a_burst_against_one_link_does_not_lock_out_the_other_links(web: Served) -> None:
    burst, other = web.task_link(0), web.task_link(1)
    async with client_at(web.url, NAT) as client:
        codes = [
            (await client.post(f"{burst}/acknowledge", data={"form_token": f"cu-{i}"})).status_code
            for i in range(3)
        ]
        assert codes == [403, 403, 403]  # stale or made-up forms on one genuine link
        paused = await client.get(burst)
        assert paused.status_code == 429 and "Đường dẫn này bị dùng sai" in paused.text
        # The other task's link, from the same address, opens; and the address is not
        # refused for anything else either.
        assert (await client.get(other)).status_code == 200
        assert (await client.get(web.agency_link())).status_code == 200


async def test_an_expired_link_clicked_again_and_again_stops_only_itself(web: Served) -> None:
    old = web.task_link(0, days=-1)
    async with client_at(web.url, NAT) as client:
        assert [(await client.get(old)).status_code for _ in range(4)] == [410, 410, 410, 429]
        assert (await client.get(web.task_link(0))).status_code == 200


async def sign_in(url: str, address: str, username: str, password: str) -> int:
    async with client_at(url, address) as client:
        page = await client.get("/admin/login")
        token = re.search(r'name="login_token" value="([^"]+)"', page.text)
        assert token
        answer = await client.post(
            "/admin/login",
            data={"username": username, "password": password, "login_token": token.group(1)},
        )
        return answer.status_code


async def test_a_password_guesser_behind_a_nat_does_not_lock_out_the_officers_behind_it(
    web: Served,
) -> None:
    wrong = "sai-mat-khau-000"
    assert [await sign_in(web.url, NAT, "office", wrong) for _ in range(3)] == [401, 401, 401]
    # That account from that address is refused for a while, even with the right password.
    assert await sign_in(web.url, NAT, "office", PASSWORD) == 429
    # Another officer behind the same NAT signs in...
    assert await sign_in(web.url, NAT, "admin", PASSWORD) == 303
    # ...and so does the guessed account's owner from elsewhere (slowed, not refused).
    assert await sign_in(web.url, ELSEWHERE, "office", PASSWORD) == 303
