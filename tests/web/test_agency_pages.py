"""The agency's page behind a mailed link: read freely, act only with a valid form."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest_asyncio
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from dondoc.commands.issue import check_notice, issue_notice
from dondoc.domain.formatting import LOCAL_TZ
from dondoc.domain.tokens import LinkGrant, sign_link
from dondoc.settings import Settings
from dondoc.store.db import session_scope
from dondoc.store.events import list_events
from dondoc.store.tasks import get_task
from dondoc.web.app import create_app
from dondoc.worker import build_worker
from support.mailbox import Mailbox
from support.waiting import eventually


class _FixedClient:
    """Hands the web the test server's real client instead of dialling an address."""

    def __init__(self, client: Client) -> None:
        self._client = client

    async def get(self) -> Client:
        return self._client


@dataclass
class Stack:
    web: httpx.AsyncClient
    settings: Settings
    mailbox: Mailbox
    task_id: str

    def link_for(self, address: str) -> str:
        for message in self.mailbox.messages:
            if address in message.envelope_to and message.kind == "assigned":
                match = re.search(r"http://dondoc\.test(/t/\S+)", message.text())
                assert match, message.text()
                return match.group(1)
        raise AssertionError(f"no assignment mail to {address}")

    def state(self) -> str:
        with session_scope(self.settings.database_url) as session:
            row = get_task(session, self.task_id)
            assert row is not None
            return row.state

    def event_count(self) -> int:
        with session_scope(self.settings.database_url) as session:
            return len(list_events(session, self.task_id))


def notice(today: date) -> dict:
    return {
        "number": f"{uuid.uuid4().int % 9000 + 100}/TB-UBND",
        "date": today.isoformat(),
        "leader": "PCT-VINH",
        "subject": "Kết luận về Dự thảo Đề án <hợp tác> với các tỉnh của Lào",
        "tasks": [
            {
                "owner": "SNGV",
                "coordinators": ["STC"],
                "work": "Hoàn thiện dự thảo Đề án <script>alert(1)</script>",
                "result": "Dự thảo Đề án trình UBND tỉnh",
                "deadline": (today + timedelta(days=30)).isoformat(),
            }
        ],
    }


@pytest_asyncio.fixture
async def stack(
    env: WorkflowEnvironment, settings: Settings, mailbox: Mailbox
) -> AsyncIterator[Stack]:
    settings = settings.model_copy(update={"task_queue": f"web-{uuid.uuid4()}"})
    app = create_app(settings)
    app.state.temporal = _FixedClient(env.client)
    today = (await env.get_current_time()).astimezone(LOCAL_TZ).date()
    parsed = check_notice(notice(today), settings)
    async with build_worker(env.client, settings):
        await issue_notice(parsed, settings, env.client, search_attributes=False)
        await mailbox.arrived(2)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://dondoc.test") as web:
            yield Stack(web, settings, mailbox, parsed.tasks[0].id)


def form_of(html: str, action: str) -> tuple[str, str]:
    match = re.search(
        rf'action="(/t/[^"]+/{action})"[^>]*>\s*<input type="hidden" name="form_token" value="([^"]+)"',
        html,
    )
    assert match, f"no {action} form on the page"
    return match.group(1), match.group(2)


async def test_the_owner_sees_the_task_and_only_the_actions_its_state_allows(stack: Stack) -> None:
    page = await stack.web.get(stack.link_for("songoaivu@ubnd.test"))
    assert page.status_code == 200
    assert "Hoàn thiện dự thảo Đề án" in page.text
    assert "Phó Chủ tịch UBND tỉnh Phùng Thành Vinh" in page.text
    assert ">Tiếp nhận<" in page.text
    assert "Báo cáo hoàn thành" in page.text
    assert "Kết quả thực hiện" in page.text


async def test_opening_the_link_changes_nothing(stack: Stack) -> None:
    link = stack.link_for("songoaivu@ubnd.test")
    before = stack.event_count()
    for _ in range(3):
        assert (await stack.web.get(link)).status_code == 200
    assert stack.state() == "assigned"
    assert stack.event_count() == before


