"""How ``dondoc worker`` and ``dondoc web`` stop: gracefully once, at once if pressed.

The first SIGTERM or Ctrl-C asks the service to stop (the worker stops polling and lets
its running activities finish; the web stops accepting and finishes its requests) and
arms a watchdog. A second signal, or the watchdog firing after the bound, ends the
process at once with exit status 1: nothing is lost by that, since every action is kept
in the database before it is sent and an activity cut short is retried by Temporal.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Callable

import structlog

log = structlog.get_logger(__name__)

SIGNALS = (signal.SIGINT, signal.SIGTERM)
FORCED = 1
MARGIN = 10.0
"""Seconds past the service's own shutdown timeout before the watchdog fires: the time
to cancel what overran, close connections and the Temporal client."""


class GracefulStop:
    def __init__(self, service: str, timeout: float, request_stop: Callable[[], None]) -> None:
        self._service = service
        self._bound = timeout + MARGIN
        self._request_stop = request_stop
        self._signals = 0
        self._watchdog: threading.Timer | None = None

    def on_signal(self, signum: int) -> None:
        self._signals += 1
        if self._signals > 1:
            self._force("second signal")
        log.info(f"{self._service}_stop_requested", signal=signal.Signals(signum).name)
        self._watchdog = threading.Timer(self._bound, self._force, args=("shutdown timeout",))
        self._watchdog.daemon = True
        self._watchdog.start()
        self._request_stop()

    def disarm(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()

    def _force(self, reason: str) -> None:
        log.warning(f"{self._service}_stop_forced", reason=reason)
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(FORCED)
