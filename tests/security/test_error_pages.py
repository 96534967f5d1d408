"""An error is a page (or the API's JSON) in words, with the headers of every other page.

A signed link whose expiry is ``Infinity``, NaN or 10**400 (possible only with the key,
but a key can leak or a tool can be wrong) is a readable 400, never a 500. Every error
answer — 400, 401, 403, 404, 405, 413, 422, 429 and 500 — carries the CSP, the framing
and sniffing refusals and the referrer policy; under /t/ also ``no-store``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from itsdangerous import URLSafeSerializer
from itsdangerous.encoding import base64_encode

from dondoc.domain.tokens import AGENCY_SALT, LINK_SALT, LinkGrant, sign_link
from dondoc.settings import Settings
from dondoc.store.db import session_scope
from dondoc.store.users import add_user
from dondoc.web.app import create_app
from dondoc.web.security import CSP
from dondoc.web.throttle import FailureThrottle
from support.console import PASSWORD, DownClient, sign_in
from support.seeded import Web, api_token, into_read_model, notice_document, seeded_settings

MALFORMED_TEXT = "Đường dẫn không đầy đủ hoặc đã bị cắt mất một phần."


def assert_secured(answer: httpx.Response) -> None:
    where = f"{answer.request.method} {answer.request.url.path} → {answer.status_code}"
    assert answer.headers.get("content-security-policy") == CSP, where
    assert answer.headers.get("x-frame-options") == "DENY", where
    assert answer.headers.get("x-content-type-options") == "nosniff", where
    assert answer.headers.get("referrer-policy") == "no-referrer", where
    if answer.request.url.path.startswith("/t/"):
        assert answer.headers.get("cache-control") == "no-store", where


def signed_text(payload: str, settings: Settings, salt: str) -> str:
    """A token signed with the deployment's key over exactly this JSON text."""
    signer = URLSafeSerializer(settings.signing_keys()[0], salt=salt).make_signer(salt)
    return signer.sign(base64_encode(payload.encode())).decode()


async def streamed(byte: bytes, megabytes: int) -> AsyncIterator[bytes]:
    """A body sent in pieces, with no Content-Length."""
    for _ in range(megabytes):
        yield byte * (1024 * 1024)


async def streamed_form(fields: int) -> AsyncIterator[bytes]:
    """A form of ``fields`` fields of 900 KB each (Starlette itself refuses any one field
    over 1 MB), sent in pieces with no Content-Length."""
    for index in range(fields):
        yield f"field{index}=".encode() + b"n" * (900 * 1024) + b"&"


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return seeded_settings(tmp_path_factory.mktemp("errors"))


@pytest.fixture(scope="module")
def task(settings: Settings) -> str:
    today = datetime.now(UTC).date()
    return into_read_model(settings, notice_document("612/TB-UBND", today)).tasks[0].id


@pytest.fixture
def web(settings: Settings) -> Iterator[Web]:
    app = create_app(settings)
    app.state.temporal = DownClient()
    yield Web(app)


EXPIRIES = [
    "Infinity",
    "-Infinity",
    "NaN",
    "1e400",
    "1" + "0" * 400,
    "1.5e9",
    '"1900000000"',
    "true",
]


@pytest.mark.parametrize("expiry", EXPIRIES)
def test_a_link_with_an_impossible_expiry_is_a_readable_400(
    web: Web, settings: Settings, task: str, expiry: str
) -> None:
    token = signed_text(f'{{"t": "{task}", "r": "SNGV", "e": {expiry}}}', settings, LINK_SALT)
    for answer in (web.get(f"/t/{token}"), web.post(f"/t/{token}/acknowledge", data={})):
        assert answer.status_code == 400, answer.text[:200]
        assert MALFORMED_TEXT in answer.text
        assert_secured(answer)
    agency = signed_text(f'{{"g": "SNGV", "e": {expiry}}}', settings, AGENCY_SALT)
    answer = web.get(f"/t/agency/{agency}")
    assert answer.status_code == 400 and MALFORMED_TEXT in answer.text
    assert_secured(answer)


@pytest.mark.parametrize(
    "payload",
    [
        '["t", "r", "e"]',
        '"a text"',
        "null",
        '{"t": 5, "r": "SNGV", "e": 1900000000}',
        "{}",
        "{not json",
        '{"t": "a", "r": "b", "e": nan}',
    ],
)
def test_a_signed_payload_of_the_wrong_shape_is_a_readable_400(
    web: Web, settings: Settings, payload: str
) -> None:
    answer = web.get(f"/t/{signed_text(payload, settings, LINK_SALT)}")
    assert answer.status_code == 400 and MALFORMED_TEXT in answer.text
    assert_secured(answer)


