"""An API token does what it was made for and nothing more, and only so often.

Against ``dondoc web`` as its own process. A token made without scopes reads and nothing
else; each operation of the OpenAPI document names the one scope it needs and refuses a
token without it with a 403 in Vietnamese naming the scope, before the body is read and
with nothing changed; past ``DONDOC_API_RATE_LIMIT`` requests a minute a token gets 429
with ``Retry-After`` while other tokens go on.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import func, select

from dondoc.settings import Settings
from dondoc.store.db import session_scope
from dondoc.store.tables import AgencyActionRow, NoticeRow
from dondoc.store.users import ApiScope, create_api_token
from support.seeded import (
    WebProcess,
    api_token,
    into_read_model,
    notice_document,
    seeded_settings,
    web_process,
)

EXPECTED = {
    ("GET", "/api/v1/notices"): "read",
    ("GET", "/api/v1/notices/{key}"): "read",
    ("GET", "/api/v1/tasks"): "read",
    ("GET", "/api/v1/tasks/{task_id}"): "read",
    ("POST", "/api/v1/notices"): "notices:issue",
}
"""Every other operation is a POST on one task: an office action or a resend."""


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return seeded_settings(tmp_path_factory.mktemp("scopes"))


@pytest.fixture(scope="module")
def task(settings: Settings) -> str:
    today = datetime.now(UTC).date()
    return into_read_model(settings, notice_document("701/TB-UBND", today)).tasks[0].id


@pytest.fixture(scope="module")
def web(settings: Settings, task: str) -> Iterator[WebProcess]:
    with web_process(settings) as running:
        yield running


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def unchanged(settings: Settings) -> tuple[int, int]:
    """How many notices were issued and office actions kept: what a refusal must not move."""
    with session_scope(settings.database_url) as session:
        notices = session.scalar(select(func.count()).select_from(NoticeRow)) or 0
        actions = session.scalar(select(func.count()).select_from(AgencyActionRow)) or 0
    return notices, actions


def test_a_token_made_without_scopes_reads_and_does_nothing_else(
    web: WebProcess, settings: Settings, task: str
) -> None:
    with session_scope(settings.database_url) as session:
        token = create_api_token(session, "bang-theo-doi")  # no scope chosen
    before = unchanged(settings)
    with httpx.Client(base_url=web.url, headers=bearer(token)) as api:
        listed = api.get("/api/v1/tasks")
        assert listed.status_code == 200
        assert task in {t["id"] for t in listed.json()["items"]}
        assert api.get(f"/api/v1/tasks/{task}").status_code == 200

        document = notice_document("702/TB-UBND", datetime.now(UTC).date())
        for issued in (
            api.post("/api/v1/notices", json=document),
            api.post("/api/v1/notices?dry_run=true", json=document),
        ):
            assert issued.status_code == 403
            assert issued.json() == {
                "detail": "Mã truy cập của «bang-theo-doi» không có phạm vi «notices:issue» "
                "(ban hành thông báo kết luận). Quản trị cần tạo mã mới có phạm vi này.",
                "errors": [],
            }
        cancelled = api.post(f"/api/v1/tasks/{task}/cancel", json={"reason": "Trùng nhiệm vụ"})
        resent = api.post(f"/api/v1/tasks/{task}/resend", json={"reason": "Chưa nhận được thư"})
        for refused in (cancelled, resent):
            assert refused.status_code == 403
            assert "không có phạm vi «tasks:act»" in refused.json()["detail"]
    assert unchanged(settings) == before


def test_each_scope_opens_exactly_its_operations(
    web: WebProcess, settings: Settings, task: str
) -> None:
    issuer = api_token(settings, scopes=[ApiScope.ISSUE_NOTICES])
    actor = api_token(settings, scopes=[ApiScope.ACT_ON_TASKS])
    document = notice_document("703/TB-UBND", datetime.now(UTC).date())
    with httpx.Client(base_url=web.url) as api:
        checked = api.post("/api/v1/notices?dry_run=true", json=document, headers=bearer(issuer))
        assert checked.status_code == 200 and checked.json()["dry_run"] is True
        unread = api.get("/api/v1/tasks", headers=bearer(issuer))
        assert unread.status_code == 403 and "«read»" in unread.json()["detail"]
        # Temporal is down in this deployment: the office action is kept for later (202).
        kept = api.post(
            f"/api/v1/tasks/{task}/cancel", json={"reason": "Trùng nhiệm vụ"}, headers=bearer(actor)
        )
        assert kept.status_code == 202, kept.text
        refused = api.post("/api/v1/notices?dry_run=true", json=document, headers=bearer(actor))
        assert refused.status_code == 403 and "«notices:issue»" in refused.json()["detail"]


def test_every_operation_names_one_scope_and_refuses_a_token_without_it(
    web: WebProcess, settings: Settings
) -> None:
    doc = httpx.get(f"{web.url}/openapi.json").json()
    operations = [
        (method.upper(), path, op)
        for path, item in doc["paths"].items()
        for method, op in item.items()
    ]
    assert len(operations) >= 13
    before = unchanged(settings)
    with httpx.Client(base_url=web.url) as api:
        for method, path, op in operations:
            (needed,) = [scope for need in op["security"] for scope in need["HTTPBearer"]]
            assert needed == EXPECTED.get((method, path), "tasks:act"), (method, path)
            # Every other scope, but not this one.
            token = api_token(settings, scopes=[s for s in ApiScope if s.value != needed])
            url = path.replace("{key}", "2026-1-TB-UBND").replace("{task_id}", "2026-1-TB-UBND-1")
            answer = api.request(method, url, json={}, headers=bearer(token))
            assert answer.status_code == 403, (method, path, answer.text)
            assert f"«{needed}»" in answer.json()["detail"]
    assert unchanged(settings) == before


async def test_a_missing_scope_is_refused_before_the_body_is_read(
    web: WebProcess, settings: Settings
) -> None:
    reader = api_token(settings, scopes=[ApiScope.READ])
    reader_stream, writer = await asyncio.open_connection("127.0.0.1", web.port)
    try:
        head = [
            "POST /api/v1/notices HTTP/1.1",
            f"Host: 127.0.0.1:{web.port}",
            f"Authorization: Bearer {reader}",
            "Content-Type: application/json",
            f"Content-Length: {1024 * 1024}",
        ]
        # Only the start of a megabyte is ever sent: an answer proves the body was not needed.
        writer.write("\r\n".join([*head, "", ""]).encode() + b'{"number": "')
        await writer.drain()
        raw = await asyncio.wait_for(reader_stream.readuntil(b"\r\n\r\n"), 30)
        assert raw.split(b" ", 2)[1] == b"403"
        length = next(
            int(line.split(b":", 1)[1])
            for line in raw.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        body = json.loads(await asyncio.wait_for(reader_stream.readexactly(length), 30))
        assert "«notices:issue»" in body["detail"]
    finally:
        writer.close()


@pytest.fixture(scope="module")
def limited(settings: Settings, task: str) -> Iterator[WebProcess]:
    with web_process(settings, env={"DONDOC_API_RATE_LIMIT": "3"}) as running:
        yield running


def test_a_token_past_its_rate_gets_429_and_other_tokens_go_on(
    limited: WebProcess, settings: Settings
) -> None:
    busy, quiet = api_token(settings), api_token(settings)
    with httpx.Client(base_url=limited.url) as api:
        codes = [api.get("/api/v1/tasks", headers=bearer(busy)).status_code for _ in range(3)]
        assert codes == [200, 200, 200]
        refused = api.get("/api/v1/tasks", headers=bearer(busy))
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        detail = refused.json()["detail"]
        assert detail.startswith("Mã truy cập này đã gửi quá 3 yêu cầu trong một phút.")
        assert f"thử lại sau {refused.headers['Retry-After']} giây" in detail
        assert refused.json()["errors"] == []
        # A POST past the rate is refused too, before its body matters.
        assert api.post("/api/v1/notices", json={}, headers=bearer(busy)).status_code == 429
        # The limit is the token's, not the address's: another token from here goes on.
        assert api.get("/api/v1/tasks", headers=bearer(quiet)).status_code == 200
