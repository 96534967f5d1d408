"""A request body is refused before it is read: anonymous ones at the API's door (401), big
ones at the size limit (413), whether they declare their length or stream without one.

Against ``dondoc web`` as its own process: uvicorn, the real app, a real socket.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest

from dondoc.settings import Settings
from support.seeded import WebProcess, api_token, notice_document, seeded_settings, web_process

MiB = 1024 * 1024


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return seeded_settings(tmp_path_factory.mktemp("body-limit"))


@pytest.fixture(scope="module")
def web(settings: Settings) -> Iterator[WebProcess]:
    with web_process(settings) as running:
        yield running


@pytest.fixture(scope="module")
def token(settings: Settings) -> str:
    return api_token(settings)


async def answer_before_body(
    web: WebProcess, head: list[str], first_part: bytes, *, wait: float = 30
) -> tuple[int, bytes]:
    """Send a request's headers and only the start of its body, then read the answer.

    The rest of the body is never sent, so an answer at all proves the server decided
    without it (a server that reads the body first would still be waiting).
    """
    reader, writer = await asyncio.open_connection("127.0.0.1", web.port)
    try:
        lines = [*head, f"Host: 127.0.0.1:{web.port}", "", ""]
        writer.write("\r\n".join(lines).encode() + first_part)
        await writer.drain()
        raw = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), wait)
        status = int(raw.split(b" ", 2)[1])
        length = next(
            int(line.split(b":", 1)[1])
            for line in raw.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        return status, await asyncio.wait_for(reader.readexactly(length), wait)
    finally:
        writer.close()


def chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


async def test_an_anonymous_100_mb_notice_is_refused_401_before_its_body_is_read(
    web: WebProcess,
) -> None:
    status, body = await answer_before_body(
        web,
        [
            "POST /api/v1/notices HTTP/1.1",
            "Content-Type: application/json",
            f"Content-Length: {100 * MiB}",
        ],
        b'{"number": "' + b"9" * 60_000,
    )
    assert status == 401
    assert json.loads(body)["detail"] == "Thiếu mã truy cập (Authorization: Bearer …)."


async def test_an_anonymous_chunked_body_is_refused_401_before_it_is_read(
    web: WebProcess,
) -> None:
    status, body = await answer_before_body(
        web,
        [
            "POST /api/v1/notices HTTP/1.1",
            "Content-Type: application/json",
            "Transfer-Encoding: chunked",
            "Authorization: Bearer ddt_khong-phai-ma-that",
        ],
        chunk(b"[" * 60_000),
    )
    assert status == 401
    assert "không hợp lệ" in json.loads(body)["detail"]


async def test_a_declared_length_over_the_limit_is_refused_413_unread(
    web: WebProcess, token: str
) -> None:
    status, body = await answer_before_body(
        web,
        [
            "POST /api/v1/notices HTTP/1.1",
            "Content-Type: application/json",
            f"Authorization: Bearer {token}",
            f"Content-Length: {2 * MiB + 1}",
        ],
        b"{",
    )
    assert status == 413
    assert json.loads(body) == {
        "detail": "Nội dung gửi lên quá lớn: tối đa 2 MB.",
        "errors": [],
    }


async def test_a_chunked_body_is_refused_413_as_soon_as_it_passes_the_limit(
    web: WebProcess, token: str
) -> None:
    # 3 MiB sent, no final chunk: the server must answer without waiting for the end.
    status, body = await answer_before_body(
        web,
        [
            "POST /api/v1/notices HTTP/1.1",
            "Content-Type: application/json",
            f"Authorization: Bearer {token}",
            "Transfer-Encoding: chunked",
        ],
        b"".join(chunk(b" " * (512 * 1024)) for _ in range(6)),
    )
    assert status == 413
    assert "tối đa 2 MB" in json.loads(body)["detail"]


async def test_an_agency_form_over_the_limit_gets_a_page_in_words(web: WebProcess) -> None:
    status, body = await answer_before_body(
        web,
        [
            "POST /t/some-link/acknowledge HTTP/1.1",
            "Content-Type: application/x-www-form-urlencoded",
            f"Content-Length: {3 * MiB}",
        ],
        b"note=",
    )
    assert status == 413
    page = body.decode()
    assert "<h1>Nội dung quá lớn</h1>" in page and "tối đa 2 MB" in page


async def test_the_console_notice_form_takes_a_larger_body_than_the_default(
    web: WebProcess,
) -> None:
    # 3 MiB is over the default but under the upload limit (16 MiB): the body is read and
    # the request goes on to the console, which asks for a login.
    async with httpx.AsyncClient(base_url=web.url) as client:
        answer = await client.post(
            "/admin/notices/preview",
            content=b"text=" + b"a" * (3 * MiB),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        refused = await client.post(
            "/admin/notices/preview",
            content=b"text=" + b"a" * (17 * MiB),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    assert answer.status_code != 413
    assert refused.status_code == 413 and "tối đa 16 MB" in refused.text


def streamed(total: int) -> Iterator[bytes]:
    """A JSON-looking body of ``total`` bytes, made as it is sent (no Content-Length)."""
    piece = b'{"number": "1/TB", "tasks": [' + b" " * (256 * 1024 - 30)
    for _ in range(total // len(piece)):
        yield piece


def test_memory_does_not_grow_with_the_size_of_a_refused_body(web: WebProcess, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    with httpx.Client(base_url=web.url, headers=headers, timeout=120) as client:
        small = client.post("/api/v1/notices", content=streamed(8 * MiB))
        before = web.peak_memory()
        large = client.post("/api/v1/notices", content=streamed(200 * MiB))
        anonymous = httpx.post(
            f"{web.url}/api/v1/notices", content=streamed(200 * MiB), timeout=120
        )
        after = web.peak_memory()
    assert (small.status_code, large.status_code, anonymous.status_code) == (413, 413, 401)
    # Reading 200 MB would raise the peak by at least as much; refused, it barely moves.
    assert after - before < 32 * MiB, f"peak memory grew by {(after - before) / MiB:.0f} MiB"


def test_a_notice_under_the_limit_is_read_and_validated_as_before(
    web: WebProcess, token: str
) -> None:
    document = notice_document("501/TB-UBND", date(2026, 9, 15), owner="KHONG-CO")
    answer = httpx.post(
        f"{web.url}/api/v1/notices?dry_run=true",
        json=document,
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "tasks[1].owner"


async def test_the_token_lookup_does_not_stop_the_server_serving_others(
    web: WebProcess, settings: Settings
) -> None:
    """While a token's check waits on a locked database, other pages are still served."""
    token = api_token(settings)  # never used: its first check writes last_used_at
    database = sqlite3.connect(Path(settings.database_url.removeprefix("sqlite:///")))
    database.execute("BEGIN IMMEDIATE")  # the write lock, until committed
    released = threading.Event()
    try:
        async with httpx.AsyncClient(base_url=web.url, timeout=60) as client:
            api_call = asyncio.create_task(
                client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"})
            )
            # Let the call reach the server and stall on the lock before asking for more.
            await asyncio.sleep(1)
            page = await client.get("/static/style.css")
            assert page.status_code == 200
            assert not api_call.done(), "the static page waited for the token check"
            database.commit()
            released.set()
            assert (await api_call).status_code == 200
    finally:
        if not released.is_set():
            database.rollback()
        database.close()
