"""The review form over HTTP: a notice's text (pasted or uploaded) becomes a form of tasks
beside the text; what the parser could not settle is flagged until a person changes it or
confirms it; bad input is refused with the field named, and nothing is issued.

Each test posts the form back the way a browser would (``form_fields``), changed where a
person would change it.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
import yaml
from form_fields import form_fields
from notice_texts import conclusion, directive_letter
from pypdf import PdfWriter
from sqlalchemy import func, select

from dondoc.domain.formatting import LOCAL_TZ
from dondoc.settings import Settings
from dondoc.store.db import session_scope
from dondoc.store.tables import NoticeRow, TaskRow
from dondoc.web.app import create_app
from support.console import Console, DownClient, add_accounts, csrf_of, sign_in

NOTICES = Path(__file__).parents[1] / "notices"
DONDOC = str(Path(sys.executable).parent / "dondoc")


@pytest_asyncio.fixture
async def office(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """An officer signed in to a console whose Temporal is down: nothing can be issued."""
    add_accounts(settings)
    app = create_app(settings)
    app.state.temporal = DownClient()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://dondoc.test"
    ) as web:
        assert (await sign_in(web, "office")).status_code == 303
        yield web


def today() -> date:
    from datetime import datetime

    return datetime.now(LOCAL_TZ).date()


async def read_text(web: httpx.AsyncClient, text: str) -> httpx.Response:
    csrf = csrf_of((await web.get("/admin/notices/new")).text)
    return await web.post("/admin/notices/draft", data={"csrf_token": csrf, "text": text})


async def upload(web: httpx.AsyncClient, name: str, data: bytes) -> httpx.Response:
    csrf = csrf_of((await web.get("/admin/notices/new")).text)
    return await web.post(
        "/admin/notices/draft/upload",
        data={"csrf_token": csrf},
        files={"file": (name, data, "application/octet-stream")},
    )


async def press(
    web: httpx.AsyncClient,
    page: httpx.Response,
    op: str = "refresh",
    changes: dict[str, Any] | None = None,
    *,
    issue: bool = False,
) -> httpx.Response:
    """Post the page's form as a browser would, with ``changes``, by the button ``op``
    (or «Ban hành»)."""
    fields = form_fields(page.text)
    for name, value in (changes or {}).items():
        fields[name] = value if isinstance(value, list) else [value]
    if issue:
        return await web.post("/admin/notices/draft/issue", data=fields)
    return await web.post("/admin/notices/draft/edit", data={**fields, "op": [op]})


def issue_disabled(page: httpx.Response) -> bool:
    button = re.search(r'<button[^>]*id="issue"[^>]*>', page.text)
    assert button, "no «Ban hành» button"
    return " disabled" in button.group(0)


def notices_in(settings: Settings) -> int:
    with session_scope(settings.database_url) as session:
        return session.scalar(select(func.count()).select_from(NoticeRow)) or 0


# ----------------------------------------------------------------------- the draft


async def test_a_pasted_notice_becomes_tasks_beside_its_text_with_the_unknown_owner_flagged(
    office: httpx.AsyncClient,
) -> None:
    notice = conclusion(today())
    page = await read_text(office, notice.text)
    assert page.status_code == 200
    fields = form_fields(page.text)
    assert fields["row"] == ["t1", "t2", "t3", "t4"]
    assert fields["number"] == [notice.number] and fields["leader"] == ["PCT-VINH"]
    assert [fields[f"owner.{u}"] for u in fields["row"]] == [["SCT"], ["STC"], ["BCHQS"], [""]]
    assert fields["coordinators.t1"] == ["SNGV", "STC"]  # in the order of the text
    assert fields["deadline.t1"] == [f"trước ngày {notice.first_due:%d/%m/%Y}"]
    # The one thing to check comes first, by its field, with what the text said.
    assert "Cần kiểm tra: 1 mục" in page.text
    assert "Nhiệm vụ 4 · Đơn vị chủ trì" in page.text and "tasks[4].owner" in page.text
    assert "«Sở CT» không có trong danh bạ" in page.text
    assert "Văn bản ghi: «Sở CT»" in page.text
    assert issue_disabled(page)
    # Each deadline with the day it gives; each field marked where the text says it.
    assert page.text.count("Hạn tính được:") == 4
    assert re.search(
        r'<a class="mark f-owner" href="#f-t1-owner"[^>]*>Sở Công Thương</a>', page.text
    )
    assert re.search(r'<a class="mark f-deadline" href="#f-t1-deadline"[^>]*>trước ngày', page.text)
    assert 'id="src-t4-owner"' in page.text


async def test_a_flag_stands_until_its_field_is_changed_or_a_person_confirms_it(
    office: httpx.AsyncClient,
) -> None:
    page = await read_text(office, conclusion(today()).text)
    picked = await press(office, page, changes={"owner.t4": "SCT"})
    assert picked.status_code == 200
    assert "Không còn mục nào cần kiểm tra" in picked.text and not issue_disabled(picked)

    # A date without its year is read as the next one to come, and that is flagged.
    guessed = await press(office, picked, changes={"deadline.t2": "trước ngày 20/5"})
    assert "văn bản không ghi năm; hệ thống hiểu là ngày 20/05/" in guessed.text
    assert "tasks[2].deadline" in guessed.text and issue_disabled(guessed)
    assert 'name="ok.t2" value="deadline"' in guessed.text
    still = await press(office, guessed)
    assert "văn bản không ghi năm" in still.text  # pressing «Cập nhật» is not confirming
    confirmed = await press(office, still, changes={"ok.t2": "deadline"})
    assert "Không còn mục nào cần kiểm tra" in confirmed.text
    again = await press(office, confirmed)
    assert "Không còn mục nào cần kiểm tra" in again.text  # the confirmation is kept

    # A fix cannot be ticked away: only a change clears it.
    emptied = await press(office, again, changes={"owner.t1": "", "ok.t1": "owner"})
    assert "chưa chọn đơn vị chủ trì" in emptied.text and issue_disabled(emptied)
    assert 'name="ok.t1" value="owner"' not in emptied.text


async def test_issuing_while_a_field_is_flagged_is_refused_naming_it_and_nothing_is_issued(
    office: httpx.AsyncClient, settings: Settings
) -> None:
    page = await read_text(office, conclusion(today()).text)
    refused = await press(office, page, issue=True)
    assert refused.status_code == 422
    assert "Chưa ban hành: còn 1 mục cần sửa hoặc xác nhận" in refused.text
    assert "Nhiệm vụ 4 · Đơn vị chủ trì (tasks[4].owner)" in refused.text
    assert form_fields(refused.text)["row"] == ["t1", "t2", "t3", "t4"]  # nothing typed lost
    assert notices_in(settings) == 0


BAD_INPUT = [
    pytest.param(
        {"owner.t4": "KHONGCO"},
        True,
        ["tasks[4].owner", "mã đơn vị «KHONGCO» không có trong danh bạ"],
        id="owner-not-in-directory",
    ),
    pytest.param(
        {"owner.t4": "SCT", "deadline.t2": "bao giờ xong"},
        True,
        ["tasks[2].deadline", "không đọc được thời hạn «bao giờ xong»"],
        id="unreadable-deadline",
    ),
    pytest.param(
        {"owner.t4": "SCT", "coordinators.t1": ["SNGV", "SCT"]},
        True,
        ["tasks[1].coordinators", "đơn vị chủ trì không đồng thời là đơn vị phối hợp"],
        id="owner-also-coordinator",
    ),
    pytest.param(
        {"owner.t4": "SCT", "date": "2026-02-31"},
        True,
        ["Ngày thông báo (date)", "ngày thông báo không hợp lệ"],
        id="impossible-date",
    ),
    pytest.param(
        {"owner.t4": "SCT", "number": "/TB-UBND"},
        True,
        ["Số thông báo (number)", "số văn bản «/TB-UBND» chưa đủ"],
        id="blank-number",
    ),
    pytest.param(
        {"owner.t4": "SCT", "meta.t2": "{không phải JSON"},
        True,
        ["Không đọc được biểu mẫu bản nháp", "nhiệm vụ 2"],
        id="broken-hidden-field",
    ),
    pytest.param(
        {"owner.t4": "SCT", "row": ["t1", "t1"]},
        False,
        ["danh sách nhiệm vụ của biểu mẫu không đúng dạng"],
        id="rows-repeated",
    ),
    pytest.param(
        {"op": "merge:t4"},
        False,
        ["nhiệm vụ cuối cùng không có nhiệm vụ nào bên dưới để gộp"],
        id="merge-the-last",
    ),
    pytest.param({"op": "delete:t9"}, False, ["không có nhiệm vụ «t9»"], id="unknown-row"),
    pytest.param({"op": "nổ"}, False, ["không có thao tác «nổ»"], id="unknown-button"),
]


@pytest.mark.parametrize(("changes", "issue", "named"), BAD_INPUT)
async def test_bad_input_is_refused_with_422_naming_the_field_and_nothing_is_issued(
    office: httpx.AsyncClient,
    settings: Settings,
    changes: dict[str, Any],
    issue: bool,
    named: list[str],
) -> None:
    page = await read_text(office, conclusion(today()).text)
    changes = dict(changes)  # one case serves both databases' runs
    op = changes.pop("op", "refresh")
    answer = await press(office, page, op, changes, issue=issue)
    assert answer.status_code == 422
    for words in named:
        assert words in answer.text
    assert notices_in(settings) == 0


async def test_with_temporal_down_nothing_is_issued_and_the_draft_stays(
    office: httpx.AsyncClient, settings: Settings
) -> None:
    page = await read_text(office, conclusion(today()).text)
    answer = await press(office, page, changes={"owner.t4": "SCT"}, issue=True)
    assert answer.status_code == 503
    assert "Không kết nối được Temporal" in answer.text
    assert form_fields(answer.text)["owner.t4"] == ["SCT"]
    assert notices_in(settings) == 0


# ------------------------------------------------------------------------ the edits


async def test_tasks_are_added_split_merged_and_deleted_by_plain_buttons(
    office: httpx.AsyncClient,
) -> None:
    page = await read_text(office, conclusion(today()).text)
    page = await press(office, page, changes={"owner.t4": "SCT"})

    added = await press(office, page, "add")
    assert form_fields(added.text)["row"] == ["t1", "t2", "t3", "t4", "t5"]
    assert "Đã thêm nhiệm vụ 5" in added.text
    assert "tasks[5].owner" in added.text and "chưa chọn đơn vị chủ trì" in added.text
    assert issue_disabled(added)
    deleted = await press(office, added, "delete:t5")
    assert form_fields(deleted.text)["row"] == ["t1", "t2", "t3", "t4"]
    assert not issue_disabled(deleted)

    # Split: each line of the work a task, with the row's owner, deadline, coordinators.
    split = await press(
        office,
        deleted,
        "split:t3",
        {"work.t3": "Rà soát các nội dung bảo đảm quốc phòng\nGửi ý kiến bằng văn bản"},
    )
    fields = form_fields(split.text)
    assert fields["row"] == ["t1", "t2", "t3", "t5", "t4"]
    assert fields["work.t3"] == ["Rà soát các nội dung bảo đảm quốc phòng"]
    assert fields["work.t5"] == ["Gửi ý kiến bằng văn bản"]
    assert fields["owner.t5"] == ["BCHQS"] and fields["coordinators.t5"] == ["SNGV"]
    assert fields["deadline.t5"] == fields["deadline.t3"] == ["trong 10 ngày làm việc"]
    assert "Đã tách nhiệm vụ 3 thành 2 nhiệm vụ" in split.text
    # The split work keeps its place in the text.
    assert re.search(r'class="mark f-work" href="#f-t3-work"[^>]*>rà soát các nội dung', split.text)

    merged = await press(office, split, "merge:t3")
    fields = form_fields(merged.text)
    assert fields["row"] == ["t1", "t2", "t3", "t4"]
    assert fields["work.t3"] == ["Rà soát các nội dung bảo đảm quốc phòng; gửi ý kiến bằng văn bản"]
    assert not issue_disabled(merged)

    # Two owners merged: the first leads, the second coordinates, and that is flagged.
    owners = await press(office, merged, "merge:t2")
    fields = form_fields(owners.text)
    assert fields["row"] == ["t1", "t2", "t4"]
    assert fields["owner.t2"] == ["STC"] and fields["coordinators.t2"] == ["SNGV", "BCHQS"]
    assert "giữ «STC» chủ trì, «BCHQS» chuyển sang phối hợp" in owners.text
    assert "gộp hai thời hạn khác nhau" in owners.text and issue_disabled(owners)

    # A work on one line is copied, for another owner; the same task twice is flagged.
    copied = await press(office, owners, "split:t1")
    fields = form_fields(copied.text)
    assert fields["row"] == ["t1", "t5", "t2", "t4"] and fields["owner.t5"] == ["SCT"]
    assert "trùng với nhiệm vụ 1 (cùng đơn vị chủ trì và nội dung)" in copied.text
    other = await press(office, copied, changes={"owner.t5": "SNNMT"})
    assert "trùng với nhiệm vụ 1" not in other.text


async def test_the_expert_view_shows_the_draft_as_yaml_and_takes_it_back(
    office: httpx.AsyncClient,
) -> None:
    page = await read_text(office, conclusion(today()).text)
    document = yaml.safe_load(form_fields(page.text)["yaml"][0])
    assert document["tasks"][3]["owner"] is None
    assert "«Sở CT»" in document["tasks"][3]["review"][0]["message"]
    assert document["tasks"][3]["spans"]["owner"]["text"] == "Sở CT"

    document["tasks"][3]["owner"] = "SCT"
    document["tasks"][0]["result"] = "Đề án trình UBND tỉnh"
    replaced = await press(
        office, page, "yaml", {"yaml": yaml.safe_dump(document, allow_unicode=True)}
    )
    fields = form_fields(replaced.text)
    assert fields["owner.t4"] == ["SCT"] and fields["result.t1"] == ["Đề án trình UBND tỉnh"]
    assert "Không còn mục nào cần kiểm tra" in replaced.text

    broken = await press(office, page, "yaml", {"yaml": "tasks:\n  - owner: [SCT\n"})
    assert broken.status_code == 422 and "Không đọc được YAML (dòng" in broken.text
    shapeless = await press(office, page, "yaml", {"yaml": "tasks: 5\n"})
    assert shapeless.status_code == 422 and "«tasks» phải là danh sách" in shapeless.text


async def test_a_draft_printed_by_the_cli_pasted_as_yaml_opens_in_the_review_form(
    office: httpx.AsyncClient,
) -> None:
    page = await read_text(office, conclusion(today()).text)
    printed = form_fields(page.text)["yaml"][0]
    csrf = csrf_of((await office.get("/admin/notices/new")).text)
    answer = await office.post(
        "/admin/notices/preview", data={"csrf_token": csrf, "source": "yaml", "yaml": printed}
    )
    assert answer.status_code == 200 and "Rà soát bản nháp thông báo" in answer.text
    assert form_fields(answer.text)["row"] == ["t1", "t2", "t3", "t4"]
    assert "«Sở CT» không có trong danh bạ" in answer.text
    assert "không kèm văn bản gốc" in answer.text


async def test_a_draft_of_hundreds_of_tasks_posts_back_whole(office: httpx.AsyncClient) -> None:
    page = await read_text(office, conclusion(today()).text)
    document = yaml.safe_load(form_fields(page.text)["yaml"][0])
    document["tasks"] = [
        {**document["tasks"][0], "owner": code, "work": f"Rà soát danh mục dự án số {i}"}
        for i in range(60)
        for code in ("SCT", "STC", "SNGV", "SNNMT")
    ]
    big = await press(office, page, "yaml", {"yaml": yaml.safe_dump(document, allow_unicode=True)})
    assert big.status_code == 200
    fields = form_fields(big.text)
    assert len(fields["row"]) == 240 and sum(len(v) for v in fields.values()) > 1000
    again = await press(office, big)
    assert again.status_code == 200 and len(form_fields(again.text)["row"]) == 240
    flood = await office.post("/admin/notices/draft/edit", data={"row": ["t1"] * 20_001})
    assert flood.status_code == 413 and "Bản nháp quá lớn" in flood.text


async def test_notice_text_from_outside_is_shown_as_text_never_as_markup(
    office: httpx.AsyncClient,
) -> None:
    notice = conclusion(today())
    hostile = notice.text.replace(
        "hướng dẫn các hợp tác xã",
        'hướng dẫn <script>alert("x")</script> các "><img src=x onerror=alert(1)> hợp tác xã',
    )
    page = await read_text(office, hostile)
    assert page.status_code == 200
    assert "<script>alert" not in page.text and "<img src=x" not in page.text
    assert "&lt;script&gt;alert(" in page.text
    # The text goes back to the server unchanged, so the marks stay where they were.
    assert form_fields(page.text)["text"] == [hostile]


# ------------------------------------------------------------------------ the files


async def test_a_word_letter_with_a_kinh_gui_list_gives_one_task_per_addressee(
    office: httpx.AsyncClient, tmp_path: Path
) -> None:
    path = tmp_path / "cong-van.docx"
    due = directive_letter(path, today())
    page = await upload(office, "cong-van.docx", path.read_bytes())
    assert page.status_code == 200
    fields = form_fields(page.text)
    assert [fields[f"owner.{u}"][0] for u in fields["row"]] == ["SCT", "STC", "SNNMT"]
    assert {fields[f"deadline.{u}"][0] for u in fields["row"]} == {f"trước ngày {due:%d/%m/%Y}"}
    assert fields["leader"] == ["CT"] and fields["number"] == ["1923/UBND-KT"]
    # The same remark on every addressee's task: confirmed once for all three.
    assert "Cần kiểm tra: 3 mục" in page.text
    assert "Đã kiểm tra «Đơn vị chủ trì» của cả 3 nhiệm vụ (1, 2, 3)" in page.text
    key = re.search(r'name="okall" value="([0-9a-f]+)"', page.text)
    assert key
    confirmed = await press(office, page, changes={"okall": key.group(1)})
    assert "Không còn mục nào cần kiểm tra" in confirmed.text


async def test_a_text_layer_pdf_is_read_like_its_text(office: httpx.AsyncClient) -> None:
    page = await upload(
        office, "thong-bao.pdf", (NOTICES / "dev" / "21-pdf-nong-thon-moi.pdf").read_bytes()
    )
    assert page.status_code == 200
    expected = yaml.safe_load((NOTICES / "dev" / "21-pdf-nong-thon-moi.expected.yaml").read_text())
    assert len(form_fields(page.text)["row"]) == len(expected["tasks"])


def blank_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        (
            "thong-bao.doc",
            b"\xd0\xcf\x11\xe0 old Word",
            "chỉ đọc được văn bản .txt, .docx hoặc .pdf",
        ),
        ("thong-bao.docx", b"PK\x03\x04 not really a zip", "không đọc được tệp Word (.docx)"),
        ("ban-quet.pdf", blank_pdf(), "tệp PDF không có lớp chữ (bản quét)"),
        ("thong-bao.txt", "Thông báo".encode("cp1258"), "tệp không phải văn bản UTF-8"),
        ("", b"", "Chưa chọn tệp văn bản"),
    ],
    ids=["old-word", "broken-docx", "scanned-pdf", "not-utf8", "no-file"],
)
async def test_a_file_that_cannot_be_read_is_refused_saying_why(
    office: httpx.AsyncClient, settings: Settings, name: str, data: bytes, reason: str
) -> None:
    answer = await upload(office, name, data)
    assert answer.status_code == 422
    assert reason in answer.text
    assert notices_in(settings) == 0


async def test_an_empty_or_oversized_paste_is_refused(office: httpx.AsyncClient) -> None:
    answer = await read_text(office, "   \n ")
    assert answer.status_code == 422 and "Vui lòng dán toàn văn thông báo" in answer.text
    text = conclusion(today()).text
    head = text.split("như sau:\n", 1)[0]
    items = "".join(
        f"{i}. Giao Sở Tài chính rà soát hồ sơ số {i}, xong trong tháng.\n" for i in range(1, 320)
    )
    answer = await read_text(office, f"{head}như sau:\n{items}")
    assert answer.status_code == 422 and "nhiều nhất 300 nhiệm vụ" in answer.text


async def test_the_cli_and_the_console_read_a_text_the_same_way(
    office: httpx.AsyncClient, settings: Settings, tmp_path: Path
) -> None:
    text = conclusion(today()).text
    (tmp_path / "thong-bao.txt").write_text(text, "utf-8")
    env = {**os.environ, "DONDOC_DATABASE_URL": settings.database_url}
    printed = subprocess.run(
        [DONDOC, "notice", "parse", str(tmp_path / "thong-bao.txt")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert printed.returncode == 0, printed.stderr
    from_cli = yaml.safe_load(printed.stdout)
    page = await read_text(office, text)
    from_console = yaml.safe_load(form_fields(page.text)["yaml"][0])
    keys = ("owner", "coordinators", "work", "result", "deadline", "due", "source", "review")
    assert [{k: t[k] for k in keys} for t in from_console["tasks"]] == [
        {k: t[k] for k in keys} for t in from_cli["tasks"]
    ]
    for name in ("number", "date", "leader", "subject", "signer"):
        assert from_console[name] == from_cli[name], name


# ---------------------------------------------------------------- issuing for real


async def test_a_corrected_draft_is_issued_as_its_tasks(console: Console) -> None:
    office = await console.as_user("office")
    notice = conclusion(console.today, number=346)
    page = await read_text(office, notice.text)
    before = len(console.mailbox.messages)
    issued = await press(office, page, changes={"owner.t4": "SCT"}, issue=True)
    assert issued.status_code == 303, issued.text
    shown = await office.get(issued.headers["location"])
    assert f"Đã ban hành thông báo {notice.number}: 4 nhiệm vụ." in shown.text
    with session_scope(console.settings.database_url) as session:
        owners = session.scalars(
            select(TaskRow.owner).where(TaskRow.notice_number == notice.number).order_by(TaskRow.id)
        ).all()
    assert sorted(owners) == ["BCHQS", "SCT", "SCT", "STC"]
    mails = await console.mailbox.arrived(before + 4)
    assert {m.kind for m in mails[before:]} == {"assigned"}


async def test_every_corpus_notice_round_trips_through_the_form_unchanged(
    office: httpx.AsyncClient, settings: Settings
) -> None:
    from dondoc.commands.notice_text import read_notice_text
    from dondoc.domain.directory import Directory
    from dondoc.store.directory import load_directory

    directory = yaml.safe_load((NOTICES / "directory.yaml").read_text("utf-8"))
    with session_scope(settings.database_url) as session:
        load_directory(session, Directory.model_validate(directory))
    for path in sorted(NOTICES.glob("*/*")):
        if path.suffix not in {".txt", ".pdf"}:
            continue
        page = await read_text(office, read_notice_text(path))
        assert page.status_code == 200, path.name
        again = await press(office, page)
        assert again.status_code == 200, path.name
        before, after = form_fields(page.text), form_fields(again.text)
        assert after == before, path.name
