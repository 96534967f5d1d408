"""deploy/kubernetes/: every manifest against Kubernetes' own JSON schemas (offline, from
the kubernetes-validate package, strict: an unknown field fails), and the rules we keep."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from deploy_support import (
    DEPLOY,
    GRACEFUL_SHUTDOWN_SECONDS,
    IMAGE_UID,
    KNOWN_SETTINGS,
    SECRET_SETTINGS,
)

from dondoc.workflows.search_attributes import registration

K8S = DEPLOY / "kubernetes"
MANIFESTS = sorted(p for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")
# The oldest Kubernetes still commonly supported, and the newest the package carries.
VERSIONS = ["1.30.0", kubernetes_validate.latest_version()]


def documents(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text("utf-8")) if d]


def every_document() -> list[dict[str, Any]]:
    return [d for path in MANIFESTS for d in documents(path)]


def one(kind: str, name: str) -> dict[str, Any]:
    found = [d for d in every_document() if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, (kind, name)
    return found[0]


def pod_specs() -> list[tuple[str, dict[str, Any]]]:
    return [
        (d["metadata"]["name"], d["spec"]["template"]["spec"])
        for d in every_document()
        if d["kind"] in ("Deployment", "Job")
    ]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_each_manifest_is_valid_against_the_kubernetes_schema(path: Path, version: str) -> None:
    for document in documents(path):
        # Raises on an invalid document, and SchemaNotFoundError on an unknown kind.
        kubernetes_validate.validate(document, version, strict=True)


def test_the_schema_check_catches_a_misspelt_field() -> None:
    web = one("Deployment", "dondoc-web")
    container = web["spec"]["template"]["spec"]["containers"][0]
    container["readinesProbe"] = container.pop("readinessProbe")
    with pytest.raises(kubernetes_validate.ValidationError, match="readinesProbe"):
        kubernetes_validate.validate(web, VERSIONS[0], strict=True)


def test_the_kustomization_lists_existing_files_and_the_image_the_pods_use() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text("utf-8"))
    for resource in kustomization["resources"]:
        assert (K8S / resource).is_file(), resource
    assert "secret.example.yaml" not in kustomization["resources"]
    image = kustomization["images"][0]["name"]
    for name, spec in pod_specs():
        if name.startswith("dondoc-") and name != "dondoc-temporal-setup":
            assert spec["containers"][0]["image"].rpartition(":")[0] == image, name


@pytest.mark.parametrize("name", ["dondoc-web", "dondoc-worker"])
def test_each_service_is_probed_bounded_and_stops_gracefully(name: str) -> None:
    spec = one("Deployment", name)["spec"]["template"]["spec"]
    container = spec["containers"][0]
    port_names = {p["name"] for p in container["ports"]}
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        assert container[probe]["httpGet"]["port"] in port_names
    assert {"cpu", "memory"} <= container["resources"]["requests"].keys()
    assert "memory" in container["resources"]["limits"]
    assert spec["terminationGracePeriodSeconds"] > GRACEFUL_SHUTDOWN_SECONDS


@pytest.mark.parametrize("name", [name for name, _ in pod_specs()])
def test_every_pod_runs_non_root_on_a_read_only_root_filesystem(name: str) -> None:
    spec = dict(pod_specs())[name]
    assert spec["automountServiceAccountToken"] is False
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    if name != "dondoc-temporal-setup":
        assert spec["securityContext"]["runAsUser"] == IMAGE_UID
    for container in spec["containers"]:
        context = container["securityContext"]
        assert context["readOnlyRootFilesystem"] is True
        assert context["allowPrivilegeEscalation"] is False
        assert context["capabilities"]["drop"] == ["ALL"]
        assert container["image"].rpartition(":")[2] not in ("", "latest")


def test_the_worker_scales_by_its_autoscaler() -> None:
    hpa = one("HorizontalPodAutoscaler", "dondoc-worker")
    target = hpa["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", "dondoc-worker")
    assert 1 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]
    assert "replicas" not in one("Deployment", "dondoc-worker")["spec"]


@pytest.mark.parametrize("name", ["dondoc-web", "dondoc-worker-metrics"])
def test_services_select_their_pods_and_name_a_container_port(name: str) -> None:
    service = one("Service", name)
    deployment = one("Deployment", name.removesuffix("-metrics"))
    pod = deployment["spec"]["template"]
    assert service["spec"]["selector"].items() <= pod["metadata"]["labels"].items()
    ports = {p["name"] for c in pod["spec"]["containers"] for p in c["ports"]}
    assert {p["targetPort"] for p in service["spec"]["ports"]} <= ports


def test_the_config_holds_no_secret_and_the_secret_backs_every_file_variable() -> None:
    config = one("ConfigMap", "dondoc-config")["data"]
    assert set(config) <= KNOWN_SETTINGS, set(config) - KNOWN_SETTINGS
    assert not set(config) & SECRET_SETTINGS
    secret_keys = set(one("Secret", "dondoc-secrets")["stringData"])
    mount = "/run/secrets/dondoc/"
    files = {v.removeprefix(mount) for k, v in config.items() if k.endswith("_FILE")}
    assert files == secret_keys
    for name, spec in pod_specs():
        if name == "dondoc-temporal-setup":
            continue
        mounts = {m["mountPath"] for m in spec["containers"][0]["volumeMounts"]}
        assert mount.rstrip("/") in mounts, name


def test_the_temporal_setup_job_registers_every_search_attribute() -> None:
    job = one("Job", "dondoc-temporal-setup")
    script = job["spec"]["template"]["spec"]["containers"][0]["args"][0]
    found = dict(re.findall(r"(Dondoc[A-Za-z]+):(Keyword|Datetime|Text|Int|Double|Bool)", script))
    assert found == registration()
