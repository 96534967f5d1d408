"""Each stage of the parser on the shapes real notices take: the outline's markers, the
deadline finder and its traps, the owner signals, the coordinator finder, the addressees
of a letter."""

from __future__ import annotations

import pytest
from corpus import load_book

from dondoc.domain.notice_text.addressees import read_addressees, refers_to_addressees
from dondoc.domain.notice_text.book import PartyKind
from dondoc.domain.notice_text.deadline_phrases import find_deadline
from dondoc.domain.notice_text.document import Doc
from dondoc.domain.notice_text.outline import marker
from dondoc.domain.notice_text.phrases import coordinators, result, work
from dondoc.domain.notice_text.signals import Context, segments, signal
from dondoc.domain.notice_text.text import Source

BOOK = load_book()


def doc(text: str) -> Doc:
    return Doc(Source.read(text), BOOK)


def codes(parties) -> list[str | None]:  # type: ignore[no-untyped-def]
    return [p.codes[0] if p.kind == PartyKind.AGENCY else None for p in parties]


# ------------------------------------------------------------------------ outline


@pytest.mark.parametrize(
    ("line", "level", "mark"),
    [
        ("II. NHIỆM VỤ TRỌNG TÂM", 0, "II"),
        ("3. Sở Xây dựng", 1, "3"),
        ("2.1. Sở Nội vụ nghiên cứu", 2, "2.1"),
        ("2.2 Sở Tài chính bố trí", 2, "2.2"),
        ("b) Giao Sở Y tế", 2, "b"),
        ("- Chủ trì, phối hợp", 3, "-"),
        ("+ Kiểm tra, giám sát", 4, "+"),
        ("Giao Sở Y tế kiểm tra", 9, ""),
    ],
)
def test_a_paragraphs_marker_says_its_level(line: str, level: int, mark: str) -> None:
    assert marker(line)[:2] == (level, mark)


# ---------------------------------------------------------------------- deadlines


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("trình UBND tỉnh trước ngày 20/5/2026.", "trước ngày 20/5/2026"),
        ("hoàn thành chậm nhất ngày 30/7/2026", "chậm nhất ngày 30/7/2026"),
        ("gửi Văn phòng trước 16 giờ ngày 15/6/2026 để tổng hợp", "trước 16 giờ ngày 15/6/2026"),
        ("Định kỳ hằng quý tổng hợp, báo cáo UBND tỉnh", "Định kỳ hằng quý"),
        ("thực hiện thường xuyên trong mùa du lịch", "thường xuyên"),
        # What only looks like a deadline.
        ("Chương trình phát triển du lịch giai đoạn 2026 - 2030", None),
        ("Kế hoạch đào tạo nghề nhiệm kỳ 2025 - 2030", None),
        ("theo Kế hoạch số 12-KH/TU ngày 15/3/2025 của Ban Thường vụ Tỉnh ủy", None),
        ("trình cấp có thẩm quyền theo thời gian quy định", None),
        ("khẩn trương hoàn thiện hồ sơ quyết toán", None),
        ("sớm thẩm định, trình phê duyệt giá đất cụ thể", None),
        ("bố trí kinh phí từ nguồn chi thường xuyên của ngân sách tỉnh năm 2026", None),
        ("Tính đến ngày 31/8/2026, xã đã hoàn thành 15/19 tiêu chí", None),
        ("ưu tiên bố trí ngân sách hằng năm", None),
        ("(dự kiến tổ chức trong tháng 6 năm 2026), đề nghị các đơn vị", None),
        (
            "bố trí kinh phí chi thường xuyên năm 2026; trình UBND tỉnh trước ngày 15/7/2026",
            "trước ngày 15/7/2026",
        ),
    ],
)
def test_the_deadline_finder_takes_deadlines_and_refuses_traps(
    text: str, phrase: str | None
) -> None:
    found = find_deadline(text, 0, len(text))
    assert (found.phrase if found else None) == phrase
    if found is not None:
        assert text[found.start : found.end].lower() == phrase.lower()  # type: ignore[union-attr]


# ------------------------------------------------------------------------ signals


def owners_of(text: str) -> list[str | None]:
    d = doc(text)
    one = signal(d, 0, len(d.text), strict=False)
    assert one is not None, text
    return codes(one.owners)


@pytest.mark.parametrize(
    ("text", "owners"),
    [
        (
            "Giao Giám đốc: Sở Du lịch, Sở Công Thương, Báo Nghệ An phối hợp với UBND phường "
            "Cửa Lò xây dựng kế hoạch",
            ["SDL", "SCT", "BPTTH"],
        ),
        ("Giao Giám đốc Sở Giáo dục và Đào tạo: chỉ đạo các trường học", ["SGDDT"]),
        ("Đề nghị Hội Nông dân tỉnh vận động hội viên", ["HND"]),
        (
            "Yêu cầu UBND các xã: Nam Đàn, Yên Thành, Con Cuông rà soát",
            ["XNAMDAN", "XYENTHANH", "XCONCUONG"],
        ),
        ("Đồng chí giao Sở Công Thương tổng hợp kiến nghị", ["SCT"]),
        ("Phó Chủ tịch UBND tỉnh Võ Đình Khải đề nghị Sở Xây dựng kiểm tra", ["SXD"]),
        ("Thường trực HĐND tỉnh đề nghị Ủy ban MTTQ Việt Nam tỉnh giám sát", ["MTTQ"]),
        ("Thường trực HĐND tỉnh đề nghị UBND tỉnh chỉ đạo Sở Xây dựng rà soát", ["SXD"]),
        ("Về thủ tục đất đai, đồng chí đề nghị Sở Nông nghiệp và Môi trường rút ngắn", ["SNNMT"]),
        (
            "Để bảo đảm an toàn, Chủ tịch UBND tỉnh yêu cầu Sở Y tế kiểm tra",
            ["SYT"],
        ),
        ("Riêng Sở Công Thương xây dựng kế hoạch bình ổn giá, trình UBND tỉnh", ["SCT"]),
        ("Sở Tài chính chủ trì phối hợp Sở Xây dựng rà soát", ["STC"]),
    ],
)
def test_a_clause_names_its_owners(text: str, owners: list[str | None]) -> None:
    assert owners_of(text) == owners


