"""The JSON API v1 as an integration uses it: bearer token, lists, a task's story, issuing a
notice, office actions with an Idempotency-Key, errors that name the field."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from dondoc.domain import requests as rq
from dondoc.store.db import session_scope
from dondoc.store.events import list_events
from dondoc.store.users import ApiScope, create_api_token, revoke_api_token
from dondoc.workflows.task import TaskWorkflow
from support.console import Console
from support.waiting import eventually


@pytest.fixture
async def api(console: Console) -> httpx.AsyncClient:
    with session_scope(console.settings.database_url) as session:
        token = create_api_token(session, "qlvb", tuple(ApiScope))
    web = console.anonymous()
    web.headers["Authorization"] = f"Bearer {token}"
    return web


async def test_the_openapi_document_describes_the_api_and_nothing_else(console: Console) -> None:
    doc = (await console.anonymous().get("/openapi.json")).json()
    assert doc["paths"] and all(p.startswith("/api/v1/") for p in doc["paths"])
    assert "HTTPBearer" in doc["components"]["securitySchemes"]
    problem = doc["paths"]["/api/v1/notices"]["post"]["responses"]["422"]
    assert problem["content"]["application/json"]["schema"]["$ref"].endswith("/Problem")


async def test_a_missing_or_revoked_token_gets_401_in_words(
    console: Console, api: httpx.AsyncClient
) -> None:
    anonymous = await console.anonymous().get("/api/v1/tasks")
    assert anonymous.status_code == 401 and "mã truy cập" in anonymous.json()["detail"]
    assert (await api.get("/api/v1/tasks")).status_code == 200
    with session_scope(console.settings.database_url) as session:
        revoke_api_token(session, "qlvb")
    revoked = await api.get("/api/v1/tasks")
    assert revoked.status_code == 401 and "thu hồi" in revoked.json()["detail"]


async def test_tasks_are_listed_filtered_and_read_with_their_story(
    console: Console, api: httpx.AsyncClient
) -> None:
    everything = (await api.get("/api/v1/tasks")).json()
    assert everything["total"] == 3
    only = (await api.get("/api/v1/tasks", params={"owner": "SCT"})).json()
    assert [t["id"] for t in only["items"]] == console.ct_tasks
    found = (await api.get("/api/v1/tasks", params={"q": "ra soat"})).json()
    assert [t["id"] for t in found["items"]] == [console.vinh_tasks[1]]
    paged = (await api.get("/api/v1/tasks", params={"per_page": 2, "page": 2})).json()
    assert paged["page"] == 2 and len(paged["items"]) == 1
    task = (await api.get(f"/api/v1/tasks/{console.vinh_tasks[0]}")).json()
    assert task["state"] == "assigned" and task["status_class"] == "in_progress_on_time"
    assert task["timeline"][0]["label"] == "Giao nhiệm vụ"
    assert task["timeline"][0]["mails"][0]["status"] == "sent"
    missing = await api.get("/api/v1/tasks/khong-co")
    assert missing.status_code == 404 and "khong-co" in missing.json()["detail"]
    bad = await api.get("/api/v1/tasks", params={"state": "xong", "page": 0})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"state", "page"}


async def test_issuing_a_notice_is_all_or_nothing_and_idempotent(
    console: Console, api: httpx.AsyncClient
) -> None:
    notice = {
        "number": "301/TB-UBND",
        "date": console.today.isoformat(),
        "leader": "PCT-VINH",
        "subject": "Kết luận về công tác đối ngoại",
        "tasks": [
            {
                "owner": "SNGV",
                "work": "Chuẩn bị đoàn công tác",
                "deadline": "trong 15 ngày làm việc",
            },
            {"owner": "KHONGCO", "work": "Việc khác", "deadline": "thường xuyên"},
        ],
    }
    refused = await api.post("/api/v1/notices", json=notice)
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"field": "tasks[2].owner", "message": refused.json()["errors"][0]["message"]}
    ]
    assert "KHONGCO" in refused.json()["errors"][0]["message"]
    assert (await api.get("/api/v1/notices")).json()["total"] == 2  # nothing was issued
    shape = await api.post("/api/v1/notices", json={**notice, "tasks": [{"owner": "SNGV"}]})
    assert shape.status_code == 422
    assert {e["field"] for e in shape.json()["errors"]} == {"tasks[1].work", "tasks[1].deadline"}

    notice["tasks"] = notice["tasks"][:1]
    dry = await api.post("/api/v1/notices", params={"dry_run": "true"}, json=notice)
    assert dry.status_code == 200 and dry.json()["started"] == []
    before = len(console.mailbox.messages)
    issued = await api.post("/api/v1/notices", json=notice)
    assert issued.status_code == 201, issued.text
    assert issued.json()["started"] == [f"{console.today.year}-301-TB-UBND-1"]
    await console.mailbox.arrived(before + 1)
    again = await api.post("/api/v1/notices", json=notice)
    assert again.status_code == 200 and again.json()["started"] == [] and again.json()["already"]
    detail = (await api.get(f"/api/v1/notices/{issued.json()['notice_key']}")).json()
    assert detail["tasks"] == 1 and detail["task_list"][0]["owner"] == "SNGV"


async def test_office_actions_through_the_api_apply_once_per_idempotency_key(
    console: Console, api: httpx.AsyncClient
) -> None:
    task = console.vinh_tasks[0]
    handle = console.env.client.get_workflow_handle(task)
    await handle.execute_update(
        TaskWorkflow.request_extension,
        rq.RequestExtension(
            actor="agency:SNGV",
            new_deadline=(console.today + timedelta(days=50)).isoformat(),
            reason="Cần thêm thời gian lấy ý kiến",
        ),
    )
    empty = await api.post(f"/api/v1/tasks/{task}/extension-decision", json={"approve": False})
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "note"
    body = {"approve": False, "note": "Đề nghị hoàn thành đúng hạn đã giao"}
    headers = {"Idempotency-Key": "qlvb-4711"}
    first = await api.post(f"/api/v1/tasks/{task}/extension-decision", json=body, headers=headers)
    assert first.status_code == 200, first.text
    assert first.json()["applied"] and not first.json()["repeated"]
    second = await api.post(f"/api/v1/tasks/{task}/extension-decision", json=body, headers=headers)
    assert second.status_code == 200 and second.json()["repeated"]

    def refusals() -> list[str]:
        with session_scope(console.settings.database_url) as session:
            return [e.actor for e in list_events(session, task) if e.kind == "extension_refused"]

    assert await eventually(refusals, what="the refusal to be recorded") == ["api:qlvb"]
    # Nothing pending any more: a third decision with a new key is refused, in words.
    third = await api.post(f"/api/v1/tasks/{task}/extension-decision", json=body)
    assert third.status_code == 409 and "gia hạn" in third.json()["detail"]
    gone = await api.post("/api/v1/tasks/khong-co/cancel", json={"reason": "x"})
    assert gone.status_code == 404
