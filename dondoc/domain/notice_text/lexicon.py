"""The words of conclusion notices the parser relies on, in one place.

Kept apart from the grammar so that a new verb or abbreviation seen in a real notice is a
one-line change. All regular expressions here run on the cleaned text (NFC, tones on the
first vowel of oa/oe/uy: "hòa", "thúy", "ủy").
"""

from __future__ import annotations

import re

# Upper-case letters of Vietnamese, for look-aheads that need "a capital comes next".
UPPER = "A-ZĐÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ"

# Abbreviations that name the same thing in every notice. Both the directory's names and
# the text are read through this table, so "Sở NN&MT" meets "Sở Nông nghiệp và Môi
# trường". Ambiguous short forms ("TT": thông tin? thể thao? trung tâm?) are left to the
# directory's aliases.
ABBREVIATIONS: dict[str, str] = {
    "ubnd": "ủy ban nhân dân",
    "hđnd": "hội đồng nhân dân",
    "bql": "ban quản lý",
    "qlda": "quản lý dự án",
    "đtxd": "đầu tư xây dựng",
    "kkt": "khu kinh tế",
    "kcn": "khu công nghiệp",
    "ccn": "cụm công nghiệp",
    "chqs": "chỉ huy quân sự",
    "bđbp": "bộ đội biên phòng",
    "mttq": "mặt trận tổ quốc",
    "ptnt": "phát triển nông thôn",
    "tnmt": "tài nguyên và môi trường",
    "gtvt": "giao thông vận tải",
    "khcn": "khoa học và công nghệ",
    "gdđt": "giáo dục và đào tạo",
    "vhttdl": "văn hóa thể thao và du lịch",
    "lđtbxh": "lao động thương binh và xã hội",
    "&": "và",
}
# "NN&MT": two-letter halves joined by "&" that mean one thing only together.
COMPOUNDS: dict[tuple[str, ...], str] = {
    ("nn", "&", "mt"): "nông nghiệp và môi trường",
    ("nn", "&", "ptnt"): "nông nghiệp và phát triển nông thôn",
    ("tn", "&", "mt"): "tài nguyên và môi trường",
    ("kh", "&", "đt"): "kế hoạch và đầu tư",
    ("gd", "&", "đt"): "giáo dục và đào tạo",
    ("kh", "&", "cn"): "khoa học và công nghệ",
    ("tt", "&", "tt"): "thông tin và truyền thông",
    ("vh", "tt", "&", "dl"): "văn hóa thể thao và du lịch",
    ("lđ", "tb", "&", "xh"): "lao động thương binh và xã hội",
    ("vp", "ubnd"): "văn phòng ủy ban nhân dân",
}

# Verbs (and the adverbs that precede them) that end a list of agencies: "Giao Sở Tài
# chính, Sở Xây dựng <rà soát> ...". Matched in lower case only, so "Sở Xây dựng" stays
# a name while "xây dựng phương án" is work.
_VERBS = (
    "chủ trì|phối hợp|khẩn trương|tiếp tục|chủ động|tập trung|sớm|kịp thời|nghiêm túc|"
    "tham mưu|hoàn thành|hoàn thiện|xây dựng|rà soát|báo cáo|triển khai|thực hiện|"
    "nghiên cứu|tổ chức|kiểm tra|hướng dẫn|đề xuất|trình|theo dõi|đôn đốc|chỉ đạo|"
    "chịu trách nhiệm|quan tâm|tăng cường|đẩy nhanh|đẩy mạnh|lập|xử lý|giải quyết|"
    "cân đối|bố trí|thẩm định|tổng hợp|cập nhật|tiếp thu|bổ sung|điều chỉnh|đánh giá|"
    "khảo sát|mời|làm việc|giám sát|ban hành|tuyên truyền|vận động|cử|chuẩn bị|"
    "đảm bảo|bảo đảm|phê duyệt|gửi|thông báo|liên hệ|nắm|làm rõ|tìm kiếm|thu hồi|"
    "di dời|cung cấp|hỗ trợ|giải ngân|huy động|ứng phó|khắc phục|sửa chữa|thi công|"
    "vận hành|kiện toàn|phân công|tiếp nhận|thống nhất|xác định|dự thảo|soạn thảo|"
    "quyết liệt|thường xuyên|định kỳ|phát động|bàn giao|nhận|công bố|quy định|"
    "có văn bản|có ý kiến|có trách nhiệm|lựa chọn|đăng ký|đưa|ưu tiên|tiến hành|đề nghị|yêu cầu|"
    "rà|chấn chỉnh|tạo điều kiện|nâng cao|phát huy|thẩm tra|kêu gọi|xúc tiến|"
    "hoàn tất|ký|trực|sẵn sàng|tuần tra|canh gác|sơ tán|duy trì|bảo vệ|kiểm soát|"
    "điều tra|truy|chuyển|tổng kết|sơ kết|là|được|sẽ|đã|đang|cần|phải|cùng"
)
VERB = re.compile(rf"(?:{_VERBS})(?![^\W\d_])")

