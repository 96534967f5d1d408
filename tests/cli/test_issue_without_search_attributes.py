"""A namespace without Đôn đốc's search attributes is named at the first issue, exit 1.

Tasks start with their search attributes set, so a deployment that skipped registering them
(docs/operations.md, step 4) is refused by Temporal at the start, before any task runs. Before,
such a task started and its workflow task failed on every retry, out of sight.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from temporalio.client import Client

from dondoc.devstack.binaries import installed_binary
from dondoc.devstack.net import free_port

FIXTURES = Path(__file__).parents[1] / "fixtures"
DONDOC = str(Path(sys.executable).parent / "dondoc")


async def _listed(address: str) -> int:
    client = await Client.connect(address)
    return len([w async for w in client.list_workflows()])


def test_a_namespace_without_the_search_attributes_is_named_and_nothing_starts(
    tmp_path: Path,
) -> None:
    port = free_port()
    bare = [installed_binary("temporal"), "server", "start-dev", "--headless"]
    server = subprocess.Popen(
        [*bare, "--ip", "127.0.0.1", "--port", str(port), "--log-level", "error"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    address = f"127.0.0.1:{port}"
    env = {
        **os.environ,
        "DONDOC_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "DONDOC_TEMPORAL_ADDRESS": address,
    }
    notice = tmp_path / "notice.yaml"
    notice.write_text(
        f"number: 12/TB-UBND\ndate: {date.today().isoformat()}\nleader: PCT-VINH\n"
        "subject: Kết luận về chuyển đổi số\ntasks:\n"
        "  - owner: SNGV\n    work: Báo cáo tiến độ\n    deadline: trong 15 ngày làm việc\n",
        "utf-8",
    )
    try:

        def run(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [DONDOC, *args], env=env, capture_output=True, text=True, timeout=90
            )

        assert run("directory", "load", str(FIXTURES / "directory.yaml")).returncode == 0
        end = time.monotonic() + 60
        while True:  # the server may still be starting
            try:
                assert asyncio.run(_listed(address)) == 0
                break
            except RuntimeError:
                assert time.monotonic() < end
                time.sleep(0.3)

        issued = run("notice", "issue", str(notice))

        assert issued.returncode == 1, issued
        assert "chưa đăng ký các thuộc tính tìm kiếm" in issued.stderr, issued.stderr
        assert "search attribute Dondoc" in issued.stderr  # which one, in Temporal's words
        assert "Traceback" not in issued.stderr
        assert asyncio.run(_listed(address)) == 0
    finally:
        server.terminate()
        server.wait(timeout=20)
