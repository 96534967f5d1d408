"""Reaching Temporal through a TLS-terminating gRPC proxy, as a deployment does.

The proxy is Debian's nginx with ``ssl_verify_client on`` in front of a real Temporal dev
server; the certificates are made by the test. The worker and the web run as separate
`dondoc` processes and a workflow runs through the proxy; each way of being refused is
shown with the message a person reads.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from dondoc_processes import API_KEY, DONDOC, STRONG_KEY, process_env, run_dondoc
from grpc_proxy import GrpcProxy
from tls_pki import SERVER_NAME, Pki

from dondoc.client import TemporalUnreachable, connect
from dondoc.devstack.net import free_port
from dondoc.settings import Settings, load_settings
from dondoc.store.db import migrate
from support.mailbox import Mailbox, Received
from support.pages import form_for

FIXTURES = Path(__file__).parents[1] / "fixtures"
START_TIMEOUT = 60.0


def mtls(pki: Pki, proxy: GrpcProxy) -> dict[str, str]:
    """The variables of a deployment whose Temporal asks for a client certificate."""
    return {
        "DONDOC_TEMPORAL_ADDRESS": proxy.mtls_address,
        "DONDOC_TEMPORAL_TLS_CA_FILE": str(pki.ca),
        "DONDOC_TEMPORAL_TLS_CERT_FILE": str(pki.client.cert),
        "DONDOC_TEMPORAL_TLS_KEY_FILE": str(pki.client.key),
    }


async def refusal(**values: object) -> TemporalUnreachable:
    with pytest.raises(TemporalUnreachable) as caught:
        await connect(load_settings(**values))
    return caught.value


# ---------------------------------------------------------------- a workflow through it


class Service:
    """A `dondoc` service process whose output is kept for the failure message."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], folder: Path) -> None:
        self.log = folder / f"{name}.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [DONDOC, *args], env=env, stdout=out, stderr=subprocess.STDOUT
            )

    def output(self) -> str:
        return self.log.read_text("utf-8", errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def services() -> Iterator[list[Service]]:
    running: list[Service] = []
    try:
        yield running
    finally:
        for service in running:
            service.stop()


async def until_healthy(service: Service, url: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    async with httpx.AsyncClient(timeout=2) as client:
        while True:
            assert service.process.poll() is None, service.output()
            try:
                if (await client.get(url)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, service.output()
            await asyncio.sleep(0.2)


def _assignment(messages: list[Received], task: str, to: str) -> Received:
    found = [m for m in messages if m.task == task and m.kind == "assigned" and to in m.envelope_to]
    assert len(found) == 1, [(m.task, m.kind, m.envelope_to) for m in messages]
    return found[0]


async def test_worker_and_web_run_a_workflow_through_the_mtls_proxy(
    settings: Settings,
    mailbox: Mailbox,
    pki: Pki,
    proxy: GrpcProxy,
    services: list[Service],
    tmp_path: Path,
) -> None:
    web = f"http://127.0.0.1:{free_port()}"
    env = process_env(
        **mtls(pki, proxy),
        DONDOC_DATABASE_URL=settings.database_url,
        DONDOC_SMTP_HOST="127.0.0.1",
        DONDOC_SMTP_PORT=str(mailbox.port),
        DONDOC_PUBLIC_URL=web,
        DONDOC_SECRET_KEY=STRONG_KEY,
        DONDOC_TASK_QUEUE="tls-mtls",
    )
    worker = Service("worker", ["worker"], env, tmp_path)
    services.append(worker)
    web_service = Service("web", ["web", "--port", web.rsplit(":", 1)[1]], env, tmp_path)
    services.append(web_service)

    issued = run_dondoc("notice", "issue", str(FIXTURES / "notice-e2e.yaml"), env=env)
    assert issued.returncode == 0, issued.stdout + issued.stderr
    assert "Đã ban hành thông báo 517/TB-UBND: 2 nhiệm vụ." in issued.stdout

    # The worker polled through the proxy, ran the workflow and its mail activity.
    messages = await mailbox.arrived(5, timeout=START_TIMEOUT)
    assert worker.process.poll() is None, worker.output()
    link = re.search(
        r"https?://\S+/t/[A-Za-z0-9_.-]+",
        _assignment(messages, "2026-517-TB-UBND-1", "songoaivu@ubnd.test").text(),
    )
    assert link and link[0].startswith(web + "/t/"), link

    await until_healthy(web_service, f"{web}/healthz")
    async with httpx.AsyncClient(timeout=30) as client:
        page = await client.get(link[0])
        assert page.status_code == 200, page.text
        action, token = form_for(page.text, "acknowledge")
        # The acknowledgement is a Temporal Update sent by the web through the proxy.
        acked = await client.post(web + action, data={"form_token": token})
    assert acked.status_code == 200, acked.text
    assert "Đã tiếp nhận nhiệm vụ." in acked.text, web_service.output()

    port = proxy.mtls_address.rsplit(":", 1)[1]
    calls = [line for line in proxy.calls() if line.startswith(port + " ")]
    client_subject = '"CN=dondoc-worker"'
    for method in (
        "WorkflowService/StartWorkflowExecution",  # dondoc notice issue
        "WorkflowService/PollWorkflowTaskQueue",  # dondoc worker
        "WorkflowService/RespondActivityTaskCompleted",  # dondoc worker, the mail sent
        "WorkflowService/UpdateWorkflowExecution",  # dondoc web
    ):
        assert any(method in line and client_subject in line for line in calls), (method, calls)
    assert all(client_subject in line for line in calls), calls


# ---------------------------------------------------------------- refused, and why


async def test_a_client_without_a_certificate_is_told_one_is_required(
    clean_env: pytest.MonkeyPatch, pki: Pki, proxy: GrpcProxy
) -> None:
    err = await refusal(temporal_address=proxy.mtls_address, temporal_tls_ca_file=pki.ca)
    assert str(err) == (
        f"không kết nối được Temporal tại {proxy.mtls_address}: máy chủ yêu cầu chứng chỉ "
        "máy khách (đặt DONDOC_TEMPORAL_TLS_CERT_FILE và DONDOC_TEMPORAL_TLS_KEY_FILE)"
    )
    assert "400 Bad Request" in err.detail  # nginx's answer, kept for whoever digs further


async def test_a_certificate_from_another_ca_is_refused(
    clean_env: pytest.MonkeyPatch, pki: Pki, proxy: GrpcProxy
) -> None:
    err = await refusal(
        temporal_address=proxy.mtls_address,
        temporal_tls_ca_file=pki.ca,
        temporal_tls_cert_file=pki.other_client.cert,
        temporal_tls_key_file=pki.other_client.key,
    )
    assert str(err) == (
        f"không kết nối được Temporal tại {proxy.mtls_address}: chứng chỉ máy khách bị từ "
        "chối (kiểm tra DONDOC_TEMPORAL_TLS_CERT_FILE: máy chủ không tin CA đã ký nó, hoặc "
        "chứng chỉ đã hết hạn)"
    )


@pytest.mark.parametrize("server_ca", ["another CA", "the system's roots"])
async def test_a_server_certificate_the_client_cannot_verify_is_refused(
    clean_env: pytest.MonkeyPatch, pki: Pki, proxy: GrpcProxy, server_ca: str
) -> None:
    ca = {"temporal_tls_ca_file": pki.other_ca} if server_ca == "another CA" else {}
    err = await refusal(
        temporal_address=proxy.mtls_address,
        temporal_tls=True,
        temporal_tls_cert_file=pki.client.cert,
        temporal_tls_key_file=pki.client.key,
        **ca,
    )
    assert str(err) == (
        f"không kết nối được Temporal tại {proxy.mtls_address}: không xác minh được chứng chỉ "
        "máy chủ (kiểm tra DONDOC_TEMPORAL_TLS_CA_FILE)"
    )


async def test_a_server_certificate_for_another_name_needs_the_name_override(
    clean_env: pytest.MonkeyPatch, pki: Pki, proxy: GrpcProxy
) -> None:
    err = await refusal(temporal_address=proxy.named_address, temporal_tls_ca_file=pki.ca)
    assert str(err) == (
        f"không kết nối được Temporal tại {proxy.named_address}: chứng chỉ máy chủ không mang "
        f"tên máy chủ đang kết nối (chứng chỉ mang tên: {SERVER_NAME}); đặt "
        "DONDOC_TEMPORAL_TLS_SERVER_NAME là tên trên chứng chỉ"
    )

    client = await connect(
        load_settings(
            temporal_address=proxy.named_address,
            temporal_tls_ca_file=pki.ca,
            temporal_tls_server_name=SERVER_NAME,
        )
    )
    assert (await client.count_workflows()).count >= 0


async def test_the_api_key_is_sent_and_checked(
    clean_env: pytest.MonkeyPatch, pki: Pki, proxy: GrpcProxy, tmp_path: Path
) -> None:
    address = proxy.api_key_address
    err = await refusal(temporal_address=address, temporal_tls_ca_file=pki.ca)
    assert str(err) == (
        f"không kết nối được Temporal tại {address}: máy chủ yêu cầu xác thực (đặt "
        "DONDOC_TEMPORAL_API_KEY hoặc chứng chỉ máy khách)"
    )
    err = await refusal(
        temporal_address=address, temporal_tls_ca_file=pki.ca, temporal_api_key="not-the-key"
    )
    assert str(err) == (
        f"không kết nối được Temporal tại {address}: khoá API bị từ chối (kiểm tra "
        "DONDOC_TEMPORAL_API_KEY)"
    )

    # The right key, from a file as a Kubernetes Secret or a systemd credential gives it.
    key_file = tmp_path / "temporal-api-key"
    key_file.write_text(API_KEY + "\n")
    clean_env.setenv("DONDOC_TEMPORAL_API_KEY_FILE", str(key_file))
    client = await connect(load_settings(temporal_address=address, temporal_tls_ca_file=pki.ca))
    await client.count_workflows()

    port = address.rsplit(":", 1)[1]
    calls = [line for line in proxy.calls() if line.startswith(port + " ")]
    assert any("key=1" in line and "CountWorkflowExecutions" in line for line in calls), calls


async def test_plain_grpc_to_a_tls_port_and_tls_to_a_plain_port(
    clean_env: pytest.MonkeyPatch, pki: Pki, proxy: GrpcProxy, temporal_address: str
) -> None:
    err = await refusal(temporal_address=proxy.mtls_address)
    assert str(err) == (
        f"không kết nối được Temporal tại {proxy.mtls_address}: máy chủ đóng kết nối "
        "ngay, có vẻ nó yêu cầu TLS (đặt DONDOC_TEMPORAL_TLS=true)"
    )
    err = await refusal(temporal_address=temporal_address, temporal_tls_ca_file=pki.ca)
    assert str(err) == (
        f"không kết nối được Temporal tại {temporal_address}: máy chủ ở địa chỉ này không "
        "dùng TLS (bỏ DONDOC_TEMPORAL_TLS và các biến TLS, hoặc kiểm tra "
        "DONDOC_TEMPORAL_ADDRESS)"
    )


async def test_nothing_listening(clean_env: pytest.MonkeyPatch) -> None:
    address = f"127.0.0.1:{free_port()}"
    err = await refusal(temporal_address=address)
    assert str(err) == (
        f"không kết nối được Temporal tại {address}: không có máy chủ nào nhận kết nối ở địa "
        "chỉ này (kiểm tra DONDOC_TEMPORAL_ADDRESS và máy chủ Temporal đã chạy chưa)"
    )


def test_the_worker_process_says_why_it_cannot_connect(
    pki: Pki, proxy: GrpcProxy, tmp_path: Path
) -> None:
    """Exit code 1: the settings are well formed, the server refused them."""
    database = f"sqlite:///{tmp_path / 'dondoc.db'}"
    migrate(database)
    env = process_env(
        DONDOC_DATABASE_URL=database,
        DONDOC_SECRET_KEY=STRONG_KEY,
        DONDOC_TEMPORAL_ADDRESS=proxy.mtls_address,
        DONDOC_TEMPORAL_TLS_CA_FILE=str(pki.ca),
    )
    result = run_dondoc("worker", env=env)
    assert result.returncode == 1, result.stdout + result.stderr
    # The service logs JSON lines (migrations...) on stderr too; the message is plain text.
    first, detail = [line for line in result.stderr.splitlines() if not line.startswith("{")]
    assert first == (
        f"Lỗi: không kết nối được Temporal tại {proxy.mtls_address}: máy chủ yêu cầu chứng chỉ "
        "máy khách (đặt DONDOC_TEMPORAL_TLS_CERT_FILE và DONDOC_TEMPORAL_TLS_KEY_FILE)"
    )
    assert detail.startswith("  Chi tiết: Failed client connect")
