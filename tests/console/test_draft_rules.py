"""The review form's own rules, without a server: which deadlines depend on a year the
text left out, and how the source text is cut so every field finds its words."""

from __future__ import annotations

from datetime import date

import pytest

from dondoc.deployment import calendar_for
from dondoc.settings import Settings
from dondoc.web.console.draft_form import from_document
from dondoc.web.console.draft_review import review
from dondoc.web.console.source_marks import pieces

NOTICE_DAY = date(2026, 12, 1)


def one_task(deadline: str) -> dict:
    return {
        "number": "245/TB-UBND",
        "date": NOTICE_DAY.isoformat(),
        "leader": "PCT-VINH",
        "subject": "Kết luận",
        "tasks": [{"owner": "SCT", "work": "Xây dựng kế hoạch", "deadline": deadline}],
    }


@pytest.mark.parametrize(
    ("phrase", "guessed"),
    [
        ("trước ngày 20/5/2027", None),
        ("trước ngày 20/5", "20/05/2027"),
        ("trước ngày 15/12", "15/12/2026"),
        ("trong tháng 6", "30/06/2027"),
        ("trong tháng 6/2027", None),
        ("trong quý I", "31/03/2027"),
        ("trong 15 ngày làm việc", None),
        ("thường xuyên", None),
    ],
)
def test_a_deadline_that_depends_on_a_year_left_out_is_flagged(
    phrase: str, guessed: str | None
) -> None:
    form = from_document(one_task(phrase), "")
    review(form, lambda d: calendar_for(Settings(), d), lambda raw: [])
    messages = [f.message for f in form.rows[0].standing if f.field == "deadline"]
    if guessed is None:
        assert messages == []
    else:
        assert messages == [f"văn bản không ghi năm; hệ thống hiểu là ngày {guessed}, kiểm tra lại"]
        assert not form.rows[0].standing[0].fix  # a person may confirm it


def test_words_shared_by_several_tasks_lead_to_each_of_them() -> None:
    text = "Kính gửi: Sở A; Sở B. Đề nghị các đơn vị nêu trên báo cáo trước ngày 20/12/2026."
    work = (text.index("báo cáo"), text.index(" trước"))
    deadline = (text.index("trước"), text.index("2026") + 4)
    tasks = [
        {
            "owner": code,
            "work": "Báo cáo",
            "deadline": "trước ngày 20/12/2026",
            "spans": {
                "owner": {"start": text.index(name), "end": text.index(name) + len(name)},
                "work": {"start": work[0], "end": work[1]},
                "deadline": {"start": deadline[0], "end": deadline[1]},
            },
        }
        for code, name in (("SA", "Sở A"), ("SB", "Sở B"))
    ]
    form = from_document({"tasks": tasks}, text)
    cut = pieces(form)
    assert "".join(p.text for p in cut) == text
    by_text = {p.text: p for p in cut}
    assert by_text["Sở A"].refs == ["t1-owner"] and by_text["Sở A"].colour == "owner"
    assert by_text["báo cáo"].refs == ["t1-work", "t2-work"]
    assert by_text["báo cáo"].anchors == ["t1-work", "t2-work"]
    assert by_text["trước ngày 20/12/2026"].colour == "deadline"
    assert by_text["trước ngày 20/12/2026"].lead == ("t1", "deadline")
