"""``dondoc worker`` and ``dondoc web`` running side by side as processes, as deployed: a
notice is issued, its mail goes out through the relay, the agency acknowledges through
the link; then what the operator sees — the JSON log lines and the Prometheus metrics of
both processes — is read back."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
import pytest_asyncio
from ops_deployment import Deployment, make_deployment
from ops_processes import HeldRelay, Service, start_web, start_worker
from prometheus_client.parser import text_string_to_metric_families
from temporalio.client import Client

from support.pages import form_for

pytestmark = pytest.mark.e2e

OUR_METRICS = (
    "dondoc_mails_total",
    "dondoc_link_actions_total",
    "dondoc_tasks",
    "dondoc_tasks_overdue",
    "dondoc_outbox_backlog",
    "dondoc_http_requests_total",
    "dondoc_http_request_duration_seconds",
)
MAX_ACTIVITIES = 7
MAX_WORKFLOW_TASKS = 5


@dataclass
class Running:
    deployment: Deployment
    worker: Service
    web: Service
    task_id: str
    token: str


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def running(
    tmp_path_factory: pytest.TempPathFactory, ops_temporal: Client
) -> AsyncIterator[Running]:
    relay = HeldRelay()
    relay.start()
    folder = tmp_path_factory.mktemp("running")
    deployment = make_deployment(folder, ops_temporal, relay.port)
    env = deployment.env(
        worker_max_activities=str(MAX_ACTIVITIES),
        worker_max_workflow_tasks=str(MAX_WORKFLOW_TASKS),
    )
    services: list[Service] = []
    try:
        worker = start_worker(env, folder)
        services.append(worker)
        web = start_web(env, folder, deployment.web_port)
        services.append(web)
        task_id = await deployment.issue()
        [mail] = relay.wait_accepted(1)
        body = mail.get_body(preferencelist=("plain",))
        assert body is not None
        link = re.search(r"https?://\S+/t/[A-Za-z0-9_.-]+", body.get_content())
        assert link, body.get_content()
        with httpx.Client(timeout=30) as client:
            page = client.get(link[0])
            assert page.status_code == 200, page.text
            action, form_token = form_for(page.text, "acknowledge")
            acked = client.post(f"{web.url}{action}", data={"form_token": form_token})
            assert acked.status_code == 200, acked.text
            assert "Đã tiếp nhận nhiệm vụ." in acked.text
        yield Running(deployment, worker, web, task_id, link[0].rsplit("/", 1)[1])
    finally:
        for service in services:
            service.terminate()
        for service in services:
            try:
                service.exit_code(timeout=30)
            finally:
                service.kill()
        relay.stop()


def _scrape(url: str) -> str:
    answer = httpx.get(url, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.text


def _value(text: str, name: str, **labels: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    raise AssertionError(f"no sample {name}{labels}")


def _declared(text: str) -> set[str]:
    return set(re.findall(r"^# TYPE (\S+) ", text, re.M))


def test_worker_lines_are_json_and_name_the_task_of_the_activity(running: Running) -> None:
    lines = running.worker.lines()  # every line parses as JSON, or this fails
    sent = running.worker.wait_for("mail_sent", task_id=running.task_id)
    assert sent["workflow_id"] == running.task_id
    assert sent["run_id"]
    assert sent["activity"] == "record_and_mail"
    assert sent["logger"] == "dondoc.activities.mailing"
    assert sent["level"] == "info"
    assert sent["timestamp"].endswith("Z")
    # Lines from other loggers come through the same formatter (the worker no longer runs the
    # migrations, so Alembic has nothing to say here: `dondoc db upgrade` ran first).
    loggers = {line["logger"] for line in lines}
    assert "dondoc.worker" in loggers and "alembic.runtime.migration" not in loggers


def test_web_lines_name_the_task_and_the_route_never_the_token(running: Running) -> None:
    sent = running.web.wait_for("action_sent", task_id=running.task_id)
    assert sent["workflow_id"] == running.task_id
    assert sent["action"] == "acknowledge"
    assert sent["outcome"] == "Applied"
    request = running.web.wait_for("http_request", method="POST")
    assert request["route"] == "/t/{token}/{action}"
    assert request["status"] == 200  # logged once the answer is out: waited for above
    assert "uvicorn.error" in {line["logger"] for line in running.web.lines()}
    assert running.token not in running.web.err.read_text("utf-8")


def test_every_metric_is_on_the_web(running: Running) -> None:
    text = _scrape(f"{running.web.url}/metrics")
    assert set(OUR_METRICS) <= _declared(text)
    assert _value(text, "dondoc_link_actions_total", action="acknowledge", outcome="applied") == 1
    assert _value(text, "dondoc_link_actions_total", action="acknowledge", outcome="deferred") == 0
    assert _value(text, "dondoc_tasks", status_class="in_progress_on_time") == 1
    assert _value(text, "dondoc_tasks", status_class="done_late") == 0
    assert _value(text, "dondoc_tasks_overdue") == 0
    assert _value(text, "dondoc_outbox_backlog") == 0
    posted = {"route": "/t/{token}/{action}", "status": "200"}
    assert _value(text, "dondoc_http_requests_total", **posted) == 1
    assert _value(text, "dondoc_http_request_duration_seconds_count", route="/t/{token}") == 1
    assert running.token not in text


def test_every_metric_and_the_sdks_are_on_the_worker_port(running: Running) -> None:
    text = _scrape(running.deployment.worker_metrics)
    assert set(OUR_METRICS) <= _declared(text)
    assert _value(text, "dondoc_mails_total", outcome="sent") == 1
    assert _value(text, "dondoc_mails_total", outcome="failed") == 0
    assert _value(text, "dondoc_tasks", status_class="in_progress_on_time") == 1
    assert _value(text, "dondoc_outbox_backlog") == 0
    # The Temporal SDK's runtime metrics, through the same port; its slots are ours.
    queue = running.deployment.settings.task_queue
    assert (
        _value(text, "temporal_activity_execution_latency_count", activity_type="record_and_mail")
        >= 1
    )
    slots = "temporal_worker_task_slots_available"
    assert _value(text, slots, worker_type="ActivityWorker", task_queue=queue) == MAX_ACTIVITIES
    assert _value(text, slots, worker_type="WorkflowWorker", task_queue=queue) == MAX_WORKFLOW_TASKS


def test_the_worker_port_answers_its_probes(running: Running) -> None:
    base = running.deployment.worker_metrics.rsplit("/", 1)[0]
    alive = httpx.get(f"{base}/healthz", timeout=10)
    assert alive.status_code == 200 and alive.json() == {"status": "ok"}
    ready = httpx.get(f"{base}/readyz", timeout=10)
    assert ready.status_code == 200, ready.text
    assert ready.json() == {"status": "ok", "database": "ok", "temporal": "ok", "smtp": "ok"}
