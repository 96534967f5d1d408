"""What ``dondoc worker`` says when an operator's setting cannot work: exit status and a
message naming the setting, before anything runs."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

from ops_processes import DONDOC, service_env

from dondoc.devstack.net import free_port
from dondoc.store.db import migrate


def _worker(folder: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    database = f"sqlite:///{folder / 'dondoc.db'}"
    migrate(database)  # a deployment upgrades first; the worker refuses an older schema
    env = service_env(
        database_url=database,
        temporal_address=f"127.0.0.1:{free_port()}",
        secret_key="ops-worker-settings-" + "k" * 32,
        **settings,
    )
    return subprocess.run(
        [str(DONDOC), "worker"], env=env, capture_output=True, text=True, timeout=120
    )


def test_a_capacity_below_one_is_refused(tmp_path: Path) -> None:
    result = _worker(tmp_path, worker_max_activities="0")
    assert result.returncode == 2
    assert "Lỗi cấu hình" in result.stderr
    assert "DONDOC_WORKER_MAX_ACTIVITIES" in result.stderr and "phải từ 1 trở lên" in result.stderr


def test_a_metrics_port_in_use_is_named(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _worker(tmp_path, worker_metrics_port=str(port), worker_metrics_host="127.0.0.1")
    assert result.returncode == 1, result.stderr
    assert f"127.0.0.1:{port} (DONDOC_WORKER_METRICS_PORT)" in result.stderr
