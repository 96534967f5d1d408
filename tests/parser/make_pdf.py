"""Writes tests/notices/dev/21-pdf-nong-thon-moi.pdf: a two-page notice with a text layer.

The PDF is committed, so the tests need neither this script nor a font; run it again
(``.venv/bin/python tests/parser/make_pdf.py``) only to change the notice. fpdf2 (a dev
dependency) lays the text out with a DejaVu font from the system, the way a word
processor's "Save as PDF" does: lines wrapped at the margin, a page number at the foot.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from fpdf import FPDF

OUT = Path(__file__).parents[1] / "notices" / "dev" / "21-pdf-nong-thon-moi.pdf"
FONTS = Path("/usr/share/fonts/truetype/dejavu")

HEADER = [
    ("ỦY BAN NHÂN DÂN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
    ("TỈNH NGHỆ AN", "Độc lập - Tự do - Hạnh phúc"),
    ("Số: 731/TB-UBND", "Nghệ An, ngày 17 tháng 11 năm 2025"),
]
TITLE = "THÔNG BÁO"
SUBJECT = (
    "Kết luận của đồng chí Nguyễn Thị Thúy Hòa - Phó Chủ tịch UBND tỉnh tại cuộc họp về "
    "tiến độ thực hiện Chương trình mục tiêu quốc gia xây dựng nông thôn mới năm 2025"
)
BODY = [
    "Ngày 13/11/2025, đồng chí Nguyễn Thị Thúy Hòa - Phó Chủ tịch UBND tỉnh chủ trì cuộc "
    "họp về tiến độ thực hiện Chương trình mục tiêu quốc gia xây dựng nông thôn mới năm 2025. "
    "Sau khi nghe Sở Nông nghiệp và Môi trường báo cáo và ý kiến của các đại biểu dự họp, "
    "đồng chí Phó Chủ tịch UBND tỉnh kết luận như sau:",
    "1. Ghi nhận sự nỗ lực của các sở, ngành và địa phương; đến nay toàn tỉnh có thêm 12 xã "
    "đạt chuẩn nông thôn mới nâng cao. Tuy nhiên, tiến độ giải ngân vốn sự nghiệp còn chậm.",
    "2. Giao Sở Nông nghiệp và Môi trường chủ trì, phối hợp với Sở Tài chính, Sở Xây dựng "
    "thẩm định hồ sơ đề nghị công nhận xã đạt chuẩn nông thôn mới nâng cao năm 2025, trình "
    "UBND tỉnh trước ngày 20/12/2025.",
    "3. Giao Sở Tài chính tham mưu phân bổ vốn sự nghiệp thực hiện Chương trình năm 2026, "
    "báo cáo UBND tỉnh trong tháng 01/2026.",
    "4. Giao UBND xã Nam Đàn, UBND xã Yên Thành hoàn thiện hồ sơ đề nghị xét công nhận "
    "đạt chuẩn nông thôn mới kiểu mẫu, gửi Sở Nông nghiệp và Môi trường trước ngày "
    "05/12/2025.",
    "5. Giao Sở Công Thương phối hợp với Sở Nông nghiệp và Môi trường hỗ trợ các chủ thể "
    "sản phẩm OCOP tham gia các hội chợ xúc tiến thương mại; thực hiện thường xuyên.",
    "Văn phòng UBND tỉnh thông báo để các cơ quan, đơn vị biết, thực hiện./.",
]
RECIPIENTS = [
    "Nơi nhận:",
    "- Các Sở: Nông nghiệp và Môi trường, Tài chính, Xây dựng, Công Thương;",
    "- UBND xã Nam Đàn, UBND xã Yên Thành;",
    "- Lưu: VT, NN.",
]
SIGNATURE = ["TL. CHỦ TỊCH", "KT. CHÁNH VĂN PHÒNG", "PHÓ CHÁNH VĂN PHÒNG", "", "Nguyễn Văn Hùng"]


class Notice(FPDF):
    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("DejaVu", size=10)
        self.cell(0, 10, str(self.page_no()), align="C")


def main() -> None:
    pdf = Notice(format="A4")
    pdf.add_font("DejaVu", fname=str(FONTS / "DejaVuSerif.ttf"))
    pdf.add_font("DejaVu", style="B", fname=str(FONTS / "DejaVuSerif-Bold.ttf"))
    pdf.set_margins(25, 20, 20)
    pdf.add_page()
    pdf.set_font("DejaVu", size=12)
    for left, right in HEADER:
        pdf.cell(70, 6, left)
        pdf.cell(0, 6, right, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("DejaVu", style="B", size=13)
    pdf.cell(0, 7, TITLE, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 6, SUBJECT, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("DejaVu", size=13)
    for paragraph in BODY:
        pdf.multi_cell(0, 7, paragraph, align="J", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    pdf.add_page()  # the recipients and the signature on the second page
    pdf.set_font("DejaVu", size=11)
    for line in RECIPIENTS:
        pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    for line in SIGNATURE:
        pdf.cell(0, 6, line, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_creation_date(datetime(2025, 11, 17, tzinfo=UTC))  # the same bytes every time
    pdf.output(str(OUT))


if __name__ == "__main__":
    main()
