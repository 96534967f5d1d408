"""uvicorn for ``dondoc web``, stopped the way every service of ours stops."""

from __future__ import annotations

import contextlib
import math
import signal
from collections.abc import Iterator
from types import FrameType

import uvicorn
from starlette.types import ASGIApp

from dondoc.cli.stopping import SIGNALS, GracefulStop
from dondoc.settings import Settings
from dondoc.web.load import KEEP_ALIVE_SECONDS


def web_config(app: ASGIApp, settings: Settings, *, host: str, port: int) -> uvicorn.Config:
    """uvicorn's settings for ``dondoc web``.

    ``proxy_headers=False``: uvicorn would otherwise believe ``X-Forwarded-For`` from any
    client on 127.0.0.1 (its default ``forwarded_allow_ips``), before the app could say
    no. The app reads forwarded headers itself, from ``DONDOC_TRUSTED_PROXIES`` only
    (``dondoc.web.proxies``), so the socket's peer must reach it untouched.
    """
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        proxy_headers=False,
        # Our middleware logs each request by route template; uvicorn's access log would
        # print the raw path, a link's token included.
        access_log=False,
        log_config=None,
        timeout_graceful_shutdown=math.ceil(settings.shutdown_timeout),
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
    )


class WebServer(uvicorn.Server):
    """uvicorn with ``GracefulStop`` in place of its own signal handling, which re-raises
    SIGTERM after a graceful stop (exit status 143, not 0) and stops waiting only on a
    second Ctrl-C, not on a second SIGTERM. The in-flight requests get uvicorn's
    ``timeout_graceful_shutdown``; then the app's lifespan stops the action relay."""

    def __init__(self, config: uvicorn.Config, timeout: float) -> None:
        super().__init__(config)
        self.stopping = GracefulStop("web", timeout, self._request_stop)

    def _request_stop(self) -> None:
        self.should_exit = True  # uvicorn's main loop looks at it every 0.1 s

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        def handler(signum: int, _: FrameType | None) -> None:
            self.stopping.on_signal(signum)

        previous = {signum: signal.signal(signum, handler) for signum in SIGNALS}
        try:
            yield
        finally:
            for signum, old in previous.items():
                signal.signal(signum, old)
            self.stopping.disarm()
