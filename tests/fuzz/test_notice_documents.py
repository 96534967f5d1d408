"""Any notice document, file or text either validates or is refused with named problems.

The same path as ``dondoc notice issue`` and the API: ``load_document`` for files, the
parser for a notice's text, ``check_notice`` for the validation against the directory. No
other exception escapes, every problem names a field and says in Vietnamese what is wrong
(never pydantic's English, never a megabyte of the input echoed), and nothing is written.
"""

from __future__ import annotations

import json
import re
import subprocess
from datetime import date
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from notice_cases import ANY_NOTICE, HOSTILE, NOTICES, PLAUSIBLE, broken
from sqlalchemy import func, select

from dondoc.commands.documents import BadInput, load_document
from dondoc.commands.issue import check_notice
from dondoc.commands.notice_text import issuable, name_book
from dondoc.domain.notice import Notice, NoticeInvalid
from dondoc.domain.notice_text import parse_notice
from dondoc.settings import Settings
from dondoc.store.db import session_scope
from dondoc.store.tables import NoticeRow, TaskRow
from support.seeded import DONDOC, environment_of, notice_document, seeded_settings

DAY = date(2026, 12, 1)
VIETNAMESE = re.compile(r"[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ]")
"""Every Vietnamese sentence has one of these; pydantic's English messages have none."""
BOUNDED = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return seeded_settings(tmp_path_factory.mktemp("notices"))


def rows(store: Settings) -> tuple[int, int]:
    with session_scope(store.database_url) as session:
        notices = session.scalar(select(func.count()).select_from(NoticeRow))
        tasks = session.scalar(select(func.count()).select_from(TaskRow))
    return int(notices or 0), int(tasks or 0)


def outcome(raw: object, store: Settings) -> Notice | NoticeInvalid:
    """The notice, or the refusal; anything else raised fails the test."""
    try:
        return check_notice(raw, store)
    except NoticeInvalid as err:
        assert err.problems, "a refusal names at least one problem"
        for problem in err.problems:
            assert problem.location and problem.message, problem
            assert VIETNAMESE.search(problem.message.lower()), problem
            assert len(problem.message) < 400, problem
        return err


@given(raw=ANY_NOTICE)
@example(raw={**notice_document("245/TB-UBND", DAY), "date": "9999-12-20"})  # date overflow
@example(raw={**notice_document("245/TB-UBND", DAY), "date": "0001-01-01"})
@example(raw={**notice_document("245/TB-UBND", DAY), "date": 20261201})  # not seconds since 1970
@BOUNDED
def test_any_document_is_a_notice_or_named_problems_and_nothing_is_written(
    store: Settings, raw: object
) -> None:
    before = rows(store)
    result = outcome(raw, store)
    if isinstance(result, Notice):
        assert result.tasks and all(t.id.startswith(result.key) for t in result.tasks)
    assert rows(store) == before


@st.composite
def files(draw: st.DrawFn) -> tuple[str, bytes]:
    """A notice file: YAML or JSON of a (perhaps broken) notice, perhaps cut or spliced."""
    document = draw(st.one_of(PLAUSIBLE, broken(PLAUSIBLE), NOTICES))
    suffix = draw(st.sampled_from([".yaml", ".json"]))
    text = (
        yaml.safe_dump(document, allow_unicode=True)
        if suffix == ".yaml"
        else json.dumps(document, ensure_ascii=False)
    )
    data = text.encode()
    how = draw(st.sampled_from(["whole", "cut", "splice", "bytes"]))
    at = draw(st.integers(min_value=0, max_value=len(data)))
    if how == "cut":
        data = data[:at]
    elif how == "splice":
        data = (
            data[:at]
            + draw(st.sampled_from([*HOSTILE, ": [", "\t", "&a *a", "{"])).encode()
            + data[at:]
        )
    elif how == "bytes":
        data = data[:at] + draw(st.binary(max_size=8)) + data[at:]
    return suffix, data


@given(case=files())
@BOUNDED
def test_any_notice_file_is_read_or_refused_in_words(
    store: Settings, tmp_path_factory: pytest.TempPathFactory, case: tuple[str, bytes]
) -> None:
    suffix, data = case
    path = tmp_path_factory.mktemp("file") / f"thong-bao{suffix}"
    path.write_bytes(data)
    try:
        raw = issuable(load_document(path))
    except BadInput as err:
        assert str(err).startswith(str(path)) and VIETNAMESE.search(str(err).lower())
        return
    outcome(raw, store)


