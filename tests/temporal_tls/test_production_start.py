"""`dondoc web` and `dondoc worker` refuse to start as a deployment on development defaults.

The real CLI runs as a subprocess, exactly as systemd or Kubernetes would start it. Each
refusal is exit code 2 and says what to set or run; `dondoc dev` keeps its defaults.
"""

from __future__ import annotations

import os
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from alembic import command
from dondoc_processes import DONDOC, STRONG_KEY, process_env, run_dondoc
from sqlalchemy import column, insert, table

from dondoc.commands.production import refusals
from dondoc.devstack.environment import dev_settings
from dondoc.devstack.net import free_port
from dondoc.settings import DEV_SECRET, Settings, get_settings, load_settings
from dondoc.store.db import alembic_config, engine_for, migrate, session_scope
from dondoc.store.tables import UserRow
from dondoc.store.users import (
    accounts_with_initial_password,
    ensure_first_admin,
    hash_password,
)

HEADER = "Lỗi: `dondoc {command}` không khởi động khi cấu hình chưa an toàn (giá trị mặc định chỉ dành cho `dondoc dev`):"
HOW = (
    "Đặt DONDOC_SECRET_KEY (hoặc DONDOC_SECRET_KEY_FILE trỏ tới tệp chứa khoá) là một chuỗi "
    "ngẫu nhiên ít nhất 32 byte, ví dụ tạo bằng: "
    'python3 -c "import secrets; print(secrets.token_urlsafe(32))"'
)
# Nothing listens here: a worker that got past the checks fails to connect, with exit 1.
NOWHERE = "127.0.0.1:9"


def plain(stderr: str) -> list[str]:
    """The lines a person reads: the services also log JSON lines on stderr."""
    return [line for line in stderr.splitlines() if not line.startswith("{")]


@pytest.fixture
def database(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'dondoc.db'}"


def env_for(database: str, **values: str) -> dict[str, str]:
    # No metrics port: the default 9464 may be held by another worker on this machine.
    return process_env(
        DONDOC_DATABASE_URL=database,
        DONDOC_TEMPORAL_ADDRESS=NOWHERE,
        DONDOC_WORKER_METRICS_PORT="0",
        **values,
    )


def refused(command: str, env: dict[str, str]) -> list[str]:
    """The reasons `dondoc COMMAND` gave for not starting (it must not have started)."""
    result = run_dondoc(command, env=env)
    assert result.returncode == 2, result.stdout + result.stderr
    first, *reasons = plain(result.stderr)
    assert first == HEADER.format(command=command)
    return [reason.removeprefix("  - ") for reason in reasons]


@pytest.mark.parametrize("service", ["web", "worker"])
def test_the_published_development_key_is_refused(service: str, database: str) -> None:
    assert refused(service, env_for(database)) == [
        "DONDOC_SECRET_KEY chưa được đặt: đang dùng khoá phát triển công khai, ai cũng ký được "
        f"đường dẫn hợp lệ bằng khoá này. {HOW}"
    ]


def test_a_short_key_is_refused(database: str) -> None:
    assert refused("web", env_for(database, DONDOC_SECRET_KEY="ngắn-quá")) == [
        f"DONDOC_SECRET_KEY quá ngắn (11 byte; cần ít nhất 32). {HOW}"
    ]


def test_the_development_key_among_the_old_keys_is_refused(database: str) -> None:
    env = env_for(
        database, DONDOC_SECRET_KEY=STRONG_KEY, DONDOC_OLD_SECRET_KEYS=f'["{DEV_SECRET}"]'
    )
    assert refused("worker", env) == [
        "DONDOC_OLD_SECRET_KEYS còn chứa khoá phát triển công khai: đường dẫn ký bằng khoá đó "
        "vẫn được chấp nhận. Bỏ khoá đó khỏi danh sách."
    ]


