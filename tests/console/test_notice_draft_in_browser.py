"""An officer turns a notice's own text into issued tasks in Debian's chromium: pastes a
conclusion notice copied from a web page, uploads a Word directive letter, corrects what
the form flags, splits and merges tasks, and issues; on a desktop, on a phone, and with
script turned off."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from notice_texts import conclusion, directive_letter
from playwright.async_api import Browser, Page, expect
from sqlalchemy import select

from dondoc.store.db import session_scope
from dondoc.store.tables import NoticeRow, TaskRow
from support.browser import DESKTOP, PHONE, chromium, serving
from support.console import PASSWORD, Console


async def signed_in(browser: Browser, base: str, device: dict[str, Any], **options: Any) -> Page:
    context = await browser.new_context(**device, **options)
    page = await context.new_page()
    await page.goto(f"{base}/admin/")
    await page.get_by_label("Tên đăng nhập").fill("office")
    await page.get_by_label("Mật khẩu").fill(PASSWORD)
    await page.get_by_role("button", name="Đăng nhập").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Tổng quan")
    return page


def watch(page: Page) -> list[str]:
    """The page's console errors about its Content Security Policy (none allowed)."""
    errors: list[str] = []
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and "Content Security Policy" in m.text
            else None
        ),
    )
    return errors


async def paste(page: Page, text: str) -> None:
    await page.get_by_role("link", name="Thông báo", exact=True).click()
    await page.get_by_role("link", name="Ban hành thông báo mới").click()
    await page.get_by_label("Toàn văn thông báo kết luận hoặc công văn").fill(text)
    await page.get_by_role("button", name="Đọc văn bản").click()
    await expect(page.get_by_role("heading", name="Rà soát bản nháp thông báo")).to_be_visible()


def row(page: Page, position: int):  # type: ignore[no-untyped-def]
    return page.locator("tr.task").nth(position - 1)


def issued(console: Console, number: str) -> list[tuple[str, str]]:
    with session_scope(console.settings.database_url) as session:
        return [
            (r.owner, r.work)
            for r in session.scalars(
                select(TaskRow).where(TaskRow.notice_number == number).order_by(TaskRow.position)
            )
        ]


@pytest.mark.parametrize("device", [DESKTOP, PHONE], ids=["desktop", "phone"])
async def test_a_pasted_notice_needs_one_correction_in_the_form_then_is_issued(
    console: Console, device: dict[str, Any], tmp_path: Path
) -> None:
    notice = conclusion(console.today, number=245)
    async with serving(console.app) as base, chromium() as browser:
        page = await signed_in(browser, base, device)
        errors = watch(page)
        await paste(page, notice.text)

        checks = page.locator("#checks")
        await expect(checks).to_contain_text("Cần kiểm tra: 1 mục")
        await expect(checks).to_contain_text("«Sở CT» không có trong danh bạ")
        issue = page.get_by_role("button", name="Ban hành", exact=True)
        await expect(issue).to_be_disabled()
        await expect(page.locator("tr.task")).to_have_count(4)
        await expect(row(page, 1).get_by_label("Đơn vị chủ trì")).to_have_value("SCT")
        await expect(row(page, 1).get_by_label("Sở Tài chính")).to_be_checked()
        await expect(row(page, 4)).to_contain_text("Văn bản ghi: «Sở CT»")
        await expect(row(page, 2)).to_contain_text("Hạn tính được:")
        # Nothing scrolls sideways, on a phone as on a desktop.
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= device["viewport"]["width"]

        # A field shows its words in the text, and the words their field.
        await row(page, 4).get_by_label("Đơn vị chủ trì").focus()
        await expect(page.locator("#source-text a.mark.lit")).to_have_text("Sở CT")
        await page.locator("#source-text a.mark", has_text="trong 10 ngày làm việc").click()
        await expect(row(page, 3).get_by_label("Thời hạn")).to_be_focused()

        # The one correction: the owner, picked from the directory.
        await checks.get_by_role("link", name="Nhiệm vụ 4 · Đơn vị chủ trì").click()
        await row(page, 4).get_by_label("Đơn vị chủ trì").select_option("SCT")
        await expect(issue).to_be_enabled()
        await page.screenshot(path=str(tmp_path / "draft.png"), full_page=True)
        await issue.click()

        await expect(page.get_by_role("status")).to_have_text(
            f"Đã ban hành thông báo {notice.number}: 4 nhiệm vụ."
        )
        tasks = page.locator("table.grid tbody tr")
        await expect(tasks).to_have_count(4)
        await expect(tasks.nth(3)).to_contain_text("Sở Công Thương")
        await expect(tasks.nth(3)).to_contain_text("Hướng dẫn các hợp tác xã")
        assert errors == []
    assert [owner for owner, _ in issued(console, notice.number)] == ["SCT", "STC", "BCHQS", "SCT"]


