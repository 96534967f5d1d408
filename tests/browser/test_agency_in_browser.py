"""An agency official acts on a task from a real browser, on a desktop and on a phone."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.async_api import Page, expect
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from dondoc.commands.issue import check_notice, issue_notice
from dondoc.domain.formatting import LOCAL_TZ
from dondoc.web.app import create_app
from dondoc.worker import build_worker
from support.browser import DESKTOP, PHONE, chromium, serving


class _FixedClient:
    def __init__(self, client: Client) -> None:
        self._client = client

    async def get(self) -> Client:
        return self._client


def links_in(mailbox, address: str) -> list[str]:
    """The task links mailed to ``address``, in the order of the tasks in the notice."""
    found = []
    for message in mailbox.messages:
        if address in message.envelope_to and message.kind == "assigned":
            link = re.search(r"http://dondoc\.test(/t/\S+)", message.text()).group(1)
            found.append((message.task, link))
    return [link for _, link in sorted(found)]


async def open_task(page: Page, base: str, path: str, errors: list[str]) -> None:
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    response = await page.goto(base + path)
    assert response is not None and response.status == 200


@pytest.mark.parametrize("device", [DESKTOP, PHONE], ids=["desktop", "phone"])
async def test_every_agency_action_works_in_the_browser(
    env: WorkflowEnvironment, settings, mailbox, device, tmp_path: Path
) -> None:
    settings = settings.model_copy(update={"task_queue": f"b-{uuid.uuid4()}"})
    today = (await env.get_current_time()).astimezone(LOCAL_TZ).date()
    parsed = check_notice(
        {
            "number": f"{uuid.uuid4().int % 9000 + 100}/TB-UBND",
            "date": today.isoformat(),
            "leader": "PCT-VINH",
            "subject": "Kết luận về Dự thảo Đề án hợp tác toàn diện với các tỉnh của Lào",
            "tasks": [
                {
                    "owner": "SNGV",
                    "coordinators": ["STC"],
                    "work": "Tiếp thu ý kiến các đại biểu, hoàn thiện dự thảo Đề án hợp tác toàn diện",
                    "result": "Dự thảo Đề án trình UBND tỉnh",
                    "deadline": (today + timedelta(days=40)).isoformat(),
                },
                {
                    "owner": "SNGV",
                    "work": "Rà soát danh mục kết nghĩa bản – bản",
                    "deadline": (today + timedelta(days=40)).isoformat(),
                },
            ],
        },
        settings,
    )
    app = create_app(settings)
    app.state.temporal = _FixedClient(env.client)
    errors: list[str] = []
    async with build_worker(env.client, settings), serving(app) as base, chromium() as browser:
        await issue_notice(parsed, settings, env.client, search_attributes=False)
        await mailbox.arrived(3)
        first, second = links_in(mailbox, "songoaivu@ubnd.test")
        context = await browser.new_context(**device)
        page = await context.new_page()

        await open_task(page, base, first, errors)
        await expect(page.get_by_role("heading", level=1)).to_contain_text(
            "hoàn thiện dự thảo Đề án"
        )
        await page.get_by_role("button", name="Tiếp nhận").click()
        await expect(page.get_by_role("status")).to_have_text("Đã tiếp nhận nhiệm vụ.")

        await page.get_by_text("Báo cáo tiến độ", exact=True).click()
        await page.get_by_label("Nội dung báo cáo").fill("Đã tổng hợp ý kiến của 12 sở, ngành")
        await page.get_by_role("button", name="Gửi báo cáo tiến độ").click()
        await expect(page.get_by_role("status")).to_have_text("Đã gửi báo cáo tiến độ.")

        await page.get_by_text("Đề nghị gia hạn", exact=True).click()
        await page.get_by_label("Thời hạn đề nghị").fill((today + timedelta(days=60)).isoformat())
        await page.get_by_label("Lý do", exact=True).fill("Chờ ý kiến của các tỉnh bạn")
        await page.get_by_role("button", name="Gửi đề nghị gia hạn").click()
        await expect(page.get_by_role("status")).to_contain_text("Đã gửi đề nghị gia hạn")
        await expect(page.locator("body")).to_contain_text("đang chờ Văn phòng quyết định")

        # Once acknowledged, the completion form is already open.
        await page.get_by_label("Kết quả thực hiện").fill(
            "Đã trình dự thảo Đề án tại Tờ trình số 45/TTr-SNGV"
        )
        await page.get_by_label("Số văn bản báo cáo (nếu có)").fill("45/TTr-SNGV")
        await page.get_by_role("button", name="Gửi báo cáo hoàn thành").click()
        await expect(page.get_by_role("status")).to_have_text("Đã gửi báo cáo hoàn thành.")
        await expect(page.locator(".state")).to_contain_text("chờ Văn phòng xác nhận")
        await page.screenshot(path=str(tmp_path / "after-report.png"), full_page=True)

        await open_task(page, base, second, errors)
        await page.get_by_text("Đề nghị điều chỉnh đơn vị chủ trì", exact=True).click()
        await page.get_by_label("Lý do (nhiệm vụ không thuộc", exact=False).fill(
            "Nội dung thuộc chức năng của Sở Văn hóa"
        )
        await page.get_by_role("button", name="Gửi đề nghị").click()
        await expect(page.get_by_role("status")).to_contain_text("Đã gửi đề nghị điều chỉnh")

        forged = await page.goto(base + first[:-4] + "AAAA")
        assert forged is not None and forged.status in (400, 403)
        await expect(page.get_by_role("alert")).to_contain_text("Đường dẫn")
        await context.close()
    assert not [e for e in errors if "Content Security Policy" in e], errors


async def test_a_phone_page_fits_the_screen(env: WorkflowEnvironment, settings, mailbox) -> None:
    settings = settings.model_copy(update={"task_queue": f"b-{uuid.uuid4()}"})
    today = (await env.get_current_time()).astimezone(LOCAL_TZ).date()
    long_work = "Chủ trì, phối hợp với các sở, ngành liên quan " * 8
    parsed = check_notice(
        {
            "number": f"{uuid.uuid4().int % 9000 + 100}/TB-UBND",
            "date": today.isoformat(),
            "leader": "PCT-VINH",
            "subject": "Kết luận",
            "tasks": [
                {
                    "owner": "SNGV",
                    "work": long_work,
                    "deadline": (today + timedelta(days=9)).isoformat(),
                }
            ],
        },
        settings,
    )
    app = create_app(settings)
    app.state.temporal = _FixedClient(env.client)
    async with build_worker(env.client, settings), serving(app) as base, chromium() as browser:
        await issue_notice(parsed, settings, env.client, search_attributes=False)
        await mailbox.arrived(1)
        context = await browser.new_context(**PHONE)
        page = await context.new_page()
        await page.goto(base + links_in(mailbox, "songoaivu@ubnd.test")[0])
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390
        button = await page.get_by_role("button", name="Tiếp nhận").bounding_box()
        assert button is not None and button["height"] >= 44  # a thumb can hit it
        await context.close()
