"""The body's structure: what is a task, who owns it, and the mess of copied text."""

from __future__ import annotations

import unicodedata

from corpus import calendar_for, load_book

from dondoc.domain.notice_text import notice_input, parse_notice, unresolved
from dondoc.domain.notice_text.text import Source

BOOK = load_book()

HEAD = """ỦY BAN NHÂN DÂN
TỈNH NGHỆ AN
Số: 100/TB-UBND
Nghệ An, ngày 01 tháng 10 năm 2025
THÔNG BÁO
Kết luận của đồng chí Phùng Thành Vinh - Phó Chủ tịch UBND tỉnh tại cuộc họp thử
Ngày 30/9/2025, đồng chí Phó Chủ tịch UBND tỉnh chủ trì cuộc họp. Sau khi nghe Sở Tài chính báo cáo, đồng chí Phó Chủ tịch UBND tỉnh kết luận như sau:
"""


def parse(body: str, head: str = HEAD):  # type: ignore[no-untyped-def]
    return parse_notice(head + body, BOOK, calendar_for=calendar_for)


def owners(draft) -> list[str | None]:  # type: ignore[no-untyped-def]
    return [t.owner for t in draft.tasks]


def test_numbered_lettered_dashed_and_plus_items_each_give_a_task() -> None:
    draft = parse(
        "1. Về công tác chuẩn bị:\n"
        "a) Giao Sở Y tế chuẩn bị thuốc men, trước ngày 15/10/2025.\n"
        "b) Giao Sở Xây dựng:\n"
        "+ Kiểm tra hồ đập, trước ngày 20/10/2025.\n"
        "+ Báo cáo UBND tỉnh kết quả kiểm tra trong tháng 11/2025.\n"
        "2. Sở Công Thương\n"
        "- Kiểm tra thị trường; thực hiện thường xuyên.\n"
        "- Báo cáo UBND tỉnh trước ngày 30/10/2025.\n"
    )
    assert owners(draft) == ["SYT", "SXD", "SXD", "SCT", "SCT"]
    assert [t.deadline for t in draft.tasks] == [
        "trước ngày 15/10/2025",
        "trước ngày 20/10/2025",
        "trong tháng 11/2025",
        "thường xuyên",
        "trước ngày 30/10/2025",
    ]


def test_a_heading_and_its_text_on_the_next_line_are_one_task() -> None:
    draft = parse(
        "1. Sở Xây dựng\nTập trung hướng dẫn các địa phương, hoàn thành trong quý IV/2025.\n"
    )
    assert owners(draft) == ["SXD"]
    assert draft.tasks[0].work == "Tập trung hướng dẫn các địa phương"


def test_recipients_and_addressees_are_not_tasks() -> None:
    head = HEAD.replace(
        "THÔNG BÁO\n", "Kính gửi:\n- Sở Tài chính;\n- Sở Xây dựng;\n- Công an tỉnh.\nTHÔNG BÁO\n"
    )
    draft = parse(
        "1. Giao Sở Y tế kiểm tra an toàn thực phẩm, trước ngày 15/10/2025.\n"
        "Nơi nhận:\n- Sở Tài chính;\n- Sở Xây dựng chủ trì thực hiện;\n- Công an tỉnh;\n"
        "- Lưu: VT.\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH\nPhùng Thành Vinh\n",
        head,
    )
    assert owners(draft) == ["SYT"]
    assert draft.signer is not None and draft.signer.name == "Phùng Thành Vinh"


def test_opinion_praise_and_approval_paragraphs_are_not_tasks() -> None:
    draft = parse(
        "Đánh giá cao sự chủ động của Sở Tài chính trong công tác chuẩn bị.\n"
        "Ghi nhận, biểu dương Sở Y tế và Công an tỉnh đã phối hợp tốt.\n"
        "Thống nhất chủ trương xây dựng Đề án phát triển du lịch.\n"
        "Tuy nhiên, Sở Xây dựng còn chậm trong việc thẩm định hồ sơ.\n"
        "Giao Sở Tư pháp thẩm định dự thảo, trước ngày 10/10/2025.\n"
        "Yêu cầu các sở, ban, ngành nghiêm túc triển khai thực hiện.\n"
    )
    assert owners(draft) == ["STP"]


