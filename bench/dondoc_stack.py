"""Đôn đốc as an operator deploys it: ``dondoc worker`` and ``dondoc web``, driven by the CLI.

Only the public contract is used (the ``dondoc`` command, ``DONDOC_*`` variables, HTTP), so
the benchmarks keep measuring the same thing however the package is arranged inside. The
stack gets a fresh SQLite file, its own SMTP server, a random secret key (a production
start refuses the development key) and a directory of generated agencies.
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import importlib.util
import os
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import yaml
from processes import Child, Processes, free_port
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client

DONDOC = str(Path(sys.executable).parent / "dondoc")
TASK_QUEUE = "dondoc"
PASSWORD = secrets.token_urlsafe(18)
START_TIMEOUT = 60.0


def agency_code(i: int) -> str:
    return f"S{i:04d}"


def directory(agencies: int) -> dict[str, Any]:
    return {
        "office": {"name": "Văn phòng UBND tỉnh", "email": "vanphong@bench.test"},
        "leaders": [
            {
                "code": "PCT",
                "name": "Phùng Thành Vinh",
                "title": "Phó Chủ tịch UBND tỉnh",
                "email": "pct@bench.test",
            }
        ],
        "agencies": [
            {"code": agency_code(i), "name": f"Sở số {i + 1}", "email": f"s{i}@bench.test"}
            for i in range(agencies)
        ],
    }


def notice(
    number: int, tasks: int, agencies: int, *, policy: str | None = None, first: int = 0
) -> dict[str, Any]:
    """``tasks`` tasks, each owned by one agency and coordinated by none: one assignment
    mail per task. The deadline lies a year ahead, so no reminder falls inside a run."""
    today = date.today()
    due = today + timedelta(days=400)
    doc: dict[str, Any] = {
        "number": f"{number}/TB-UBND",
        "date": today.isoformat(),
        "leader": "PCT",
        "subject": f"Kết luận của Phó Chủ tịch UBND tỉnh tại cuộc họp số {number} (bench)",
        "tasks": [
            {
                "owner": agency_code((first + i) % agencies),
                "work": f"Nhiệm vụ số {first + i + 1}: rà soát, hoàn thiện hồ sơ, báo cáo UBND tỉnh.",
                "result": "Báo cáo UBND tỉnh.",
                "deadline": f"trước ngày {due:%d/%m/%Y}",
            }
            for i in range(tasks)
        ],
    }
    if policy:
        doc["policy"] = policy
    return doc


def notice_key(number: int) -> str:
    """The prefix of the notice's task ids (``2026-245-TB-UBND-1``)."""
    return f"{date.today().year}-{number}-TB-UBND-"


def setting(text: str) -> tuple[str, str]:
    """``DONDOC_NAME=VALUE`` from the command line: a setting the bench's stack runs with."""
    name, sep, value = text.partition("=")
    if not sep or not name.startswith("DONDOC_"):
        raise ValueError(f"not DONDOC_NAME=VALUE: {text!r}")
    return name, value


def add_settings_option(parser: argparse.ArgumentParser, runs: str) -> None:
    """``--set DONDOC_NAME=VALUE``, repeatable: settings for the processes named by ``runs``."""
    parser.add_argument(
        "--set",
        type=setting,
        action="append",
        default=[],
        metavar="DONDOC_NAME=VALUE",
        help=f"a setting for {runs} (repeatable), e.g. DONDOC_WORKER_SANDBOX=false",
    )


def compile_as_deployed() -> None:
    """Write the package's bytecode, as the image does (``compileall`` in deploy/Dockerfile).

    An editable install under ``PYTHONDONTWRITEBYTECODE`` has none, so every process would
    compile the package from source at start, and the worker's workflow sandbox, which
    imports the workflow module afresh for every workflow it creates, again and again:
    a cost no deployment pays (measured: 7 % of the worker's CPU while issuing).
    """
    spec = importlib.util.find_spec("dondoc")
    assert spec is not None and spec.submodule_search_locations
    for folder in spec.submodule_search_locations:
        compileall.compile_dir(folder, quiet=1)


@dataclass
class Ran:
    code: int
    out: str
    err: str
    seconds: float