# Words that belong to an agency's name though they read as verbs elsewhere: "Ban Quản lý
# dự án đầu tư xây dựng khu vực ...", "Trung tâm Phát triển quỹ đất".
NAME_COMPOUND_BEFORE = re.compile(r"(?:đầu tư|Đầu tư|phát triển|Phát triển)\s*$")

# Words that introduce the agencies a sentence assigns work to.
ASSIGN_CUE = re.compile(
    r"(?<![^\W\d_])(?:(?:thống nhất|đồng ý|tiếp tục)\s+)?"
    r"(?:giao(?:\s+cho)?|yêu cầu|đề nghị|chỉ đạo|ủy quyền cho)\s+",
    re.IGNORECASE,
)
# Titles before an agency: "Yêu cầu Giám đốc Sở Y tế", "Chủ tịch UBND các xã".
TITLE = re.compile(
    r"(?:Thủ trưởng|Giám đốc|Chủ tịch|Lãnh đạo|Chỉ huy trưởng|Trưởng ban|Trưởng|"
    r"Chánh Văn phòng|Người đứng đầu|Tập thể lãnh đạo)(?:\s*:)?\s+(?=\S)",
    re.IGNORECASE,
)
# The province itself: never an owner, but "Đề nghị UBND tỉnh chỉ đạo Sở X" names one.
SELF = re.compile(
    r"(?:(?:(?:đồng chí\s+)?(?:Phó\s+)?Chủ tịch(?:\s+Thường trực)?\s+)?(?:UBND|Ủy ban nhân dân)\s+tỉnh"
    r"(?:\s+Nghệ An)?|tỉnh\s+Nghệ An|Tỉnh ủy|"
    r"HĐND tỉnh|Hội đồng nhân dân tỉnh)(?![^\W\d_])",
    re.IGNORECASE,
)
# Kinds of bodies a collective names: "các sở, ban, ngành", "các cơ quan, đơn vị".
_KIND = (
    r"(?:sở|ban|ngành|cơ quan|đơn vị|địa phương|tổ chức|doanh nghiệp|lực lượng|bộ|"
    r"huyện|thị xã|thành phố|xã|phường|đặc khu|cấp|chủ đầu tư|nhà đầu tư|"
    r"Ban Quản lý(?: dự án)?|hội|đoàn thể|trường|bệnh viện|cá nhân|chính quyền)"
)
COLLECTIVE = re.compile(
    rf"(?:(?:UBND|Ủy ban nhân dân)\s+)?các\s+{_KIND}(?:\s*(?:,|và)\s*{_KIND})*"
    r"(?:\s+(?:cấp|trên địa bàn)\s+(?:tỉnh|xã|huyện))?",
    re.IGNORECASE,
)
# Words after a collective that restrict it to some of its members.
RELATED = re.compile(r"\s*(?:có\s+)?liên\s+quan(?![^\W\d_])", re.IGNORECASE)
QUALIFIER = re.compile(
    r"\s+(?:có|nơi|thuộc|trong|được|đã|chưa|ven|vùng|dọc|là|ở|bị)(?![^\W\d_])", re.IGNORECASE
)