def test_a_short_old_key_is_refused(database: str) -> None:
    """An old key verifies links as the current one does, so it is held to the same length."""
    env = env_for(database, DONDOC_SECRET_KEY=STRONG_KEY, DONDOC_OLD_SECRET_KEYS='["[]"]')
    assert refused("web", env) == [
        "DONDOC_OLD_SECRET_KEYS có 1 khoá ngắn hơn 32 byte: đường dẫn ký bằng khoá đó vẫn được "
        "chấp nhận và khoá ngắn đoán được. Bỏ khoá đó khỏi danh sách (mỗi khoá cũ một dòng, "
        "hoặc một danh sách JSON)."
    ]


def test_the_printed_first_admin_password_is_refused_until_changed(
    database: str, tmp_path: Path
) -> None:
    # What `dondoc dev` does on its first start, on the database a deployment then reuses.
    assert ensure_first_admin(Settings(database_url=database)) is not None
    env = env_for(database, DONDOC_SECRET_KEY=STRONG_KEY)
    admin = (
        "tài khoản «admin» vẫn dùng mật khẩu ban đầu do `dondoc dev` in ra. "
        "Đặt mật khẩu mới: dondoc users passwd admin"
    )
    assert refused("web", env) == [admin]
    assert refused("worker", env_for(database)) == [
        "DONDOC_SECRET_KEY chưa được đặt: đang dùng khoá phát triển công khai, ai cũng ký được "
        f"đường dẫn hợp lệ bằng khoá này. {HOW}",
        admin,
    ]

    changed = run_dondoc("users", "passwd", "admin", env=env)
    assert changed.returncode == 0, changed.stderr

    # Past the checks: the worker goes on to Temporal (not there: exit 1) ...
    worker = run_dondoc("worker", env=env)
    assert worker.returncode == 1, worker.stdout + worker.stderr
    assert plain(worker.stderr)[0].startswith(f"Lỗi: không kết nối được Temporal tại {NOWHERE}")
    # ... and the web serves.
    port = free_port()
    log = tmp_path / "web.log"
    with log.open("wb") as out:
        web = subprocess.Popen(
            [DONDOC, "web", "--port", str(port)], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert web.poll() is None, log.read_text("utf-8")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, log.read_text("utf-8")
            time.sleep(0.2)
    finally:
        web.terminate()
        web.wait(timeout=20)


def test_a_disabled_first_admin_does_not_block(database: str) -> None:
    ensure_first_admin(Settings(database_url=database))
    with session_scope(database) as session:
        session.get(UserRow, "admin").active = False  # type: ignore[union-attr]
    assert refusals(Settings(database_url=database, secret_key=STRONG_KEY)) == []


def test_a_development_database_from_before_the_mark_is_caught(database: str) -> None:
    """The migration marks the untouched first admin of a database made before it."""
    command.upgrade(alembic_config(database), "0005")
    now = datetime.now(UTC)
    row = {
        "display_name": "Quản trị hệ thống",
        "role": "admin",
        "password_hash": hash_password("mat-khau-ban-dau"),
        "active": True,
        "created_at": now,
        "updated_at": now,
    }
    changed = {**row, "updated_at": now + timedelta(days=1)}
    # The users table as revision 0005 left it: without the new column.
    columns = UserRow.__table__.c
    users = table("users", *(column(name, columns[name].type) for name in ["username", *row]))
    with engine_for(database).begin() as connection:
        connection.execute(insert(users).values(username="admin", **row))
        connection.execute(insert(users).values(username="office", **changed))
    migrate(database)
    with session_scope(database) as session:
        assert accounts_with_initial_password(session) == ["admin"]


def test_dondoc_dev_is_the_development_stack(
    clean_env: pytest.MonkeyPatch, database: str, tmp_path: Path
) -> None:
    """Inside `dondoc dev` the defaults stand: the key, and the admin it prints."""
    clean_env.setenv("DONDOC_DATABASE_URL", database)
    # dev_settings writes the stack's variables into this process's environment.
    saved = dict(os.environ)
    try:
        settings = dev_settings(port=free_port(), temporal_port=free_port(), data_dir=tmp_path)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        get_settings.cache_clear()
    ensure_first_admin(settings)

    assert settings.dev_stack
    assert settings.secret_key.get_secret_value() == DEV_SECRET
    assert refusals(settings) == []
    # The same settings outside it are refused on both counts.
    assert len(refusals(load_settings(database_url=database))) == 2
