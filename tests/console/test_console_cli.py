"""`dondoc users`, `dondoc api-token` and `dondoc report`, run as real processes."""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from dondoc.store.db import session_scope
from dondoc.store.users import authenticate, verify_api_token

FIXTURES = Path(__file__).parents[1] / "fixtures"
DONDOC = str(Path(sys.executable).parent / "dondoc")


@pytest.fixture
def run(tmp_path: Path):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = {**os.environ, "DONDOC_DATABASE_URL": url, "DONDOC_TEMPORAL_ADDRESS": "127.0.0.1:9"}

    def _run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [DONDOC, *args], env=env, capture_output=True, text=True, timeout=60, input=stdin
        )

    assert _run("directory", "load", str(FIXTURES / "directory.yaml")).returncode == 0
    _run.url = url  # type: ignore[attr-defined]
    return _run


def test_users_are_added_given_passwords_and_disabled(run) -> None:  # type: ignore[no-untyped-def]
    added = run("users", "add", "chuyenvien", "--role", "office", "--name", "Nguyễn Thị Lan")
    assert added.returncode == 0, added.stderr
    password = re.search(r"Mật khẩu \(chỉ hiển thị một lần\): (\S+)", added.stdout)
    assert password
    with session_scope(run.url) as session:
        assert authenticate(session, "chuyenvien", password.group(1)) is not None

    typed = run("users", "passwd", "chuyenvien", "--password", stdin="mat-khau-moi-dai\n")
    assert typed.returncode == 0 and "Mật khẩu (" not in typed.stdout
    with session_scope(run.url) as session:
        assert authenticate(session, "chuyenvien", "mat-khau-moi-dai") is not None

    leader = run("users", "add", "pct", "--role", "leader")
    assert leader.returncode == 2 and "leader_code" in leader.stderr
    assert run("users", "add", "pct", "--role", "leader", "--leader", "PCT-VINH").returncode == 0
    assert run("users", "add", "chuyenvien").returncode == 2  # the name is taken

    assert run("users", "disable", "chuyenvien").returncode == 0
    with session_scope(run.url) as session:
        assert authenticate(session, "chuyenvien", "mat-khau-moi-dai") is None
    assert "(đã khóa)" in run("users", "list").stdout
    assert run("users", "disable", "khongco").returncode == 2


def test_an_api_token_is_printed_once_and_works(run) -> None:  # type: ignore[no-untyped-def]
    made = run("api-token", "create", "qlvb")
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip().splitlines()[-1]
    with session_scope(run.url) as session:
        assert verify_api_token(session, token) == "qlvb"
    assert run("api-token", "create", "qlvb").returncode == 2
    assert run("api-token", "revoke", "qlvb").returncode == 0
    with session_scope(run.url) as session:
        assert verify_api_token(session, token) is None


def test_the_report_is_written_as_xlsx_or_csv(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    today = date.today().isoformat()
    out = tmp_path / "bao-cao.xlsx"
    made = run(
        "report", "--from", "2026-01-01", "--to", today, "--format", "xlsx", "--out", str(out)
    )
    assert made.returncode == 0, made.stderr
    sheet = openpyxl.load_workbook(out).active
    assert "Báo cáo tình hình thực hiện nhiệm vụ" in str(sheet["A1"].value)
    out_csv = tmp_path / "bao-cao.csv"
    assert (
        run(
            "report",
            "--from",
            "2026-01-01",
            "--to",
            today,
            "--format",
            "csv",
            "--out",
            str(out_csv),
        ).returncode
        == 0
    )
    header = next(csv.reader(io.StringIO(out_csv.read_text("utf-8-sig"))))
    assert header[:3] == ["Mã đơn vị", "Đơn vị chủ trì", "Số nhiệm vụ được giao"]
    wrong = run("report", "--from", "31/02/2026", "--to", today, "--out", str(out))
    assert wrong.returncode == 2 and "--from" in wrong.stderr
    backwards = run("report", "--from", today, "--to", "2026-01-01", "--out", str(out))
    assert backwards.returncode == 2
