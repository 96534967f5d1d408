"""Whole notices in the shapes real text takes: flattened headers, blank drafts, urgency
marks, leaders named once, letters to addressees, footnotes, copies cut short; and the rule
that an owner is never invented."""

from __future__ import annotations

from corpus import calendar_for, load_book

from dondoc.domain.notice_text import NoticeDraft, parse_notice

BOOK = load_book()

BODY = (
    "Ngày 02/3/2026, đồng chí Phùng Thành Vinh - Phó Chủ tịch UBND tỉnh chủ trì cuộc họp. "
    "Sau khi nghe báo cáo, đồng chí Phó Chủ tịch UBND tỉnh kết luận như sau:\n"
    "1. Giao Sở Y tế kiểm tra an toàn thực phẩm, trước ngày 15/4/2026.\n"
)


def parse(text: str) -> NoticeDraft:
    return parse_notice(text, BOOK, calendar_for=calendar_for)


def test_a_flattened_word_header_still_gives_number_date_and_leader() -> None:
    draft = parse(
        "ỦY BAN NHÂN DÂNTỈNH NGHỆ AN | CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM | "
        "Độc lập - Tự do - Hạnh phúc\n"
        "Số       Số: 77/TB-UBND        Nghệ An, ngày 04 tháng 3 năm 2026\n"
        "THÔNG BÁO\nKết luận tại cuộc họp về an toàn thực phẩm\n" + BODY
    )
    assert (draft.number, str(draft.date), draft.leader) == ("77/TB-UBND", "2026-03-04", "PCT-VINH")
    assert [t.owner for t in draft.tasks] == ["SYT"]


def test_an_urgent_letter_with_a_spaced_number() -> None:
    draft = parse(
        "HỎA TỐC\nỦY BAN NHÂN DÂN\nTỈNH NGHỆ AN\nSố: 2468 /UBND-NN\n"
        "V/v ứng phó với nắng nóng\nNghệ An, ngày 12 tháng 5 năm 2026\n"
        "Kính gửi: Sở Công Thương; Công ty Điện lực Nghệ An.\n"
        "Chủ tịch UBND tỉnh yêu cầu các cơ quan, đơn vị nêu trên thực hiện các nội dung sau:\n"
        "1. Rà soát phương án cấp điện, gửi UBND tỉnh trước ngày 16/5/2026.\n"
        "Yêu cầu Thủ trưởng các cơ quan, đơn vị nêu trên nghiêm túc triển khai thực hiện./.\n"
        "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH\nVõ Đình Khải\n"
    )
    assert draft.number == "2468/UBND-NN"
    assert draft.subject == "Ứng phó với nắng nóng"
    assert draft.leader == "PCT-KHAI"  # only in the signature block
    assert [(t.owner, t.deadline) for t in draft.tasks] == [
        ("SCT", "trước ngày 16/5/2026"),
        ("PCNA", "trước ngày 16/5/2026"),
    ]
    for task in draft.tasks:  # owners taken from "Kính gửi" are flagged for the reviewer
        assert any(f.field == "owner" and "Kính gửi" in f.message for f in task.review)
        assert task.confidence["owner"] < 0.9


def test_a_draft_with_blank_number_and_day_names_both() -> None:
    draft = parse(
        "ỦY BAN NHÂN DÂN | CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "Số:      /TB-UBND | Nghệ An, ngày      tháng 5 năm 2026\n"
        "THÔNG BÁO\nKết luận của đồng chí Phùng Thành Vinh - Phó Chủ tịch UBND tỉnh\n" + BODY
    )
    assert draft.number == "/TB-UBND" and draft.date is None
    assert {f.field for f in draft.review} == {"number", "date"}


def test_the_leader_named_only_in_the_opening_paragraph() -> None:
    draft = parse(
        "Số: 205/TB-UBND\nNghệ An, ngày 08 tháng 4 năm 2026\nTHÔNG BÁO\n"
        "Kết luận tại buổi làm việc về mùa du lịch\n"
        "Ngày 03/4/2026, tại buổi làm việc, đồng chí Trần Minh Khang, Chủ tịch UBND tỉnh "
        "kết luận, chỉ đạo như sau:\n"
        "1. Giao Sở Du lịch xây dựng kế hoạch quảng bá, hoàn thành trước ngày 25/4/2026.\n"
    )
    assert draft.leader == "CT"
    assert [t.owner for t in draft.tasks] == ["SDL"]


