"""docs/operations.md says what the deploy files do: its alerts are the rules' alerts, its
PromQL reads known metrics, the files and settings it names exist, and its TLS proxy for
Temporal, made with its own commands, lets in a client certificate and nothing else."""

from __future__ import annotations

import importlib.metadata
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import typer
import yaml
from deploy_promql import problems
from deploy_support import DEPLOY, KNOWN_SETTINGS, REPO, VENV_BIN

from dondoc.devstack.net import free_port

DOC = REPO / "docs" / "operations.md"
# Commands DESIGN.md's contract names that the CLI does not have yet.
PENDING_COMMANDS = {"db", "calendar"}


def text() -> str:
    return DOC.read_text("utf-8")


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text(), flags=re.S)


def sections() -> dict[str, str]:
    parts = re.split(r"^### (\S+)\n", text(), flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def alert_rules() -> dict[str, str]:
    rules = yaml.safe_load((DEPLOY / "prometheus" / "dondoc-alerts.yml").read_text("utf-8"))
    return {r["alert"]: r["expr"] for g in rules["groups"] for r in g["rules"]}


def squeeze(expr: str) -> str:
    return re.sub(r"\s+", "", expr)


@pytest.mark.parametrize("alert", sorted(alert_rules()))
def test_every_alert_is_explained_with_its_own_expression(alert: str) -> None:
    section = sections().get(alert)
    assert section, f"docs/operations.md has no section ### {alert}"
    shown = re.findall(r"```promql\n(.*?)```", section, flags=re.S)
    assert [squeeze(e) for e in shown] == [squeeze(alert_rules()[alert])]
    assert len(section.split("```")[-1].split()) >= 15, "say what it means and what to do"


def test_every_promql_in_the_guide_reads_known_metrics(
    metric_catalogue: dict[str, dict[str, set[str] | None]],
) -> None:
    exprs = blocks("promql")
    assert exprs
    for expr in exprs:
        assert problems(expr, metric_catalogue) == [], expr


def test_the_files_the_guide_names_exist() -> None:
    # deploy/.env is the operator's copy of deploy/.env.example.
    named = set(re.findall(r"\bdeploy/[\w./-]*\w", text())) - {"deploy/.env"}
    assert named
    for path in named:
        assert (REPO / path).exists(), path


def test_the_settings_the_guide_names_are_known() -> None:
    named = set(re.findall(r"\bDONDOC_[A-Z_]*[A-Z]\b", text()))
    assert named and named <= KNOWN_SETTINGS, named - KNOWN_SETTINGS


def test_the_commands_the_guide_runs_exist() -> None:
    entry = next(
        e for e in importlib.metadata.entry_points(group="console_scripts") if e.name == "dondoc"
    )
    app = sys.modules[entry.load().__module__].app
    commands = set(typer.main.get_command(app).commands) | PENDING_COMMANDS
    used = set(re.findall(r"\bdondoc(?:-admin)? ([a-z][a-z-]+)", "\n".join(blocks("sh"))))
    assert used and used <= commands, used - commands


# ----------------------------------------------------------------- the TLS proxy


def certificate_commands(root: Path) -> str:
    """The guide's own block that makes the CA and the certificates, under ``root``."""
    block = next(b for b in blocks("sh") if "openssl req -x509" in b)
    return block.replace("/etc/dondoc", str(root))


def proxy_config(root: Path, listen: int, upstream: int) -> str:
    block = next(b for b in blocks("nginx") if "grpc_pass" in b)
    block = block.replace("/etc/dondoc", str(root))
    block = block.replace("listen 7233 ", f"listen 127.0.0.1:{listen} ")
    block = block.replace("grpc://127.0.0.1:7234", f"grpc://127.0.0.1:{upstream}")
    assert f"127.0.0.1:{listen}" in block and f"127.0.0.1:{upstream}" in block
    return (
        f"daemon off;\nworker_processes 1;\npid {root}/nginx.pid;\n"
        f"error_log {root}/nginx-error.log;\nevents {{}}\n"
        f"http {{\naccess_log off;\n{block}\n}}\n"
    )


def health(
    address: str, tls: Path, *, client_certificate: bool
) -> subprocess.CompletedProcess[str]:
    flags = [
        "--tls-ca-path",
        str(tls / "temporal-ca.pem"),
        "--tls-server-name",
        "temporal.example.gov.vn",
    ]
    if client_certificate:
        flags += [
            "--tls-cert-path",
            str(tls / "dondoc-client.pem"),
            "--tls-key-path",
            str(tls.parent / "credentials" / "temporal_client_key"),
        ]
    return subprocess.run(
        [str(VENV_BIN / "temporal"), "operator", "cluster", "health", "--address", address, *flags],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def nginx() -> str:
    found = shutil.which("nginx") or "/usr/sbin/nginx"
    assert Path(found).exists(), "nginx is missing: `make test` installs it"
    return found


def test_the_documented_proxy_serves_temporal_to_a_client_certificate_only(
    tmp_path: Path, nginx: str
) -> None:
    root = tmp_path / "etc-dondoc"
    (root / "credentials").mkdir(parents=True)
    made = subprocess.run(
        ["sh", "-eu", "-c", certificate_commands(root)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert made.returncode == 0, made.stderr
    upstream, listen = free_port(), free_port()
    (tmp_path / "nginx.conf").write_text(proxy_config(root, listen, upstream), "utf-8")
    checked = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr
    dev_server = ["server", "start-dev", "--headless", "--ip", "127.0.0.1", "--port"]
    temporal = subprocess.Popen(
        [str(VENV_BIN / "temporal"), *dev_server, str(upstream), "--log-level", "error"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    proxy = subprocess.Popen(
        [nginx, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        address = f"127.0.0.1:{listen}"
        deadline = time.monotonic() + 60
        answer = health(address, root / "tls", client_certificate=True)
        while "SERVING" not in answer.stdout and time.monotonic() < deadline:
            time.sleep(0.5)
            answer = health(address, root / "tls", client_certificate=True)
        assert "SERVING" in answer.stdout, answer.stdout + answer.stderr
        refused = health(address, root / "tls", client_certificate=False)
        assert refused.returncode != 0
        assert "No required SSL certificate was sent" in refused.stdout + refused.stderr
    finally:
        proxy.terminate()
        temporal.terminate()
        proxy.wait(timeout=20)
        temporal.wait(timeout=20)