LINES = st.one_of(
    st.sampled_from(
        [
            "ỦY BAN NHÂN DÂN TỈNH NGHỆ AN",
            "Số: 312/TB-UBND",
            "Số:   /TB-UBND",
            "Nghệ An, ngày 22 tháng 11 năm 2026",
            "THÔNG BÁO",
            "Kết luận của đồng chí Phùng Thành Vinh, Phó Chủ tịch UBND tỉnh",
            "1. Giao Sở Ngoại vụ chủ trì, phối hợp với Sở Tài chính hoàn thiện Đề án, "
            "trình UBND tỉnh trước ngày 15/12/2026.",
            "2. Giao Sở Công Thương nghiên cứu, báo cáo UBND tỉnh trong quý I/2027.",
            "a) Sở Tài chính cân đối kinh phí trong 10 ngày làm việc.",
            "- Giao Sở Không Có Thật thực hiện thường xuyên.",
            "Tên nhiệm vụ | Đơn vị chủ trì | Thời hạn",
            "Rà soát quy hoạch | Sở Công Thương | trước ngày 31/02/2027",
            "\f",
            "Nơi nhận:",
            "KT. CHỦ TỊCH",
        ]
    ),
    st.text(max_size=80),
    st.sampled_from(HOSTILE),
)


@given(lines=st.lists(LINES, max_size=25))
@BOUNDED
def test_any_notice_text_parses_to_a_draft_that_is_issued_or_refused(
    store: Settings, lines: list[str]
) -> None:
    from dondoc.deployment import calendar_for

    draft = parse_notice(
        "\n".join(lines), name_book(store), calendar_for=lambda d: calendar_for(store, d)
    )
    try:
        raw = issuable(draft.as_document())
    except BadInput as err:
        assert "chưa xác định" in str(err)
        return
    outcome(raw, store)


# ------------------------------------------------------------------------------ oversized

FIELDS = {
    "number": "number",
    "subject": "subject",
    "leader": "leader",
    "tasks.0.work": "tasks[1].work",
    "tasks.0.owner": "tasks[1].owner",
    "tasks.0.result": "tasks[1].result",
    "tasks.0.deadline": "tasks[1].deadline",
    "tasks.0.coordinators.0": "tasks[1].coordinators[1]",
}


@pytest.mark.parametrize("path", sorted(FIELDS))
def test_a_100000_character_field_is_refused_naming_the_field(store: Settings, path: str) -> None:
    document = notice_document("245/TB-UBND", DAY)
    target: object = document
    *parents, last = path.split(".")
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]  # type: ignore[index]
    long = ("1" if last == "number" else "Đ") * 100_000
    target[int(last) if last.isdigit() else last] = (  # type: ignore[index]
        f"245/{long}" if last == "number" else long
    )
    result = outcome(document, store)
    assert isinstance(result, NoticeInvalid)
    named = {p.location: p.message for p in result.problems}
    assert FIELDS[path] in named, named
    assert named[FIELDS[path]].startswith("quá dài (tối đa")


def test_two_hundred_and_one_tasks_are_refused_naming_the_list(store: Settings) -> None:
    document = notice_document("245/TB-UBND", DAY)
    document["tasks"] = document["tasks"] * 201
    result = outcome(document, store)
    assert isinstance(result, NoticeInvalid)
    assert {p.location: p.message for p in result.problems} == {
        "tasks": "quá nhiều mục (tối đa 200)"
    }


def _issue(store: Settings, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [DONDOC, "notice", "issue", "--dry-run", str(path)],
        env=environment_of(store),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_cli_refuses_a_10_mb_notice_before_reading_it(store: Settings, tmp_path: Path) -> None:
    document = notice_document("245/TB-UBND", DAY)
    document["subject"] = "x"
    text = yaml.safe_dump(document, allow_unicode=True) + "# " + "đ" * (5 * 1024 * 1024) + "\n"
    path = tmp_path / "thong-bao.yaml"
    path.write_text(text, "utf-8")
    done = _issue(store, path)
    assert done.returncode == 2, done.stderr
    assert f"{path}: tệp quá lớn (10,0 MB); tối đa 4 MB" in done.stderr


def test_the_cli_names_a_100000_character_field(store: Settings, tmp_path: Path) -> None:
    document = notice_document("245/TB-UBND", DAY, work="Đ" * 100_000)
    path = tmp_path / "thong-bao.json"
    path.write_text(json.dumps(document, ensure_ascii=False), "utf-8")
    done = _issue(store, path)
    assert done.returncode == 2, done.stderr
    assert "tasks[1].work: quá dài (tối đa 4000 ký tự)" in done.stderr
    assert len(done.stderr) < 1000  # the field is named, not echoed
