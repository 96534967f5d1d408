"""The calendar file and the whole-year replacement that ``dondoc calendar load`` reads.

Every refusal names the line, the year, the entry and the field, and says why, in
Vietnamese: the person loading a changed calendar has the file open beside the message.
"""

from __future__ import annotations

import textwrap
from datetime import date
from pathlib import Path

import pytest

from dondoc.deployment import (
    DeploymentFileError,
    calendar_for,
    calendar_with,
    read_year_replacement,
)
from dondoc.domain.calendar import Standing
from dondoc.domain.vietnam_calendar import (
    CalendarEntry,
    CalendarFile,
    CalendarFileError,
    parse_calendar_file,
    parse_year_replacement,
    vietnam_calendar,
)
from dondoc.settings import Settings

TEST_NOTICE = "Thông báo số 1/TB-BNV (dữ liệu kiểm thử)"


def year_2027(*tet: int, extra: str = "") -> str:
    """A complete 2027 whose Tết days off are ``tet`` (days of February), all official."""
    fixed = [(1, 1), (4, 30), (5, 1), (9, 2), (11, 24)]
    lines = ["years:", "  2027:"]
    for month, day in sorted(fixed + [(2, d) for d in tet]):
        lines.append(
            f"    - {{date: 2027-{month:02d}-{day:02d}, kind: day_off, note: nghỉ, "
            f"document: '{TEST_NOTICE}'}}"
        )
    return "\n".join(lines) + "\n" + extra


# ---------------------------------------------------------------------------- reading


def test_a_complete_year_is_exactly_what_the_file_lists() -> None:
    parsed = parse_year_replacement(year_2027(3, 4, 5, 8, 9))
    cal = vietnam_calendar([2027], parsed)
    assert [d for d in (3, 4, 5, 8, 9, 10, 11) if not cal.is_working_day(date(2027, 2, d))] == [
        3,
        4,
        5,
        8,
        9,
    ]
    # The package's guesses for 2027 (Giỗ Tổ 16/4, 3/5, 3/9) are not consulted any more.
    assert cal.is_working_day(date(2027, 4, 16))
    assert cal.standing_of(date(2027, 2, 3)).standing == Standing.OFFICIAL
    assert cal.standing_of(date(2027, 2, 3)).source == TEST_NOTICE


def test_entries_default_to_official_and_read_every_standing() -> None:
    text = textwrap.dedent(
        """\
        overrides:
          - {date: 2028-01-02, kind: day_off, note: a, document: b}
          - {date: 2028-01-03, kind: day_off, standing: provisional, note: a, document: b}
          - {date: 2028-01-04, kind: day_off, standing: office, note: a, document: b}
        """
    )
    standings = [e.standing for e in parse_calendar_file(text).overrides]
    assert standings == [Standing.OFFICIAL, Standing.PROVISIONAL, Standing.OFFICE]


def test_replacing_a_year_drops_everything_it_had(shipped: CalendarFile) -> None:
    stray = CalendarEntry(date=date(2027, 3, 8), kind="day_off", note="thử", document="thử")
    base = CalendarFile(years=shipped.years, overrides=(stray,))
    replaced = base.replacing(parse_year_replacement(year_2027(3, 4, 5, 8, 9)))
    assert replaced.years[2026] == shipped.years[2026]
    assert {e.date for e in replaced.years[2027]} >= {date(2027, 2, 3)}
    assert date(2027, 2, 10) not in {e.date for e in replaced.years[2027]}
    assert replaced.overrides == ()


