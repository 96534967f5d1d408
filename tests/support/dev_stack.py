"""`dondoc dev` as its own process, for the end-to-end suites: its settings, its command
line, and the wait until it answers (or the reason it never will)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

DONDOC = Path(sys.executable).parent / "dondoc"
START_TIMEOUT = 90.0


def dev_env(database_url: str, web_port: int, temporal_port: int, smtp_port: int) -> dict[str, str]:
    """This process's environment without any DONDOC_ setting of its own, plus the stack's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DONDOC_")}
    env.update(
        DONDOC_DATABASE_URL=database_url,  # SQLite under tmp_path, or PostgreSQL
        DONDOC_TEMPORAL_ADDRESS=f"127.0.0.1:{temporal_port}",
        DONDOC_PUBLIC_URL=f"http://127.0.0.1:{web_port}",
        DONDOC_SMTP_HOST="127.0.0.1",
        DONDOC_SMTP_PORT=str(smtp_port),
    )
    return env


def dev_command(web_port: int, temporal_port: int, data: Path) -> list[str]:
    return [
        str(DONDOC), "dev", "--port", str(web_port), "--temporal-port", str(temporal_port),
        "--data-dir", str(data), "--no-demo",
    ]  # fmt: skip


def wait_until_up(proc: subprocess.Popen[bytes], web: str, output: Callable[[], str]) -> None:
    """Until /healthz answers 200; fails with the stack's output if it exits or never does."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        assert proc.poll() is None, f"dondoc dev exited early:\n{output()}"
        try:
            if httpx.get(f"{web}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"stack not up:\n{output()}"
        time.sleep(0.2)
