"""What the web sees on a busy morning: agencies clicking links, officers paging, a prober.

Every request has a timeout, so a web that hangs shows up as errors, not as a bench that
hangs. A task's actions stop at its first failure (the next step would only fail too).
An answer counts as an error unless it is a 2xx page that says what the action did; a 202
("kept, will be applied later") is counted as ``deferred``: the click was not lost, but
the agency did not see its result.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
from figures import Timings

ACKNOWLEDGED = "Đã tiếp nhận nhiệm vụ."
REPORTED = "Đã gửi báo cáo hoàn thành."
SUMMARY = "Đã hoàn thành, đã báo cáo UBND tỉnh (Báo cáo số 12/BC-S)."
FORM = re.compile(r"<form\b[^>]*>.*?</form>", re.S)
STALE_RETRIES = 10


def form(page: str, action: str) -> tuple[str, str] | None:
    """The action URL and the hidden form token of the form that posts ``action``."""
    for found in FORM.findall(page):
        target = re.search(r'action="([^"]*/' + action + r')"', found)
        token = re.search(r'name="form_token" value="([^"]*)"', found)
        if target and token:
            return html.unescape(target[1]), html.unescape(token[1])
    return None


def _reason(err: Exception) -> str:
    if isinstance(err, httpx.TimeoutException):
        return "timeout"
    return f"transport: {type(err).__name__}"


@dataclass
class AgencyRun:
    """Per kind of request: latencies and errors; tasks finished; stale pages seen."""

    page: Timings = field(default_factory=Timings)
    acknowledge: Timings = field(default_factory=Timings)
    complete: Timings = field(default_factory=Timings)
    done: int = 0
    stale_pages: int = 0

    @property
    def actions(self) -> Timings:
        """Both link actions together: the figure set beside the bare Update round trip."""
        both = Timings(self.acknowledge.values + self.complete.values)
        both.errors = self.acknowledge.errors + self.complete.errors
        return both

    def errors(self) -> int:
        return sum(sum(t.errors.values()) for t in (self.page, self.acknowledge, self.complete))


async def _timed(
    timings: Timings, call: Callable[[], object], must_say: str | None = None
) -> httpx.Response | None:
    started = time.perf_counter()
    try:
        answer: httpx.Response = await call()  # type: ignore[misc]
    except httpx.HTTPError as err:
        timings.fail(_reason(err))
        return None
    timings.add((time.perf_counter() - started) * 1000)
    if answer.status_code == 202:
        timings.fail("deferred (202)")
        return None
    if not 200 <= answer.status_code < 300:
        timings.fail(f"HTTP {answer.status_code}")
        return None
    if must_say is not None and must_say not in answer.text:
        timings.fail("page without the expected text")
        return None
    return answer


async def _page_with(
    web: httpx.AsyncClient, link: str, action: str, run: AgencyRun
) -> tuple[str, str] | None:
    """The task page's form for ``action``; re-read while the page still shows the state
    before the last action (the read model follows the workflow a moment later)."""
    for attempt in range(STALE_RETRIES):
        page = await _timed(run.page, lambda: web.get(link))
        if page is None:
            return None
        found = form(page.text, action)
        if found is not None:
            return found
        run.stale_pages += 1
        await asyncio.sleep(0.1 * (attempt + 1))
    run.page.fail(f"no {action} form after {STALE_RETRIES} reads")
    return None


async def close_task(web: httpx.AsyncClient, base: str, link: str, run: AgencyRun) -> None:
    """GET the link, POST acknowledge, GET again, POST complete, as an agency would."""
    found = await _page_with(web, link, "acknowledge", run)
    if found is None:
        return
    action, token = found
    if not await _timed(
        run.acknowledge,
        lambda: web.post(base + action, data={"form_token": token}),
        ACKNOWLEDGED,
    ):
        return
    found = await _page_with(web, link, "complete", run)
    if found is None:
        return
    action, token = found
    if await _timed(
        run.complete,
        lambda: web.post(base + action, data={"form_token": token, "summary": SUMMARY}),
        REPORTED,
    ):
        run.done += 1


async def agencies(
    base: str, links: list[str], clients: int, timeout: float, stop: asyncio.Event
) -> AgencyRun:
    """``clients`` agencies at once, each taking the next task until none is left (or
    ``stop`` is set: the web is known dead and the rest would only time out)."""
    run = AgencyRun()
    todo = list(links)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async def agency() -> None:
        async with httpx.AsyncClient(timeout=timeout, limits=limits) as web:
            while todo and not stop.is_set():
                await close_task(web, base, todo.pop(), run)

    await asyncio.gather(*(agency() for _ in range(clients)))
    return run


async def console_login(web: httpx.AsyncClient, username: str, password: str) -> None:
    page = await web.get("/admin/login")
    page.raise_for_status()
    token = re.search(r'name="login_token" value="([^"]+)"', page.text)
    assert token, "no login form on /admin/login"
    answer = await web.post(
        "/admin/login",
        data={"username": username, "password": password, "login_token": token[1]},
    )
    if answer.status_code != 303:
        raise RuntimeError(f"console login refused: HTTP {answer.status_code}")


async def officers(
    base: str,
    login: tuple[str, str],
    task_ids: list[str],
    clients: int,
    timeout: float,
    stop: asyncio.Event,
    pause: float = 0.5,
) -> Timings:
    """Officers paging through the console until ``stop``: dashboard, lists, a task, one
    page every ``pause`` seconds each (a person reads; a tight loop would be a load test
    of the console, not an office at work beside the agencies)."""
    timings = Timings()
    rng = random.Random(7)
    pages = [
        "/admin/",
        "/admin/tasks",
        "/admin/tasks?state=open",
        "/admin/tasks?state=acknowledged",
    ]

    async def officer() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=timeout) as web:
            try:
                await console_login(web, *login)
            except (httpx.HTTPError, RuntimeError) as err:
                timings.fail(f"login: {_reason(err) if isinstance(err, httpx.HTTPError) else err}")
                return
            while not stop.is_set():
                path = rng.choice([*pages, f"/admin/tasks/{rng.choice(task_ids)}"])
                await _timed(timings, lambda p=path: web.get(p))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), pause)

    await asyncio.gather(*(officer() for _ in range(clients)))
    return timings


@dataclass
class Probe:
    timings: Timings = field(default_factory=Timings)
    failures_in_a_row: int = 0
    dead: bool = False


async def probe_health(
    base: str, stop: asyncio.Event, dead: asyncio.Event, every: float = 0.5, timeout: float = 3.0
) -> Probe:
    """/healthz every ``every`` seconds; five failures in a row set ``dead``."""
    probe = Probe()
    async with httpx.AsyncClient(timeout=timeout) as web:
        while not stop.is_set():
            if await _timed(probe.timings, lambda: web.get(f"{base}/healthz")) is None:
                probe.failures_in_a_row += 1
                if probe.failures_in_a_row >= 5:
                    probe.dead = True
                    dead.set()
            else:
                probe.failures_in_a_row = 0
            await asyncio.sleep(every)
    return probe