# Paragraphs that only record opinions, praise or the meeting itself.
OPINION = re.compile(
    r"^(?:[\w\s,.-]{0,60}?)(?:ghi nhận|đánh giá cao|biểu dương|hoan nghênh|"
    r"cơ bản thống nhất|thống nhất với (?:báo cáo|nội dung)|nhất trí với|"
    r"tuy nhiên|nhìn chung|thời gian qua|đến nay|qua đó|thứ nhất|thứ hai|thứ ba|"
    r"bên cạnh|kết quả|trong (?:thời gian|năm) qua)",
    re.IGNORECASE,
)
# The end of a notice: passing it on, not assigning anything.
CLOSING = re.compile(
    r"^(?:Trên đây|Căn cứ (?:ý kiến|nội dung|Thông báo)|Văn phòng (?:UBND|Ủy ban nhân dân) tỉnh "
    r"(?:thông báo|trân trọng|xin thông báo)|Nhận được|Đề nghị các [^.]{0,80}? biết|"
    r"Yêu cầu các [^.]{0,80}? nghiêm túc)",
    re.IGNORECASE,
)
# Work that says only "do it": the closing line of many notices.
GENERIC_WORK = re.compile(
    r"(?:^|\s)(?:khẩn trương\s+|nghiêm túc\s+|tập trung\s+|chủ động\s+)*"
    r"(?:(?:triển khai|tổ chức)\s+thực hiện|biết,?\s+(?:nghiêm túc\s+)?(?:triển khai\s+)?thực hiện|"
    r"nêu cao tinh thần|quán triệt|thực hiện nghiêm|nghiêm túc\s+(?:triển khai\s+)?thực hiện)",
    re.IGNORECASE,
)
# Sections whose headings say they record, not assign.
NON_TASK_SECTION = re.compile(
    r"(?:đánh giá|kết quả|tình hình|ý kiến (?:của|tại)|kiến nghị|nhận xét|ghi nhận|"
    r"quang cảnh|thành phần|bối cảnh)",
    re.IGNORECASE,
)
# The paragraph that opens the conclusions.
CONCLUSION_INTRO = re.compile(
    r"(?:kết luận|chỉ đạo|ý kiến|như sau|các nội dung sau|nhiệm vụ sau|giao nhiệm vụ|"
    r"(?<![^\W\d_])(?:đề nghị|yêu cầu))[^:]{0,160}:\s*$",
    re.IGNORECASE,
)
# A clause's expected result: "trình UBND tỉnh ...", "báo cáo Chủ tịch UBND tỉnh ...".
RESULT = re.compile(
    r"(?<![^\W\d_])(?:(?:trình|báo cáo|gửi)\s+(?:kết quả\s+)?(?:về\s+)?"
    r"(?:UBND|Ủy ban nhân dân|Chủ tịch|Văn phòng|HĐND|Hội đồng nhân dân|Thường trực|"
    r"Ban Thường vụ|Tỉnh ủy|Sở|Bộ|Thủ tướng|Chính phủ|cấp có thẩm quyền|kết quả|lãnh đạo))",
    re.IGNORECASE,
)
# Who speaks before the assigning word: "Đồng chí giao ...", "Phó Chủ tịch UBND tỉnh Võ
# Đình Khải yêu cầu ...", "Thường trực HĐND tỉnh đề nghị ...". The speaker owns nothing.
_NAME = rf"(?:\s+[{UPPER}][^\W\d_]*){{1,4}}"
SPEAKER = re.compile(
    rf"(?:(?:[Đđ]ồng chí|đ/c)(?:{_NAME})?|(?:Phó\s+)?Chủ tịch(?:\s+Thường trực)?\s+"
    rf"(?:UBND|Ủy ban nhân dân)\s+tỉnh(?:{_NAME})?|Thường trực\s+(?:HĐND|Hội đồng nhân dân|"
    r"UBND|Ủy ban nhân dân|Tỉnh ủy)(?:\s+tỉnh)?|(?:UBND|Ủy ban nhân dân)\s+tỉnh|"
    r"Văn phòng\s+(?:UBND|Ủy ban nhân dân)\s+tỉnh|Ban Thường vụ Tỉnh ủy|Tỉnh ủy)"
    r"(?:\s+(?:cũng|tiếp tục|đã))?\s+(?=\S)"
)
# Words after "phối hợp" that leave the coordinators with no work of their own: "Sở Tài
# chính, Sở Xây dựng phối hợp thực hiện." names coordinators of the sentence before.
COORDINATION_ONLY = re.compile(
    r"(?:có trách nhiệm\s+|cùng\s+)?phối\s+hợp(?:\s+chặt\s+chẽ)?"
    r"(?:\s+(?:triển khai\s+)?(?:thực hiện|triển khai)(?:\s+(?:các nội dung|nhiệm vụ) (?:trên|này))?)?"
    r"\s*[.;,]?\s*$",
    re.IGNORECASE,
)
# References to the addressees of a letter ("Kính gửi: ..."): the owners are those.
ADDRESSEE_REFERENCE = re.compile(
    r"^(?:Thủ trưởng\s+)?(?:các|Quý)\s+(?:cơ quan,?\s*(?:đơn vị)?|đơn vị|cơ quan)"
    r"(?:,?\s*(?:địa phương|tổ chức))?(?:\s+(?:nêu trên|trên|có liên quan|liên quan|được gửi))?$",
    re.IGNORECASE,
)
