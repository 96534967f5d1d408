"""Past its limit of requests in flight the web answers 503 at once, and the probes still answer.

The inner app is held on an event the test releases, so "in flight" is a fact the test made,
not a matter of timing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
from starlette.responses import PlainTextResponse
from starlette.types import Receive, Scope, Send

from dondoc.web.load import Overload


class HeldApp:
    """Answers 200, but only once the test lets it; counts who is waiting."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.waiting = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["path"] not in ("/healthz", "/metrics"):
            self.waiting += 1
            await self.release.wait()
        await PlainTextResponse("ok")(scope, receive, send)


async def _until(check: Callable[[], bool], what: str) -> None:
    for _ in range(500):
        if check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


async def test_requests_past_the_limit_get_503_with_retry_after_and_probes_still_answer() -> None:
    inner = HeldApp()
    app = Overload(inner, limit=2)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://dondoc.test"
    ) as web:
        held = [asyncio.create_task(web.get(f"/t/{n}")) for n in range(2)]
        await _until(lambda: inner.waiting == 2, "two requests to be in flight")

        refused = await asyncio.wait_for(web.get("/t/third"), timeout=5)
        assert refused.status_code == 503
        assert refused.headers["Retry-After"] == "5"
        assert "quá tải" in refused.text
        assert inner.waiting == 2  # the refused request never reached the app

        for probe in ("/healthz", "/metrics"):
            answer = await asyncio.wait_for(web.get(probe), timeout=5)
            assert answer.status_code == 200, probe

        inner.release.set()
        assert [r.status_code for r in await asyncio.gather(*held)] == [200, 200]
        again = await web.get("/t/after")
        assert again.status_code == 200  # the slots came back when the requests finished
