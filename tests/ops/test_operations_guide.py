"""docs/operations.md followed as a new operator would, on this machine: PostgreSQL set up
by step 2's own commands, the Temporal dev server as temporal-dev.service runs it behind the
guide's nginx with mTLS, the settings from deploy/systemd/dondoc.env.example and the
credentials made by step 6's commands, the schema, directory and first account through
dondoc-admin, and the worker and the web as their units run them. A notice issued there
mails through the relay, its link acknowledges the task, `/readyz` and `/metrics` answer as
step 10 checks them, and SIGTERM stops both services.

What tests/ops and tests/temporal_tls do not cover, and this does: the deploy files and
the guide's commands together (the env file example, the credential files and their
LoadCredential= and *_FILE wiring, the dondoc-admin wrapper, PostgreSQL, the TLS proxy).
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
import yaml
from ops_guide import (
    REPO,
    SYSTEMD,
    Root,
    admin,
    admin_block,
    doc_block,
    form,
    run_shell,
    unit_command,
    without_lines,
)
from ops_processes import START_TIMEOUT, HeldRelay, Service
from prometheus_client.parser import text_string_to_metric_families

from dondoc.devstack.net import free_port
from support.postgres import PostgresCluster

pytestmark = pytest.mark.e2e

DIRECTORY = REPO / "tests" / "fixtures" / "directory.yaml"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
# Past TimeoutStopSec= (45 s) systemd would SIGKILL; the services must be gone before.
STOP_BOUND = 45.0


@dataclass
class Guide:
    root: Root
    worker: Service
    web: Service
    web_url: str
    worker_url: str
    relay: HeldRelay
    task_id: str


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _until(what: str, check: object, timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"{what} not within {timeout} s"
        time.sleep(0.2)


def _step2_postgres(root: Root, postgres: PostgresCluster) -> None:
    """Step 2 on the session's throwaway cluster instead of Debian's 15-main."""
    psql = [*postgres.as_user, "psql", "-h", str(postgres.root), "-p", str(postgres.port)]
    block = without_lines(doc_block("sh", "CREATE ROLE dondoc"), "systemctl")
    block = block.replace("runuser -u postgres -- psql", " ".join([*psql, "-U", "postgres"]))
    block = block.replace("127.0.0.1:5432", f"127.0.0.1:{postgres.port}")
    run_shell(root.moved(block), root.path)


def _step6_settings(root: Root, temporal: int, relay: int, web: int, metrics: int) -> None:
    """The example env file installed and edited, the credentials made, as step 6 says;
    the relay takes mail without a login (empty smtp_password, no user name)."""
    block = doc_block("sh", "dondoc.env.example /etc/dondoc/dondoc.env")
    run_shell(root.moved(without_lines(block, "editor ")), root.path)
    env = root.etc / "dondoc.env"
    text = root.moved(env.read_text("utf-8"))  # the TLS files' paths, under the root
    for pattern, value in {
        r"^DONDOC_TEMPORAL_ADDRESS=.*$": f"DONDOC_TEMPORAL_ADDRESS=127.0.0.1:{temporal}",
        r"^#DONDOC_TEMPORAL_TLS_SERVER_NAME=": "DONDOC_TEMPORAL_TLS_SERVER_NAME=",
        r"^DONDOC_SMTP_HOST=.*$": "DONDOC_SMTP_HOST=127.0.0.1",
        r"^DONDOC_SMTP_PORT=.*$": f"DONDOC_SMTP_PORT={relay}",
        r"^DONDOC_SMTP_STARTTLS=.*$": "DONDOC_SMTP_STARTTLS=false",
        r"^DONDOC_SMTP_USERNAME=": "#DONDOC_SMTP_USERNAME=",
        r"^DONDOC_PUBLIC_URL=.*$": f"DONDOC_PUBLIC_URL=http://127.0.0.1:{web}",
        r"^DONDOC_WORKER_METRICS_PORT=.*$": f"DONDOC_WORKER_METRICS_PORT={metrics}",
    }.items():
        text, count = re.subn(pattern, value, text, flags=re.M)
        assert count == 1, f"dondoc.env.example has no line {pattern}"
    env.write_text(text, "utf-8")
    (root.credentials / "smtp_password").write_text("")
    run_shell(root.moved(doc_block("sh", "metrics-token.conf")), root.path)


def _proxy_config(root: Root, folder: Path, listen: int, temporal: int) -> Path:
    """Step 5's server block inside a minimal nginx.conf (Debian's includes conf.d in
    http{}), everything nginx writes kept in ``folder``."""
    block = root.moved(doc_block("nginx", "grpc_pass"))
    block = block.replace("listen 7233 ", f"listen 127.0.0.1:{listen} ")
    block = block.replace("grpc://127.0.0.1:7234", f"grpc://127.0.0.1:{temporal}")
    temp = " ".join(
        f"{kind}_temp_path {folder}/{kind};" for kind in ("client_body", "proxy", "fastcgi")
    )
    config = folder / "nginx.conf"
    config.write_text(
        f"daemon off;\nmaster_process off;\npid {folder}/nginx.pid;\n"
        f"error_log {folder}/error.log;\nevents {{}}\n"
        f"http {{\naccess_log off;\n{temp}\nuwsgi_temp_path {folder}/uwsgi;\n"
        f"scgi_temp_path {folder}/scgi;\n{block}\n}}\n",
        "utf-8",
    )
    return config


def _start(name: str, argv: list[str], env: dict[str, str], cwd: Path, logs: Path) -> Service:
    err = logs / f"{name}.err"
    with (logs / f"{name}.out").open("wb") as out, err.open("wb") as errors:
        proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=out, stderr=errors)
    return Service(name, proc, err)


def _notice(folder: Path) -> Path:
    today = date.today()
    path = folder / "notice.yaml"
    notice = {
        "number": f"{uuid.uuid4().int % 900000 + 1000}/TB-UBND",
        "date": today.isoformat(),
        "leader": "PCT-VINH",
        "subject": "Kết luận về việc thử triển khai hệ thống Đôn đốc theo hướng dẫn vận hành",
        "tasks": [
            {
                "owner": "STC",
                "work": "Rà soát kinh phí vận hành hệ thống trên máy chủ của tỉnh",
                "result": "Báo cáo rà soát trình UBND tỉnh",
                "deadline": (today + timedelta(days=400)).isoformat(),
            }
        ],
    }
    path.write_text(yaml.safe_dump(notice, allow_unicode=True), "utf-8")
    return path


@pytest.fixture(scope="module")
def guide(tmp_path_factory: pytest.TempPathFactory, postgres: PostgresCluster) -> Iterator[Guide]:
    root = Root(tmp_path_factory.mktemp("guide"))
    logs = root.path / "logs"
    logs.mkdir()
    proxy_port, temporal_port, web_port, metrics_port = (free_port() for _ in range(4))
    relay = HeldRelay()
    relay.start()
    started: list[Service] = []
    try:
        _step2_postgres(root, postgres)

        # Step 4: the dev server standing in, as temporal-dev.service runs it.
        dev = unit_command(root, "temporal-dev.service", [], {"--port 7234": f"--port {temporal_port}"})  # fmt: skip
        started.append(_start("temporal", dev.argv, dev.env, dev.cwd, logs))

        # Step 5: the certificates, the proxy, the Temporal CLI's settings and its check.
        run_shell(root.moved(doc_block("sh", "openssl req -x509")), root.path)
        config = _proxy_config(root, logs, proxy_port, temporal_port)
        nginx = [NGINX, "-p", str(logs), "-c", str(config), "-e", str(logs / "error.log")]
        started.append(_start("nginx", nginx, {}, logs, logs))
        _until("the proxy", lambda: _listening(proxy_port))
        cli = without_lines(doc_block("sh", "temporal-cli.env <<"), "nginx -t")
        cli = root.moved(cli).replace("127.0.0.1:7233", f"127.0.0.1:{proxy_port}")
        deadline = time.monotonic() + START_TIMEOUT
        while True:  # the dev server may still be starting
            try:
                assert "SERVING" in run_shell(cli, root.path)
                break
            except AssertionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        retention = doc_block("sh", "namespace update --namespace dondoc")
        run_shell(f". {root.etc}/temporal-cli.env\n" + root.moved(retention), root.path)

        _step6_settings(root, proxy_port, relay.port, web_port, metrics_port)

        # Step 7: the schema and the directory (not the console account: no use here).
        step7 = doc_block("sh", "dondoc-admin db upgrade")
        step7 = without_lines(step7, "dondoc-admin users", "dondoc-admin db current")
        admin_block(root, step7, **{"directory.yaml": str(DIRECTORY)})

        # Step 8: the two services as their units run them, with the mTLS drop-in (and,
        # for the web, the metrics token's drop-in step 6 wrote).
        mtls = SYSTEMD / "temporal-mtls.conf"
        worker = unit_command(root, "dondoc-worker.service", [mtls])
        started.append(_start("worker", worker.argv, worker.env, worker.cwd, logs))
        token_dropin = root.path / "etc/systemd/system/dondoc-web.service.d/metrics-token.conf"
        web = unit_command(root, "dondoc-web.service", [mtls, token_dropin], {"--port 8000": f"--port {web_port}"})  # fmt: skip
        started.append(_start("web", web.argv, web.env, web.cwd, logs))
        web_url = f"http://127.0.0.1:{web_port}"

        def web_up() -> bool:
            assert started[-1].proc.poll() is None, started[-1].output()
            try:
                return httpx.get(f"{web_url}/healthz", timeout=2).status_code == 200
            except httpx.TransportError:
                return False

        _until("the web", web_up)
        started[2].wait_for("worker_started")

        # Step 10: a notice.
        issued = admin(root, "notice", "issue", str(_notice(root.path)))
        assert issued.returncode == 0, issued.stdout + issued.stderr
        [task_id] = re.findall(r"^\s+(\S+-1)$", issued.stdout, re.M)
        yield Guide(
            root,
            started[2],
            started[3],
            web_url,
            f"http://127.0.0.1:{metrics_port}",
            relay,
            task_id,
        )
    finally:
        for service in reversed(started):
            if service.proc.poll() is None:
                service.terminate()
                try:
                    service.proc.wait(timeout=STOP_BOUND)
                except subprocess.TimeoutExpired:
                    service.kill()
        relay.stop()
        with postgres.admin() as conn:
            conn.execute("DROP DATABASE IF EXISTS dondoc WITH (FORCE)")
            conn.execute("DROP ROLE IF EXISTS dondoc")


def _sample(text: str, name: str, **labels: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    raise AssertionError(f"no sample {name}{labels}")


def _samples(text: str, name: str) -> list[float]:
    return [
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    ]


def test_a_notice_mails_and_its_link_acknowledges_the_task(guide: Guide) -> None:
    [mail] = guide.relay.wait_accepted(1)
    assert mail["To"] == "Sở Tài chính <sotaichinh@ubnd.test>"
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    link = re.search(r"https?://\S+/t/[A-Za-z0-9_.-]+", body.get_content())
    assert link and link[0].startswith(f"{guide.web_url}/t/"), body.get_content()
    with httpx.Client(timeout=30) as client:
        page = client.get(link[0])
        assert page.status_code == 200, page.text
        action, token = form(page.text, "acknowledge")
        acked = client.post(f"{guide.web_url}{action}", data={"form_token": token})
    assert acked.status_code == 200, acked.text
    assert "Đã tiếp nhận nhiệm vụ." in acked.text
    listed = admin(guide.root, "tasks", "list")
    assert listed.returncode == 0, listed.stderr
    [row] = [line for line in listed.stdout.splitlines() if line.startswith(guide.task_id)]
    assert row.endswith("Đã tiếp nhận, đang thực hiện")


def test_readyz_and_metrics_answer_as_step_10_checks_them(guide: Guide) -> None:
    ready = {"status": "ok", "database": "ok", "temporal": "ok", "smtp": "ok"}
    assert httpx.get(f"{guide.web_url}/readyz", timeout=10).json() == ready
    assert httpx.get(f"{guide.worker_url}/readyz", timeout=10).json() == ready

    # The web's /metrics asks for the token of step 6, which the drop-in handed over.
    assert httpx.get(f"{guide.web_url}/metrics", timeout=10).status_code == 401
    token = (guide.root.credentials / "metrics_token").read_text()
    web = httpx.get(f"{guide.web_url}/metrics", headers={"Authorization": f"Bearer {token}"})
    assert web.status_code == 200, web.text
    assert sum(_samples(web.text, "dondoc_tasks")) >= 1

    # The worker's carries the mail it sent and the SDK's own, on loopback only.
    guide.worker.wait_for("mail_sent", task_id=guide.task_id)
    worker = httpx.get(f"{guide.worker_url}/metrics", timeout=10)
    assert _sample(worker.text, "dondoc_mails_total", outcome="sent") == 1
    assert _samples(worker.text, "temporal_worker_task_slots_available")
    serving = guide.worker.wait_for("worker_metrics_serving")
    assert serving["address"].startswith("127.0.0.1:")


def test_sigterm_stops_the_worker_and_the_web(guide: Guide) -> None:
    guide.worker.terminate()
    guide.web.terminate()
    assert guide.worker.exit_code(timeout=STOP_BOUND) == 0, guide.worker.output()
    assert guide.web.exit_code(timeout=STOP_BOUND) == 0, guide.web.output()
    guide.worker.wait_for("worker_stopped")
