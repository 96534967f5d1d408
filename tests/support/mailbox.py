"""A real SMTP server (aiosmtpd) on a free loopback port that keeps every message it gets."""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope, Session

from dondoc.devstack.net import free_port


@dataclass
class Received:
    envelope_to: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def kind(self) -> str:
        return str(self.message["X-Dondoc-Kind"])

    @property
    def task(self) -> str:
        return str(self.message["X-Dondoc-Task"])

    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        assert part is not None
        return part.get_content()

    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        assert part is not None
        return part.get_content()


@dataclass
class _Handler:
    messages: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server, session: Session, envelope: Envelope, address: str, options
    ):
        if address in self.refuse:
            return "550 5.1.1 Mailbox does not exist"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session: Session, envelope: Envelope) -> str:
        msg = message_from_bytes(
            envelope.original_content or envelope.content, policy=policy.default
        )
        with self.lock:
            self.messages.append(Received(list(envelope.rcpt_tos), msg))  # type: ignore[arg-type]
        return "250 Message accepted"


class Mailbox:
    def __init__(self) -> None:
        self.port = free_port()
        self._handler = _Handler()
        self._controller = Controller(self._handler, hostname="127.0.0.1", port=self.port)

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def refuse(self, address: str) -> None:
        self._handler.refuse.add(address)

    @property
    def messages(self) -> list[Received]:
        with self._handler.lock:
            return list(self._handler.messages)

    def wait_for(self, count: int, timeout: float = 20.0) -> list[Received]:
        """Block until ``count`` messages arrived (for tests whose servers run elsewhere)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.messages) >= count:
                return self.messages
            time.sleep(0.05)
        raise AssertionError(self._shortfall(count))

    async def arrived(self, count: int, timeout: float = 20.0) -> list[Received]:
        """Wait without blocking the event loop that runs the worker sending them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.messages) >= count:
                return self.messages
            await asyncio.sleep(0.05)
        raise AssertionError(self._shortfall(count))

    def _shortfall(self, count: int) -> str:
        return f"expected {count} messages, got {len(self.messages)}: {[m.subject for m in self.messages]}"
