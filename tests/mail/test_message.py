"""The message as it leaves: headers that thread per task and recipient, addresses and
subjects that survive the trip intact, and no task text that can become markup or a header.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from typing import Any

from aiosmtplib.email import flatten_message
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from mail_cases import CASES_BY_NAME, Case, cases, context
from test_templates import _Page

from dondoc.activities.mail_render import render
from dondoc.activities.mailing import MailActivities
from dondoc.activities.message import Envelope, _clean, build_message
from dondoc.domain.mail import MailKind, MailOrder, mail_key, message_id, subject, thread_root_id
from dondoc.domain.task import CompletionReport
from dondoc.settings import Settings

SENDER = "Đôn đốc – Văn phòng UBND tỉnh <dondoc@example.gov.vn>"
DOMAIN = "example.gov.vn"


def _parse(message: Message) -> tuple[bytes, EmailMessage]:
    """The bytes aiosmtplib puts on the wire, and what a modern client reads from them.

    aiosmtplib flattens with bare LF and turns every CR, LF or CRLF into CRLF as it sends
    DATA; so does this, so that a stray CR counts as the line break it becomes.
    """
    raw = re.sub(rb"\r\n|\r|\n", b"\r\n", flatten_message(message))
    parsed = message_from_bytes(raw, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return raw, parsed


def _header_lines_are_headers(raw: bytes) -> list[bytes]:
    """Every line of the header block starts a header or continues one (folding)."""
    head = raw.split(b"\r\n\r\n", 1)[0]
    names = []
    for line in head.split(b"\r\n"):
        if line[:1] in (b" ", b"\t"):
            assert line.strip(), "a blank continuation line would end the headers"
            continue
        match = re.match(rb"^([A-Za-z][A-Za-z0-9-]*): ", line)
        assert match, f"not a header line: {line!r}"
        names.append(match.group(1))
    return names


# ---------------------------------------------------------------------------- through the activity


async def test_every_kind_goes_out_through_the_activity(settings: Settings, mailbox) -> None:
    """The real activity, the test directory, aiosmtpd: the context it builds is complete
    for every template (StrictUndefined would fail the send) and each copy is its own."""
    activities = MailActivities(settings)
    expected = 0
    for i, case in enumerate(cases()):
        order = case.order.model_copy(update={"event_id": f"{case.order.spec.id}:{100 + i}"})
        outcomes = await activities.send_mail(order)
        assert {o.status for o in outcomes} == {"sent"}, (case.name, outcomes)
        expected += len(case.recipients())
    received = await mailbox.arrived(expected)
    assert len(received) == expected
    for mail in received:
        kind = MailKind(mail.kind)
        text, html = mail.text(), mail.html()
        assert re.fullmatch(r"\[245/TB-UBND\] [^:]+: .+", mail.subject), mail.subject
        assert "{{" not in text + html and "{%" not in text + html
        links = re.findall(r"http://dondoc\.test/\S+", text)
        assert links, kind
        page = _Page.of(html)
        assert set(links) <= set(page.hrefs)
        if kind != MailKind.REASSIGNED_AWAY:
            assert any(
                ("/t/" in u and "/t/agency/" not in u) or "/admin/tasks/" in u for u in links
            )
        sender = mail.message["From"].addresses[0]
        assert (sender.display_name, sender.addr_spec) == (
            "Đôn đốc – Văn phòng UBND tỉnh",
            "dondoc@example.gov.vn",
        )
        assert mail.message["Reply-To"].addresses[0].addr_spec == "vanphong@ubnd.test"
        assert mail.message["Auto-Submitted"] == "auto-generated"


async def test_mail_about_one_task_threads_under_the_assignment(
    settings: Settings, mailbox
) -> None:
    activities = MailActivities(settings)
    assigned = CASES_BY_NAME["assigned"].order
    reminder = CASES_BY_NAME["reminder"].order.model_copy(
        update={"event_id": "2026-245-TB-UBND-1:7"}
    )
    await activities.send_mail(assigned)
    await activities.send_mail(reminder)
    await activities.send_mail(reminder)  # a retry after a crash: the outbox sends nothing twice
    received = await mailbox.arrived(6)
    assert len(received) == 6
    by = {(m.kind, m.envelope_to[0]): m.message for m in received}
    task = assigned.spec.id
    for code, address in (("SNGV", "songoaivu@ubnd.test"), ("STC", "sotaichinh@ubnd.test")):
        root = thread_root_id(task, code, DOMAIN)
        opener, later = by[("assigned", address)], by[("reminder", address)]
        assert opener["Message-ID"] == root and opener["In-Reply-To"] is None
        assert later["Message-ID"] == message_id(
            mail_key(reminder.event_id, MailKind.REMINDER, code), DOMAIN
        )
        assert later["In-Reply-To"] == root and later["References"] == root
    ids = [m.message["Message-ID"] for m in received]
    assert len(set(ids)) == len(ids), "one Message-ID per copy"
    # The agency's own cc address (its clerical office) travels in the same envelope.
    assert any(m.envelope_to == ["songoaivu@ubnd.test", "vanthu.sngv@ubnd.test"] for m in received)


def test_message_ids_are_deterministic_per_key() -> None:
    key = mail_key("2026-245-TB-UBND-1:3", MailKind.OVERDUE, "SNGV")
    assert message_id(key, DOMAIN) == message_id(key, DOMAIN)
    assert message_id(key, DOMAIN) != message_id(
        mail_key("2026-245-TB-UBND-1:3", MailKind.OVERDUE, "STC"), DOMAIN
    )
    assert re.fullmatch(r"<[0-9a-f]{32}@example\.gov\.vn>", message_id(key, DOMAIN))
    assert thread_root_id("t", "SNGV", DOMAIN) != thread_root_id("t", "STC", DOMAIN)


# ---------------------------------------------------------------------------- headers


def _compose(
    case: Case, code: str, ctx: dict[str, Any], order: MailOrder | None = None
) -> tuple[Message, str]:
    order = order or case.order
    subj = subject(order.kind, order.spec)
    body = render(order.kind, ctx)
    root = thread_root_id(order.spec.id, code, DOMAIN)
    message = build_message(
        Envelope(
            subject=subj,
            sender=SENDER,
            to=[(ctx["recipient_name"], "songoaivu@ubnd.test")],
            cc=[(n, f"cc{i}@ubnd.test") for i, n in enumerate(ctx["coordinator_names"])],
            reply_to="vanphong@ubnd.test",  # the office's address, as the activity sets it
            message_id=message_id(mail_key(order.event_id, order.kind, code), DOMAIN),
            thread_root=root,
            date=datetime(2026, 10, 8, 1, 0, tzinfo=UTC),
            extra={"X-Dondoc-Task": order.spec.id, "X-Dondoc-Kind": order.kind.value},
        ),
        body.text,
        body.html,
    )
    return message, subj


EXPECTED_HEADERS = Counter(
    {
        "Content-Type": 1,
        "MIME-Version": 1,
        "Subject": 1,
        "From": 1,
        "To": 1,
        "Cc": 1,
        "Reply-To": 1,
        "Date": 1,
        "Message-ID": 1,
        "In-Reply-To": 1,
        "References": 1,
        "Auto-Submitted": 1,
        "X-Dondoc-Task": 1,
        "X-Dondoc-Kind": 1,
    }
)


def test_vietnamese_subjects_and_names_survive_the_trip() -> None:
    case = CASES_BY_NAME["reminder"]
    work = "Tiếp thu ý kiến, hoàn thiện dự thảo Đề án hợp tác toàn diện với các tỉnh của Lào"
    order = case.order.model_copy(
        update={"spec": case.order.spec.model_copy(update={"work": work})}
    )
    ctx = context(order, "SNGV", case.now)
    message, subj = _compose(case, "SNGV", ctx, order)
    raw, parsed = _parse(message)
    assert Counter(n.decode() for n in _header_lines_are_headers(raw)) == EXPECTED_HEADERS
    assert str(parsed["Subject"]) == subj
    assert "ý kiến, hoàn thiện dự thảo Đề án" in str(parsed["Subject"])  # not "ýkiến"
    assert parsed["To"].addresses[0].display_name == "Sở Ngoại vụ"
    assert parsed["From"].addresses[0].addr_spec == "dondoc@example.gov.vn"
    assert parsed["Reply-To"].addresses[0].addr_spec == "vanphong@ubnd.test"
    assert parsed.get_body(("plain",)).get_content() == render(order.kind, ctx).text


NASTY = st.sampled_from(
    [
        "\r\n",
        "\n",
        "\r",
        "\r\nBcc: evil@example.com",
        "\nX-Injected: yes",
        "\r\n\r\n<html>",
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        '"',
        "'",
        "&amp;",
        "&lt;b&gt;",
        "=?utf-8?b?PHNjcmlwdD4=?=",
        "\u2028",
        "\u2029",
        "\x85",
        "\x00",
        "\x0b",
        "\t",
        "\ud800",
        "😀",
        "𝕏𝔞",
        "ý kiến",
        "Đề án",
        "  ",
        ": ",
        "{{ 7*7 }}",
        "-->",
        "<!--",
        "]]>",
    ]
)
TEXT = st.lists(st.one_of(NASTY, st.text(max_size=6)), min_size=1, max_size=8).map("".join)
OPTIONAL_TEXT = st.one_of(st.just(""), TEXT)
KIND_CASES = st.sampled_from([c for c in cases() if c.kind != MailKind.BOUNCE])


def _outside(case: Case, texts: dict[str, str]) -> tuple[MailOrder, dict[str, Any]]:
    """The case with every piece of outside text replaced by ``texts``."""
    spec = case.order.spec.model_copy(
        update={
            "work": texts["work"],
            "notice_subject": texts["notice_subject"],
            "result": texts["result"],
            "notice_number": texts["notice_number"],
        }
    )
    status = case.order.status
    if status.report is not None:
        status = status.model_copy(
            update={
                "report": CompletionReport.model_construct(
                    summary=texts["summary"], document_number=texts["document"], link=texts["link"]
                )
            }
        )
    order = case.order.model_copy(update={"spec": spec, "status": status, "note": texts["note"]})
    code = case.recipients()[0]
    ctx = context(order, code, case.now)
    ctx.update(
        recipient_name=texts["recipient"],
        owner_name=texts["owner"],
        coordinator_names=[texts["coordinator"]] * len(spec.coordinators),
        leader_label=texts["leader"],
        office_name=texts["office"],
    )
    return order, ctx


FIELDS = st.fixed_dictionaries(
    {
        "work": TEXT,
        "notice_subject": TEXT,
        "result": OPTIONAL_TEXT,
        "notice_number": TEXT,
        "note": OPTIONAL_TEXT,
        "summary": TEXT,
        "document": OPTIONAL_TEXT,
        "link": OPTIONAL_TEXT,
        "recipient": TEXT,
        "owner": TEXT,
        "coordinator": TEXT,
        "leader": TEXT,
        "office": TEXT,
    }
)


@hyp_settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=KIND_CASES, texts=FIELDS)
def test_no_task_text_becomes_markup(case: Case, texts: dict[str, str]) -> None:
    """Whatever the outside text, the HTML has exactly the tags and attributes it has with
    harmless text in the same places, and the text is there to read, as written."""
    order, ctx = _outside(case, texts)
    harmless = {k: ("x" if v else "") for k, v in texts.items()}
    calm_order, calm_ctx = _outside(case, harmless)
    page = _Page.of(render(order.kind, ctx).html)
    calm = _Page.of(render(calm_order.kind, calm_ctx).html)
    assert page.tags == calm.tags
    shown = "".join(page.text)
    for key in ("work", "notice_subject", "owner", "leader"):
        assert texts[key] in shown, key


@hyp_settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=st.sampled_from(cases()), texts=FIELDS)
def test_no_task_text_adds_a_header_or_breaks_a_header_line(
    case: Case, texts: dict[str, str]
) -> None:
    order, ctx = _outside(case, texts)
    message, subj = _compose(case, case.recipients()[0], ctx, order)
    raw, parsed = _parse(message)
    names = Counter(n.decode() for n in _header_lines_are_headers(raw))
    expected = EXPECTED_HEADERS.copy()
    if not ctx["coordinator_names"]:
        del expected["Cc"]
    assert names == expected
    assert Counter(parsed.keys()) == expected
    assert str(parsed["Subject"]) == _clean(subj)
    assert parsed["To"].addresses[0].display_name == _clean(texts["recipient"])
    assert parsed["To"].addresses[0].addr_spec == "songoaivu@ubnd.test"
    assert parsed["From"].addresses[0].addr_spec == "dondoc@example.gov.vn"
    html = parsed.get_body(("html",)).get_content()
    assert html == render(order.kind, ctx).html.replace("\ud800", "\ufffd")
