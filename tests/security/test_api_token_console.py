"""The console's token form chooses the scopes, as the command line does.

The real app over ASGI, an admin signed in: the boxes ticked are the scopes granted, none
ticked is read only, and the list shows each token's scopes.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest_asyncio

from dondoc.settings import Settings
from dondoc.store.db import session_scope
from dondoc.store.tables import ApiTokenRow
from dondoc.web.app import create_app
from support.console import DownClient, add_accounts, csrf_of, sign_in


@pytest_asyncio.fixture
async def admin(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    add_accounts(settings)
    app = create_app(settings)
    app.state.temporal = DownClient()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://dondoc.test") as web:
        assert (await sign_in(web, "admin")).status_code == 303
        yield web


def scopes_in_database(settings: Settings, name: str) -> str:
    with session_scope(settings.database_url) as session:
        row = session.get(ApiTokenRow, name)
        assert row is not None
        return row.scopes


async def test_the_boxes_ticked_are_the_scopes_granted(
    admin: httpx.AsyncClient, settings: Settings
) -> None:
    page = await admin.get("/admin/users")
    assert 'name="scope:tasks:act"' in page.text and 'name="scope:notices:issue"' in page.text
    made = await admin.post(
        "/admin/api-tokens",
        data={
            "csrf_token": csrf_of(page.text),
            "name": "dieu-hanh",
            "scope:tasks:act": "1",
            "scope:read": "1",
        },
    )
    assert made.status_code == 200
    assert "Mã truy cập API của «dieu-hanh», phạm vi read tasks:act" in made.text
    token = re.search(r'<code class="copy">(ddk_[^<]+)</code>', made.text)
    assert token
    assert scopes_in_database(settings, "dieu-hanh") == "read tasks:act"
    api = {"Authorization": f"Bearer {token.group(1)}"}
    refused = await admin.post("/api/v1/notices?dry_run=true", json={}, headers=api)
    assert refused.status_code == 403 and "«notices:issue»" in refused.json()["detail"]
    listed = await admin.get("/admin/users")
    assert "<code>read tasks:act</code>" in listed.text


async def test_none_ticked_is_read_only_and_a_forged_form_makes_nothing(
    admin: httpx.AsyncClient, settings: Settings
) -> None:
    page = await admin.get("/admin/users")
    forged = await admin.post("/admin/api-tokens", data={"name": "ke-gian", "scope:tasks:act": "1"})
    assert forged.status_code == 403
    with session_scope(settings.database_url) as session:
        assert session.get(ApiTokenRow, "ke-gian") is None
    made = await admin.post(
        "/admin/api-tokens", data={"csrf_token": csrf_of(page.text), "name": "bang-theo-doi"}
    )
    assert made.status_code == 200 and "phạm vi read (" in made.text
    assert scopes_in_database(settings, "bang-theo-doi") == "read"
