"""An officer and a leader use the console in Debian's chromium, as they would at work."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import openpyxl
from playwright.async_api import Page, expect

from dondoc.domain import requests as rq
from dondoc.workflows.task import TaskWorkflow
from support.browser import DESKTOP, chromium, serving
from support.console import PASSWORD, Console


async def sign_in(page: Page, base: str, username: str) -> None:
    await page.goto(f"{base}/admin/")
    await expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
    await page.get_by_label("Tên đăng nhập").fill(username)
    await page.get_by_label("Mật khẩu").fill(PASSWORD)
    await page.get_by_role("button", name="Đăng nhập").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Tổng quan")


async def test_an_officer_works_through_the_console(console: Console, tmp_path: Path) -> None:
    task = console.vinh_tasks[0]
    await console.env.client.get_workflow_handle(task).execute_update(
        TaskWorkflow.request_extension,
        rq.RequestExtension(
            actor="agency:SNGV",
            new_deadline=(console.today + timedelta(days=45)).isoformat(),
            reason="Chờ ý kiến của các tỉnh bạn",
        ),
    )
    errors: list[str] = []
    async with serving(console.app) as base, chromium() as browser:
        context = await browser.new_context(**DESKTOP, accept_downloads=True)
        page = await context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

        await sign_in(page, base, "office")
        await expect(page.locator(".tile.t-open .n")).to_have_text("3")
        await expect(
            page.get_by_role("link", name="1 đề nghị gia hạn chờ quyết định")
        ).to_be_visible()

        await page.get_by_role("link", name="Nhiệm vụ", exact=True).click()
        await page.get_by_label("Đơn vị chủ trì").select_option("SNGV")
        await page.get_by_role("button", name="Lọc").click()
        rows = page.locator("table.tasks tbody tr")
        await expect(rows).to_have_count(1)
        await rows.get_by_role("link", name="Hoàn thiện dự thảo Đề án").click()

        await expect(page.get_by_role("heading", name="Diễn biến")).to_be_visible()
        story = page.locator("ol.story")
        await expect(story).to_contain_text("Giao nhiệm vụ")
        await expect(story).to_contain_text("Đề nghị gia hạn")
        await expect(story).to_contain_text("songoaivu@ubnd.test")
        await page.get_by_text("sự kiện của quy trình").click()
        await expect(page.locator("table.raw")).to_contain_text("WorkflowExecutionStarted")

        before = len(console.mailbox.messages)
        await page.get_by_label("Đồng ý gia hạn đến").check()
        await page.get_by_label("Ý kiến của Văn phòng").fill(
            "Đồng ý; đề nghị Sở hoàn thành đúng hạn mới"
        )
        await page.get_by_role("button", name="Gửi quyết định").click()
        await expect(page.get_by_role("status")).to_contain_text("Đã đồng ý gia hạn")
        mails = await console.mailbox.arrived(before + 1)
        assert any(
            m.kind == "extension_approved" and "songoaivu@ubnd.test" in m.envelope_to for m in mails
        )
        await page.reload()
        await expect(page.locator("ol.story")).to_contain_text("Đồng ý gia hạn")

        await page.get_by_role("link", name="Báo cáo", exact=True).click()
        await expect(page.locator("table.report")).to_contain_text("Sở Ngoại vụ")
        async with page.expect_download() as info:
            await page.get_by_role("link", name="Tải Excel (.xlsx)").click()
        download = await info.value
        target = tmp_path / download.suggested_filename
        await download.save_as(target)
        sheet = openpyxl.load_workbook(target).active
        values = [c.value for row in sheet.iter_rows() for c in row]
        assert "Sở Ngoại vụ" in values and "Tổng cộng" in values
        await page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        await context.close()
    assert not [e for e in errors if "Content Security Policy" in e], errors


async def test_a_leader_reads_his_own_tasks_and_nothing_else(console: Console) -> None:
    async with serving(console.app) as base, chromium() as browser:
        context = await browser.new_context(**DESKTOP)
        page = await context.new_page()
        await sign_in(page, base, "leader")
        nav = page.get_by_role("navigation", name="Chức năng")
        await expect(nav).to_contain_text("Nhiệm vụ")
        await expect(nav).not_to_contain_text("Danh bạ")
        await expect(nav).not_to_contain_text("Vận hành")
        await page.get_by_role("link", name="Nhiệm vụ", exact=True).click()
        await expect(page.locator("table.tasks tbody tr")).to_have_count(2)
        await expect(page.locator("table.tasks")).not_to_contain_text("số hóa hồ sơ")
        await page.locator("table.tasks tbody tr").first.get_by_role("link").nth(1).click()
        await expect(page.get_by_role("heading", name="Diễn biến")).to_be_visible()
        await expect(page.get_by_role("button", name="Hủy nhiệm vụ")).to_have_count(0)
        response = await page.goto(f"{base}/admin/directory")
        assert response is not None and response.status == 403
        await page.get_by_role("button", name="Đăng xuất").click()
        await expect(page.get_by_role("status")).to_have_text("Đã đăng xuất.")
        await page.goto(f"{base}/admin/tasks")
        await expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
        await context.close()