async def test_acknowledge_then_report_completion(stack: Stack) -> None:
    link = stack.link_for("songoaivu@ubnd.test")
    action, token = form_of((await stack.web.get(link)).text, "acknowledge")
    done = await stack.web.post(action, data={"form_token": token})
    assert done.status_code == 200
    assert "Đã tiếp nhận nhiệm vụ." in done.text
    assert "Đã tiếp nhận, đang thực hiện" in done.text

    again = await stack.web.post(action, data={"form_token": token})
    assert again.status_code == 200
    assert "Thao tác đã được thực hiện trước đó." in again.text
    await eventually(lambda: stack.event_count() >= 2, what="the acknowledgement to be recorded")
    assert stack.event_count() == 2  # assigned, acknowledged: the double submit did nothing

    # Each rendering carries fresh form tokens: two reports are two actions, not one.
    assert (
        form_of((await stack.web.get(link)).text, "complete")[1]
        != form_of(done.text, "complete")[1]
    )

    action, token = form_of(done.text, "complete")
    empty = await stack.web.post(action, data={"form_token": token, "summary": "  "})
    assert empty.status_code == 422
    assert "Vui lòng nhập: Kết quả thực hiện" in empty.text

    reported = await stack.web.post(
        action,
        data={"form_token": token, "summary": "Đã trình dự thảo", "document_number": "45/BC-SNGV"},
    )
    assert reported.status_code == 200
    assert "Đã báo cáo, chờ Văn phòng xác nhận" in reported.text
    await eventually(
        lambda: stack.state() == "awaiting_confirmation", what="the report to be recorded"
    )


async def test_a_post_without_a_valid_form_token_changes_nothing(stack: Stack) -> None:
    link = stack.link_for("songoaivu@ubnd.test")
    for token in ("", "forged.token"):
        response = await stack.web.post(f"{link}/acknowledge", data={"form_token": token})
        assert response.status_code == 403
        assert "Biểu mẫu không hợp lệ" in response.text
    assert stack.state() == "assigned"


async def test_a_coordinator_can_read_but_not_act(stack: Stack) -> None:
    link = stack.link_for("sotaichinh@ubnd.test")
    page = await stack.web.get(link)
    assert page.status_code == 200
    assert "đơn vị phối hợp" in page.text
    assert 'name="form_token"' not in page.text


async def test_altered_truncated_and_expired_links_get_a_readable_refusal(stack: Stack) -> None:
    link = stack.link_for("songoaivu@ubnd.test")
    token = link.removeprefix("/t/")
    flipped = token[:10] + ("A" if token[10] != "A" else "B") + token[11:]
    altered = await stack.web.get(f"/t/{flipped}")
    assert altered.status_code in (400, 403)
    assert "Đường dẫn không" in altered.text
    truncated = await stack.web.get(f"/t/{token.split('.')[0]}")
    assert truncated.status_code == 400
    assert "không đầy đủ" in truncated.text
    past = int((datetime.now(UTC) - timedelta(days=1)).timestamp())
    expired = sign_link(LinkGrant(stack.task_id, "SNGV", past), stack.settings.signing_keys())
    response = await stack.web.get(f"/t/{expired}")
    assert response.status_code == 410
    assert "hết hạn" in response.text


async def test_every_page_carries_the_security_headers_and_escapes_task_text(stack: Stack) -> None:
    page = await stack.web.get(stack.link_for("songoaivu@ubnd.test"))
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["x-frame-options"] == "DENY"
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    refused = await stack.web.get("/t/nonsense")
    assert refused.headers["referrer-policy"] == "no-referrer"


async def test_health_reports_the_database(stack: Stack) -> None:
    response = await stack.web.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


async def test_a_click_while_the_worker_is_down_is_kept_and_applied_when_it_returns(
    dev_temporal: Client, settings: Settings, mailbox: Mailbox, monkeypatch
) -> None:
    import dondoc.commands.actions as actions_module
    from dondoc.commands.relay import ActionRelay

    monkeypatch.setattr(actions_module, "UPDATE_TIMEOUT", 1.0)
    settings = settings.model_copy(update={"task_queue": f"web-{uuid.uuid4()}"})
    app = create_app(settings)
    app.state.temporal = _FixedClient(dev_temporal)
    today = datetime.now(LOCAL_TZ).date()
    parsed = check_notice(notice(today), settings)
    async with build_worker(dev_temporal, settings):
        await issue_notice(parsed, settings, dev_temporal)
        await mailbox.arrived(2)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://dondoc.test") as web:
        stack = Stack(web, settings, mailbox, parsed.tasks[0].id)
        link = stack.link_for("songoaivu@ubnd.test")
        action, token = form_of((await web.get(link)).text, "acknowledge")
        kept = await web.post(action, data={"form_token": token})
        assert kept.status_code == 202
        assert "sẽ được thực hiện tự động" in kept.text
        assert "sẽ được thực hiện tự động" in (await web.get(link)).text
        assert stack.state() == "assigned"

        relay = ActionRelay(settings, app.state.temporal, every=0.0, timeout=10.0)
        async with build_worker(dev_temporal, settings):
            assert await relay.flush() == 1
            await eventually(
                lambda: stack.state() == "acknowledged", what="the kept click to apply"
            )
        page = await web.get(link)
        assert "sẽ được thực hiện tự động" not in page.text
        assert "Đã tiếp nhận, đang thực hiện" in page.text