@dataclass
class DondocStack:
    folder: Path
    processes: Processes
    env: dict[str, str]
    web_port: int
    worker: Child | None = None
    web: Child | None = None
    web_restarts: list[str] = field(default_factory=list)

    @classmethod
    def prepare(
        cls,
        folder: Path,
        processes: Processes,
        *,
        temporal: str,
        smtp_port: int,
        extra: dict[str, str] | None = None,
    ) -> DondocStack:
        compile_as_deployed()
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("DONDOC_")}
        env.update(
            DONDOC_TEMPORAL_ADDRESS=temporal,
            DONDOC_DATABASE_URL=f"sqlite:///{folder / 'dondoc.db'}",
            DONDOC_SMTP_HOST="127.0.0.1",
            DONDOC_SMTP_PORT=str(smtp_port),
            DONDOC_PUBLIC_URL=f"http://127.0.0.1:{port}",
            DONDOC_SECRET_KEY=secrets.token_urlsafe(48),
            DONDOC_DATA_DIR=str(folder),
            **(extra or {}),
        )
        return cls(folder, processes, env, port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    # ------------------------------------------------------------------ the CLI

    def cli(self, *args: str, stdin: str | None = None, timeout: float = 120) -> Ran:
        started = time.perf_counter()
        done = subprocess.run(
            [DONDOC, *args],
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self.folder,
        )
        ran = Ran(done.returncode, done.stdout, done.stderr, time.perf_counter() - started)
        if ran.code != 0:
            raise RuntimeError(f"dondoc {' '.join(args)} exited {ran.code}:\n{ran.err or ran.out}")
        return ran

    async def acli(self, *args: str, timeout: float = 3600) -> Ran:
        """The CLI without blocking the bench's event loop (its clients keep running)."""
        return await asyncio.to_thread(self.cli, *args, timeout=timeout)

    def write(self, name: str, document: dict[str, Any]) -> Path:
        path = self.folder / name
        path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), "utf-8")
        return path

    def load_directory(self, agencies: int) -> None:
        self.cli("directory", "load", str(self.write("directory.yaml", directory(agencies))))

    def add_officer(self, username: str = "bench") -> tuple[str, str]:
        self.cli("users", "add", username, "--role", "office", "--password", stdin=PASSWORD + "\n")
        return username, PASSWORD

    # ------------------------------------------------------------------ services

    def start_worker(self) -> Child:
        self.worker = self.processes.start("dondoc-worker", [DONDOC, "worker"], self.env)
        return self.worker

    def start_web(self) -> Child:
        self.web = self.processes.start(
            f"dondoc-web-{len(self.web_restarts)}",
            [DONDOC, "web", "--port", str(self.web_port)],
            self.env,
        )
        return self.web

    async def healthy(self, timeout: float = 3.0) -> bool:
        try:
            async with httpx.AsyncClient(timeout=timeout) as web:
                return (await web.get(f"{self.url}/healthz")).status_code == 200
        except httpx.HTTPError:
            return False

    async def wait_web(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while not await self.healthy():
            assert self.web is not None
            if not self.web.alive() or time.monotonic() > deadline:
                raise RuntimeError(f"dondoc web did not start:\n{self.web.tail()}")
            await asyncio.sleep(0.2)

    async def restart_web(self, why: str) -> None:
        """A wedged web is replaced so that the next measurement starts clean; its thread
        stacks are kept first (with py-spy, when installed), to show where it hung."""
        assert self.web is not None
        dump = dump_stacks(self.web, self.folder / f"{self.web.name}-stacks.txt")
        self.processes.stop(self.web)
        where = f"; its event loop was in {stuck_at(dump.read_text('utf-8'))}" if dump else ""
        self.web_restarts.append(f"{why}; stopped by {self.web.stopped_by}{where}")
        self.start_web()
        await self.wait_web()


def dump_stacks(child: Child, path: Path) -> Path | None:
    """Every thread's Python stack of a running child, if py-spy is installed."""
    spy = Path(sys.executable).parent / "py-spy"
    if not spy.exists() or not child.alive():
        return None
    done = subprocess.run(
        [str(spy), "dump", "--pid", str(child.pid)], capture_output=True, text=True, timeout=60
    )
    path.write_text(done.stdout + done.stderr, "utf-8")
    return path


def stuck_at(dump: str) -> str:
    """The main thread's innermost frame and the frames of ours that led there."""
    main = dump.split('"MainThread"', 1)[-1].split("\nThread ", 1)[0]
    frames = [line.strip() for line in main.splitlines()[1:] if line.strip()]
    if not frames:
        return "an unknown place (no main thread in the dump)"
    ours = [f for f in frames if "dondoc/" in f][:4]
    return " ← ".join([*frames[:3], *ours])


async def wait_for_poller(client: Client, queue: str, timeout: float = START_TIMEOUT) -> None:
    """Until a worker polls ``queue`` for workflow tasks: then its first task is not a
    cold start that the issue timing would wrongly include."""
    deadline = time.monotonic() + timeout
    while True:
        answer = await client.workflow_service.describe_task_queue(
            DescribeTaskQueueRequest(
                namespace="default",
                task_queue=TaskQueue(name=queue),
                task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
            )
        )
        if answer.pollers:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"no worker polls task queue {queue!r}")
        await asyncio.sleep(0.2)
