"""Names resolve by name, abbreviation, alias and former name; whatever the case, the
Unicode form or the tone-mark style; unknown and ambiguous names are never guessed."""

from __future__ import annotations

import unicodedata

import pytest
from corpus import load_book

from dondoc.domain.directory import Agency
from dondoc.domain.notice_text import NameBook
from dondoc.domain.notice_text.book import PartyKind
from dondoc.domain.notice_text.reader import Reader
from dondoc.domain.notice_text.text import canonical, key

BOOK = load_book()


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("Sở Nông nghiệp và Môi trường", "SNNMT"),
        ("SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG", "SNNMT"),
        ("sở nông nghiệp và môi trường", "SNNMT"),
        ("Sở NN&MT", "SNNMT"),
        ("Sở NN & MT", "SNNMT"),
        ("Sở Tài nguyên và Môi trường", "SNNMT"),  # former name
        ("Sở TN&MT", "SNNMT"),
        ("Sở Nông nghiệp và Phát triển nông thôn", "SNNMT"),
        ("Sở Kế hoạch và Đầu tư", "STC"),
        ("Sở KH&ĐT", "STC"),
        ("Sở Giao thông vận tải", "SXD"),
        ("Sở Thông tin và Truyền thông", "SKHCN"),
        ("Bộ CHQS tỉnh", "BCHQS"),
        ("Bộ Chỉ huy Quân sự tỉnh", "BCHQS"),
        ("Bộ Chỉ huy Quân sự", "BCHQS"),  # without "tỉnh"
        ("Bộ Chỉ huy BĐBP tỉnh", "BDBP"),
        ("UBND phường Trường Vinh", "PTRUONGVINH"),
        ("Ủy ban nhân dân phường Trường Vinh", "PTRUONGVINH"),
        ("Uỷ ban nhân dân phường Trường Vinh", "PTRUONGVINH"),  # old tone style
        ("Ban QLDA ĐTXD công trình giao thông tỉnh", "BQLDAGT"),
        ("Sở Văn hoá, Thể thao và Du lịch", "SVHTT"),
        ("Sở Văn hóa, Thể thao và Du lịch", "SVHTT"),
        ("Sở Công thương", "SCT"),
    ],
)
def test_a_name_resolves_to_its_agency(written: str, code: str) -> None:
    for form in ("NFC", "NFD"):
        party = BOOK.resolve(unicodedata.normalize(form, written))
        assert party.kind == PartyKind.AGENCY, (form, written)
        assert party.codes == (code,)


@pytest.mark.parametrize("written", ["Sở Xây Dựng Mới", "Cục Thuế tỉnh", "Sở Tài chính Hà Tĩnh"])
def test_a_name_not_in_the_directory_does_not_resolve(written: str) -> None:
    assert BOOK.resolve(written).kind == PartyKind.UNKNOWN


def test_a_name_two_agencies_share_is_ambiguous_not_guessed() -> None:
    book = NameBook(
        [
            Agency(code="A", name="Ban Quản lý dự án số 1", email="a@x.test", aliases=["Ban QLDA"]),
            Agency(code="B", name="Ban Quản lý dự án số 2", email="b@x.test", aliases=["Ban QLDA"]),
        ]
    )
    party = book.resolve("Ban QLDA")
    assert party.kind == PartyKind.AMBIGUOUS
    assert party.codes == ("A", "B")


@pytest.mark.parametrize(
    ("old", "new"),
    [("hoà", "hòa"), ("Thuý", "Thúy"), ("uỷ", "ủy"), ("khoẻ", "khỏe"), ("Hoà Bình", "Hòa Bình")],
)
def test_old_and_new_tone_marks_read_alike(old: str, new: str) -> None:
    assert canonical(old) == new
    assert key(old) == key(new) == key(unicodedata.normalize("NFD", old))


@pytest.mark.parametrize("word", ["quý", "hoàng", "thuyết", "Quỳnh", "toàn"])
def test_other_tone_marks_stay_where_they_are(word: str) -> None:
    assert canonical(word) == word


def read(text: str) -> list[tuple[str, str, tuple[str, ...]]]:
    reader = Reader(BOOK, canonical(text))
    parties, _ = reader.parties(0, len(text), loose=True)
    return [(p.kind.value, p.text, p.codes) for p in parties]


def test_a_list_of_agencies_reads_up_to_the_verb() -> None:
    assert read("Sở Tài chính, Sở Xây dựng và UBND xã Nam Đàn rà soát") == [
        ("agency", "Sở Tài chính", ("STC",)),
        ("agency", "Sở Xây dựng", ("SXD",)),
        ("agency", "UBND xã Nam Đàn", ("XNAMDAN",)),
    ]


def test_an_elided_list_expands_each_name() -> None:
    got = read("các Sở: Tài chính, Xây dựng, Nông nghiệp và Môi trường thực hiện")
    assert [codes for _, _, codes in got] == [("STC",), ("SXD",), ("SNNMT",)]
    got = read("UBND các phường: Trường Vinh, Cửa Lò tăng cường")
    assert [codes for _, _, codes in got] == [("PTRUONGVINH",), ("PCUALO",)]


def test_a_collective_the_directory_defines_is_its_group() -> None:
    ((kind, _, codes),) = read("UBND các xã, phường rà soát")
    assert kind == "group"
    assert "XNAMDAN" in codes and len(codes) == 9


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("UBND các xã, phường ven biển tổ chức", "collective"),  # only some of the group
        ("các sở, ban, ngành là chủ đầu tư rà soát", "collective"),
        ("các doanh nghiệp trong khu kinh tế thực hiện", "collective"),  # no such group
        ("các cơ quan, đơn vị có liên quan triển khai", "related"),
    ],
)
def test_a_restricted_or_undefined_collective_does_not_resolve(text: str, kind: str) -> None:
    ((got, _, codes),) = read(text)
    assert got == kind
    assert codes == ()
