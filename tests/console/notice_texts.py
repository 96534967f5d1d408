"""Notice texts for the review form's tests, dated from the day the test runs.

``texts/`` holds a conclusion notice as copied from a provincial web page (our own text,
in the shape of real ones); ``directive_letter`` builds a directive letter (công văn) as a
Word file, with its header in a layout table and a «Kính gửi» list, as python-docx writes
what an office's template looks like.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from docx import Document

TEXTS = Path(__file__).parent / "texts"


def _day(d: date) -> str:
    return f"{d:%d/%m/%Y}"


@dataclass(frozen=True)
class Conclusion:
    """The conclusion notice and what a reader of it knows it says."""

    text: str
    number: str
    first_due: date
    second_due: date


def conclusion(today: date, number: int = 245) -> Conclusion:
    """Five points, four of them tasks; the owner of the fourth is written «Sở CT», which
    no directory knows: the one correction a reviewer makes (Sở Công Thương)."""
    first, second = today + timedelta(days=30), today + timedelta(days=45)
    month = (today.replace(day=1) + timedelta(days=62)).replace(day=1)
    text = string.Template((TEXTS / "ket-luan-ban-web.txt").read_text("utf-8")).substitute(
        number=number,
        dd=f"{today.day:02d}",
        mm=f"{today.month:02d}",
        year=today.year,
        first=_day(first),
        second=_day(second),
        next_year=today.year + 1,
        month_due=f"{month:%m/%Y}",
    )
    return Conclusion(text, f"{number}/TB-UBND", first, second)


ADDRESSEES = ("Sở Công Thương", "Sở Tài chính", "Sở Nông nghiệp và Môi trường")


def directive_letter(path: Path, today: date, number: int = 1923) -> date:
    """A directive letter of the Chairman to three agencies, one request to all of them;
    returns the deadline it gives."""
    due = today + timedelta(days=20)
    doc = Document()
    header = doc.add_table(rows=1, cols=2)
    left, right = header.rows[0].cells
    left.paragraphs[0].text = "ỦY BAN NHÂN DÂN"
    for line in ("TỈNH NGHỆ AN", f"Số: {number}/UBND-KT"):
        left.add_paragraph(line)
    left.add_paragraph("V/v bảo đảm cung ứng hàng hóa thiết yếu dịp Tết Nguyên đán")
    right.paragraphs[0].text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    right.add_paragraph("Độc lập - Tự do - Hạnh phúc")
    right.add_paragraph(f"Nghệ An, ngày {today.day:02d} tháng {today.month:02d} năm {today.year}")
    doc.add_paragraph("")
    doc.add_paragraph("Kính gửi:")
    for i, name in enumerate(ADDRESSEES):
        doc.add_paragraph(f"- {name}{'.' if i == len(ADDRESSEES) - 1 else ';'}")
    doc.add_paragraph(
        "Để bảo đảm cung ứng đủ hàng hóa thiết yếu, bình ổn thị trường dịp Tết Nguyên đán, "
        "Chủ tịch UBND tỉnh đề nghị các cơ quan, đơn vị nêu trên theo chức năng, nhiệm vụ "
        "được giao xây dựng phương án bảo đảm nguồn cung hàng hóa thiết yếu, kiểm soát giá cả "
        "thị trường; báo cáo kết quả về UBND tỉnh (qua Sở Công Thương) trước ngày "
        f"{_day(due)}."
    )
    doc.add_paragraph(
        "Yêu cầu Thủ trưởng các cơ quan, đơn vị nêu trên nghiêm túc triển khai thực hiện./."
    )
    signature = doc.add_table(rows=1, cols=2)
    sent_to, signer = signature.rows[0].cells
    sent_to.paragraphs[0].text = "Nơi nhận:"
    sent_to.add_paragraph("- Như trên;")
    sent_to.add_paragraph("- Lưu: VT, KT.")
    signer.paragraphs[0].text = "CHỦ TỊCH"
    signer.add_paragraph("")
    signer.add_paragraph("Lê Hồng Vinh")
    doc.save(str(path))
    return due