# ---------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            year_2027(4, 5).replace("2027-02-04", "2027-02-30"),
            "dòng 4, năm 2027, mục thứ 2, trường «date»: «2027-02-30» không phải ngày hợp lệ "
            "(viết dạng YYYY-MM-DD)",
        ),
        (
            year_2027(
                4, 5, extra="    - {date: 2027-02-04, kind: working_day, note: x, document: y}\n"
            ),
            "dòng 10, năm 2027, mục thứ 8, trường «date»: ngày 04/02/2027 vừa là ngày nghỉ "
            "(năm 2027, mục thứ 2, dòng 4) vừa là ngày làm việc",
        ),
        (
            year_2027(
                4, extra="    - {date: 2027-02-05, kind: day_off, standing: provisional, note: x}\n"
            ),
            "dòng 9, năm 2027, mục thứ 7, trường «document»: thiếu giá trị: ngày dự kiến phải "
            "ghi căn cứ (quy tắc hoặc đề xuất mà nó dựa vào)",
        ),
        (
            year_2027(4, extra="    - {date: 2027-02-05, kind: day_off, note: x, document: ''}\n"),
            "trường «document»: thiếu giá trị: ngày chính thức phải ghi văn bản ban hành",
        ),
        (
            year_2027(
                4, extra="    - {date: 2027-02-05, kind: day_off, standing: office, note: x}\n"
            ),
            "trường «document»: thiếu giá trị: ngày do Văn phòng quyết định phải ghi số hiệu",
        ),
        (
            year_2027(
                4,
                extra="    - {date: 2027-02-05, kind: day_off, standing: maybe, "
                "note: x, document: y}\n",
            ),
            "trường «standing»: «maybe» không hợp lệ, phải là «official» (chính thức)",
        ),
        (
            year_2027(4, extra="    - {date: 2028-02-05, kind: day_off, note: x, document: y}\n"),
            "năm 2027, mục thứ 7, trường «date»: ngày 05/02/2028 không thuộc năm 2027",
        ),
        (
            year_2027(
                4, extra="    - {date: 2027-02-01, kind: working_day, note: x, document: y}\n"
            ),
            "trường «kind»: thứ Hai 01/02/2027 vốn là ngày làm việc",
        ),
        (
            year_2027(4).replace("2027-11-24", "2027-11-25"),
            "dòng 2, năm 2027: thiếu ngày nghỉ lễ 24/11/2027 (Ngày Văn hóa Việt Nam, theo Nghị "
            "quyết số 28/2026/QH16",
        ),
        (
            year_2027(4).replace("2027-01-01", "2027-01-04"),
            "năm 2027: thiếu ngày nghỉ lễ 01/01/2027 (Tết Dương lịch, theo Bộ luật Lao động 2019",
        ),
        ("years:\n  hai-nghìn:\n    - {}\n", "dòng 2, «hai-nghìn» không phải một năm"),
        ("years:\n  2027: {date: 2027-02-04}\n", "dòng 2, năm 2027 phải là một danh sách"),
        ("years: [2027]\n", "dòng 1, khóa «years» phải là một bảng"),
        ("years:\n  2027:\n    - 2027-02-04\n", "dòng 3, năm 2027, mục thứ 1: phải là một bảng"),
        ("lich: []\n", "dòng 1, khóa «lich» không được hỗ trợ"),
        ("years:\n  2027: [\n", "không phải YAML hợp lệ (dòng"),
        (
            year_2027(4) + "overrides:\n  - {date: 2027-03-08, kind: day_off, note: x, "
            "document: y}\n",
            "mục thứ 1, trường «date»: năm 2027 đã có lịch đầy đủ trong «years»",
        ),
    ],
)
def test_bad_calendar_files_name_the_line_and_the_reason(text: str, message: str) -> None:
    with pytest.raises(CalendarFileError) as caught:
        parse_calendar_file(text)
    assert message in str(caught.value)


def test_the_error_keeps_its_line_apart() -> None:
    with pytest.raises(CalendarFileError) as caught:
        parse_calendar_file("years:\n  2027: {date: 2027-02-04}\n")
    assert caught.value.line == 2
    assert caught.value.reason == "năm 2027 phải là một danh sách các mục"


def test_a_replacement_is_complete_years_only() -> None:
    with pytest.raises(CalendarFileError, match="khóa «overrides» không dùng khi thay cả năm"):
        parse_year_replacement(
            "overrides:\n  - {date: 2027-03-08, kind: day_off, note: x, document: y}\n"
        )
    with pytest.raises(CalendarFileError, match="phải có khóa «years» với ít nhất một năm"):
        parse_year_replacement("")
    with pytest.raises(CalendarFileError, match="phải có khóa «years»"):
        parse_year_replacement("years:\n")


# ------------------------------------------------------------------ reading the file


def test_the_deployment_reads_a_replacement_and_lays_it_over_its_calendar(
    tmp_path: Path,
) -> None:
    path = tmp_path / "lich-2027.yaml"
    path.write_text(year_2027(3, 4, 5, 8, 9), "utf-8")
    replacement = read_year_replacement(path)
    settings = Settings()
    before = calendar_for(settings, date(2026, 12, 1))
    after = calendar_with(settings, date(2026, 12, 1), replacement)
    assert before.is_working_day(date(2027, 2, 3)) and not after.is_working_day(date(2027, 2, 3))
    assert not before.is_working_day(date(2027, 2, 10)) and after.is_working_day(date(2027, 2, 10))
    # Other years are untouched.
    assert after.days_off & {d for d in before.days_off if d.year == 2026} == {
        d for d in before.days_off if d.year == 2026
    }


def test_a_bad_replacement_file_is_named_with_the_line(tmp_path: Path) -> None:
    path = tmp_path / "lich-2027.yaml"
    path.write_text(year_2027(4).replace("2027-02-04", "2027-02-30"), "utf-8")
    with pytest.raises(DeploymentFileError) as caught:
        read_year_replacement(path)
    assert str(caught.value).startswith(f"{path}: dòng 4, năm 2027, mục thứ 2, trường «date»")


def test_a_missing_or_binary_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(DeploymentFileError, match="không đọc được tệp"):
        read_year_replacement(tmp_path / "khong-co.yaml")
    binary = tmp_path / "lich.yaml"
    binary.write_bytes(b"\xff\xfe\x00years")
    with pytest.raises(DeploymentFileError, match="không phải văn bản UTF-8"):
        read_year_replacement(binary)


def test_the_older_overrides_format_still_loads() -> None:
    old = textwrap.dedent(
        """\
        overrides:
          - date: 2026-01-02
            kind: day_off
            note: "Nghỉ Tết Dương lịch"
            document: "Văn bản số 12729/VPCP-KGVX"
        """
    )
    cal = vietnam_calendar([2026], parse_calendar_file(old))
    assert not cal.is_working_day(date(2026, 1, 2))
    assert cal.standing_of(date(2026, 1, 2)).source == "Văn bản số 12729/VPCP-KGVX"
    # The rest of 2026 comes from the package's rules.
    assert not cal.is_working_day(date(2026, 2, 17))
