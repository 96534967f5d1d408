"""``dondoc api-token create NAME --scope ...`` chooses what a token may do, as a real process.

Read only unless told otherwise; an unknown scope is refused (exit 2, naming it) with no
token made; what the command grants is what the API then allows.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dondoc.settings import Settings
from dondoc.web.app import create_app
from support.console import DownClient
from support.seeded import DONDOC, Web, environment_of, notice_document, seeded_settings

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return seeded_settings(tmp_path)


@pytest.fixture
def run(settings: Settings) -> Run:
    env = {**os.environ, **environment_of(settings)}

    def _run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([DONDOC, *args], env=env, capture_output=True, text=True, timeout=60)

    return _run


def made_token(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_a_token_made_without_scopes_may_only_read(run: Run, settings: Settings) -> None:
    made = run("api-token", "create", "bang-theo-doi")
    assert "phạm vi read (chỉ hiển thị một lần)" in made.stdout
    token = made_token(made)
    web = Web(_app(settings))
    headers = {"Authorization": f"Bearer {token}"}
    assert web.get("/api/v1/tasks", headers=headers).status_code == 200
    document = notice_document("801/TB-UBND", datetime.now(UTC).date())
    refused = web.post("/api/v1/notices?dry_run=true", json=document, headers=headers)
    assert refused.status_code == 403 and "«notices:issue»" in refused.json()["detail"]
    listed = run("api-token", "list")
    assert listed.returncode == 0
    assert "bang-theo-doi" in listed.stdout and listed.stdout.rstrip().endswith("read")


def test_scopes_are_chosen_repeated_or_comma_separated(run: Run, settings: Settings) -> None:
    made = run("api-token", "create", "qlvb", "--scope", "notices:issue", "--scope", "read")
    assert "phạm vi read notices:issue (" in made.stdout
    token = made_token(made)
    both = run("api-token", "create", "dieu-hanh", "--scope", "tasks:act,read")
    assert "phạm vi read tasks:act (" in both.stdout
    web = Web(_app(settings))
    headers = {"Authorization": f"Bearer {token}"}
    document = notice_document("802/TB-UBND", datetime.now(UTC).date())
    checked = web.post("/api/v1/notices?dry_run=true", json=document, headers=headers)
    assert checked.status_code == 200, checked.text
    assert web.get("/api/v1/notices", headers=headers).status_code == 200
    acted = web.post(
        "/api/v1/tasks/2026-1-TB-UBND-1/cancel", json={"reason": "Trùng"}, headers=headers
    )
    assert acted.status_code == 403 and "«tasks:act»" in acted.json()["detail"]


def test_an_unknown_scope_is_refused_and_no_token_is_made(run: Run) -> None:
    refused = run("api-token", "create", "qlvb", "--scope", "read", "--scope", "admin")
    assert refused.returncode == 2
    assert "Phạm vi «admin» không hợp lệ; chọn trong: read, notices:issue, tasks:act." in (
        refused.stderr
    )
    assert "ddk_" not in refused.stdout
    assert "qlvb" not in run("api-token", "list").stdout
    # The name is still free: nothing half-made.
    assert run("api-token", "create", "qlvb").returncode == 0


def _app(settings: Settings):  # type: ignore[no-untyped-def]
    app = create_app(settings)
    app.state.temporal = DownClient()
    return app
