"""``dondoc worker`` and ``dondoc web`` as an operator runs them: separate processes,
configured by ``DONDOC_*`` variables, logging JSON lines on stderr; and a real SMTP relay
(aiosmtpd) that holds its answers until the test lets them go."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope, Session

from dondoc.devstack.net import free_port

DONDOC = Path(sys.executable).parent / "dondoc"
START_TIMEOUT = 60.0


@dataclass
class _HoldingHandler:
    hold: threading.Event
    """Set: answers wait until ``release``."""
    release: threading.Event = field(default_factory=threading.Event)
    data_arrived: threading.Event = field(default_factory=threading.Event)
    noop_arrived: threading.Event = field(default_factory=threading.Event)
    accepted: list[EmailMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def _held(self) -> None:
        while self.hold.is_set() and not self.release.is_set():
            await asyncio.sleep(0.02)

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        self.data_arrived.set()
        await self._held()
        msg = message_from_bytes(
            envelope.original_content or envelope.content, policy=policy.default
        )
        with self.lock:
            self.accepted.append(msg)  # type: ignore[arg-type]
        return "250 Message accepted"

    async def handle_NOOP(self, server: Any, session: Session, envelope: Envelope, arg: str) -> str:
        self.noop_arrived.set()
        await self._held()
        return "250 OK"


class HeldRelay:
    """An SMTP relay that, once ``hold()`` is called, answers DATA and NOOP only after
    ``release()``: a relay that answers slowly, with the test deciding how slowly."""

    def __init__(self) -> None:
        self.port = free_port()
        self._hold = threading.Event()
        self.handler = _HoldingHandler(self._hold)
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self.release()
        self._controller.stop()

    def hold(self) -> None:
        self._hold.set()

    def release(self) -> None:
        self.handler.release.set()

    @property
    def accepted(self) -> list[EmailMessage]:
        with self.handler.lock:
            return list(self.handler.accepted)

    def wait_accepted(self, count: int, timeout: float = 30.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.accepted) < count:
            assert time.monotonic() < deadline, (
                f"expected {count} messages, got {len(self.accepted)}"
            )
            time.sleep(0.05)
        return self.accepted


@dataclass
class Service:
    """One ``dondoc`` service process and its stderr, read as JSON lines."""

    name: str
    proc: subprocess.Popen[bytes]
    err: Path
    url: str | None = None

    def lines(self) -> list[dict[str, Any]]:
        """Every stderr line, each of which must be one JSON object."""
        parsed = []
        for line in self.err.read_text("utf-8").splitlines():
            if not line.strip():
                continue
            try:
                parsed.append(json.loads(line))
            except json.JSONDecodeError as err:
                raise AssertionError(f"{self.name}: a log line is not JSON: {line!r}") from err
        return parsed

    def output(self) -> str:
        return f"{self.name} stderr:\n{self.err.read_text('utf-8')}"

    def wait_for(self, event: str, timeout: float = START_TIMEOUT, **fields: Any) -> dict[str, Any]:
        """The first log line with this ``event`` (and these fields)."""
        deadline = time.monotonic() + timeout
        while True:
            for line in self.lines():
                if line.get("event") == event and all(line.get(k) == v for k, v in fields.items()):
                    return line
            assert self.proc.poll() is None or time.monotonic() < deadline, (
                f"{self.name} exited ({self.proc.returncode}) before logging {event}:\n{self.output()}"
            )
            assert time.monotonic() < deadline, (
                f"{self.name} never logged {event}:\n{self.output()}"
            )
            time.sleep(0.05)

    def terminate(self) -> None:
        self.proc.send_signal(signal.SIGTERM)

    def exit_code(self, timeout: float) -> int:
        """Its exit status, waiting at most ``timeout`` seconds (the bound under test)."""
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired as err:
            raise AssertionError(
                f"{self.name} still running after {timeout} s:\n{self.output()}"
            ) from err

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def service_env(**settings: str) -> dict[str, str]:
    """This environment without any ``DONDOC_*`` of the caller's, plus ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DONDOC_")}
    env.update({f"DONDOC_{k.upper()}": v for k, v in settings.items()})
    return env


def start_service(name: str, args: list[str], env: dict[str, str], folder: Path) -> Service:
    err = folder / f"{name}.err"
    with (folder / f"{name}.out").open("wb") as out, err.open("wb") as errors:
        proc = subprocess.Popen(
            [str(DONDOC), *args], env=env, cwd=folder, stdout=out, stderr=errors
        )
    return Service(name, proc, err)


def start_worker(env: dict[str, str], folder: Path) -> Service:
    worker = start_service("worker", ["worker"], env, folder)
    worker.wait_for("worker_started")
    return worker


def start_web(env: dict[str, str], folder: Path, port: int) -> Service:
    web = start_service("web", ["web", "--port", str(port)], env, folder)
    web.url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        assert web.proc.poll() is None, f"web exited early:\n{web.output()}"
        try:
            if httpx.get(f"{web.url}/healthz", timeout=2).status_code == 200:
                return web
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"web not up:\n{web.output()}"
        time.sleep(0.1)