def test_assessment_sections_give_no_task() -> None:
    draft = parse(
        "I. ĐÁNH GIÁ CHUNG\n"
        "Sở Tài chính đã chủ trì rà soát tốt; Sở Xây dựng cần khắc phục hạn chế.\n"
        "II. NHIỆM VỤ THỜI GIAN TỚI\n"
        "1. Giao Sở Nội vụ rà soát biên chế, trước ngày 30/10/2025.\n"
    )
    assert owners(draft) == ["SNV"]


def test_a_sentence_naming_several_owners_gives_one_task_each() -> None:
    draft = parse(
        "1. Giao Sở Tài chính, Sở Xây dựng và UBND phường Cửa Lò chủ trì, phối hợp với "
        "Công an tỉnh rà soát hồ sơ, báo cáo UBND tỉnh trước ngày 15/10/2025.\n"
    )
    assert owners(draft) == ["STC", "SXD", "PCUALO"]
    assert all(t.coordinators == ["CAT"] for t in draft.tasks)
    assert len({t.work for t in draft.tasks}) == 1
    assert draft.tasks[0].result == "báo cáo UBND tỉnh"


def test_a_collective_owner_becomes_its_group_and_is_flagged() -> None:
    draft = parse("1. Giao UBND các xã, phường rà soát hộ nghèo, trước ngày 15/11/2025.\n")
    assert len(draft.tasks) == 9
    for task in draft.tasks:
        assert task.owner in BOOK.groups["UBND các xã, phường"].members
        (flag,) = [f for f in task.review if f.field == "owner"]
        assert "tên chung" in flag.message and "UBND các xã, phường" in flag.message
        assert task.confidence["owner"] < 0.9


def test_an_undefined_or_restricted_collective_owner_stays_empty_and_flagged() -> None:
    draft = parse(
        "1. Giao các doanh nghiệp trong khu kinh tế rà soát, trước ngày 15/11/2025.\n"
        "2. Giao UBND các xã, phường ven biển sơ tán dân, trước ngày 15/11/2025.\n"
        "3. Giao Cục Thuế tỉnh rà soát các khoản nợ, trước ngày 15/11/2025.\n"
    )
    assert owners(draft) == [None, None, None]
    messages = [f.message for t in draft.tasks for f in t.review if f.field == "owner"]
    assert "«các doanh nghiệp trong khu kinh tế»" in messages[0]
    assert "«UBND các xã, phường ven biển»" in messages[1]
    assert "«Cục Thuế tỉnh» không có trong danh bạ" in messages[2]
    assert any("tasks[1].owner" in m for m in unresolved(draft.as_document()))


def test_a_deadline_after_the_list_applies_to_its_tasks_and_is_flagged() -> None:
    draft = parse(
        "1. Sở Tài chính báo cáo tình hình thu ngân sách.\n"
        "2. Sở Nội vụ báo cáo tình hình biên chế.\n"
        "Báo cáo của các cơ quan, đơn vị gửi về UBND tỉnh trước ngày 20/10/2025.\n"
    )
    assert owners(draft) == ["STC", "SNV"]
    assert {t.deadline for t in draft.tasks} == {"trước ngày 20/10/2025"}
    assert all(any(f.field == "deadline" for f in t.review) for t in draft.tasks)


def test_references_to_other_documents_and_plan_periods_are_not_deadlines() -> None:
    draft = parse(
        "1. Giao Sở Tài chính bố trí vốn ngân sách hằng năm theo Kế hoạch số 12/KH-UBND "
        "ngày 05/3/2025 trong Kế hoạch đầu tư công trung hạn giai đoạn 2026 - 2030.\n"
    )
    (task,) = draft.tasks
    assert task.deadline is None
    assert any(f.field == "deadline" for f in task.review)


