"""``dondoc db`` and the start-up check of ``dondoc web`` and ``dondoc worker``, run as real
processes against a real database (on PostgreSQL through a plain ``postgresql://`` URL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from dondoc.devstack.net import free_port
from dondoc.store.schema import revisions

DONDOC = str(Path(sys.executable).parent / "dondoc")
Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def env(empty_database: str) -> dict[str, str]:
    plain = empty_database.replace("postgresql+psycopg://", "postgresql://")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DONDOC_")}
    return {
        **clean,
        "DONDOC_DATABASE_URL": plain,
        "DONDOC_TEMPORAL_ADDRESS": "127.0.0.1:9",  # nothing there: the check comes first
        "DONDOC_SECRET_KEY": "schema-commands-test-key-of-forty-bytes!",
    }


@pytest.fixture
def run(env: dict[str, str]) -> Run:
    def _run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([DONDOC, *args], env=env, capture_output=True, text=True, timeout=120)

    return _run


def _newest() -> str:
    return revisions("sqlite://")[-1][0]


def test_web_and_worker_refuse_a_database_never_upgraded(run: Run) -> None:
    for service in (["web", "--port", str(free_port())], ["worker"]):
        refused = run(*service)
        assert refused.returncode == 1, refused
        assert "chưa có lược đồ" in refused.stderr
        assert "Chạy «dondoc db upgrade»" in refused.stderr
        assert "Dịch vụ không khởi động." in refused.stderr


def test_upgrade_reports_and_web_then_starts_an_older_schema_is_refused_again(
    run: Run, env: dict[str, str]
) -> None:
    before = run("db", "current", "--check")
    assert before.returncode == 1 and "chưa có lược đồ" in before.stdout

    upgraded = run("db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert f"Đã nâng cấp lược đồ từ phiên bản (chưa có) lên {_newest()}." in upgraded.stdout
    now = run("db", "current", "--check")
    assert now.returncode == 0, now
    assert f"ở phiên bản {_newest()} (mới nhất)" in now.stdout
    assert "***@" in now.stdout or "sqlite" in now.stdout  # the password is never printed

    _web_answers(env)

    previous = revisions("sqlite://")[-2][0]
    down = run("db", "downgrade", previous, "--yes")
    assert down.returncode == 0, down.stderr
    assert f"về {previous}" in down.stdout
    refused = run("web", "--port", str(free_port()))
    assert refused.returncode == 1
    assert f"ở phiên bản {previous}, cũ hơn phiên bản mới nhất {_newest()}" in refused.stderr
    assert "Chạy «dondoc db upgrade»" in refused.stderr
    assert run("db", "upgrade").returncode == 0


def _web_answers(env: dict[str, str]) -> None:
    """``dondoc web`` starts on the current schema and answers ``/healthz``."""
    port = free_port()
    web = subprocess.Popen(
        [DONDOC, "web", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert web.poll() is None, web.communicate()
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                if answer.status_code == 200:
                    assert answer.json()["database"] == "ok"
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "dondoc web did not answer"
            time.sleep(0.2)
    finally:
        web.send_signal(signal.SIGTERM)
        web.communicate(timeout=30)


def test_bad_revisions_and_an_unconfirmed_downgrade_are_refused(tmp_path: Path) -> None:
    """What the command line checks itself, the same for any database: on SQLite only."""
    env = {**os.environ, "DONDOC_DATABASE_URL": f"sqlite:///{tmp_path / 'dondoc.db'}"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([DONDOC, *args], env=env, capture_output=True, text=True, timeout=120)

    assert run("db", "upgrade").returncode == 0
    again = run("db", "upgrade")
    assert again.returncode == 0 and "Không có gì để nâng cấp." in again.stdout
    unknown = run("db", "upgrade", "9999x")
    assert unknown.returncode == 2 and "không có phiên bản «9999x»" in unknown.stderr
    older = run("db", "upgrade", revisions("sqlite://")[0][0])
    assert older.returncode == 2 and "dondoc db downgrade" in older.stderr
    unconfirmed = run("db", "downgrade", "base")
    assert unconfirmed.returncode == 2 and "--yes" in unconfirmed.stderr
    assert run("db", "current", "--check").returncode == 0  # nothing changed


def test_an_unreachable_database_is_named_without_its_password(tmp_path: Path) -> None:
    port = free_port()
    url = f"postgresql://dondoc:bi-mat@127.0.0.1:{port}/dondoc"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DONDOC_")}
    for args in (["db", "current"], ["web", "--port", str(free_port())]):
        done = subprocess.run(
            [DONDOC, *args],
            env={**clean, "DONDOC_DATABASE_URL": url, "DONDOC_SECRET_KEY": "k" * 40},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 1
        assert "không kết nối được cơ sở dữ liệu" in done.stderr
        assert f"dondoc:***@127.0.0.1:{port}/dondoc" in done.stderr
        assert "bi-mat" not in done.stderr + done.stdout
