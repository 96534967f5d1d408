"""The mail relay of the fault runs: a real SMTP server (aiosmtpd) the run controls.

It can go down and come back on the same port (a closed port refuses connections, as a
relay that is down does), refuse one address for good with 550 at RCPT, and take its time
to answer "250" after DATA — the moment when the sender cannot know whether the relay kept
the message, which is where a crash makes a duplicate. Every accepted message is kept
with its arrival time, so a run can tell by Message-ID what arrived, how often, and when.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope, Session

from dondoc.devstack.net import free_port

REFUSAL = "550 5.1.1 Mailbox unavailable"


@dataclass(frozen=True, slots=True)
class Delivery:
    """One message the relay accepted (one SMTP transaction, one recipient's copy)."""

    message_id: str
    date: str
    task: str
    kind: str
    envelope_to: tuple[str, ...]
    arrived: float
    """``time.monotonic()`` when the relay accepted it."""
    message: EmailMessage


@dataclass
class _Handler:
    refused: set[str] = field(default_factory=set)
    answer_delay: float = 0.0
    deliveries: list[Delivery] = field(default_factory=list)
    refusals: Counter[str] = field(default_factory=Counter)
    refused_at: list[tuple[str, float]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: Any, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address in self.refused:
            with self.lock:
                self.refusals[address] += 1
                self.refused_at.append((address, time.monotonic()))
            return REFUSAL
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or envelope.content
        assert isinstance(content, bytes)
        msg = message_from_bytes(content, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        # Kept before the answer: from here on the relay has the message whatever happens
        # to the sender while it waits for "250".
        delivery = Delivery(
            message_id=str(msg["Message-ID"]),
            date=str(msg["Date"]),
            task=str(msg["X-Dondoc-Task"]),
            kind=str(msg["X-Dondoc-Kind"]),
            envelope_to=tuple(envelope.rcpt_tos),
            arrived=time.monotonic(),
            message=msg,
        )
        with self.lock:
            self.deliveries.append(delivery)
        if self.answer_delay:
            await asyncio.sleep(self.answer_delay)
        return "250 Message accepted"


class FaultRelay:
    """An SMTP relay on a fixed loopback port that can be taken down and brought back."""

    def __init__(self) -> None:
        self.port = free_port()
        self._handler = _Handler()
        self._controller: Controller | None = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> None:
        """Listen again on the same port (a stopped controller cannot be restarted)."""
        if self._controller is not None:
            return
        controller = Controller(self._handler, hostname="127.0.0.1", port=self.port)
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        """Close the port and drop open sessions: connections are refused until ``start``."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def refuse(self, address: str) -> None:
        self._handler.refused.add(address)

    def accept_all(self) -> None:
        self._handler.refused.clear()

    def answer_after(self, seconds: float) -> None:
        """Hold every "250" after DATA this long (0: answer at once)."""
        self._handler.answer_delay = seconds

    def refusals(self, address: str) -> int:
        """How many times ``address`` was refused at RCPT."""
        with self._handler.lock:
            return self._handler.refusals[address]

    def refusal_times(self, address: str) -> list[float]:
        """When ``address`` was refused (``time.monotonic()``), in order."""
        with self._handler.lock:
            return [t for a, t in self._handler.refused_at if a == address]

    def deliveries(self, tasks: set[str] | None = None) -> list[Delivery]:
        """Every accepted message (about ``tasks`` only, if given), in arrival order."""
        with self._handler.lock:
            found = list(self._handler.deliveries)
        return found if tasks is None else [d for d in found if d.task in tasks]
