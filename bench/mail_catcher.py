"""A real SMTP server (aiosmtpd) for a benchmark: counts what arrives, by Message-ID and kind.

"N assignment mails reached the SMTP server" is the moment an issue is done, so the
catcher notes the arrival time of every message and counts distinct Message-IDs (a copy
sent twice, on a retry, is a duplicate, not progress). Only the headers are parsed on
arrival, so the catcher stays cheap beside the processes being measured; the whole
message is kept only for the kinds a benchmark needs to read (the assignment mail, for
its link), and one sample of every other kind.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from typing import Any

from aiosmtpd.controller import Controller
from processes import free_port

LINK = re.compile(r"https?://\S+/t/[A-Za-z0-9_.-]+")
_HEADERS = BytesHeaderParser(policy=policy.default)


@dataclass(frozen=True, slots=True)
class Arrival:
    at: float
    """time.monotonic() when the DATA command completed."""
    message_id: str
    kind: str
    task: str
    raw: bytes | None

    def message(self) -> EmailMessage:
        assert self.raw is not None, f"{self.kind} mail kept without its body"
        return message_from_bytes(self.raw, policy=policy.default)  # type: ignore[return-value]

    def link(self) -> str:
        """The task page's link in the plain-text body."""
        part = self.message().get_body(preferencelist=("plain",))
        assert part is not None
        found = LINK.search(part.get_content())
        assert found, f"no link in the {self.kind} mail of {self.task}"
        return found[0]


@dataclass
class _Handler:
    keep: frozenset[str]
    arrivals: list[Arrival] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    duplicates: int = 0
    sampled: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        at = time.monotonic()
        headers = _HEADERS.parsebytes(raw)
        kind = str(headers.get("X-Dondoc-Kind", ""))
        message_id = str(headers.get("Message-ID", "")).strip()
        with self.lock:
            if message_id and message_id in self.ids:
                self.duplicates += 1
                return "250 OK (duplicate)"
            self.ids.add(message_id)
            body = raw if kind in self.keep or kind not in self.sampled else None
            self.sampled.add(kind)
            self.arrivals.append(
                Arrival(at, message_id, kind, str(headers.get("X-Dondoc-Task", "")), body)
            )
        return "250 Message accepted"


class MailCatcher:
    """``with MailCatcher() as mail:`` — an SMTP server on a free loopback port."""

    def __init__(self, keep: frozenset[str] = frozenset({"assigned"})) -> None:
        self.port = free_port()
        self._handler = _Handler(keep)
        self._controller = Controller(self._handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> MailCatcher:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()

    @property
    def duplicates(self) -> int:
        return self._handler.duplicates

    def arrivals(self, where: Callable[[Arrival], bool] = lambda a: True) -> list[Arrival]:
        with self._handler.lock:
            return [a for a in self._handler.arrivals if where(a)]

    def by_kind(self) -> dict[str, int]:
        with self._handler.lock:
            return dict(Counter(a.kind for a in self._handler.arrivals))

    def sample(self, kind: str) -> Arrival | None:
        return next((a for a in self.arrivals(lambda a: a.kind == kind and a.raw)), None)

    async def wait_for(
        self, count: int, where: Callable[[Arrival], bool], timeout: float
    ) -> list[Arrival]:
        """The first ``count`` matching arrivals, or as many as came within ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.arrivals(where)
            if len(found) >= count or time.monotonic() > deadline:
                return sorted(found, key=lambda a: a.at)[:count]
            await asyncio.sleep(0.05)
