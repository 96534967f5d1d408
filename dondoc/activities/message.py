"""Assemble one MIME message: headers that thread and never inject, text and HTML parts.

Built on the compat32 classes with explicit ``Header`` encoding: Python 3.11's newer
folding drops the space between two encoded words ("ý kiến" arrives as "ýkiến"), which
mangles Vietnamese subjects in every client.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr

_CONTROL = re.compile(r"[\r\n\t\x00-\x1f\x7f]+")


def _clean(text: str) -> str:
    """No line breaks or control characters may reach a header, whatever the directory says."""
    return _CONTROL.sub(" ", text).strip()


def mailbox(name: str, address: str) -> str:
    return formataddr((_clean(name), _clean(address)), charset="utf-8")


@dataclass(frozen=True, slots=True)
class Envelope:
    subject: str
    sender: str
    to: list[tuple[str, str]]
    cc: list[tuple[str, str]]
    reply_to: str
    message_id: str
    thread_root: str | None
    date: datetime
    extra: dict[str, str]


def build_message(envelope: Envelope, text: str, html: str) -> Message:
    message = MIMEMultipart("alternative")
    message["Subject"] = Header(_clean(envelope.subject), "utf-8")
    message["From"] = _clean(envelope.sender)
    message["To"] = ", ".join(mailbox(n, a) for n, a in envelope.to)
    if envelope.cc:
        message["Cc"] = ", ".join(mailbox(n, a) for n, a in envelope.cc)
    message["Reply-To"] = _clean(envelope.reply_to)
    message["Date"] = format_datetime(envelope.date)
    message["Message-ID"] = envelope.message_id
    if envelope.thread_root:
        message["In-Reply-To"] = envelope.thread_root
        message["References"] = envelope.thread_root
    message["Auto-Submitted"] = "auto-generated"
    for name, value in envelope.extra.items():
        message[name] = _clean(value)
    message.attach(MIMEText(text, "plain", "utf-8"))
    message.attach(MIMEText(html, "html", "utf-8"))
    return message
