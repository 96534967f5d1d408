"""The console's task search on SQLite (FTS5) and PostgreSQL (unaccent + GIN): every test
here runs on both, with the same words and the same expected tasks."""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, text

from dondoc.domain.deadlines import Deadline, DeadlineKind
from dondoc.domain.notice import Notice
from dondoc.domain.task import TaskSpec, TaskStatus
from dondoc.store.db import session_scope
from dondoc.store.notices import record_notice
from dondoc.store.tables import TaskRow
from dondoc.store.task_search import TaskFilter, conditions, search_tasks
from dondoc.store.tasks import get_task, save_task

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
WORKS = {
    "hoi-nghi": "Tổ chức Hội nghị xúc tiến đầu tư vào tỉnh năm 2027",
    "don-doc": "Đôn đốc giải ngân vốn đầu tư công, báo cáo UBND tỉnh hằng tháng",
    "nghien-cuu": "Nghiên cứu, đề xuất cơ chế hỗ trợ hợp tác xã nông nghiệp",
    "duong": "Kiểm tra tuyến đường ven biển Nghi Sơn – Cửa Lò",
    "nfd": unicodedata.normalize("NFD", "Rà soát quy hoạch sử dụng đất khu kinh tế Đông Nam"),
    "so": "Sở Ngoại vụ chủ trì tiếp đoàn công tác của Lào",
}


def _load(url: str) -> dict[str, str]:
    """One notice, 245/TB-UBND, with a task per entry of ``WORKS``; ids by entry name."""
    key = "2026-245-TB-UBND"
    due = Deadline(phrase="trước ngày 30/12/2026", kind=DeadlineKind.DATE, due=NOW + timedelta(29))
    specs = [
        TaskSpec(
            id=f"{key}-{i}", position=i, notice_key=key, notice_number="245/TB-UBND",
            notice_date=date(2026, 11, 20), notice_subject="Kết luận", leader="PCT-VINH",
            owner="SNGV", work=work, result="Báo cáo kết quả", deadline=due,
        )
        for i, work in enumerate(WORKS.values(), start=1)
    ]  # fmt: skip
    notice = Notice(
        key=key, number="245/TB-UBND", date=date(2026, 11, 20), leader="PCT-VINH",
        signer=None, subject="Kết luận", tasks=tuple(specs),
    )  # fmt: skip
    with session_scope(url) as session:
        record_notice(session, notice, NOW)
        for spec in specs:
            status = TaskStatus(
                task_id=spec.id, owner=spec.owner, deadline=due, original_deadline=due,
                assigned_at=NOW,
            )  # fmt: skip
            save_task(session, spec, status, NOW)
    return {name: spec.id for name, spec in zip(WORKS, specs, strict=True)}


def _found(url: str, query: str) -> set[str]:
    with session_scope(url) as session:
        page = search_tasks(session, TaskFilter(text=query), NOW, per_page=200)
        assert page.total == len(page.items)
        return {t.id for t in page.items}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("hoi nghi", {"hoi-nghi"}),  # no diacritics typed: "Hội nghị"
        ("HỘI NGHỊ", {"hoi-nghi"}),
        ("hội nghị", {"hoi-nghi"}),
        ("don doc", {"don-doc"}),  # «Đ» and «đ» as «d»
        ("dau tu", {"hoi-nghi", "don-doc"}),
        ("đường", {"duong"}),
        ("duong ven bien", {"duong"}),
        ("dat dong nam", {"nfd"}),  # decomposed (NFD) text folds the same
        ("rà soát", {"nfd"}),
        ("hoi ngh", {"hoi-nghi"}),  # the last word is a prefix while it is being typed...
        ("nghi", {"hoi-nghi", "duong", "nghien-cuu"}),
        ("nghi hoi", {"hoi-nghi"}),  # ...a finished word is whole: "nghi", not "nghiên"
        ("nghie", {"nghien-cuu"}),
        ("so", {"so"}),  # "Sở"; a two-letter last word is whole, never a prefix ("sơn", "soát")
        ("245", set(WORKS)),  # the notice number is searched too
        ("245/TB-UBND", set(WORKS)),
        ("tb ubnd", set(WORKS)),
        ("2026-245-TB-UBND-1", {"hoi-nghi"}),  # and the task's id
        ("bao cao ket qua", set(WORKS)),  # and the expected result
        ("2027", {"hoi-nghi"}),
        ("hop_tac", {"nghien-cuu"}),  # an underscore separates words, as punctuation does
        ("khong co tu nay", set()),
    ],
)
def test_the_same_words_find_the_same_tasks(
    database_url: str, query: str, expected: set[str]
) -> None:
    ids = _load(database_url)
    assert _found(database_url, query) == {ids[name] for name in expected}


@pytest.mark.parametrize(
    "query",
    [
        '"; DROP TABLE tasks; --',
        "hoi' & nghi",
        "a:* | !b",
        "(đầu tư",
        'NEAR("hội" "nghị")',
        "* ^ ~ <-> \\",
        "''",
        "%_%",
    ],
)
def test_search_syntax_in_a_query_is_only_words(database_url: str, query: str) -> None:
    """Operators of FTS5 or tsquery typed into the box are neither obeyed nor an error."""
    ids = _load(database_url)
    found = _found(database_url, query)
    assert found <= set(ids.values())
    with session_scope(database_url) as session:
        assert session.get(TaskRow, ids["hoi-nghi"]) is not None


def test_a_changed_task_is_found_by_its_new_words_only(database_url: str) -> None:
    ids = _load(database_url)
    with session_scope(database_url) as session:
        row = get_task(session, ids["so"])
        assert row is not None
        row.work = "Chuẩn bị Hội đàm với tỉnh Xiêng Khoảng"
    assert _found(database_url, "xieng khoang") == {ids["so"]}
    assert _found(database_url, "ngoai vu") == set()


def test_search_combines_with_filters_and_pages(database_url: str) -> None:
    ids = _load(database_url)
    with session_scope(database_url) as session:
        page = search_tasks(session, TaskFilter(text="dau tu", state="open"), NOW, per_page=1)
        second = search_tasks(
            session, TaskFilter(text="dau tu", state="open"), NOW, page=2, per_page=1
        )
    assert page.total == 2 and page.pages == 2
    assert {page.items[0].id, second.items[0].id} == {ids["hoi-nghi"], ids["don-doc"]}


def test_the_search_reads_its_own_index(database_url: str, backend: str) -> None:
    """The query's expression is the index's, so the planner can use it (on SQLite the
    FTS5 table is the index and there is nothing else to read)."""
    _load(database_url)
    with session_scope(database_url) as session:
        if backend == "sqlite":
            plan = session.execute(
                text("EXPLAIN QUERY PLAN SELECT task_id FROM tasks_fts WHERE tasks_fts MATCH 'x'")
            ).all()
            assert any("VIRTUAL TABLE" in str(row) for row in plan)
            return
        session.execute(text("SET LOCAL enable_seqscan = off"))
        where = conditions(session, TaskFilter(text="hoi nghi"), NOW)
        query = select(TaskRow.id).where(*where)
        compiled = query.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
        plan = "\n".join(r[0] for r in session.execute(text(f"EXPLAIN {compiled}")))
    assert "ix_tasks_words" in plan, plan