def test_footnotes_and_a_copy_cut_short() -> None:
    text = (
        "Số: 436/TB-UBND\nNghệ An, ngày 27 tháng 5 năm 2026\nTHÔNG BÁO\nKết luận về hồ đập\n"
        + BODY
        + "2. Giao Sở Tài chính bố trí kinh phí sửa chữa hồ chứa³.\n"
        "3. Giao Sở Xây dựng chủ trì, phối hợp với\n"
        "_______________\n³ Theo Báo cáo số 215/BC-SNNMT ngày 02/4/2026.\n"
    )
    draft = parse(text)
    assert [t.owner for t in draft.tasks] == ["SYT", "STC", "SXD"]
    assert draft.tasks[1].work == "Bố trí kinh phí sửa chữa hồ chứa"  # no footnote mark
    assert "Báo cáo số 215" not in draft.tasks[2].source  # the footnote is not the item's
    assert draft.tasks[2].deadline is None
    assert any(f.field == "deadline" for f in draft.tasks[2].review)
    span = draft.tasks[1].spans["work"]
    assert text[span.start : span.end] == "bố trí kinh phí sửa chữa hồ chứa"


def test_elisions_in_a_quoted_news_item() -> None:
    draft = parse(
        "Chiều 21/5, đồng chí Võ Đình Khải - Phó Chủ tịch UBND tỉnh chủ trì cuộc họp.\n\n"
        "Đồng chí giao UBND xã Diễn Châu, UBND xã Yên Thành [...] hoàn thành bàn giao mặt "
        "bằng trước ngày 30/6/2026.\n"
    )
    assert draft.leader == "PCT-KHAI" and draft.number is None
    assert [(t.owner, t.deadline) for t in draft.tasks] == [
        ("XDIENCHAU", "trước ngày 30/6/2026"),
        ("XYENTHANH", "trước ngày 30/6/2026"),
    ]


# --------------------------------------------------------------------- never invent


def test_an_unknown_owner_is_flagged_with_its_words_never_dropped_or_guessed() -> None:
    text = (
        "Số: 340/TB-UBND\nNghệ An, ngày 14 tháng 5 năm 2026\nTHÔNG BÁO\nKết luận về thu ngân sách\n"
        + BODY
        + "2. Đề nghị Ban Quản lý dự án đầu tư xây dựng khu vực Nam Đàn hoàn thành các hạng "
        "mục xung yếu trước ngày 15/8/2026.\n"
    )
    draft = parse(text)
    task = draft.tasks[1]
    assert task.owner is None
    span = task.spans["owner"]
    assert text[span.start : span.end] == "Ban Quản lý dự án đầu tư xây dựng khu vực Nam Đàn"
    (flag,) = [f for f in task.review if f.field == "owner"]
    assert (
        "«Ban Quản lý dự án đầu tư xây dựng khu vực Nam Đàn» không có trong danh bạ" in flag.message
    )
    assert task.work.startswith("Hoàn thành các hạng mục")


def test_addressees_named_without_a_kinh_gui_list_are_not_guessed() -> None:
    draft = parse(
        "Số: 3157/VPUB-KT\nNghệ An, ngày 09 tháng 6 năm 2026\nV/v chuẩn bị báo cáo\n"
        "Văn phòng UBND tỉnh đề nghị các đơn vị liên quan:\n"
        "1. Chuẩn bị báo cáo tình hình thực hiện các dự án, trước ngày 15/6/2026.\n"
    )
    assert all(t.owner is None for t in draft.tasks)


def test_a_collective_owner_resolves_to_the_directorys_group_and_is_flagged() -> None:
    draft = parse(
        "Số: 2187/UBND-KGVX\nNghệ An, ngày 26 tháng 5 năm 2026\nV/v an toàn cho học sinh\n"
        "UBND tỉnh yêu cầu:\n"
        "1. UBND các phường rà soát, cắm biển cảnh báo, báo cáo trước ngày 15/6/2026.\n"
    )
    assert [t.owner for t in draft.tasks] == BOOK.groups["UBND các phường"].members
    for task in draft.tasks:
        assert any(f.field == "owner" and "tên chung" in f.message for f in task.review)
