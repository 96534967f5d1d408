"""The Grafana dashboard and the Prometheus alerts read only metrics that exist: Đôn đốc's
own (the contract in conftest.py) and the Temporal SDK's as a real worker serves them."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from deploy_promql import problems, reads, substitute_grafana
from deploy_support import DEPLOY, DONDOC_METRICS

DASHBOARD = DEPLOY / "grafana" / "dondoc.json"
ALERTS = DEPLOY / "prometheus" / "dondoc-alerts.yml"
SCRAPE = DEPLOY / "prometheus" / "prometheus.yml"


def dashboard() -> dict[str, Any]:
    return json.loads(DASHBOARD.read_text("utf-8"))


def panels() -> list[dict[str, Any]]:
    return [p for p in dashboard()["panels"] if p["type"] != "row"]


def variables() -> dict[str, str]:
    """Each dashboard variable with a value it can take."""
    values = {}
    for var in dashboard()["templating"]["list"]:
        values[var["name"]] = var.get("current", {}).get("value") or var["query"]
    return values


def alerts() -> list[dict[str, Any]]:
    rules = yaml.safe_load(ALERTS.read_text("utf-8"))
    return [rule for group in rules["groups"] for rule in group["rules"]]


def test_the_dashboard_is_a_grafana_dashboard_with_unique_panels() -> None:
    board = dashboard()
    assert board["uid"] and board["title"] and board["schemaVersion"] >= 36
    ids = [p["id"] for p in board["panels"]]
    assert len(ids) == len(set(ids))
    for panel in panels():
        assert panel["title"] and panel["description"], panel["id"]
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
        assert panel["targets"] and all(t["expr"] for t in panel["targets"]), panel["title"]
        assert {"h", "w", "x", "y"} <= panel["gridPos"].keys()
        assert panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24


@pytest.mark.parametrize("panel", panels(), ids=[p["title"] for p in panels()])
def test_every_dashboard_expression_reads_known_metrics_and_labels(
    panel: dict[str, Any], metric_catalogue: dict[str, dict[str, set[str] | None]]
) -> None:
    for target in panel["targets"]:
        expr = substitute_grafana(target["expr"], variables())
        assert problems(expr, metric_catalogue) == [], expr


def test_the_dashboard_shows_every_metric_of_ours() -> None:
    shown = {
        s.metric
        for p in panels()
        for t in p["targets"]
        for s in reads(substitute_grafana(t["expr"], variables())).selectors
    }
    ours = {
        name.removesuffix("_bucket").removesuffix("_sum").removesuffix("_count")
        for name in DONDOC_METRICS
        if name.startswith("dondoc_")
    }
    shown_base = {name.removesuffix("_bucket") for name in shown}
    assert ours <= shown_base, ours - shown_base
    assert any(name.startswith("temporal_") for name in shown)


def test_an_unknown_metric_or_label_value_is_caught(
    metric_catalogue: dict[str, dict[str, set[str] | None]],
) -> None:
    """The check above can fail: a misspelt name, a label and a value that do not exist."""
    assert problems("sum(rate(dondoc_mail_total[5m]))", metric_catalogue) == [
        "unknown metric dondoc_mail_total"
    ]
    assert problems('dondoc_mails_total{outcome="lost"}', metric_catalogue) == [
        "dondoc_mails_total{outcome} never takes 'lost'"
    ]
    assert problems(
        "sum by (activity_type) (temporal_activity_schedule_to_start_latency_bucket)",
        metric_catalogue,
    ) == [
        "groups by activity_type, which none of "
        "['temporal_activity_schedule_to_start_latency_bucket'] has"
    ]
    assert problems("sum(rate(dondoc_tasks[5m])", metric_catalogue)[0].startswith("not PromQL")


def test_the_sdk_serves_the_worker_metrics_the_dashboard_relies_on(
    temporal_sdk_metrics: dict[str, set[str]],
) -> None:
    for name in (
        "temporal_workflow_task_schedule_to_start_latency_bucket",
        "temporal_activity_schedule_to_start_latency_bucket",
        "temporal_worker_task_slots_available",
        "temporal_activity_execution_failed",
        "temporal_workflow_task_execution_failed",
        "temporal_request_failure",
    ):
        assert name in temporal_sdk_metrics, sorted(temporal_sdk_metrics)


@pytest.mark.parametrize("rule", alerts(), ids=[r["alert"] for r in alerts()])
def test_every_alert_is_complete_and_reads_known_metrics(
    rule: dict[str, Any], metric_catalogue: dict[str, dict[str, set[str] | None]]
) -> None:
    assert rule["alert"][0].isupper() and " " not in rule["alert"]
    assert rule["labels"]["severity"] in {"critical", "warning", "info"}
    assert rule["annotations"]["summary"]
    assert set(rule) <= {"alert", "expr", "for", "labels", "annotations", "keep_firing_for"}
    assert problems(rule["expr"], metric_catalogue) == [], rule["expr"]


def test_alert_names_are_unique_and_their_jobs_are_scraped() -> None:
    names = [rule["alert"] for rule in alerts()]
    assert len(names) == len(set(names))
    scrape = yaml.safe_load(SCRAPE.read_text("utf-8"))
    jobs = {job["job_name"] for job in scrape["scrape_configs"]}
    assert "dondoc-alerts.yml" in scrape["rule_files"]
    for rule in alerts():
        for selector in reads(rule["expr"]).selectors:
            if "job" in selector.matchers:
                assert selector.matchers["job"][1] in jobs, rule["alert"]
    assert jobs == DONDOC_METRICS["up"]["job"]