def test_the_speaker_of_a_quote_to_everyone_gives_no_owner() -> None:
    d = doc('Chủ tịch UBND tỉnh Trần Minh Khang đề nghị: "Các sở, ngành phải đồng hành".')
    assert signal(d, 0, len(d.text), strict=True) is None


def test_coordinators_named_in_a_later_sentence_join_the_task_before() -> None:
    d = doc(
        "Giao UBND phường Vinh Hưng xử lý tình trạng ô nhiễm tại bãi rác cũ. "
        "Sở Nông nghiệp và Môi trường, Sở Y tế phối hợp thực hiện."
    )
    (one,) = segments(d, 0, len(d.text), Context())
    assert codes(one.owners) == ["PVINHHUNG"]
    assert codes(one.joined) == ["SNNMT", "SYT"]


def test_related_agencies_that_coordinate_are_never_owners() -> None:
    d = doc(
        "UBND phường Trường Vinh lựa chọn đơn vị thu gom rác thải; "
        "các đơn vị có liên quan phối hợp thực hiện."
    )
    (one,) = segments(d, 0, len(d.text), Context())
    assert codes(one.owners) == ["PTRUONGVINH"]
    assert [p.kind for p in one.joined] == [PartyKind.RELATED]


# ------------------------------------------------------------------------ phrases


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("chủ trì, phối hợp với Sở Tài chính, Công an tỉnh rà soát", ["STC", "CAT"]),
        ("chủ trì phối hợp Sở Xây dựng rà soát", ["SXD"]),
        (
            "phối hợp chặt chẽ với UBND xã Nam Đàn, UBND xã Yên Thành đẩy nhanh",
            ["XNAMDAN", "XYENTHANH"],
        ),
        ("phối hợp kiểm tra và xử lý nghiêm các vi phạm", []),
        ("hướng dẫn UBND xã Diễn Châu xác định giá đất", []),
    ],
)
def test_coordinators_follow_phoi_hop_with_or_without_voi(text: str, found: list[str]) -> None:
    d = doc(text)
    assert codes(coordinators(d, 0, len(d.text))) == found


def test_work_starts_past_the_owner_and_its_coordinators_and_stops_at_the_deadline() -> None:
    text = "Giao Sở Y tế chủ trì, phối hợp với Công an tỉnh kiểm tra an toàn thực phẩm, hoàn thành trước ngày 30/5/2026."
    d = doc(text)
    deadline = find_deadline(d.text, 0, len(d.text))
    start = d.text.index(" chủ trì")
    _, _, words = work(d, start, len(d.text), deadline)
    assert words == "Kiểm tra an toàn thực phẩm"


def test_the_result_is_the_report_or_submission_after_the_work() -> None:
    text = "Rà soát quy hoạch, trình UBND tỉnh phê duyệt trước ngày 10/6/2026."
    d = doc(text)
    deadline = find_deadline(d.text, 0, len(d.text))
    found = result(d, 0, len(d.text), deadline)
    assert found is not None and d.text[slice(*found)] == "trình UBND tỉnh phê duyệt"


# ---------------------------------------------------------------------- addressees


def test_addressees_one_a_line_elided_or_on_one_line() -> None:
    text = (
        "Kính gửi:\n- Các Sở: Nông nghiệp và Môi trường, Công Thương;\n- Công an tỉnh;\n"
        "- UBND xã Con Cuông.\n"
    )
    d = doc(text)
    assert codes(read_addressees(d, (0, len(d.text)))) == ["SNNMT", "SCT", "CAT", "XCONCUONG"]
    one_line = doc("Kính gửi: Sở Xây dựng; Sở Tài chính; UBND xã Yên Thành.")
    assert codes(read_addressees(one_line, (0, len(one_line.text)))) == ["SXD", "STC", "XYENTHANH"]


@pytest.mark.parametrize(
    ("words", "refers"),
    [
        ("các cơ quan, đơn vị nêu trên", True),
        ("các đơn vị liên quan", True),
        ("các cơ quan, đơn vị có liên quan", True),
        ("các doanh nghiệp trong khu kinh tế", False),
        ("UBND các xã, phường ven biển", False),
    ],
)
def test_which_collectives_stand_for_the_addressees(words: str, refers: bool) -> None:
    d = doc(words + " thực hiện")
    parties, _ = d.reader.parties(0, len(d.text), loose=True)
    assert refers_to_addressees(d, parties) is refers
