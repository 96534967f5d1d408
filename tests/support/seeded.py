"""A migrated SQLite database with a directory, tasks in its read model, and the web on it.

For the security and fuzz suites: what a page, a report or a validation reads is all in
SQL, so these tests need no Temporal; the web is the real app (in-process over ASGI, or
``dondoc web`` as its own process on a free port).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import yaml

from dondoc.commands.issue import check_notice
from dondoc.devstack.net import free_port
from dondoc.domain.directory import Directory
from dondoc.domain.notice import Notice
from dondoc.domain.task import TaskStatus
from dondoc.settings import Settings
from dondoc.store.db import migrate, session_scope
from dondoc.store.directory import load_directory
from dondoc.store.notices import record_notice
from dondoc.store.tasks import save_task
from dondoc.store.users import ApiScope, create_api_token

DIRECTORY = """\
office: {name: Văn phòng UBND tỉnh, email: vanphong@ubnd.test}
leaders:
  - {code: PCT-VINH, name: Phùng Thành Vinh, title: Phó Chủ tịch UBND tỉnh, email: pct.vinh@ubnd.test}
agencies:
  - {code: SNGV, name: Sở Ngoại vụ, email: songoaivu@ubnd.test}
  - {code: STC, name: Sở Tài chính, email: sotaichinh@ubnd.test}
  - {code: SCT, name: Sở Công Thương, email: socongthuong@ubnd.test}
"""
DONDOC = str(Path(sys.executable).parent / "dondoc")


def directory_document(agencies: list[dict[str, str]]) -> dict[str, Any]:
    """The directory of DIRECTORY's office and leader with other agencies, as a document."""
    return {
        "office": {"name": "Văn phòng UBND tỉnh", "email": "vanphong@ubnd.test"},
        "leaders": [
            {
                "code": "PCT-VINH",
                "name": "Phùng Thành Vinh",
                "title": "Phó Chủ tịch UBND tỉnh",
                "email": "pct.vinh@ubnd.test",
            }
        ],
        "agencies": agencies,
    }


def seeded_settings(folder: Path, directory: str = DIRECTORY) -> Settings:
    """Settings on a fresh database holding ``directory``; Temporal deliberately unreachable."""
    url = f"sqlite:///{folder / 'dondoc.db'}"
    migrate(url)
    with session_scope(url) as session:
        load_directory(session, Directory.model_validate(yaml.safe_load(directory)))
    return Settings(
        database_url=url,
        public_url="http://dondoc.test",
        secret_key=secrets.token_urlsafe(48),
        temporal_address="127.0.0.1:9",
        data_dir=folder,
    )


def api_token(
    settings: Settings, name: str | None = None, scopes: Iterable[ApiScope] = tuple(ApiScope)
) -> str:
    """A new token (every scope unless ``scopes`` says otherwise)."""
    with session_scope(settings.database_url) as session:
        return create_api_token(session, name or f"tich-hop-{uuid.uuid4().hex[:8]}", scopes)


def notice_document(number: str, today: date, **task: Any) -> dict[str, Any]:
    return {
        "number": number,
        "date": today.isoformat(),
        "leader": "PCT-VINH",
        "subject": "Kết luận của Phó Chủ tịch UBND tỉnh về Đề án hợp tác",
        "tasks": [
            {
                "owner": "SNGV",
                "coordinators": ["STC"],
                "work": "Hoàn thiện dự thảo Đề án hợp tác toàn diện",
                "deadline": (today + timedelta(days=30)).isoformat(),
                **task,
            }
        ],
    }


def into_read_model(settings: Settings, document: dict[str, Any]) -> Notice:
    """Validate ``document`` as issuing does and record it with its tasks as just assigned,
    which is what the read model holds the moment a notice is issued."""
    notice = check_notice(document, settings)
    now = datetime.now(UTC)
    with session_scope(settings.database_url) as session:
        record_notice(session, notice, now)
        for spec in notice.tasks:
            status = TaskStatus.assigned(spec, now)
            save_task(session, spec, status, now)
    return notice


def environment_of(settings: Settings) -> dict[str, str]:
    """The DONDOC_* variables that make a process see ``settings``."""
    return {
        **os.environ,
        "DONDOC_DATABASE_URL": settings.database_url,
        "DONDOC_SECRET_KEY": settings.secret_key.get_secret_value(),
        "DONDOC_TEMPORAL_ADDRESS": settings.temporal_address,
        "DONDOC_PUBLIC_URL": settings.public_url,
        "DONDOC_DATA_DIR": str(settings.data_dir),
    }


@dataclass
class WebProcess:
    """``dondoc web`` running as its own process, as in a deployment."""

    process: subprocess.Popen[bytes]
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _status(self, field: str) -> int:
        """A memory figure of the process from /proc, in bytes."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) * 1024
        raise AssertionError(f"no {field} in /proc/{self.process.pid}/status")

    def peak_memory(self) -> int:
        """The largest resident size the process has had (VmHWM)."""
        return self._status("VmHWM")


@contextmanager
def web_process(
    settings: Settings, *, env: dict[str, str] | None = None, log: Path | None = None
) -> Iterator[WebProcess]:
    """``dondoc web`` on a free port with ``settings`` (and any more ``env``); its log
    (JSON lines on stderr) written to ``log`` when given."""
    port = free_port()
    stderr = log.open("wb") if log is not None else subprocess.DEVNULL
    process = subprocess.Popen(
        [DONDOC, "web", "--port", str(port)],
        env={**environment_of(settings), "DONDOC_LOG_FORMAT": "json", **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=stderr,
    )
    web = WebProcess(process=process, port=port)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{web.url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise AssertionError("dondoc web did not start")
            time.sleep(0.2)
        yield web
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if log is not None:
            stderr.close()  # type: ignore[union-attr]


class Web:
    """The real app in-process, asked one request at a time from synchronous code (a
    Hypothesis test): each request runs on its own event loop over ASGI. A 500 comes back
    as a response, as a browser would see it, not as the exception."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        async def send() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app, raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=transport, base_url="http://dondoc.test") as c:
                return await c.request(method, path, **kwargs)

        return asyncio.run(send())

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)