async def test_the_agency_page_lists_its_open_tasks_with_their_own_links(stack: Stack) -> None:
    from dondoc.domain.tokens import sign_agency_link

    expires = int((datetime.now(UTC) + timedelta(days=30)).timestamp())
    token = sign_agency_link("SNGV", expires, stack.settings.signing_keys())
    page = await stack.web.get(f"/t/agency/{token}")
    assert page.status_code == 200
    assert "Nhiệm vụ đang thực hiện của Sở Ngoại vụ" in page.text
    link = re.search(r'href="(/t/[^"]+)"', page.text)
    assert link and (await stack.web.get(link.group(1))).status_code == 200
    assert (await stack.web.get(f"/t/agency/{token[:-3]}xyz")).status_code == 403


async def test_repeated_bad_links_from_one_address_are_slowed_then_refused(stack: Stack) -> None:
    from dondoc.web.throttle import FailureThrottle

    stack.web._transport.app.state.throttle = FailureThrottle(
        free=2, refuse_after=4, max_delay=0.01
    )  # type: ignore[attr-defined]
    codes = [(await stack.web.get(f"/t/forged{i}.token")).status_code for i in range(5)]
    assert codes[:4] == [403, 403, 403, 403]
    assert codes[4] == 429


async def test_a_link_scanner_following_every_url_in_every_mail_changes_nothing(
    stack: Stack,
) -> None:
    before = (stack.state(), stack.event_count())
    urls: set[str] = set()
    for message in stack.mailbox.messages:
        urls |= set(
            re.findall(r"http://dondoc\.test(/[^\s\"<>]+)", message.text() + message.html())
        )
    assert any(u.startswith("/t/agency/") for u in urls) and any(u.count("/") == 2 for u in urls)
    for url in sorted(urls):
        for method in ("GET", "HEAD"):
            response = await stack.web.request(method, url)
            assert response.status_code < 500, (method, url)
    assert (stack.state(), stack.event_count()) == before


async def test_the_owner_names_its_official_from_the_link_and_the_page_shows_who(
    stack: Stack,
) -> None:
    link = stack.link_for("songoaivu@ubnd.test")
    action, token = form_of((await stack.web.get(link)).text, "name_official")
    wrong = await stack.web.post(
        action, data={"form_token": token, "name": "Trần Văn Bình", "email": "khong-phai-thu"}
    )
    assert wrong.status_code == 422
    assert "Thư điện tử của cán bộ phụ trách" in wrong.text
    named = await stack.web.post(
        action,
        data={
            "form_token": token,
            "name": "Trần Văn Bình",
            "position": "Chuyên viên Phòng Hợp tác quốc tế",
            "email": "binh.tv@sngv.ubnd.test",
            "phone": "0912 345 678",
        },
    )
    assert named.status_code == 200, named.text
    assert "Đã ghi nhận cán bộ phụ trách" in named.text
    assert "Trần Văn Bình" in named.text and "binh.tv@sngv.ubnd.test" in named.text
    # A coordinator's link shows who answers for the task, and offers no such form. Its page
    # reads the read model, which the workflow brings up to date just after answering.
    await eventually(lambda: stack.event_count() >= 2, what="the official to be recorded")
    coordinator = await stack.web.get(stack.link_for("sotaichinh@ubnd.test"))
    assert "Trần Văn Bình" in coordinator.text
    assert "name_official" not in coordinator.text


async def test_a_progress_report_may_carry_an_estimate(stack: Stack) -> None:
    link = stack.link_for("songoaivu@ubnd.test")
    action, token = form_of((await stack.web.get(link)).text, "report_progress")
    too_much = await stack.web.post(
        action, data={"form_token": token, "note": "Đang làm", "percent": "140"}
    )
    assert too_much.status_code == 422 and "Tỷ lệ hoàn thành" in too_much.text
    done = await stack.web.post(
        action,
        data={
            "form_token": token,
            "note": "Đã xin ý kiến",
            "percent": "40",
            "milestone": "Dự thảo 1",
        },
    )
    assert done.status_code == 200
    assert "40%" in done.text
