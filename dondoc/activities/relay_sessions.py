"""SMTP sessions kept open between messages, so a burst of mail (a notice's assignment
mails, a morning's reminders) reuses a few connections instead of one per message.

A kept session may have been closed by the relay while idle (relays drop idle sessions
after a while); such a failure before the relay took the message is retried once on a
fresh session. A session that answered an error for one message stays usable: the
client resets the transaction (RSET). Sessions idle longer than ``IDLE_LIMIT`` are
closed rather than reused.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Awaitable, Callable
from email.message import Message

import aiosmtplib

KEEP = 4
IDLE_LIMIT = 20.0
_STALE = (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPConnectError, ConnectionError)


class RelaySessions:
    def __init__(
        self,
        opener: Callable[[], Awaitable[aiosmtplib.SMTP]],
        *,
        keep: int = KEEP,
        idle_limit: float = IDLE_LIMIT,
    ) -> None:
        self._open = opener
        self._keep = keep
        self._idle_limit = idle_limit
        self._idle: list[tuple[float, aiosmtplib.SMTP]] = []

    def _take(self) -> aiosmtplib.SMTP | None:
        while self._idle:
            since, client = self._idle.pop()
            if client.is_connected and time.monotonic() - since < self._idle_limit:
                return client
            client.close()
        return None

    def _give(self, client: aiosmtplib.SMTP) -> None:
        if len(self._idle) < self._keep and client.is_connected:
            self._idle.append((time.monotonic(), client))
        else:
            client.close()

    async def send(
        self, message: Message, sender: str, recipients: list[str]
    ) -> dict[str, aiosmtplib.SMTPResponse]:
        """The relay's per-recipient errors, as ``SMTP.send_message`` gives them."""
        client = self._take()
        if client is not None:
            try:
                return await self._on(client, message, sender, recipients)
            except _STALE:
                pass  # dropped while idle: the message was not taken; once more, afresh
        return await self._on(await self._open(), message, sender, recipients)

    async def _on(
        self, client: aiosmtplib.SMTP, message: Message, sender: str, recipients: list[str]
    ) -> dict[str, aiosmtplib.SMTPResponse]:
        try:
            errors, _ = await client.send_message(message, sender=sender, recipients=recipients)
        except (aiosmtplib.SMTPResponseException, aiosmtplib.SMTPRecipientsRefused):
            # The relay answered, so the session is good once the transaction is reset.
            try:
                await client.rset()
            except (aiosmtplib.SMTPException, OSError):
                client.close()
            else:
                self._give(client)
            raise
        except BaseException:
            client.close()
            raise
        self._give(client)
        return errors

    def close(self) -> None:
        for _, client in self._idle:
            with contextlib.suppress(Exception):
                client.close()
        self._idle.clear()
