"""A completion report's link is a web address (http or https), or nothing.

It is shown to the office and mailed on; a ``javascript:`` or ``data:`` link would run, or
show, whatever its author wrote. The agency's form refuses it in words, and nothing is
kept for the workflow.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from dondoc.deployment import policies
from dondoc.domain import requests as rq
from dondoc.domain.actions import check
from dondoc.domain.calendar import WorkingCalendar
from dondoc.domain.deadlines import Deadline, DeadlineKind
from dondoc.domain.policy import FollowUpState
from dondoc.domain.task import (
    FROM_A_PERSON,
    WEB_LINK_TEXT,
    Action,
    CompletionReport,
    TaskSpec,
    TaskStatus,
)
from dondoc.domain.tokens import LinkGrant, sign_link
from dondoc.domain.transitions import Task
from dondoc.settings import Settings
from dondoc.store.agency_actions import pending_for_task
from dondoc.store.db import session_scope
from dondoc.store.tasks import get_task
from dondoc.web.app import create_app
from support.console import DownClient
from support.seeded import Web, into_read_model, notice_document, seeded_settings

_DEADLINE = Deadline(phrase="thường xuyên", kind=DeadlineKind.ONGOING, due=None)
SPEC = TaskSpec(
    id="2026-1-TB-UBND-1",
    position=1,
    notice_key="2026-1-TB-UBND",
    notice_number="1/TB-UBND",
    notice_date=datetime(2026, 12, 1).date(),
    notice_subject="Kết luận",
    leader="PCT-VINH",
    owner="SNGV",
    work="Hoàn thiện dự thảo",
    deadline=_DEADLINE,
)
TASK = Task(
    spec=SPEC,
    status=TaskStatus(
        task_id=SPEC.id,
        owner="SNGV",
        deadline=_DEADLINE,
        original_deadline=_DEADLINE,
        assigned_at=datetime(2026, 12, 1, 9, tzinfo=UTC),
    ),
    follow=FollowUpState(),
    policy=policies(Settings())["default"],
    calendar=WorkingCalendar(),
)

REFUSED = [
    "javascript:alert(document.cookie)",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "ftp://vanban.ubnd.test/bao-cao.pdf",
    "//ke-gian.test/bao-cao",
    "vanban.ubnd.test/bao-cao.pdf",
    "http://",
    "https://vanban.ubnd.test/\u202efdp.exe",
    "https://vanban.ubnd.test/a\nb",
    "http://[::1",
]
ACCEPTED = [
    "",
    "https://vanban.ubnd.test/2026/bao-cao.pdf",
    "http://qlvb.sngv.ubnd.test/van-ban?id=12&ky=3",
    "HTTPS://VANBAN.UBND.TEST/BC.PDF",
    "https://vanban.ubnd.test/Báo cáo kết quả.pdf",
]


@pytest.mark.parametrize("link", REFUSED)
def test_a_link_that_is_not_a_web_address_is_refused_in_words(link: str) -> None:
    with pytest.raises(ValidationError) as caught:
        CompletionReport.model_validate(
            {"summary": "Đã trình dự thảo", "link": link}, context=FROM_A_PERSON
        )
    (error,) = caught.value.errors()
    assert error["loc"] == ("link",) and str(error["ctx"]["error"]) == WEB_LINK_TEXT


@pytest.mark.parametrize("link", ACCEPTED)
def test_web_addresses_and_no_link_are_accepted(link: str) -> None:
    report = CompletionReport.model_validate(
        {"summary": "Đã trình dự thảo", "link": link}, context=FROM_A_PERSON
    )
    assert report.link == link.strip()


def test_the_update_input_built_from_a_form_or_body_refuses_it_too() -> None:
    """What the edges send to Temporal is checked, not only the page's own form."""
    with pytest.raises(ValidationError):
        rq.request_from(
            Action.COMPLETE, "api:x", {"summary": "Xong", "link": "javascript:alert(1)"}
        )


def test_the_workflow_refuses_it_before_it_enters_history() -> None:
    req = rq.Complete(
        actor=f"agency:{SPEC.owner}",
        report=CompletionReport(summary="Xong", link="javascript:alert(1)"),
    )
    refused = check(Action.COMPLETE, req, TASK, datetime.now(UTC))
    assert refused is not None and refused.message == WEB_LINK_TEXT


def test_what_was_accepted_before_the_rule_still_loads() -> None:
    """A recorded history or a read-model row from before the rule replays and loads:
    the rule is for new input, so no running task breaks on it."""
    old = {"actor": "agency:SNGV", "report": {"summary": "Xong", "link": "javascript:alert(1)"}}
    assert rq.Complete.model_validate(old).report.link == "javascript:alert(1)"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, Web, str]]:
    settings = seeded_settings(tmp_path_factory.mktemp("completion"))
    today = datetime.now(UTC).date()
    task = into_read_model(settings, notice_document("833/TB-UBND", today)).tasks[0].id
    app = create_app(settings)
    app.state.temporal = DownClient()  # a click that passed validation is kept for later
    yield settings, Web(app), task


def _complete(stack: tuple[Settings, Web, str], link: str, summary: str = "Đã trình") -> object:
    settings, web, task = stack
    expires = int((datetime.now(UTC) + timedelta(days=30)).timestamp())
    token = sign_link(LinkGrant(task, "SNGV", expires), settings.signing_keys())
    page = web.get(f"/t/{token}")
    form = re.search(
        r'action="/t/[^"]+/complete">\s*<input type="hidden" name="form_token" value="([^"]+)"',
        page.text,
    )
    assert form, "the page offers no completion form"
    return web.post(
        f"/t/{token}/complete",
        data={"form_token": form.group(1), "summary": summary, "link": link},
    )


def _kept(settings: Settings, task: str) -> int:
    with session_scope(settings.database_url) as session:
        return len(pending_for_task(session, task))


@pytest.mark.parametrize("link", ["javascript:alert(1)", "data:text/html,<b>x</b>"])
def test_the_agency_form_refuses_a_script_link_and_keeps_nothing(
    stack: tuple[Settings, Web, str], link: str
) -> None:
    settings, _, task = stack
    before = _kept(settings, task)
    answer = _complete(stack, link)
    assert answer.status_code == 422
    assert WEB_LINK_TEXT in answer.text
    assert _kept(settings, task) == before
    with session_scope(settings.database_url) as session:
        row = get_task(session, task)
        assert row is not None and row.state == "assigned"


def test_the_form_names_a_missing_summary_and_a_bad_link_together(
    stack: tuple[Settings, Web, str],
) -> None:
    answer = _complete(stack, "javascript:void(0)", summary="")
    assert answer.status_code == 422
    assert "Vui lòng nhập: Kết quả thực hiện." in answer.text and WEB_LINK_TEXT in answer.text


def test_a_web_link_passes_the_form_and_is_kept_for_the_workflow(
    stack: tuple[Settings, Web, str],
) -> None:
    settings, _, task = stack
    before = _kept(settings, task)
    answer = _complete(stack, "https://vanban.ubnd.test/2026/bao-cao.pdf")
    assert answer.status_code == 202  # Temporal is down here: kept, applied when it is back
    assert _kept(settings, task) == before + 1
