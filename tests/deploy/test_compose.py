"""deploy/docker-compose.yml, as `docker compose config` (the real Compose) resolves it."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from deploy_support import (
    DEPLOY,
    GRACEFUL_SHUTDOWN_SECONDS,
    IMAGE_UID,
    KNOWN_SETTINGS,
    SECRET_SETTINGS,
)

from dondoc.workflows.search_attributes import registration

COMPOSE = DEPLOY / "docker-compose.yml"
ENV_EXAMPLE = DEPLOY / ".env.example"
OURS = ("dondoc-migrate", "dondoc-worker", "dondoc-web")

Compose = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def config(docker_compose: Compose) -> dict[str, Any]:
    result = docker_compose(
        "--env-file", str(ENV_EXAMPLE), "-f", str(COMPOSE), "config", "--format", "json"
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_compose_validates_the_file_with_the_example_settings(config: dict[str, Any]) -> None:
    assert set(config["services"]) == {
        "postgresql",
        "temporal-schema",
        "temporal",
        "temporal-namespace",
        "temporal-ui",
        "mailpit",
        *OURS,
    }


def test_a_missing_setting_stops_compose_and_names_it(
    docker_compose: Compose, tmp_path: Path
) -> None:
    env = tmp_path / "env"
    env.write_text(
        "".join(
            line + "\n"
            for line in ENV_EXAMPLE.read_text("utf-8").splitlines()
            if not line.startswith("DONDOC_PUBLIC_URL=")
        ),
        "utf-8",
    )
    result = docker_compose("--env-file", str(env), "-f", str(COMPOSE), "config", "--quiet")
    assert result.returncode != 0
    assert "set DONDOC_PUBLIC_URL in deploy/.env" in result.stderr


def test_the_official_temporal_images_and_mailpit_are_pinned(config: dict[str, Any]) -> None:
    images = {name: service["image"] for name, service in config["services"].items()}
    assert images["temporal"].startswith("temporalio/server:")
    assert images["temporal-schema"].startswith("temporalio/admin-tools:")
    assert images["temporal-namespace"].startswith("temporalio/admin-tools:")
    assert images["temporal-ui"].startswith("temporalio/ui:")
    assert images["mailpit"].startswith("axllent/mailpit:")
    assert images["postgresql"].startswith("postgres:15")
    for name, image in images.items():
        tag = image.rpartition(":")[2]
        assert ":" in image and tag not in ("", "latest"), f"{name}: {image}"


def test_our_services_are_built_from_the_dockerfile(config: dict[str, Any]) -> None:
    images = {config["services"][name]["image"] for name in OURS}
    assert len(images) == 1
    for name in OURS:
        build = config["services"][name]["build"]
        assert Path(build["context"]) / build["dockerfile"] == DEPLOY / "Dockerfile"
    commands = {name: config["services"][name]["command"] for name in OURS}
    assert commands == {
        "dondoc-migrate": ["db", "upgrade"],
        "dondoc-worker": ["worker"],
        "dondoc-web": ["web", "--host", "0.0.0.0", "--port", "8000"],
    }


def test_start_up_waits_for_what_each_service_needs(config: dict[str, Any]) -> None:
    services = config["services"]

    def waits(name: str) -> dict[str, str]:
        depends = services[name].get("depends_on", {})
        return {dep: spec["condition"] for dep, spec in depends.items()}

    assert waits("temporal-schema") == {"postgresql": "service_healthy"}
    assert waits("temporal") == {"temporal-schema": "service_completed_successfully"}
    assert waits("temporal-namespace") == {"temporal": "service_healthy"}
    assert waits("dondoc-migrate") == {"postgresql": "service_healthy"}
    for name in ("dondoc-worker", "dondoc-web"):
        assert waits(name)["dondoc-migrate"] == "service_completed_successfully"
        assert waits(name)["temporal-namespace"] == "service_completed_successfully"
    assert waits("dondoc-worker")["mailpit"] == "service_healthy"
    for name in services:
        for dep, condition in waits(name).items():
            if condition == "service_healthy":
                assert services[dep].get("healthcheck", {}).get("test"), f"{name} -> {dep}"
    for name in ("dondoc-worker", "dondoc-web"):
        assert "/healthz" in " ".join(services[name]["healthcheck"]["test"])


def test_our_containers_are_locked_down_and_get_secrets_only_as_files(
    config: dict[str, Any],
) -> None:
    for name in OURS:
        service = config["services"][name]
        assert service["user"] == f"{IMAGE_UID}:{IMAGE_UID}"
        assert service["read_only"] is True and service["cap_drop"] == ["ALL"]
        assert "no-new-privileges:true" in service["security_opt"]
        env = service["environment"]
        assert set(env) <= KNOWN_SETTINGS, set(env) - KNOWN_SETTINGS
        assert not set(env) & SECRET_SETTINGS, name
        mounted = {s["target"] for s in service["secrets"]}
        for secret in SECRET_SETTINGS - {"DONDOC_TEMPORAL_API_KEY"}:
            assert env[f"{secret}_FILE"] in mounted, secret
    secrets = config["secrets"]
    assert {s["environment"] for s in secrets.values()} == SECRET_SETTINGS - {
        "DONDOC_TEMPORAL_API_KEY"
    }


def test_stopping_waits_past_the_graceful_shutdown(config: dict[str, Any]) -> None:
    for name in ("dondoc-worker", "dondoc-web"):
        grace = config["services"][name]["stop_grace_period"]
        assert int(grace.rstrip("s")) > GRACEFUL_SHUTDOWN_SECONDS


def test_the_example_env_file_names_only_known_settings() -> None:
    names = {
        line.split("=", 1)[0]
        for line in ENV_EXAMPLE.read_text("utf-8").splitlines()
        if line and not line.startswith("#")
    }
    assert {n for n in names if n.startswith("DONDOC_")} <= KNOWN_SETTINGS | {
        "DONDOC_IMAGE",
        "DONDOC_DB_PASSWORD",
        "DONDOC_WEB_PORT",
    }


def search_attributes_in(script: str) -> dict[str, str]:
    return dict(re.findall(r"(Dondoc[A-Za-z]+):(Keyword|Datetime|Text|Int|Double|Bool)", script))


def test_the_namespace_job_registers_every_search_attribute_the_workflows_set() -> None:
    script = (DEPLOY / "compose" / "temporal-namespace.sh").read_text("utf-8")
    assert search_attributes_in(script) == registration()


@pytest.mark.parametrize("script", sorted((DEPLOY / "compose").glob("*.sh")), ids=lambda p: p.name)
def test_the_setup_scripts_are_valid_posix_shell(script: Path) -> None:
    result = subprocess.run(["sh", "-n", str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
