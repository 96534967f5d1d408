"""The log's shape: JSON lines off a terminal, console rendering on one and in ``dondoc
dev``, ``DONDOC_LOG_FORMAT`` / ``DONDOC_LOG_LEVEL`` over both; standard-library lines
(uvicorn, temporalio) through the same formatter, the SDK's activity ids lifted into keys.

Each case runs in a fresh interpreter, whose stderr is a file or a real pseudo-terminal,
so the decision "is stderr a terminal" is the one production makes.
"""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
import textwrap
from pathlib import Path

from ops_processes import DONDOC, service_env

LOGGING = textwrap.dedent(
    """
    import logging, sys
    import structlog
    from dondoc.cli.services import configure_logs
    from dondoc.logs import bind_task

    configure_logs(sys.argv[1], verbose=False)
    with bind_task("2026-245-TB-UBND-1"):
        structlog.get_logger("dondoc.test").info("task_touched", step=1)
    structlog.get_logger("dondoc.test").debug("hidden_at_info")
    logging.getLogger("uvicorn.error").info("Started server process [%d]", 42)
    logging.getLogger("temporalio.activity").warning(
        "Completing activity as failed",
        extra={"temporal_activity": {
            "workflow_id": "2026-245-TB-UBND-2", "workflow_run_id": "run-7",
            "workflow_type": "TaskWorkflow", "activity_type": "send_mail",
        }},
    )
    """
)


def _run(command: str, folder: Path, **settings: str) -> list[str]:
    """The stderr lines of the snippet, written to a file (not a terminal)."""
    err = folder / "stderr"
    with err.open("wb") as out:
        subprocess.run(
            [sys.executable, "-c", LOGGING, command],
            env=service_env(**settings),
            stderr=out,
            check=True,
            timeout=120,
        )
    return [line for line in err.read_text("utf-8").splitlines() if line.strip()]


def _run_on_terminal(command: str, **settings: str) -> str:
    """The snippet's stderr when it is a pseudo-terminal, as a person at a shell has."""
    leader, follower = pty.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-c", LOGGING, command],
            env=service_env(**settings),
            stderr=follower,
            stdout=subprocess.DEVNULL,
        )
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert proc.wait(timeout=120) == 0
    finally:
        os.close(leader)
    # Colours on a terminal: compare the text without its escape sequences.
    return re.sub(r"\x1b\[[0-9;]*m", "", b"".join(chunks).decode("utf-8", "replace"))


def test_services_write_json_lines_with_ids(tmp_path: Path) -> None:
    lines = [json.loads(line) for line in _run("worker", tmp_path)]
    touched, started, failed = lines
    assert touched["event"] == "task_touched"
    assert touched["task_id"] == touched["workflow_id"] == "2026-245-TB-UBND-1"
    assert touched["level"] == "info" and touched["logger"] == "dondoc.test"
    assert started == {
        "event": "Started server process [42]",
        "level": "info",
        "logger": "uvicorn.error",
        "timestamp": started["timestamp"],
    }
    assert failed["task_id"] == failed["workflow_id"] == "2026-245-TB-UBND-2"
    assert failed["run_id"] == "run-7"
    assert failed["level"] == "warning"


def test_level_and_format_settings_win(tmp_path: Path) -> None:
    lines = _run("worker", tmp_path, log_level="DEBUG", log_format="console")
    assert not any(line.startswith("{") for line in lines)
    assert any("hidden_at_info" in line for line in lines)
    assert any("task_touched" in line and "task_id=2026-245-TB-UBND-1" in line for line in lines)
    quiet = _run("worker", tmp_path, log_level="ERROR")
    assert quiet == []


def test_a_terminal_and_dondoc_dev_get_console_rendering(tmp_path: Path) -> None:
    shown = _run_on_terminal("worker")
    assert "task_touched" in shown and "task_id=2026-245-TB-UBND-1" in shown
    assert '"event"' not in shown
    assert '"event": "task_touched"' in _run_on_terminal("worker", log_format="json")
    # dondoc dev is read by a person even when its stderr is a file.
    dev = _run("dev", tmp_path, log_level="INFO")
    assert dev and not any(line.startswith("{") for line in dev)


def test_a_wrong_log_setting_is_named(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(DONDOC), "tasks", "list"],
        env=service_env(log_format="xml", database_url=f"sqlite:///{tmp_path / 'x.db'}"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "log_format" in result.stderr and "cấu hình nhật ký không hợp lệ" in result.stderr
