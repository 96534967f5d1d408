"""`dondoc notice issue` refuses bad input with exit code 2, a message, and nothing started."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parents[1] / "fixtures"
DONDOC = str(Path(sys.executable).parent / "dondoc")


@pytest.fixture
def run(tmp_path: Path):
    env = {
        **os.environ,
        "DONDOC_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        # Nothing listens here: a command that tried to reach Temporal would fail with 1.
        "DONDOC_TEMPORAL_ADDRESS": "127.0.0.1:9",
    }

    def _run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([DONDOC, *args], env=env, capture_output=True, text=True, timeout=60)

    assert _run("directory", "load", str(FIXTURES / "directory.yaml")).returncode == 0
    return _run


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return str(path)


GOOD = """\
number: 245/TB-UBND
date: 2026-08-20
leader: PCT-VINH
subject: Kết luận của đồng chí Phó Chủ tịch UBND tỉnh về Dự thảo Đề án
tasks:
  - owner: SNGV
    coordinators: [STC, SNNMT]
    work: Tiếp thu ý kiến, hoàn thiện dự thảo Đề án
    result: Dự thảo Đề án hoàn chỉnh trình UBND tỉnh
    deadline: trước ngày 15/9/2026
  - owner: STC
    work: Cân đối nguồn kinh phí thực hiện Đề án
    deadline: trong 15 ngày làm việc
"""


def test_dry_run_prints_each_task_its_deadline_and_follow_up_plan(run, tmp_path) -> None:
    future = GOOD.replace("2026-08-20", "2027-03-01").replace("15/9/2026", "15/4/2027")
    result = run("notice", "issue", "--dry-run", write(tmp_path, "n.yaml", future))
    assert result.returncode == 0, result.stderr
    assert "2027-245-TB-UBND-1" in result.stdout
    assert "17:00 thứ năm, ngày 15/04/2027 (trước ngày 15/4/2027)" in result.stdout
    assert "08:00 thứ năm, ngày 08/04/2027  reminder → SNGV" in result.stdout
    # 16/4/2027 is the Hùng Kings holiday: the overdue steps go out on Monday.
    assert "08:00 thứ hai, ngày 19/04/2027  escalation_office → VP" in result.stdout
    assert "chưa ban hành" in result.stdout
    listed = run("tasks", "list", "--json")
    assert json.loads(listed.stdout) == []


def test_an_unknown_owner_is_refused_naming_the_task_and_field(run, tmp_path) -> None:
    result = run(
        "notice", "issue", write(tmp_path, "n.yaml", GOOD.replace("owner: STC", "owner: SXX"))
    )
    assert result.returncode == 2
    assert "tasks[2].owner: mã đơn vị «SXX» không có trong danh bạ" in result.stderr
    assert json.loads(run("tasks", "list", "--json").stdout) == []


def test_a_deadline_before_the_notice_date_is_refused(run, tmp_path) -> None:
    text = GOOD.replace("trước ngày 15/9/2026", "trước ngày 15/7/2026")
    result = run("notice", "issue", write(tmp_path, "n.yaml", text))
    assert result.returncode == 2
    assert "tasks[1].deadline" in result.stderr and "trước ngày ban hành" in result.stderr


def test_an_unknown_key_is_refused(run, tmp_path) -> None:
    result = run(
        "notice", "issue", write(tmp_path, "n.yaml", GOOD.replace("    result:", "    resutl:"))
    )
    assert result.returncode == 2
    assert "tasks[1].resutl: trường không được hỗ trợ" in result.stderr


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("missing.yaml", None, "không tìm thấy tệp"),
        ("broken.yaml", "number: [245\n", "YAML không hợp lệ"),
        ("broken.json", "{", "JSON không hợp lệ"),
        ("notice.odt", "x", "chỉ nhận tệp"),
        ("list.yaml", "- a\n- b\n", "bảng khóa–giá trị"),
    ],
)
def test_unreadable_files_exit_2_with_a_message(run, tmp_path, name, text, message) -> None:
    path = tmp_path / name if text is None else Path(write(tmp_path, name, text))
    result = run("notice", "issue", str(path))
    assert result.returncode == 2
    assert message in result.stderr


def test_a_bad_directory_file_is_refused(run, tmp_path) -> None:
    bad = "agencies:\n  - {code: SNGV, name: Sở Ngoại vụ, email: not-an-address}\n"
    result = run("directory", "load", write(tmp_path, "d.yaml", bad))
    assert result.returncode == 2
    assert "not-an-address" in result.stderr


def test_showing_an_unknown_task_exits_2(run) -> None:
    result = run("tasks", "show", "2026-1-TB-UBND-9")
    assert result.returncode == 2
    assert "không có nhiệm vụ" in result.stderr


def test_directory_groups_load_export_and_resolve_collective_owners(run, tmp_path) -> None:
    groups = (
        'groups:\n  - {name: "các sở, ban, ngành", aliases: [các sở ngành], members: [SNGV, STC]}\n'
    )
    assert run("directory", "load", write(tmp_path, "g.yaml", groups)).returncode == 0
    assert "các sở, ban, ngành" in run("directory", "export").stdout
    bad = "groups:\n  - {name: nhóm lạ, members: [SXX]}\n"
    refused = run("directory", "load", write(tmp_path, "b.yaml", bad))
    assert refused.returncode == 2 and "SXX" in refused.stderr
    text = (
        "ỦY BAN NHÂN DÂN TỈNH NGHỆ AN\nSố: 12/TB-UBND\nNghệ An, ngày 20 tháng 8 năm 2026\n"
        "THÔNG BÁO\nKết luận của đồng chí Phùng Thành Vinh - Phó Chủ tịch UBND tỉnh\n_____________\n"
        "Ngày 18/8/2026, đồng chí Phùng Thành Vinh chủ trì cuộc họp. Đồng chí kết luận như sau:\n"
        "1. Giao các sở, ban, ngành rà soát các nội dung hợp tác, hoàn thành trước ngày 30/9/2026.\n"
    )
    parsed = run("notice", "parse", "--json", write(tmp_path, "n.txt", text))
    owners = [t["owner"] for t in json.loads(parsed.stdout)["tasks"]]
    assert sorted(owners) == ["SNGV", "STC"]


def test_dry_run_says_when_a_plan_rests_on_provisional_days(run, tmp_path) -> None:
    """Tết 2027 is the holidays package's guess until the Ministry announces it."""
    over_tet = GOOD.replace("2026-08-20", "2027-01-25").replace("15/9/2026", "26/2/2027")
    result = run("notice", "issue", "--dry-run", write(tmp_path, "tet.yaml", over_tet))
    assert result.returncode == 0, result.stderr
    assert "ngày chưa chính thức" in result.stdout
    assert "04/02/2027" in result.stdout
    after = GOOD.replace("15/9/2026", "15/10/2026")
    plain = run("notice", "issue", "--dry-run", write(tmp_path, "plain.yaml", after))
    assert "ngày chưa chính thức" not in plain.stdout
