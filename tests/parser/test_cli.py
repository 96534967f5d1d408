"""`dondoc notice parse` and `dondoc notice issue` on a notice's text, as a person runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from corpus import DEV, DIRECTORY

FIXTURES = Path(__file__).parents[1] / "fixtures"
DONDOC = str(Path(sys.executable).parent / "dondoc")

# Uses the codes of tests/fixtures/directory.yaml, which the database is loaded with.
NOTICE = """ỦY BAN NHÂN DÂN
TỈNH NGHỆ AN
Số: 245/TB-UBND
Nghệ An, ngày 01 tháng 3 năm 2027
THÔNG BÁO
Kết luận của đồng chí Phùng Thành Vinh - Phó Chủ tịch UBND tỉnh tại buổi làm việc về Dự thảo Đề án hợp tác với các tỉnh của Lào
Ngày 25/02/2027, đồng chí Phùng Thành Vinh - Phó Chủ tịch UBND tỉnh chủ trì buổi làm việc. Sau khi nghe Sở Ngoại vụ báo cáo, đồng chí Phó Chủ tịch UBND tỉnh kết luận như sau:
1. Đánh giá cao sự chuẩn bị của Sở Ngoại vụ.
2. Giao Sở Ngoại vụ chủ trì, phối hợp với Sở Tài chính, Sở NN&MT tiếp thu ý kiến, hoàn thiện Dự thảo Đề án, trình UBND tỉnh trước ngày 15/4/2027.
3. Giao Bộ CHQS tỉnh rà soát nội dung hợp tác quốc phòng, trong 15 ngày làm việc.
Văn phòng UBND tỉnh thông báo để các cơ quan, đơn vị biết, thực hiện./.
Nơi nhận:
- Như trên;
- Lưu: VT.
"""


@pytest.fixture
def run(tmp_path: Path):  # type: ignore[no-untyped-def]
    env = {
        **os.environ,
        "DONDOC_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "DONDOC_TEMPORAL_ADDRESS": "127.0.0.1:9",  # nothing listens: no workflow can start
    }

    def _run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [DONDOC, *args], env=env, capture_output=True, text=True, timeout=60, input=stdin
        )

    assert _run("directory", "load", str(FIXTURES / "directory.yaml")).returncode == 0
    return _run


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return str(path)


def test_parse_prints_the_draft_as_yaml_with_source_confidence_and_review(run) -> None:  # type: ignore[no-untyped-def]
    notice = DEV / "01-pct-de-an-hop-tac-lao.txt"
    result = run("notice", "parse", str(notice), "--directory", str(DIRECTORY))
    assert result.returncode == 0, result.stderr
    draft = yaml.safe_load(result.stdout)
    assert (draft["number"], draft["leader"], str(draft["date"])) == (
        "312/TB-UBND",
        "PCT-VINH",
        "2025-08-22",
    )
    first = draft["tasks"][0]
    assert (first["owner"], first["coordinators"]) == ("SNGV", ["STC", "SNNMT"])
    assert first["deadline"] == "trước ngày 15/9/2025"
    assert first["source"].startswith("Giao Sở Ngoại vụ chủ trì")
    assert first["confidence"]["owner"] > 0.9
    assert first["review"] == []
    owner = first["spans"]["owner"]
    assert notice.read_text("utf-8")[owner["start"] : owner["end"]] == "Sở Ngoại vụ"
    assert result.stderr == ""


def test_parse_prints_json_and_reads_the_database_directory_by_default(run, tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = run("notice", "parse", write(tmp_path, "tb.txt", NOTICE), "--json")
    assert result.returncode == 0, result.stderr
    draft = json.loads(result.stdout)
    assert [t["owner"] for t in draft["tasks"]] == ["SNGV", "BCHQS"]
    assert draft["tasks"][0]["coordinators"] == ["STC", "SNNMT"]


def test_parse_names_the_fields_left_to_fill_in(run) -> None:  # type: ignore[no-untyped-def]
    notice = DEV / "10-so-va-ngay-de-trong.txt"
    result = run("notice", "parse", str(notice), "--directory", str(DIRECTORY))
    assert result.returncode == 0
    assert "number: số văn bản để trống («/TB-UBND»)" in result.stderr
    assert "tasks[2].deadline: văn bản không ghi thời hạn" in result.stderr


def test_issue_a_text_notice_dry_run_shows_the_draft_and_the_plan(run, tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = run("notice", "issue", write(tmp_path, "tb.txt", NOTICE), "--dry-run", "--yes")
    assert result.returncode == 0, result.stderr
    assert "owner: SNGV" in result.stdout  # the draft, for the person to read
    assert "2027-245-TB-UBND-1  chủ trì SNGV, phối hợp STC, SNNMT" in result.stdout
    assert "2027-245-TB-UBND-2  chủ trì BCHQS" in result.stdout
    assert "chưa ban hành" in result.stdout
    assert json.loads(run("tasks", "list", "--json").stdout) == []


def test_issue_asks_before_using_a_draft(run, tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = run("notice", "issue", write(tmp_path, "tb.txt", NOTICE), "--dry-run", stdin="n\n")
    assert result.returncode == 0
    assert "Ban hành thông báo theo bản nháp trên?" in result.stdout
    assert "Chưa ban hành." in result.stdout
    assert "2027-245-TB-UBND-1" not in result.stdout


def test_issue_refuses_a_draft_with_unresolved_fields_naming_them(run, tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = NOTICE.replace("Giao Bộ CHQS tỉnh", "Giao Cục Thuế tỉnh").replace("Số: 245", "Số:   ")
    result = run("notice", "issue", write(tmp_path, "tb.txt", text), "--yes")
    assert result.returncode == 2
    assert "number: số văn bản để trống" in result.stderr
    assert "tasks[2].owner: «Cục Thuế tỉnh» không có trong danh bạ" in result.stderr
    assert json.loads(run("tasks", "list", "--json").stdout) == []


def test_a_reviewed_yaml_draft_issues_once_its_fields_are_filled_in(run, tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = NOTICE.replace("Giao Bộ CHQS tỉnh", "Giao Cục Thuế tỉnh")
    parsed = run("notice", "parse", write(tmp_path, "tb.txt", text))
    draft = yaml.safe_load(parsed.stdout)
    assert draft["tasks"][1]["owner"] is None
    path = write(tmp_path, "draft.yaml", yaml.safe_dump(draft, allow_unicode=True))
    refused = run("notice", "issue", path, "--dry-run")
    assert refused.returncode == 2
    assert "tasks[2].owner" in refused.stderr

    draft["tasks"][1]["owner"] = "STC"  # the reviewer's correction; the flags may stay
    path = write(tmp_path, "draft.yaml", yaml.safe_dump(draft, allow_unicode=True))
    result = run("notice", "issue", path, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "2027-245-TB-UBND-2  chủ trì STC" in result.stdout
