"""Every notice of the development part of the corpus parses into its expected draft.

The expected files (tests/notices/dev/*.expected.yaml) give, per notice, the header values
and the review flags it must raise, and per task the owner, coordinators and deadline
exactly; where given, the fields a flag must name, the start of the work, the result and
the due day.
"""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest
from corpus import Case, calendar_for, cases, load_book, read_source

from dondoc.domain.notice_text import NoticeDraft, parse_notice

BOOK = load_book()
CASES = cases()


def parse(case: Case) -> tuple[str, NoticeDraft]:
    text = read_source(case.source)
    return text, parse_notice(text, BOOK, calendar_for=calendar_for)


def test_the_corpus_is_large_and_varied() -> None:
    assert len(CASES) >= 30
    assert {c.source.suffix for c in CASES} == {".txt", ".pdf"}
    assert sum(len(c.expected["tasks"]) for c in CASES) >= 200


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_notice_parses_into_its_expected_draft(case: Case) -> None:
    _, draft = parse(case)
    expected = case.expected
    assert draft.number == expected["number"]
    assert draft.date == expected["date"]
    assert draft.leader == expected["leader"]
    assert {f.field for f in draft.review} == set(expected.get("review", []))

    got = [_task_key(t.owner, t.coordinators, t.deadline) for t in draft.tasks]
    want = [_task_key(t["owner"], t["coordinators"], t["deadline"]) for t in expected["tasks"]]
    assert got == want

    for task, wanted in zip(draft.tasks, expected["tasks"], strict=True):
        flagged = {f.field for f in task.review}
        assert set(wanted.get("flagged", [])) <= flagged, task.review
        if "work" in wanted:
            assert task.work.startswith(wanted["work"]), task.work
        if "result" in wanted:
            assert task.result.startswith(wanted["result"]), task.result
        if "due" in wanted:
            assert task.due == wanted["due"]


def _task_key(owner: str | None, coordinators: list[str], deadline: str | None) -> Any:
    return owner, sorted(coordinators), (deadline or "").lower() or None


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_draft_keeps_its_promises(case: Case) -> None:
    """No invented owner, nothing unresolved without a flag, spans that point at the words."""
    text, draft = parse(case)
    for task in draft.tasks:
        fields = {f.field for f in task.review}
        if task.owner is None:
            assert "owner" in fields
        else:
            assert task.owner in BOOK.agencies
        assert all(code in BOOK.agencies for code in task.coordinators)
        assert task.owner not in task.coordinators
        if task.deadline is None:
            assert "deadline" in fields
        assert task.work and task.work[0].isupper()
        for name, span in task.spans.items():
            for one in span if isinstance(span, list) else [span]:
                assert text[one.start : one.end] == one.text, name
        if task.deadline is not None and "deadline" in task.spans:
            written = task.spans["deadline"].text
            assert _words(written) == _words(task.deadline) or task.confidence["deadline"] < 0.9
        assert set(task.confidence) >= {"owner", "coordinators", "work", "deadline"}
    for name, span in draft.spans.items():
        assert text[span.start : span.end] == span.text, name


def _words(text: str) -> list[str]:
    return unicodedata.normalize("NFC", text).lower().split()
