"""The SMTP sink of the embedded stack: every message filed under ``{data_dir}/mail/``.

A person trying Đôn đốc reads what would have been sent as ``.eml`` files, one per
recipient's copy, listed in arrival order.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import threading
import unicodedata
from datetime import datetime
from email import message_from_bytes
from email import policy as email_policy
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from dondoc.devstack.errors import DevError
from dondoc.domain.formatting import LOCAL_TZ


def _slug(text: str, limit: int = 48) -> str:
    """ASCII words of a subject, for a file name a shell and any file system accept."""
    text = text.replace("Đ", "D").replace("đ", "d")
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    slug = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return slug[:limit].rstrip("-") or "thu"


class MailFolder:
    """An aiosmtpd handler that files each message as ``{stamp}-{slug}.eml``.

    The stamp (local time to the microsecond, then a counter) makes ``ls`` list messages
    in arrival order; a message is written under a temporary name and renamed, so a reader
    never sees half a message.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    def name_for(self, subject: str, recipients: list[str]) -> str:
        """Arrival stamp, then who it was for (each recipient gets a personal copy)."""
        with self._lock:
            n = next(self._counter)
        stamp = datetime.now(LOCAL_TZ).strftime("%Y%m%d-%H%M%S-%f")
        who = _slug(recipients[0].split("@")[0], 24) if recipients else "thu"
        return f"{stamp}-{n:04d}-{who}-{_slug(subject)}.eml"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content: bytes = envelope.original_content or envelope.content
        try:
            subject = str(message_from_bytes(content, policy=email_policy.default)["Subject"] or "")
        except Exception:  # a sink keeps whatever arrives, even a malformed message
            subject = ""
        name = self.name_for(subject, list(envelope.rcpt_tos))
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = self.folder / f".{name}.part"
        partial.write_bytes(content)
        partial.replace(self.folder / name)
        return f"250 OK saved as {name}"


class MailSink:
    """The dev SMTP server on loopback, filing messages under ``{data_dir}/mail/``."""

    def __init__(self, folder: Path, port: int) -> None:
        self.folder = folder
        self.port = port
        self._controller = Controller(
            MailFolder(folder), hostname="127.0.0.1", port=port, enable_SMTPUTF8=True
        )
        self._running = False

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            self._controller.start()
        except Exception as err:
            raise DevError(f"không mở được hộp thư thử nghiệm ở cổng {self.port}: {err}") from err
        self._running = True

    def stop(self) -> None:
        if self._running:
            self._running = False
            with contextlib.suppress(Exception):
                self._controller.stop()
