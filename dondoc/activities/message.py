"""Assemble one MIME message: headers that thread and never inject, text and HTML parts.

Built on the compat32 classes with explicit ``Header`` encoding: Python 3.11's newer
folding drops the space between two encoded words ("ý kiến" arrives as "ýkiến"), which
mangles Vietnamese subjects in every client.

Every header value passes through ``_clean`` and every address through ``mailbox``: task
text and directory entries come from outside, and a line break in either must never
start a header of its own. Display names are encoded apart from their address; a raw
``From: Văn phòng <x@y>`` would be encoded whole by compat32, address included, and
reach clients (and the SMTP envelope) with no address in it at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.charset import Charset
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, parseaddr

from dondoc.domain.mail import without_format_characters

# C0 and C1 controls, DEL, and the Unicode line and paragraph separators: some parsers
# and clients break lines on each of them, and none belongs in a name or a subject.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_SPACES = re.compile(r"\s{2,}")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_UTF8 = Charset("utf-8")


def _clean(text: str) -> str:
    """No line breaks, control or invisible format characters may reach a header, whatever
    the directory says."""
    text = without_format_characters(_encodable(text))
    return _SPACES.sub(" ", _CONTROL.sub(" ", text)).strip()


def _encodable(text: str) -> str:
    """Lone surrogates (JSON can carry them) cannot be written as UTF-8; show them as �."""
    return _SURROGATE.sub("\ufffd", text)


def mailbox(name: str, address: str) -> str:
    """``Tên <addr>`` with the name encoded apart from the address.

    ``formataddr`` leaves an ASCII name as it is, so a name that itself looks like an
    encoded word ("=?utf-8?b?…?=") would be decoded by the reader into other text; such a
    name is encoded too, and reads back exactly as written.
    """
    name, address = _clean(name), _clean(address)
    if "=?" in name and name.isascii():
        # One encoded word, as formataddr makes for any non-ASCII name: Python's own
        # address parser (3.11) keeps the space between two adjacent encoded words.
        return f"{_UTF8.header_encode(name)} <{address}>"
    return formataddr((name, address), charset="utf-8")


def address_header(value: str) -> str:
    """``Tên <addr>`` or a bare address, as a header value with only the name encoded."""
    name, address = parseaddr(_clean(value))
    if not address:
        raise ValueError(f"địa chỉ thư không hợp lệ: {value!r}")
    return mailbox(name, address)


def envelope_address(value: str) -> str:
    """The bare address of ``Tên <addr>``, for the SMTP envelope (MAIL FROM)."""
    return parseaddr(_clean(value))[1]


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
    message["From"] = address_header(envelope.sender)
    message["To"] = ", ".join(mailbox(n, a) for n, a in envelope.to)
    if envelope.cc:
        message["Cc"] = ", ".join(mailbox(n, a) for n, a in envelope.cc)
    message["Reply-To"] = address_header(envelope.reply_to)
    message["Date"] = format_datetime(envelope.date)
    message["Message-ID"] = _clean(envelope.message_id)
    if envelope.thread_root:
        message["In-Reply-To"] = _clean(envelope.thread_root)
        message["References"] = _clean(envelope.thread_root)
    message["Auto-Submitted"] = "auto-generated"
    for name, value in envelope.extra.items():
        message[name] = _clean(value)
    message.attach(MIMEText(_encodable(text), "plain", "utf-8"))
    message.attach(MIMEText(_encodable(html), "html", "utf-8"))
    return message