async def test_a_word_letter_gives_a_task_per_addressee_split_merged_and_issued(
    console: Console, tmp_path: Path
) -> None:
    letter = tmp_path / "cong-van-1923.docx"
    directive_letter(letter, console.today)
    async with serving(console.app) as base, chromium() as browser:
        page = await signed_in(browser, base, DESKTOP)
        errors = watch(page)
        await page.goto(f"{base}/admin/notices/new")
        await page.get_by_label("Hoặc tải tệp lên").set_input_files(str(letter))
        await page.get_by_role("button", name="Đọc tệp").click()

        await expect(page.locator("tr.task")).to_have_count(3)
        owners = [
            await row(page, i).get_by_label("Đơn vị chủ trì").input_value() for i in (1, 2, 3)
        ]
        assert owners == ["SCT", "STC", "SNNMT"]
        # Every addressee's owner carries the same remark: one tick confirms the three.
        await expect(page.locator("#checks")).to_contain_text("Cần kiểm tra: 3 mục")
        issue = page.get_by_role("button", name="Ban hành", exact=True)
        await expect(issue).to_be_disabled()
        await page.get_by_label("Đã kiểm tra «Đơn vị chủ trì» của cả 3 nhiệm vụ").check()
        await expect(issue).to_be_enabled()

        # Split the first task where the caret is: the plan, and the report on it.
        work = row(page, 1).get_by_label("Nội dung công việc")
        text = await work.input_value()
        at = text.index("báo cáo kết quả")
        await work.focus()
        await work.evaluate("(el, at) => el.setSelectionRange(at, at)", at)
        await work.press("ArrowLeft")
        await work.press("ArrowRight")
        await page.get_by_role("button", name="Tách nhiệm vụ 1").click()
        await expect(page.get_by_role("status")).to_have_text(
            "Đã tách nhiệm vụ 1 thành 2 nhiệm vụ."
        )
        await expect(page.locator("tr.task")).to_have_count(4)
        await expect(row(page, 1).get_by_label("Nội dung công việc")).to_have_value(
            text[:at].rstrip()
        )
        await expect(row(page, 2).get_by_label("Nội dung công việc")).to_have_value(text[at:])
        await expect(row(page, 2).get_by_label("Đơn vị chủ trì")).to_have_value("SCT")
        await expect(page.locator("#checks")).to_contain_text("Không còn mục nào cần kiểm tra")

        # And merge them back into one.
        await page.get_by_role("button", name="Gộp nhiệm vụ 1 với nhiệm vụ 2").click()
        await expect(page.locator("tr.task")).to_have_count(3)
        merged = await row(page, 1).get_by_label("Nội dung công việc").input_value()
        assert merged.startswith("Xây dựng phương án") and "; báo cáo kết quả" in merged

        await page.get_by_role("button", name="Ban hành", exact=True).click()
        await expect(page.get_by_role("status")).to_have_text(
            "Đã ban hành thông báo 1923/UBND-KT: 3 nhiệm vụ."
        )
        assert errors == []
    assert [owner for owner, _ in issued(console, "1923/UBND-KT")] == ["SCT", "STC", "SNNMT"]


