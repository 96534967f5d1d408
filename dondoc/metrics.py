"""Our Prometheus metrics, and how a process exposes them (prometheus-client).

The counters live in the client library's process-wide registry: activities and commands
bump them wherever they run. What a scrape reads is a registry made per exposing process
(``exposition``): that registry, plus collectors that read at scrape time — the read model's
gauges (``commands/gauges.py``) and, on the worker, the Temporal SDK's own metrics.

The names are a contract (a Grafana dashboard is written against them):

* ``dondoc_mails_total{outcome="sent|failed|bounced"}`` — one per recipient copy handed to
  the relay: accepted, failed for now (the activity is retried), refused for good.
* ``dondoc_link_actions_total{action,outcome="applied|refused|deferred"}`` — a person's
  action (link page, console or API) as the workflow first answered it; a deferred one
  counts again as applied or refused when the relay delivers it.
* ``dondoc_http_requests_total{route,status}`` and
  ``dondoc_http_request_duration_seconds{route}`` — by route template (``/t/{token}``),
  never the raw path: a link's token is never a label value.

Every process serves its own numbers (one web process per ``dondoc web``), so the client
library's multiprocess mode is not needed; Prometheus sums the instances.
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

from dondoc.domain.task import Action

MAIL_OUTCOMES = ("sent", "failed", "bounced")
ACTION_OUTCOMES = ("applied", "refused", "deferred")
UNMATCHED_ROUTE = "<unmatched>"
"""The route label of a request that matched no route (a 404): a bounded label value."""

MAILS = Counter("dondoc_mails", "Mail copies handed to the SMTP relay, by outcome.", ["outcome"])
LINK_ACTIONS = Counter(
    "dondoc_link_actions",
    "People's actions on tasks, by action and by the workflow's first answer.",
    ["action", "outcome"],
)
HTTP_REQUESTS = Counter(
    "dondoc_http_requests",
    "HTTP requests answered, by route template and status.",
    ["route", "status"],
)
HTTP_DURATION = Histogram(
    "dondoc_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template.",
    ["route"],
)

# Zero series exist from the start, so a rate() has a baseline and a dashboard shows 0,
# not "no data", before the first mail or click.
for _outcome in MAIL_OUTCOMES:
    MAILS.labels(_outcome)
for _action in Action:
    for _outcome in ACTION_OUTCOMES:
        LINK_ACTIONS.labels(_action.value, _outcome)


def count_mail(outcome: str) -> None:
    MAILS.labels(outcome).inc()


def count_action(action: Action, outcome: str) -> None:
    LINK_ACTIONS.labels(action.value, outcome).inc()


class _Everything:
    """The process-wide registry, as one collector of another registry."""

    def collect(self) -> Iterable[object]:
        return REGISTRY.collect()


def exposition(*collectors: Collector) -> CollectorRegistry:
    """What this process shows a scrape: the process-wide metrics and ``collectors``.

    A registry of its own, so that two apps in one process (the tests) each add their
    read-model collector without a duplicate-name error in the shared one.
    """
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Everything())  # type: ignore[arg-type]
    for collector in collectors:
        registry.register(collector)
    return registry


def render(registry: CollectorRegistry, accept: str | None) -> tuple[bytes, str]:
    """The scrape's body and content type, in the format the scraper asked for."""
    encoder, content_type = choose_encoder(accept or "")
    return encoder(registry), content_type
