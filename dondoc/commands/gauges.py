"""Where the work stands, as Prometheus gauges read from the read model at scrape time.

``dondoc_tasks{status_class}``, ``dondoc_tasks_overdue`` and ``dondoc_outbox_backlog``
(outbox rows pending or failed: mail not yet accepted by the relay). One short read,
kept for ``ttl`` seconds, so a dashboard refreshing every few seconds, or several
Prometheus servers, cost one query per interval. ``collect`` runs in the scraping thread
(the web's thread pool, the worker's metrics server), never on an event loop.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import func, select

from dondoc.store.dashboard import dashboard
from dondoc.store.db import session_scope
from dondoc.store.outbox import OutboxStatus
from dondoc.store.tables import OutboxRow

log = structlog.get_logger(__name__)

TTL = 10.0
BACKLOG = (OutboxStatus.PENDING.value, OutboxStatus.FAILED.value)


@dataclass(frozen=True, slots=True)
class Standing:
    classes: dict[str, int]
    overdue: int
    backlog: int


def read_standing(url: str, now: datetime) -> Standing:
    with session_scope(url) as session:
        board = dashboard(session, now)
        backlog = session.scalar(
            select(func.count()).select_from(OutboxRow).where(OutboxRow.status.in_(BACKLOG))
        )
    return Standing(classes=board.classes, overdue=board.overdue, backlog=backlog or 0)


class ReadModelGauges:
    """A prometheus-client collector over ``read_standing``, cached for ``ttl`` seconds."""

    def __init__(self, database_url: str, *, ttl: float = TTL) -> None:
        self._url = database_url
        self._ttl = ttl
        self._lock = threading.Lock()
        self._cached: tuple[float, Standing] | None = None

    def _standing(self) -> Standing:
        with self._lock:
            now = time.monotonic()
            if self._cached is None or now - self._cached[0] >= self._ttl:
                self._cached = (now, read_standing(self._url, datetime.now(UTC)))
            return self._cached[1]

    def collect(self) -> Iterator[Metric]:
        try:
            standing = self._standing()
        except Exception as err:  # a scrape still shows the counters; the gauges go absent
            log.warning("read_model_gauges_failed", error=repr(err))
            return
        tasks = GaugeMetricFamily(
            "dondoc_tasks", "Tasks by reporting class, as of now.", labels=["status_class"]
        )
        for klass, count in sorted(standing.classes.items()):
            tasks.add_metric([klass], count)
        yield tasks
        yield GaugeMetricFamily(
            "dondoc_tasks_overdue", "Running tasks past their deadline.", value=standing.overdue
        )
        yield GaugeMetricFamily(
            "dondoc_outbox_backlog",
            "Mail copies not yet accepted by the relay (outbox rows pending or failed).",
            value=standing.backlog,
        )