async def test_issuing_is_refused_while_a_field_is_flagged_and_nothing_is_issued(
    console: Console,
) -> None:
    notice = conclusion(console.today, number=512)
    async with serving(console.app) as base, chromium() as browser:
        page = await signed_in(browser, base, DESKTOP)
        await paste(page, notice.text)
        await row(page, 4).get_by_label("Đơn vị chủ trì").select_option("SCT")
        # A deadline nobody can read: the page cannot tell, the server does.
        await row(page, 2).get_by_label("Thời hạn").fill("khi nào xong thì báo")
        issue = page.get_by_role("button", name="Ban hành", exact=True)
        await issue.click()

        await expect(page.get_by_role("alert")).to_contain_text(
            "Chưa ban hành: còn 1 mục cần sửa hoặc xác nhận"
        )
        await expect(page.get_by_role("alert")).to_contain_text(
            "Nhiệm vụ 2 · Thời hạn (tasks[2].deadline)"
        )
        await expect(row(page, 2)).to_contain_text("không đọc được thời hạn «khi nào xong thì báo»")
        await expect(row(page, 4).get_by_label("Đơn vị chủ trì")).to_have_value("SCT")
        await expect(issue).to_be_disabled()
        with session_scope(console.settings.database_url) as session:
            assert (
                session.scalars(select(NoticeRow).where(NoticeRow.number == notice.number)).first()
                is None
            )

        later = console.today + timedelta(days=62)
        await row(page, 2).get_by_label("Thời hạn").fill(f"trong tháng {later:%m/%Y}")
        await expect(issue).to_be_enabled()
        await issue.click()
        await expect(page.get_by_role("status")).to_have_text(
            f"Đã ban hành thông báo {notice.number}: 4 nhiệm vụ."
        )
    assert len(issued(console, notice.number)) == 4


async def test_the_essentials_work_with_script_turned_off(console: Console) -> None:
    notice = conclusion(console.today, number=733)
    async with serving(console.app) as base, chromium() as browser:
        page = await signed_in(browser, base, DESKTOP, java_script_enabled=False)
        await paste(page, notice.text)
        issue = page.get_by_role("button", name="Ban hành", exact=True)
        await expect(issue).to_be_disabled()
        await row(page, 4).get_by_label("Đơn vị chủ trì").select_option("SCT")
        await expect(issue).to_be_disabled()  # no script: the server says when it is done
        await page.get_by_role("button", name="Cập nhật bản nháp").first.click()
        await expect(page.locator("#checks")).to_contain_text("Không còn mục nào cần kiểm tra")

        await page.get_by_role("button", name="Thêm nhiệm vụ").click()
        await expect(page.locator("tr.task")).to_have_count(5)
        await expect(page.get_by_role("button", name="Ban hành", exact=True)).to_be_disabled()
        await row(page, 5).get_by_label("Đơn vị chủ trì").select_option("SNGV")
        await (
            row(page, 5)
            .get_by_label("Nội dung công việc")
            .fill("Làm việc với các tỉnh bạn Lào về lịch trình đoàn công tác")
        )
        await row(page, 5).get_by_label("Thời hạn").fill("trong 15 ngày làm việc")
        await page.get_by_role("button", name="Cập nhật bản nháp").first.click()
        await expect(row(page, 5)).to_contain_text("Hạn tính được:")
        await page.get_by_role("button", name="Xóa nhiệm vụ 1").click()
        await expect(page.locator("tr.task")).to_have_count(4)

        # The marks link to their fields as plain anchors.
        mark = page.locator("#source-text a.mark", has_text="Sở Tài chính").first
        assert await mark.get_attribute("href") == "#f-t2-owner"
        await page.get_by_role("button", name="Ban hành", exact=True).click()
        await expect(page.get_by_role("status")).to_have_text(
            f"Đã ban hành thông báo {notice.number}: 4 nhiệm vụ."
        )
    owners = [owner for owner, _ in issued(console, notice.number)]
    assert owners == ["STC", "BCHQS", "SCT", "SNGV"]
