"""Hypothesis strategies for notices as people and systems send them: mostly plausible,
often wrong in one place, sometimes hostile (markup, header breaks, direction overrides,
formulas), sometimes not a notice at all."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import strategies as st

HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "Sở Ngoại vụ\r\nBcc: ke-gian@ke-gian.test",
    "Kết luận\nSubject: thư giả",
    "\u202eexe.fdp\u202c báo cáo",
    "{{ 7*7 }} {% raw %}",
    '=HYPERLINK("http://ke-gian.test","Bấm")',
    "'; DROP TABLE tasks; --",
    "\x00\x1b[31m\x7f",
    "\ufeff\u200b\u2060",
    "Đ" * 300,
]
TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(HOSTILE),
    st.builds(lambda a, b: f"{a} {b}", st.text(max_size=20), st.sampled_from(HOSTILE)),
)
PROSE = st.one_of(
    st.sampled_from(
        [
            "Hoàn thiện dự thảo Đề án hợp tác toàn diện với các tỉnh của Lào",
            "Cân đối, bố trí kinh phí thực hiện Đề án",
            "Rà soát danh mục dự án nông nghiệp công nghệ cao",
        ]
    ),
    TEXT,
)
CODES = st.one_of(st.sampled_from(["SNGV", "STC", "SCT", "sngv", " STC "]), TEXT)
DEADLINES = st.one_of(
    st.sampled_from(
        [
            "trước ngày 30/12/2026",
            "trước ngày 15/01/2027",
            "trong tháng 1/2027",
            "trong quý I/2027",
            "năm 2027",
            "trong 15 ngày làm việc",
            "trong 10 ngày",
            "thường xuyên",
            "2027-01-15",
            "30/2/2027",
            "trước ngày 31/13/2026",
            "trong 0 ngày làm việc",
            "trong 99999999 ngày làm việc",
            "trong quý V/2027",
            "năm 99999",
            "trước ngày 1/1/1",
        ]
    ),
    TEXT,
    st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 12, 31)).map(str),
)
DAYS = st.one_of(
    st.dates(min_value=date(2026, 11, 1), max_value=date(2026, 12, 20)).map(str),
    st.sampled_from(["0001-01-01", "9999-12-31", "2026-02-30", "20/12/2026", "", "hôm nay"]),
    st.integers(min_value=-(10**12), max_value=10**12),
)
NUMBERS = st.one_of(
    st.builds(
        lambda n, s: f"{n}/{s}",
        st.integers(min_value=1, max_value=99999),
        st.sampled_from(["TB-UBND", "TB-VPUB", "TB-UBND-TB-UBND", "KL"]),
    ),
    TEXT,
)
JSONISH = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=10)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)

TASKS = st.fixed_dictionaries(
    {"owner": CODES, "work": PROSE, "deadline": DEADLINES},
    optional={
        "coordinators": st.lists(CODES, max_size=3),
        "result": TEXT,
        "policy": st.one_of(st.sampled_from(["default", "khong-co"]), TEXT),
    },
)
NOTICES = st.fixed_dictionaries(
    {
        "number": NUMBERS,
        "date": DAYS,
        "leader": st.one_of(st.sampled_from(["PCT-VINH", "pct-vinh", "CT"]), TEXT),
        "subject": PROSE,
        "tasks": st.lists(TASKS, max_size=4),
    },
    optional={
        "signer": st.fixed_dictionaries({"name": TEXT, "title": TEXT}),
        "policy": st.one_of(st.just("default"), TEXT),
    },
)


# Plausible: every code known, every deadline readable; the free text (work, subject,
# result, signer) anything at all, hostile included, since any text is a valid task text.
VALID_DEADLINES = st.sampled_from(
    [
        "trước ngày 30/12/2026",
        "trước ngày 15/01/2027",
        "trong tháng 1/2027",
        "trong quý I/2027",
        "năm 2027",
        "trong 15 ngày làm việc",
        "thường xuyên",
        "2027-01-15",
    ]
)
PLAUSIBLE_TASKS = st.fixed_dictionaries(
    {
        "owner": st.sampled_from(["SNGV", "STC", "SCT", "sct"]),
        "work": PROSE.filter(str.strip),
        "deadline": VALID_DEADLINES,
    },
    optional={"result": TEXT, "coordinators": st.sampled_from([[], ["STC"], ["SCT", "stc"]])},
).filter(lambda t: t["owner"].upper() not in {c.upper() for c in t.get("coordinators", [])})
PLAUSIBLE = st.fixed_dictionaries(
    {
        "number": st.builds(
            lambda n, s: f"{n}/{s}",
            st.integers(min_value=1, max_value=10**6),
            st.sampled_from(["TB-UBND", "TB-VPUB", "TB-UBND-TB-UBND"]),
        ),
        "date": st.dates(min_value=date(2026, 11, 1), max_value=date(2026, 12, 20)).map(str),
        "leader": st.sampled_from(["PCT-VINH", "pct-vinh"]),
        "subject": PROSE.filter(str.strip),
        "tasks": st.lists(PLAUSIBLE_TASKS, min_size=1, max_size=4),
    },
    optional={
        "signer": st.fixed_dictionaries(
            {"name": st.just("Phùng Thành Vinh"), "title": TEXT.filter(str.strip)}
        )
    },
)


@st.composite
def broken(draw: st.DrawFn, documents: st.SearchStrategy[dict[str, Any]]) -> Any:
    """A notice with one thing done wrong: a field dropped, a value of the wrong type, an
    unknown field, a task that is not a mapping."""
    document = draw(documents)
    how = draw(st.sampled_from(["drop", "retype", "extra", "task"]))
    key = draw(st.sampled_from(sorted(document)))
    if how == "drop":
        document.pop(key)
    elif how == "retype":
        document[key] = draw(JSONISH)
    elif how == "extra":
        document[draw(st.text(min_size=1, max_size=12))] = draw(JSONISH)
    elif document.get("tasks"):
        document["tasks"][0] = draw(JSONISH)
    return document


ANY_NOTICE = st.one_of(PLAUSIBLE, broken(PLAUSIBLE), NOTICES, JSONISH)
