"""The worker's Prometheus port: our metrics and the Temporal SDK's, on one port, with
the worker's ``/healthz`` and ``/readyz`` (``worker/probes.py``).

The SDK's runtime exports its own metrics (task slots, poll and schedule-to-start
latencies, workflow and activity outcomes) through an HTTP exporter in its Rust core;
ours live in prometheus-client. Rather than give operators two ports to scrape, the SDK's
exporter listens on a loopback port nobody else sees, and the port we serve re-exposes
what it answers (parsed by prometheus-client, so the scrape's format negotiation stays
the client library's). The SDK's counters are exported with the ``_total`` suffix, as
Prometheus names counters; their durations stay in the SDK's milliseconds.
"""

from __future__ import annotations

import socket
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from threading import Thread
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import structlog
from prometheus_client import make_wsgi_app
from prometheus_client.core import Metric
from prometheus_client.exposition import ThreadingWSGIServer
from prometheus_client.parser import text_string_to_metric_families
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from dondoc.commands.gauges import ReadModelGauges
from dondoc.logs import temporal_core_logging
from dondoc.metrics import exposition
from dondoc.settings import Settings
from dondoc.worker.probes import with_probes

log = structlog.get_logger(__name__)

SDK_SCRAPE_TIMEOUT = 2.0


class _QuietHandler(WSGIRequestHandler):
    """No access line on stderr per scrape or probe (the log is JSON lines)."""

    def log_message(self, format: str, *args: object) -> None:
        return None


class MetricsPortUnavailable(OSError):
    """The worker's metrics port could not be bound (taken, or not this host's address)."""


class SdkMetrics:
    """A prometheus-client collector that reads the SDK's loopback exporter."""

    def __init__(self, address: str) -> None:
        self._url = f"http://{address}/metrics"

    def collect(self) -> Iterator[Metric]:
        try:
            with urllib.request.urlopen(self._url, timeout=SDK_SCRAPE_TIMEOUT) as answer:
                text = answer.read().decode("utf-8")
        except OSError as err:  # our metrics still answer without the SDK's
            log.warning("sdk_metrics_unavailable", error=repr(err))
            return
        yield from text_string_to_metric_families(text)


def _loopback_address() -> str:
    """A loopback port free now, for the SDK's exporter (which cannot report a port 0)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{s.getsockname()[1]}"


@dataclass
class MetricsPort:
    server: WSGIServer
    thread: Thread

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def serve_metrics(settings: Settings) -> MetricsPort | None:
    """Start the port (None when ``DONDOC_WORKER_METRICS_PORT`` is 0).

    Call before the first Temporal client is made: the SDK's exporter belongs to the
    runtime a client is created on, and this makes it the default one. Raises
    ``MetricsPortUnavailable`` when the port cannot be bound.
    """
    if settings.worker_metrics_port == 0:
        return None
    sdk = _loopback_address()
    telemetry = TelemetryConfig(
        logging=temporal_core_logging(),
        metrics=PrometheusConfig(bind_address=sdk, counters_total_suffix=True),
    )
    registry = exposition(ReadModelGauges(settings.database_url), SdkMetrics(sdk))
    app = with_probes(make_wsgi_app(registry), settings)
    try:
        server = make_server(
            settings.worker_metrics_host,
            settings.worker_metrics_port,
            app,
            ThreadingWSGIServer,
            handler_class=_QuietHandler,
        )
    except OSError as err:
        raise MetricsPortUnavailable(err.errno, err.strerror) from err
    thread = Thread(target=server.serve_forever, name="dondoc-metrics", daemon=True)
    thread.start()
    Runtime.set_default(Runtime(telemetry=telemetry), error_if_already_set=False)
    log.info(
        "worker_metrics_serving",
        address=f"{settings.worker_metrics_host}:{settings.worker_metrics_port}",
    )
    return MetricsPort(server, thread)
