"""The worker's own probes, on its metrics port: ``/healthz`` (the process answers) and
``/readyz`` (the database answers, and Temporal and the mail relay accept connections),
for a supervisor (Kubernetes, systemd's watchdog scripts) to tell a stuck worker apart.

Served by the metrics port's own thread, so they work whatever the event loop is doing;
each check has a short timeout so a probe never hangs.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import text

from dondoc.settings import Settings
from dondoc.store.db import session_scope

CHECK_TIMEOUT = 3.0
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _connects(host: str, port: int) -> str:
    try:
        with socket.create_connection((host, port), timeout=CHECK_TIMEOUT):
            return "ok"
    except OSError as err:
        return f"error: {type(err).__name__}: {err}"[:200]


def _database(settings: Settings) -> str:
    try:
        with session_scope(settings.database_url) as session:
            session.execute(text("SELECT 1"))
    except Exception as err:  # a probe reports, it does not fail
        return f"error: {type(err).__name__}"
    return "ok"


def readiness(settings: Settings) -> dict[str, str]:
    host, _, port = settings.temporal_address.rpartition(":")
    smtp_host, smtp_port = settings.smtp_target
    return {
        "database": _database(settings),
        "temporal": _connects(host or "127.0.0.1", int(port)),
        "smtp": _connects(smtp_host, smtp_port),
    }


def with_probes(metrics: WsgiApp, settings: Settings) -> WsgiApp:
    """``metrics`` (prometheus-client's WSGI app) with the two probes in front of it."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path not in ("/healthz", "/readyz"):
            return metrics(environ, start_response)
        body: dict[str, str] = {"status": "ok"}
        status = "200 OK"
        if path == "/readyz":
            checks = readiness(settings)
            ready = all(v == "ok" for v in checks.values())
            body = {"status": "ok" if ready else "degraded", **checks}
            status = "200 OK" if ready else "503 Service Unavailable"
        data = json.dumps(body).encode()
        start_response(
            status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
        )
        return [data]

    return app
