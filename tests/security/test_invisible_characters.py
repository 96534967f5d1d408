"""No invisible format character (U+202E and the rest of Unicode's Cf) reaches a mail header.

Task text and directory names come from outside. A right-to-left override in a subject or
a sender's name makes a mail client show other words than those written; zero-width
characters hide text. They are dropped where subjects are built and from every header.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from pathlib import Path

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from dondoc.activities.mailing import MailActivities
from dondoc.activities.message import Envelope, build_message, mailbox
from dondoc.commands.issue import check_notice
from dondoc.domain.deadlines import Deadline, DeadlineKind
from dondoc.domain.mail import MailKind, MailOrder, subject
from dondoc.domain.task import TaskSpec, TaskStatus
from support.mailbox import Mailbox
from support.seeded import DIRECTORY, notice_document, seeded_settings

NAMED = [
    *(chr(c) for c in range(0x202A, 0x202F)),  # LRE RLE PDF LRO RLO
    *(chr(c) for c in range(0x2066, 0x206A)),  # LRI RLI FSI PDI
    "\u200e",  # LRM
    "\u200f",  # RLM
    "\u061c",  # ARABIC LETTER MARK
    "\u200b",  # ZERO WIDTH SPACE
    "\u2060",  # WORD JOINER
    "\ufeff",  # BYTE ORDER MARK
    "\u00ad",  # SOFT HYPHEN
    "\U000e0041",  # TAG LATIN CAPITAL LETTER A
]
FORMAT = st.one_of(st.sampled_from(NAMED), st.characters(categories=["Cf"]))


def invisible(text: str) -> list[str]:
    return [f"U+{ord(c):04X}" for c in text if unicodedata.category(c) == "Cf"]


def sprinkled(text: str, marks: list[str]) -> str:
    """``text`` with the marks put between its characters, from the start on."""
    out = []
    for index, char in enumerate(text):
        out.append(char)
        if index < len(marks):
            out.append(marks[index])
    return "".join(out)


def test_every_named_character_is_a_format_character() -> None:
    assert all(unicodedata.category(c) == "Cf" for c in NAMED)


@given(marks=st.lists(FORMAT, min_size=1, max_size=30), kind=st.sampled_from(list(MailKind)))
@settings(max_examples=200, deadline=None)
def test_a_subject_keeps_the_words_and_drops_every_format_character(
    marks: list[str], kind: MailKind
) -> None:
    spec = _spec(
        number=sprinkled("245/TB-UBND", marks),
        work=sprinkled("Hoàn thiện dự thảo Đề án hợp tác", marks),
    )
    built = subject(kind, spec)
    assert invisible(built) == []
    assert built.startswith("[245/TB-UBND] ")
    assert built.endswith(": Hoàn thiện dự thảo Đề án hợp tác")


@given(marks=st.lists(FORMAT, min_size=1, max_size=20))
@settings(max_examples=200, deadline=None)
def test_display_names_and_subjects_in_a_built_message_carry_no_format_character(
    marks: list[str],
) -> None:
    name = sprinkled("Sở Ngoại vụ", marks)
    message = build_message(
        Envelope(
            subject=sprinkled("[245/TB-UBND] Giao nhiệm vụ", marks),
            sender=f"{sprinkled('Văn phòng UBND tỉnh', marks)} <dondoc@example.gov.vn>",
            to=[(name, "songoaivu@ubnd.test")],
            cc=[(sprinkled("Sở Tài chính", marks), "sotaichinh@ubnd.test")],
            reply_to="vanphong@ubnd.test",
            message_id="<a@example.gov.vn>",
            thread_root=None,
            date=datetime(2026, 12, 1, tzinfo=UTC),
            extra={"X-Dondoc-Task": sprinkled("2026-245-TB-UBND-1", marks)},
        ),
        "thư",
        "<p>thư</p>",
    )
    parsed = message_from_bytes(message.as_bytes(), policy=policy.default)
    for header, value in parsed.items():
        assert invisible(str(value)) == [], header
    assert str(parsed["Subject"]) == "[245/TB-UBND] Giao nhiệm vụ"
    assert parsed["To"].addresses[0].display_name == "Sở Ngoại vụ"
    assert mailbox(name, "x@y.test") == mailbox("Sở Ngoại vụ", "x@y.test")


async def test_mail_sent_about_a_disguised_task_arrives_with_clean_headers(
    tmp_path: Path, mailbox: Mailbox
) -> None:
    """Through the mail activity and a real SMTP server: the directory, the notice and the
    sender setting all carry direction overrides; the headers that arrive carry none."""
    book = yaml.safe_load(DIRECTORY)
    book["agencies"][0]["name"] = "Sở Ngoại vụ\u202e (thư giả mạo)\u202c"
    book["agencies"][1]["name"] = "\u2067Sở Tài chính\u2069\u200b"
    base = seeded_settings(tmp_path, yaml.safe_dump(book, allow_unicode=True))
    config = base.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": mailbox.port,
            "mail_from": "Đôn đốc\u202e – Văn phòng UBND tỉnh <dondoc@example.gov.vn>",
        }
    )
    today = datetime.now(UTC).date()
    document = notice_document(
        "245/TB\u200b-UBND", today, work="Hoàn thiện \u202eán ềđ\u202c dự thảo\u2066 Đề án"
    )
    spec = check_notice(document, config).tasks[0]
    status = TaskStatus(
        task_id=spec.id,
        owner=spec.owner,
        deadline=spec.deadline,
        original_deadline=spec.deadline,
        assigned_at=datetime.now(UTC),
    )
    order = MailOrder(
        event_id=f"{spec.id}:1",
        kind=MailKind.ASSIGNED,
        to=(spec.owner,),
        cc=spec.coordinators,
        spec=spec,
        status=status,
    )
    outcomes = await MailActivities(config).send_mail(order)
    assert {o.status for o in outcomes} == {"sent"}
    received = await mailbox.arrived(len(outcomes))
    assert received
    for mail in received:
        for header, value in mail.message.items():
            assert invisible(str(value)) == [], (header, str(value))
        assert mail.subject == "[245/TB-UBND] Giao nhiệm vụ: Hoàn thiện án ềđ dự thảo Đề án"
        names = {a.display_name for a in mail.message["To"].addresses}
        assert names <= {"Sở Ngoại vụ (thư giả mạo)", "Sở Tài chính"}
        assert mail.message["From"].addresses[0].display_name == "Đôn đốc – Văn phòng UBND tỉnh"


def _spec(*, number: str, work: str) -> TaskSpec:
    return TaskSpec(
        id="2026-245-TB-UBND-1",
        position=1,
        notice_key="2026-245-TB-UBND",
        notice_number=number,
        notice_date=date(2026, 9, 7),
        notice_subject="Kết luận",
        leader="PCT-VINH",
        owner="SNGV",
        work=work,
        deadline=Deadline(phrase="thường xuyên", kind=DeadlineKind.ONGOING, due=None),
    )
