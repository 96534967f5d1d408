"""POST /api/v1/notices with any payload: issued whole, or refused whole in words.

The real app and a real Temporal server (the time-skipping test server; no worker, so the
started workflows wait, which is all this needs). For every payload: no 5xx; an error is
``{"detail", "errors"}`` in Vietnamese; a 201 started one workflow per task and recorded the
notice and each task; anything else recorded and started nothing. No header of any answer
carries a line break.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
import pytest_asyncio
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from notice_cases import ANY_NOTICE, PLAUSIBLE
from sqlalchemy import func, select
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from dondoc.settings import Settings
from dondoc.store.db import session_scope
from dondoc.store.tables import NoticeRow, TaskRow
from dondoc.web.app import create_app
from dondoc.web.security import CSP
from support.console import FixedClient
from support.seeded import api_token, notice_document, seeded_settings

DAY = date(2026, 12, 1)
VIETNAMESE = re.compile(r"[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ]")


@dataclass
class Api:
    settings: Settings
    temporal: Client
    web: httpx.AsyncClient

    def rows(self) -> tuple[int, int]:
        with session_scope(self.settings.database_url) as session:
            notices = session.scalar(select(func.count()).select_from(NoticeRow)) or 0
            tasks = session.scalar(select(func.count()).select_from(TaskRow)) or 0
        return int(notices), int(tasks)

    async def started(self, workflow_id: str) -> bool:
        try:
            await self.temporal.get_workflow_handle(workflow_id).describe()
        except Exception:  # not found
            return False
        return True


@pytest_asyncio.fixture
async def api(env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[Api]:
    base = seeded_settings(tmp_path)
    config = base.model_copy(update={"task_queue": f"fuzz-{uuid.uuid4()}"})
    app = create_app(config)
    app.state.temporal = FixedClient(env.client)
    app.state.search_attributes = False
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://dondoc.test",
        headers={"Authorization": f"Bearer {api_token(config)}"},
    ) as web:
        yield Api(settings=config, temporal=env.client, web=web)


def assert_clean(answer: httpx.Response) -> None:
    assert answer.status_code < 500, answer.text[:500]
    assert answer.headers.get("content-security-policy") == CSP
    for name, value in answer.headers.raw:
        assert b"\r" not in value and b"\n" not in value, name
    if answer.status_code >= 400:
        problem = answer.json()
        assert set(problem) == {"detail", "errors"}, problem
        assert VIETNAMESE.search(problem["detail"].lower()), problem
        for error in problem["errors"]:
            assert error["field"] and VIETNAMESE.search(error["message"].lower()), error


PLAUSIBLE_JSON = PLAUSIBLE.map(lambda d: json.dumps(d, ensure_ascii=False).encode())
BODIES = st.one_of(
    PLAUSIBLE_JSON,
    PLAUSIBLE_JSON,  # twice: half the payloads are notices that may well be issued
    ANY_NOTICE.map(lambda d: json.dumps(d).encode()),
    st.binary(max_size=64),
    st.sampled_from([b"", b"{", b"[]", b"null", b'{"tasks": [{}]}', b"\xef\xbb\xbf{}"]),
)


@given(body=BODIES, dry_run=st.booleans())
@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
async def test_any_payload_is_issued_whole_or_refused_whole(
    api: Api, body: bytes, dry_run: bool
) -> None:
    before = api.rows()
    answer = await api.web.post(
        "/api/v1/notices",
        params={"dry_run": "true"} if dry_run else None,
        content=body,
        headers={"Content-Type": "application/json"},
    )
    assert_clean(answer)
    after = api.rows()
    event(f"answered {answer.status_code}")
    assert answer.status_code in (200, 201, 400, 409, 422), answer.status_code
    if answer.status_code == 201:
        issued = answer.json()
        count = len(json.loads(body)["tasks"])
        assert len(issued["started"]) == count and issued["already"] == []
        assert after == (before[0] + 1, before[1] + count)
        for workflow_id in issued["started"]:
            assert await api.started(workflow_id), workflow_id
    else:
        assert after == before, answer.text


async def test_a_10_mb_notice_is_refused_413_before_it_is_parsed(api: Api) -> None:
    document = notice_document("245/TB-UBND", DAY)
    document["subject"] = "Đ" * (10 * 1024 * 1024 // 2)
    before = api.rows()
    answer = await api.web.post("/api/v1/notices", json=document)
    assert_clean(answer)
    assert answer.status_code == 413
    assert answer.json()["detail"] == "Nội dung gửi lên quá lớn: tối đa 2 MB."
    assert api.rows() == before


async def test_a_100000_character_field_is_refused_naming_it(api: Api) -> None:
    long_work = notice_document("245/TB-UBND", DAY, work="Đ" * 100_000)
    long_code = notice_document("245/TB-UBND", DAY, coordinators=["S" * 100_000])
    before = api.rows()
    for document, field in ((long_work, "tasks[1].work"), (long_code, "tasks[1].coordinators[1]")):
        answer = await api.web.post("/api/v1/notices", json=document)
        assert_clean(answer)
        assert answer.status_code == 422
        named = {e["field"]: e["message"] for e in answer.json()["errors"]}
        assert named[field].startswith("quá dài"), named
        assert len(answer.text) < 2000  # named, not echoed
    assert api.rows() == before
