"""Raw aiosmtplib: the floor a burst of Đôn đốc's mail is measured against.

Sends COUNT copies of one message (each with its own Message-ID) to an SMTP server,
CONCURRENCY at a time, either over one reused connection per sender (``--reuse``, the
fastest a client can go) or one connection per message (what a send-and-forget client
does). A process of its own, like the worker whose mail it is compared with, so it never
shares an interpreter with the SMTP server it sends to. Prints one JSON line.

    .venv/bin/python bench/raw_smtp.py --port P --count N --message FILE [--reuse]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib


def copies(raw: bytes, count: int, kind: str) -> list[EmailMessage]:
    made = []
    for _ in range(count):
        copy = message_from_bytes(raw, policy=policy.SMTP)
        assert isinstance(copy, EmailMessage)
        copy.replace_header("Message-ID", f"<{uuid.uuid4().hex}@raw.bench>")
        copy.replace_header("X-Dondoc-Kind", kind)
        made.append(copy)
    return made


async def send(
    host: str, port: int, messages: list[EmailMessage], concurrency: int, reuse: bool
) -> float:
    todo = list(messages)

    async def sender() -> None:
        if not reuse:
            while todo:
                await aiosmtplib.send(todo.pop(), hostname=host, port=port, timeout=30)
            return
        async with aiosmtplib.SMTP(hostname=host, port=port, timeout=30) as smtp:
            while todo:
                await smtp.send_message(todo.pop())

    started = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(concurrency)))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--message", type=Path, required=True)
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    kind = "raw-reuse" if args.reuse else "raw-connect"
    messages = copies(args.message.read_bytes(), args.count, kind)
    seconds = asyncio.run(send(args.host, args.port, messages, args.concurrency, args.reuse))
    print(json.dumps({"kind": kind, "count": args.count, "seconds": seconds}))


if __name__ == "__main__":
    main()
