"""The morning after a big notice: a hundred agencies click at once while the office works.

``dondoc dev --no-demo`` runs as a subprocess on free ports and sends its mail to the
test's own SMTP server; a notice of 100 tasks (one agency each) is issued with the CLI.
Then, all at the same time, every agency opens its link and acknowledges its task, an
officer loads 20 console pages, and a prober asks ``/healthz`` every half second. Every
request must be answered, with the page the action promises, and the health check must
keep answering throughout; afterwards the CLI must show every task acknowledged and the
stack must still stop on Ctrl-C.

Nothing here is timed. Every request carries a timeout and the whole burst an overall
bound, so a web that hangs makes this test fail within a minute instead of hanging it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import secrets
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
import yaml

from support.dev_stack import DONDOC, dev_command, dev_env, wait_until_up
from support.mailbox import Mailbox
from support.pages import find_form, mailed_link, stack_ports
from support.seeded import directory_document

pytestmark = pytest.mark.e2e

AGENCIES = 100
CONSOLE_LOADS = 20
STOP_TIMEOUT = 20.0
# Longer than the web's own wait for a Temporal Update (8 s): a slow answer is still an
# answer; only a web that does not answer at all runs into this.
REQUEST_TIMEOUT = 20.0
HEALTH_TIMEOUT = 5.0
BURST_BOUND = 60.0
NUMBER = 640
PASSWORD = secrets.token_urlsafe(18)
ACKNOWLEDGED = "Đã tiếp nhận nhiệm vụ."


def _directory() -> dict[str, object]:
    return directory_document(
        [
            {"code": f"XA{i:03d}", "name": f"UBND xã số {i + 1}", "email": f"xa{i}@ubnd.test"}
            for i in range(AGENCIES)
        ]
    )


def _notice() -> dict[str, object]:
    """One task per agency, no coordinators: one assignment mail per task."""
    due = date.today() + timedelta(days=400)
    return {
        "number": f"{NUMBER}/TB-UBND",
        "date": date.today().isoformat(),
        "leader": "PCT-VINH",
        "subject": "Kết luận của Phó Chủ tịch UBND tỉnh về rà soát hồ sơ đất đai cấp xã",
        "tasks": [
            {
                "owner": f"XA{i:03d}",
                "work": f"Rà soát, cập nhật hồ sơ địa chính của xã số {i + 1}, báo cáo UBND tỉnh.",
                "result": "Báo cáo kết quả rà soát.",
                "deadline": f"trước ngày {due:%d/%m/%Y}",
            }
            for i in range(AGENCIES)
        ],
    }


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        children.setdefault(int(text[text.rindex(")") + 2 :].split()[1]), []).append(
            int(stat.parent.name)
        )
    found, todo = [], list(children.get(pid, []))
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


@dataclass
class Stack:
    proc: subprocess.Popen[bytes]
    env: dict[str, str]
    web: str
    log: Path

    def cli(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(DONDOC), *args], env=self.env, input=stdin, capture_output=True, text=True,
            timeout=120,
        )  # fmt: skip

    def output(self) -> str:
        return self.log.read_text("utf-8", "replace")[-4000:]


@pytest.fixture
def stack(tmp_path: Path, mailbox: Mailbox, empty_database: str) -> Iterator[Stack]:
    web_port, temporal_port = stack_ports()
    data = tmp_path / "var"
    env = dev_env(empty_database, web_port, temporal_port, mailbox.port)
    env["DONDOC_SECRET_KEY"] = secrets.token_urlsafe(48)
    log = tmp_path / "dev.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            dev_command(web_port, temporal_port, data),
            env=env, cwd=tmp_path, stdout=sink, stderr=subprocess.STDOUT,
        )  # fmt: skip
    running = Stack(proc, env, f"http://127.0.0.1:{web_port}", log)
    started: list[int] = []
    try:
        wait_until_up(proc, running.web, running.output)
        started = _descendants(proc.pid)
        yield running
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for pid in started:  # the Temporal dev server, if the stack could not stop it
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def _outcome(answer: httpx.Response | BaseException, must_say: str | None = None) -> str:
    """ "ok", or what went wrong, in a word the failure message can count."""
    if isinstance(answer, BaseException):
        return type(answer).__name__
    if answer.status_code != 200:
        return f"HTTP {answer.status_code}"
    if must_say is not None and must_say not in answer.text:
        return "page without the expected text"
    return "ok"


@dataclass
class Health:
    answers: Counter[str] = field(default_factory=Counter)

    async def watch(self, base: str, stop: asyncio.Event) -> None:
        async with httpx.AsyncClient(timeout=HEALTH_TIMEOUT) as web:
            while not stop.is_set():
                try:
                    answer: httpx.Response | BaseException = await web.get(f"{base}/healthz")
                except httpx.HTTPError as err:
                    answer = err
                self.answers[_outcome(answer)] += 1
                await asyncio.sleep(0.5)


async def _acknowledge(web: httpx.AsyncClient, base: str, link: str) -> str:
    try:
        page = await web.get(link)
        if _outcome(page) != "ok":
            return f"page: {_outcome(page)}"
        form = find_form(page.text, "acknowledge")
        if form is None:
            return "page without an acknowledge form"
        action, token = form
        return _outcome(await web.post(base + action, data={"form_token": token}), ACKNOWLEDGED)
    except httpx.HTTPError as err:
        return type(err).__name__


async def _console_page(web: httpx.AsyncClient, path: str) -> str:
    try:
        return _outcome(await web.get(path))
    except httpx.HTTPError as err:
        return type(err).__name__


async def _log_in(web: httpx.AsyncClient) -> None:
    page = await web.get("/admin/login")
    token = re.search(r'name="login_token" value="([^"]+)"', page.text)
    assert token, page.text
    answer = await web.post(
        "/admin/login",
        data={"username": "vanphong", "password": PASSWORD, "login_token": token[1]},
    )
    assert answer.status_code == 303, answer.text


async def test_a_hundred_agencies_and_the_office_at_once(
    stack: Stack, mailbox: Mailbox, tmp_path: Path
) -> None:
    for name, doc in (("directory.yaml", _directory()), ("notice.yaml", _notice())):
        (tmp_path / name).write_text(yaml.safe_dump(doc, allow_unicode=True), "utf-8")
    loaded = stack.cli("directory", "load", str(tmp_path / "directory.yaml"))
    assert loaded.returncode == 0, loaded.stderr
    added = stack.cli("users", "add", "vanphong", "--role", "office", "--password", stdin=PASSWORD)
    assert added.returncode == 0, added.stderr
    issued = stack.cli("notice", "issue", str(tmp_path / "notice.yaml"))
    assert issued.returncode == 0, issued.stderr
    assert f"{AGENCIES} nhiệm vụ" in issued.stdout

    mails = await mailbox.arrived(AGENCIES, timeout=120)
    assigned = {m.task: mailed_link(m) for m in mails if m.kind == "assigned"}
    assert len(assigned) == AGENCIES, sorted(assigned)

    health, stop = Health(), asyncio.Event()
    limits = httpx.Limits(max_connections=AGENCIES + CONSOLE_LOADS)
    async with (
        httpx.AsyncClient(timeout=REQUEST_TIMEOUT, limits=limits) as agencies,
        httpx.AsyncClient(base_url=stack.web, timeout=REQUEST_TIMEOUT) as office,
    ):
        await _log_in(office)
        pages = ["/admin/", "/admin/tasks", "/admin/tasks?state=open", "/admin/notices",
                 *(f"/admin/tasks/{task}" for task in sorted(assigned)[:4])]  # fmt: skip
        watching = asyncio.create_task(health.watch(stack.web, stop))
        try:
            clicks, loads = await asyncio.wait_for(
                asyncio.gather(
                    asyncio.gather(*(_acknowledge(agencies, stack.web, link)
                                     for link in assigned.values())),
                    asyncio.gather(*(_console_page(office, pages[i % len(pages)])
                                     for i in range(CONSOLE_LOADS))),
                ),
                BURST_BOUND,
            )  # fmt: skip
        except TimeoutError:
            pytest.fail(f"the burst was not answered within {BURST_BOUND:.0f} s")
        finally:
            stop.set()
            await watching

    answered = {
        f"{AGENCIES} link actions": Counter(clicks),
        f"{CONSOLE_LOADS} console pages": Counter(loads),
        "/healthz every 0.5 s": health.answers,
    }
    unanswered = {what: dict(counts) for what, counts in answered.items() if set(counts) != {"ok"}}
    assert not unanswered, f"not every request was answered as it should be: {unanswered}"

    # The read model follows the workflows through an activity: give it a moment.
    deadline = time.monotonic() + 30
    while True:
        listed = stack.cli("tasks", "list", "--json")
        assert listed.returncode == 0, listed.stderr
        states = Counter(t["state"] for t in json.loads(listed.stdout))
        if states == {"acknowledged": AGENCIES} or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert states == {"acknowledged": AGENCIES}

    stack.proc.send_signal(signal.SIGINT)
    assert stack.proc.wait(timeout=STOP_TIMEOUT) == 0, stack.output()