def test_pdf_mess_is_cleaned_and_offsets_still_point_at_the_original() -> None:
    body = (
        "1. Giao Sở Khoa học và Công ng-\nhệ chủ trì, phối hợp với Sở Tài\n"
        "chính hoàn thiện Kế hoạch chuyển đổi số năm 2026 của tỉnh, trình UBND tỉnh ban hành\n"
        "trước ngày\n2\nTHÔNG BÁO SỐ 100/TB-UBND\n15/12/2025.\n"
        "2. Giao Sở Y tế triển khai hồ sơ sức khỏe điện tử, hoàn thành trong quý I/2026.\n"
        "3\nTHÔNG BÁO SỐ 100/TB-UBND\n"
    )
    text = HEAD + body
    draft = parse_notice(text, BOOK, calendar_for=calendar_for)
    first, second = draft.tasks
    assert (first.owner, first.coordinators) == ("SKHCN", ["STC"])
    assert first.deadline == "trước ngày 15/12/2025"
    assert (
        first.work
        == "Hoàn thiện Kế hoạch chuyển đổi số năm 2026 của tỉnh, trình UBND tỉnh ban hành"
    )
    assert "THÔNG BÁO SỐ" not in first.source and "ng-" not in first.source
    assert second.owner == "SYT"
    span = first.spans["owner"]
    assert text[span.start : span.end] == "Sở Khoa học và Công ng-\nhệ"
    (coordinator,) = first.spans["coordinators"]
    assert text[coordinator.start : coordinator.end] == "Sở Tài\nchính"


def test_nfd_text_and_old_tone_marks_keep_their_spelling_and_offsets() -> None:
    text = unicodedata.normalize(
        "NFD", HEAD + "1. Giao Uỷ ban nhân dân xã Nam Đàn hoà giải, trước ngày 15/10/2025.\n"
    )
    draft = parse_notice(text, BOOK, calendar_for=calendar_for)
    (task,) = draft.tasks
    assert task.owner == "XNAMDAN"
    assert task.work == "Hoà giải"  # the notice's own spelling, in NFC
    span = task.spans["owner"]
    assert unicodedata.normalize("NFC", text[span.start : span.end]) == "Uỷ ban nhân dân xã Nam Đàn"


def test_header_fields_and_blank_number_and_day() -> None:
    head = HEAD.replace("Số: 100/TB-UBND", "Số:      /TB-UBND").replace(
        "ngày 01 tháng", "ngày    tháng"
    )
    draft = parse("1. Giao Sở Y tế kiểm tra, trước ngày 15/10/2025.\n", head)
    assert draft.number == "/TB-UBND" and draft.date is None
    assert {f.field for f in draft.review} == {"number", "date"}
    assert draft.leader == "PCT-VINH"
    assert draft.subject and draft.subject.startswith("Kết luận của đồng chí Phùng Thành Vinh")
    missing = unresolved(draft.as_document())
    assert [m.split(":")[0] for m in missing] == ["number", "date"]


def test_a_completed_draft_becomes_the_notice_schema_input() -> None:
    draft = parse("1. Giao Sở Y tế kiểm tra, trước ngày 15/10/2025.\n")
    document = draft.as_document()
    assert unresolved(document) == []
    plain = notice_input(document)
    assert set(plain) == {"number", "date", "leader", "subject", "tasks"}
    assert set(plain["tasks"][0]) == {"owner", "coordinators", "work", "result", "deadline"}


def test_source_cleaning_joins_broken_lines_only() -> None:
    src = Source.read("1. Một câu bị ngắt\ngiữa chừng.\n2. Mục sau.\n- Gạch đầu dòng\n")
    assert [p.text for p in src.paragraphs()] == [
        "1. Một câu bị ngắt giữa chừng.",
        "2. Mục sau.",
        "- Gạch đầu dòng",
    ]
