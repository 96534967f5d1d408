"""A burst of mail reuses a few SMTP sessions, and a session the relay dropped while idle
costs nothing: the message goes out on a fresh one."""

from __future__ import annotations

import asyncio
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from dondoc.activities.relay_sessions import RelaySessions
from dondoc.activities.smtp import Refused, deliver, open_session
from dondoc.devstack.net import free_port
from dondoc.settings import Settings


class CountingRelay:
    """Keeps every message with the client port it came from (one port per session)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.arrivals: list[tuple[int, str]] = []
        self.refuse: set[str] = set()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, _: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.arrivals.append((session.peer[1], envelope.content.decode().split("Subject: ")[1][:8]))
        return "250 OK"

    def restart(self) -> None:
        """Stop and start again on the same port: every open session is cut."""
        self.controller.stop()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    @property
    def sessions(self) -> int:
        return len({port for port, _ in self.arrivals})


@pytest.fixture
def relay() -> Any:
    server = CountingRelay()
    server.controller.start()
    yield server
    server.controller.stop()


def _settings(port: int) -> Settings:
    return Settings(smtp_host="127.0.0.1", smtp_port=port, smtp_timeout=5)


def _message(n: int) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "dondoc@example.gov.vn"
    message["To"] = "sngv@ubnd.test"
    message["Subject"] = f"thu-{n:04d}"
    message.set_content("Nội dung")
    return message


async def test_a_burst_of_mail_shares_a_few_sessions(relay: CountingRelay) -> None:
    settings = _settings(relay.port)
    sessions = RelaySessions(lambda: open_session(settings))
    for batch in range(5):
        await asyncio.gather(
            *(
                deliver(settings, _message(batch * 4 + i), ["sngv@ubnd.test"], sessions)
                for i in range(4)
            )
        )
    assert len(relay.arrivals) == 20
    assert relay.sessions <= 4


async def test_without_kept_sessions_each_message_has_its_own(relay: CountingRelay) -> None:
    settings = _settings(relay.port)
    for n in range(3):
        await deliver(settings, _message(n), ["sngv@ubnd.test"])
    assert relay.sessions == 3


async def test_a_session_dropped_while_idle_is_replaced_without_losing_the_message(
    relay: CountingRelay,
) -> None:
    settings = _settings(relay.port)
    sessions = RelaySessions(lambda: open_session(settings))
    await deliver(settings, _message(1), ["sngv@ubnd.test"], sessions)
    # The relay restarts: every kept session is now a dead socket.
    relay.restart()
    assert await deliver(settings, _message(2), ["sngv@ubnd.test"], sessions) is None
    assert [subject for _, subject in relay.arrivals] == ["thu-0001", "thu-0002"]
    assert relay.sessions == 2


async def test_a_refused_recipient_leaves_the_session_usable(relay: CountingRelay) -> None:
    settings = _settings(relay.port)
    sessions = RelaySessions(lambda: open_session(settings))
    relay.refuse.add("khong-co@ubnd.test")
    refused = await deliver(settings, _message(1), ["khong-co@ubnd.test"], sessions)
    assert isinstance(refused, Refused) and "550" in refused.reason
    assert await deliver(settings, _message(2), ["sngv@ubnd.test"], sessions) is None
    assert relay.sessions == 1
