"""Every mail kind, rendered as the activity renders it: says what happened, what is asked
and by when, in both parts, with the recipient's link and nothing left unrendered."""

from __future__ import annotations

import re
from datetime import date, datetime
from html.parser import HTMLParser

import pytest
from jinja2 import UndefinedError
from mail_cases import BASE, DEADLINE, NAMES, Case, at, cases, context, make_spec, make_status

from dondoc.activities.mail_render import (
    Role,
    Timing,
    _env,
    render,
    report_period,
    template_names,
)
from dondoc.domain.deadlines import Deadline, DeadlineKind
from dondoc.domain.mail import SUBJECT_ACTIONS, MailKind, short_title, subject
from dondoc.domain.task import TaskState

CASES = cases()
RENDERS = [
    pytest.param(case, code, id=f"{case.name}-{code}")
    for case in CASES
    for code in case.recipients()
]


class _Page(HTMLParser):
    """The text a reader sees and the links they can follow, as a browser would parse it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.hrefs: list[str] = []
        self.tags: list[tuple[str, tuple[tuple[str, str | None], ...]]] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, tuple(attrs)))
        if tag in ("title", "style", "script"):
            self._skip += 1
        if tag == "a":
            self.hrefs.extend(v for k, v in attrs if k == "href" and v)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("title", "style", "script"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.text.append(data)

    @classmethod
    def of(cls, html: str) -> _Page:
        page = cls()
        page.feed(html)
        page.close()
        return page

    @property
    def visible(self) -> str:
        return re.sub(r"\s+", " ", "".join(self.text))


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_every_kind_has_its_own_template_pair() -> None:
    names = set(_env.list_templates())
    for kind in MailKind:
        for name in template_names(kind):
            assert name in names, f"{kind.value}: thiếu {name}"
    assert {c.kind for c in CASES} == set(MailKind), "a case per kind"


def test_autoescape_is_on_for_html_and_off_for_text() -> None:
    assert _env.get_template("assigned.html.j2").environment.autoescape("assigned.html.j2")
    assert not _env.autoescape("assigned.txt.j2")  # type: ignore[operator]
    assert _env.autoescape("_macros.html.j2")  # type: ignore[operator]


@pytest.mark.parametrize(("case", "code"), RENDERS)
def test_each_kind_says_what_happened_what_is_asked_and_by_when(case: Case, code: str) -> None:
    ctx = context(case.order, code, case.now)
    mail = render(case.kind, ctx)
    page = _Page.of(mail.html)
    text, visible = _flat(mail.text), page.visible

    for part in (mail.text, mail.html):
        assert "{{" not in part and "{%" not in part and "{#" not in part
        assert "Undefined" not in part and "None" not in part
    assert "\n\n\n" not in mail.text

    recipient = NAMES[code][:1].upper() + NAMES[code][1:]
    assert text.startswith(f"Kính gửi: {recipient}")
    assert f"Kính gửi: {recipient}" in visible
    for words in ("Trân trọng", case.order.spec.work, "245/TB-UBND"):
        assert words in text and words in visible, words
    if case.recipients()[0] == code:  # the main recipient: the facts of this kind
        for fact in case.facts:
            assert fact.casefold() in text.casefold(), f"text lacks {fact!r}"
            assert fact.casefold() in visible.casefold(), f"HTML lacks {fact!r}"

    # The recipient's own link, clickable and visible in full beside the button.
    link = ctx["link"]
    if case.kind != MailKind.REASSIGNED_AWAY:
        assert link in mail.text
        assert link in page.hrefs and link in visible
    else:  # the former owner's link is revoked; only its agency page is offered
        assert link not in mail.text and link not in page.hrefs
    if ctx["agency_link"]:
        assert ctx["agency_link"] in mail.text and ctx["agency_link"] in page.hrefs
    assert all(h.startswith(BASE) for h in page.hrefs), "no link elsewhere, no tracking"

    # Nothing fetched on open: no images, no external CSS, no scripts.
    assert not any(tag in ("img", "link", "script", "style", "iframe") for tag, _ in page.tags)
    assert '<meta name="viewport"' in mail.html


def test_office_and_leader_mail_point_to_the_console_and_sign_as_the_system() -> None:
    by_name = {c.name: c for c in CASES}
    leader = render(
        MailKind.ESCALATION_LEADER,
        context(by_name["escalation_leader"].order, "PCT-VINH", by_name["escalation_leader"].now),
    )
    assert "Kính gửi: Đồng chí Phùng Thành Vinh, Phó Chủ tịch UBND tỉnh" in leader.text
    assert "kính báo cáo đồng chí" in leader.text
    assert f"{BASE}/admin/tasks/" in leader.text
    office = render(
        MailKind.ESCALATION_LEADER,
        context(by_name["escalation_leader"].order, "VP", by_name["escalation_leader"].now),
    )
    assert "bản gửi Văn phòng để theo dõi" in office.text
    assert "Hệ thống Đôn đốc – Văn phòng UBND tỉnh" in office.text
    assert "không cần đăng nhập" not in office.text


def test_subjects_name_the_notice_the_action_and_the_work() -> None:
    spec = make_spec()
    for kind in MailKind:
        text = subject(kind, spec)
        assert text == f"[245/TB-UBND] {SUBJECT_ACTIONS[kind]}: {short_title(spec.work)}"
        assert len(short_title(spec.work)) <= 71 and "\n" not in text
    assert short_title(spec.work).endswith("…")


def test_a_missing_value_is_an_error_not_a_gap() -> None:
    case = CASES[0]
    ctx = context(case.order, "SNGV", case.now)
    del ctx["owner_name"]
    with pytest.raises((UndefinedError, KeyError)):
        render(case.kind, ctx)


def test_task_text_is_escaped_in_html() -> None:
    spec = make_spec(work='<script>alert("x")</script> & <b>đậm</b>')
    case = CASES[0]
    order = case.order.model_copy(update={"spec": spec, "note": "<img src=x onerror=alert(1)>"})
    ctx = context(order, "SNGV", case.now)
    ctx["owner_name"] = 'Sở "A" <i>'
    html = render(MailKind.ASSIGNED, ctx).html
    assert "<script>" not in html and "<b>đậm" not in html and "<i>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;đậm&lt;/b&gt;" in html
    text = render(MailKind.ASSIGNED, ctx).text
    assert '<script>alert("x")</script> & <b>đậm</b>' in text  # plain text stays as written


# ---------------------------------------------------------------------------- timing


@pytest.mark.parametrize(
    ("now", "phrase", "tone"),
    [
        (at(date(2026, 9, 7), 9), "còn 38 ngày", "calm"),
        (at(date(2026, 10, 8), 8), "còn 7 ngày", "soon"),
        (at(date(2026, 10, 14), 8), "còn 1 ngày", "soon"),
        (at(date(2026, 10, 15), 8), "hết hạn lúc 17:00 hôm nay", "soon"),
        (at(date(2026, 10, 15), 17, 30), "đã quá hạn (hết hạn lúc 17:00 hôm nay)", "late"),
        (at(date(2026, 10, 16), 8), "đã quá hạn 1 ngày", "late"),
        (at(date(2026, 10, 29), 8), "đã quá hạn 14 ngày", "late"),
    ],
)
def test_days_left_and_overdue_count_local_calendar_days(
    now: datetime, phrase: str, tone: str
) -> None:
    assert DEADLINE.due is not None
    timing = Timing.of(DEADLINE.due, now)
    assert (timing.phrase, timing.tone) == (phrase, tone)
    assert timing.overdue == phrase.startswith("đã quá hạn")


def test_periods_of_ongoing_work_are_named_and_due_on_a_working_day() -> None:
    monthly = Deadline(phrase="thường xuyên", kind=DeadlineKind.ONGOING, due=None)
    quarterly = Deadline(
        phrase="thường xuyên, báo cáo hằng quý",
        kind=DeadlineKind.ONGOING,
        due=None,
        report_every_months=3,
    )
    from mail_cases import CAL

    spec = make_spec(deadline=monthly)
    status = make_status(spec, deadline=monthly, original_deadline=monthly)
    due = report_period(status, at(date(2026, 10, 27)), upcoming=True, calendar=CAL)
    assert due is not None and due.label == "tháng 10/2026"
    # 31/10/2026 is a Saturday: the report is due at close of business on Monday 2/11.
    assert due.due == at(date(2026, 11, 2), 17)
    missed = report_period(status, at(date(2026, 11, 5)), upcoming=False, calendar=CAL)
    assert missed is not None and missed.label == "tháng 10/2026" and missed.timing.overdue

    q_status = make_status(spec, deadline=quarterly, original_deadline=quarterly)
    quarter = report_period(q_status, at(date(2026, 9, 24)), upcoming=True, calendar=CAL)
    assert quarter is not None and quarter.label == "quý III/2026"
    assert (
        report_period(make_status(make_spec()), at(date(2026, 9, 24)), upcoming=True, calendar=CAL)
        is None
    )


def test_a_completion_report_says_whether_it_was_on_time() -> None:
    by_name = {c.name: c for c in CASES}
    late = render(
        MailKind.COMPLETED, context(by_name["completed"].order, "SNGV", by_name["completed"].now)
    )
    assert "quá hạn 4 ngày" in late.text
    on_time = render(
        MailKind.AWAITING_CONFIRMATION,
        context(by_name["awaiting_confirmation"].order, "VP", by_name["awaiting_confirmation"].now),
    )
    assert "đúng hạn" in on_time.text


def test_a_task_not_yet_acknowledged_is_reminded_of_that_too() -> None:
    case = next(c for c in CASES if c.name == "reminder")
    order = case.order.model_copy(
        update={"status": case.order.status.model_copy(update={"state": TaskState.ASSIGNED})}
    )
    text = render(MailKind.REMINDER, context(order, "SNGV", case.now)).text
    assert "chưa ghi nhận việc Sở Ngoại vụ tiếp nhận nhiệm vụ" in text


def test_roles_follow_the_status_after_the_event() -> None:
    from dondoc.activities.mail_render import recipient_role

    case = next(c for c in CASES if c.name == "reassigned_away")
    assert recipient_role("SNGV", True, case.order) == Role.OTHER
    assert recipient_role("STC", True, case.order) == Role.OWNER
    assert recipient_role("SNNMT", True, case.order) == Role.COORDINATOR
    assert recipient_role("VP", False, case.order) == Role.OFFICE
    assert recipient_role("PCT-VINH", False, case.order) == Role.LEADER


def test_samples_for_a_browser_cover_every_copy(tmp_path) -> None:
    from mail_cases import write_samples

    written = write_samples(tmp_path)
    assert len(written) == 2 * len(RENDERS)
    assert all(p.read_text("utf-8").strip() for p in written)
