"""``dondoc dev`` as a person runs it: a real Temporal, a real web, real mail, real CLI.

Everything crosses a process boundary here, as in production: the stack is a subprocess,
the CLI commands are subprocesses, mail arrives over SMTP at the test's own server and the
agency acts through HTTP forms. Slow (a Temporal dev server starts), so marked ``e2e``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml

from support.dev_stack import DONDOC, dev_command, dev_env, wait_until_up
from support.mailbox import Mailbox
from support.pages import form_for, mailed_link, stack_ports

FIXTURES = Path(__file__).parent.parent / "fixtures"
STOP_TIMEOUT = 20.0
SUMMARY = "Đã trình UBND tỉnh Kế hoạch đoàn công tác (Tờ trình số 12/TTr-SNGV)."

pytestmark = pytest.mark.e2e


def _children(pid: int) -> list[tuple[int, str]]:
    """(pid, command name) of the direct children of ``pid``, read from /proc."""
    found: list[tuple[int, str]] = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        if int(fields[1]) == pid:
            found.append((int(stat.parent.name), name))
    return found


def _alive(pid: int) -> bool:
    """Running, not merely a zombie waiting to be reaped."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return text[text.rindex(")") + 2] != "Z"


@dataclass
class Stack:
    proc: subprocess.Popen[bytes]
    env: dict[str, str]
    web: str
    out: Path
    err: Path

    def output(self) -> str:
        return f"stdout:\n{self.out.read_text('utf-8')}\nstderr:\n{self.err.read_text('utf-8')}"

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(DONDOC), *args], env=self.env, capture_output=True, text=True, timeout=60
        )

    def temporal_pid(self) -> int:
        kids = [pid for pid, name in _children(self.proc.pid) if name.startswith("temporal")]
        assert len(kids) == 1, f"expected one temporal child, found {_children(self.proc.pid)}"
        return kids[0]


@pytest.fixture
def stack(tmp_path: Path, mailbox: Mailbox, empty_database: str) -> Iterator[Stack]:
    web_port, temporal_port = stack_ports()
    data = tmp_path / "var"
    env = dev_env(empty_database, web_port, temporal_port, mailbox.port)
    out, err = tmp_path / "dev.out", tmp_path / "dev.err"
    with out.open("wb") as o, err.open("wb") as e:
        proc = subprocess.Popen(
            dev_command(web_port, temporal_port, data), env=env, cwd=tmp_path, stdout=o, stderr=e
        )
    running = Stack(proc, env, f"http://127.0.0.1:{web_port}", out, err)
    temporal: int | None = None
    try:
        wait_until_up(proc, running.web, running.output)
        temporal = running.temporal_pid()
        yield running
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if temporal is not None and _alive(temporal):
            os.kill(temporal, signal.SIGKILL)


def _task_count(stack: Stack) -> int:
    result = stack.cli("tasks", "list", "--json")
    assert result.returncode == 0, result.stderr
    return len(json.loads(result.stdout))


def test_dev_stack_issue_act_and_stop(stack: Stack, mailbox: Mailbox, tmp_path: Path) -> None:
    loaded = stack.cli("directory", "load", str(FIXTURES / "directory.yaml"))
    assert loaded.returncode == 0, loaded.stderr
    assert "Đã nạp danh bạ" in loaded.stdout

    notice_file = FIXTURES / "notice-e2e.yaml"
    issued = stack.cli("notice", "issue", str(notice_file))
    assert issued.returncode == 0, issued.stderr
    assert "Đã ban hành thông báo 517/TB-UBND: 2 nhiệm vụ." in issued.stdout
    task_id = "2026-517-TB-UBND-1"

    # One personal copy per agency: SNGV (owner), STC, BCHQS for task 1; STC, SNGV for 2.
    messages = mailbox.wait_for(5, timeout=60)
    assigned = [
        m
        for m in messages
        if m.task == task_id and m.kind == "assigned" and "songoaivu@ubnd.test" in m.envelope_to
    ]
    assert len(assigned) == 1, [(m.task, m.kind, m.envelope_to) for m in messages]
    link = mailed_link(assigned[0])
    assert link.startswith(stack.web + "/t/")

    with httpx.Client(timeout=30) as web:
        page = web.get(link)
        assert page.status_code == 200
        assert "Xây dựng kế hoạch tổ chức đoàn công tác" in page.text
        assert "Tiếp nhận" in page.text

        action, token = form_for(page.text, "acknowledge")
        acked = web.post(stack.web + action, data={"form_token": token})
        assert acked.status_code == 200, acked.text
        assert "Đã tiếp nhận nhiệm vụ." in acked.text

        assert "Kết quả thực hiện" in acked.text
        action, token = form_for(acked.text, "complete")
        done = web.post(stack.web + action, data={"form_token": token, "summary": SUMMARY})
        assert done.status_code == 200, done.text
        assert "Đã gửi báo cáo hoàn thành." in done.text

    # The read model follows the workflow through an activity: give it a moment.
    end = time.monotonic() + 30
    while True:
        shown = stack.cli("tasks", "show", task_id, "--json")
        assert shown.returncode == 0, shown.stderr
        detail = json.loads(shown.stdout)
        kinds = [e["kind"] for e in detail["timeline"]]
        if detail["state"] == "awaiting_confirmation" and "completion_reported" in kinds:
            break
        assert time.monotonic() < end, detail
        time.sleep(0.3)
    assert kinds[:3] == ["assigned", "acknowledged", "completion_reported"]
    assert detail["report"]["summary"] == SUMMARY

    again = stack.cli("notice", "issue", str(notice_file))
    assert again.returncode == 0, again.stderr
    assert "đã được ban hành trước đó" in again.stdout

    before = _task_count(stack)
    bad = yaml.safe_load(notice_file.read_text("utf-8"))
    bad["number"] = "518/TB-UBND"
    bad["tasks"][1]["owner"] = "SKHONGCO"
    bad_file = tmp_path / "notice-bad-owner.yaml"
    bad_file.write_text(yaml.safe_dump(bad, allow_unicode=True), "utf-8")
    refused = stack.cli("notice", "issue", str(bad_file))
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "tasks[2].owner" in refused.stderr and "SKHONGCO" in refused.stderr
    assert _task_count(stack) == before == 2

    missing = stack.cli("notice", "issue", str(tmp_path / "khong-co.yaml"))
    assert missing.returncode == 2
    assert "không tìm thấy tệp" in missing.stderr

    temporal = stack.temporal_pid()
    started = time.monotonic()
    stack.proc.send_signal(signal.SIGINT)
    code = stack.proc.wait(timeout=STOP_TIMEOUT)
    took = time.monotonic() - started
    assert code == 0, stack.output()
    assert took < STOP_TIMEOUT
    assert not _alive(temporal), "the Temporal dev server outlived dondoc dev"
    assert "Đôn đốc đang chạy." in stack.out.read_text("utf-8")