def test_every_error_of_the_pages_and_the_api_carries_the_security_headers(
    web: Web, settings: Settings, task: str
) -> None:
    bearer = {"Authorization": f"Bearer {api_token(settings)}"}
    expires = int((datetime.now(UTC) + timedelta(days=5)).timestamp())
    forged = sign_link(LinkGrant(task, "SNGV", expires), ["mot-khoa-khac-hoan-toan-" * 2])
    valid = sign_link(LinkGrant(task, "SNGV", expires), settings.signing_keys())
    too_big = 3 * 1024 * 1024
    answers = {
        400: [
            web.get("/t/khong-phai-duong-dan"),
            web.post(
                "/api/v1/notices",
                content=b"\xff\xfe not json",
                headers={**bearer, "Content-Type": "application/json"},
            ),
        ],
        401: [
            web.get("/api/v1/tasks"),
            web.get("/api/v1/tasks", headers={"Authorization": "Bearer x"}),
        ],
        403: [
            web.get(f"/t/{forged}"),
            web.post(f"/t/{valid}/acknowledge", data={"form_token": "x"}),
        ],
        404: [
            web.get("/khong-co-trang-nay"),
            web.post(f"/t/{valid}/khong-co-thao-tac", data={}),
            web.get("/api/v1/tasks/khong-co", headers=bearer),
        ],
        405: [
            web.post("/healthz"),
            web.request("DELETE", "/api/v1/notices", headers=bearer),
            web.request("PUT", f"/t/{valid}"),
            web.get(f"/t/{valid}/acknowledge"),  # actions are POSTs
        ],
        413: [
            # Streamed without a length: refused while it is read.
            web.post(
                f"/t/{valid}/acknowledge",
                content=streamed_form(4),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            ),
            web.post(
                "/api/v1/notices",
                content=streamed(b" ", 3),
                headers={**bearer, "Content-Type": "application/json"},
            ),
            # Declared: refused before it is read.
            web.post(
                "/api/v1/notices", content=b"{}", headers={**bearer, "Content-Length": str(too_big)}
            ),
        ],
        422: [
            web.post("/api/v1/notices", json={"number": ""}, headers=bearer),
            web.get("/api/v1/tasks?ownr=SNGV", headers=bearer),
            web.get("/api/v1/tasks?per_page=khong", headers=bearer),
        ],
    }
    for status, group in answers.items():
        for answer in group:
            assert answer.status_code == status, (answer.request.url, answer.text[:300])
            assert_secured(answer)
            if answer.request.url.path.startswith("/api/"):
                assert set(answer.json()) == {"detail", "errors"}, answer.text
            else:
                assert answer.headers["content-type"].startswith("text/html")
                assert '<html lang="vi">' in answer.text


def test_throttled_links_get_429_with_the_headers(settings: Settings, task: str) -> None:
    app = create_app(settings)
    app.state.temporal = DownClient()
    app.state.throttle = FailureThrottle(free=10, refuse_after=3, max_delay=0.01)
    web = Web(app)
    for _ in range(3):
        assert web.get("/t/sai.sai").status_code in (400, 403)
    answer = web.get("/t/sai.sai")
    assert answer.status_code == 429 and "Tạm dừng truy cập" in answer.text
    assert_secured(answer)


def test_a_server_error_is_a_page_in_words_with_the_headers(tmp_path: Path) -> None:
    """A database with no tables: every query fails, as when PostgreSQL loses its schema."""
    working = seeded_settings(tmp_path / "working")
    token = api_token(working)
    broken = working.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'empty.db'}"})
    app = create_app(broken)
    app.state.temporal = DownClient()
    web = Web(app)
    expires = int((datetime.now(UTC) + timedelta(days=5)).timestamp())
    link = sign_link(LinkGrant("2026-1-TB-UBND-1", "SNGV", expires), broken.signing_keys())

    page = web.get(f"/t/{link}")
    assert page.status_code == 500
    assert "Hệ thống gặp lỗi khi xử lý yêu cầu" in page.text and "Traceback" not in page.text
    assert_secured(page)

    api = web.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 500
    assert json.loads(api.text)["detail"].startswith("Hệ thống gặp lỗi")
    assert_secured(api)


async def test_a_console_address_with_a_bad_parameter_is_a_page_in_words(
    settings: Settings,
) -> None:
    with session_scope(settings.database_url) as session:
        add_user(session, "vanphong", role="office", password=PASSWORD, display_name="Văn phòng")
    app = create_app(settings)
    app.state.temporal = DownClient()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://dondoc.test") as web:
        assert (await sign_in(web, "vanphong")).status_code == 303
        answer = await web.get("/admin/notices?page=khong-phai-so")
    assert answer.status_code == 422
    assert "Địa chỉ không hợp lệ: page (phải là số nguyên)." in answer.text
    assert_secured(answer)
