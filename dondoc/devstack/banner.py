"""The banner ``dondoc dev`` prints once everything runs: where each piece is, the demo,
the first admin's password, and the command to see the tasks from another terminal."""

from __future__ import annotations

import contextlib
import shlex
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url

from dondoc.devstack.temporal import UI_PORT_OFFSET
from dondoc.settings import Settings

if TYPE_CHECKING:
    from dondoc.devstack.stack import DevStack


def shown(path: Path) -> str:
    """A path as a person would type it from here: relative when inside this folder."""
    with contextlib.suppress(ValueError):
        return str(path.resolve().relative_to(Path.cwd().resolve())) or "."
    return str(path)


def _dondoc_command() -> str:
    beside = Path(sys.executable).parent / "dondoc"
    on_path = shutil.which("dondoc")
    if on_path and beside.exists() and Path(on_path).resolve() == beside.resolve():
        return "dondoc"
    return shown(beside) if beside.exists() else "dondoc"


def _database_text(stack: DevStack) -> str:
    url = make_url(stack.settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database:
        return shown(Path(url.database))
    return url.render_as_string(hide_password=True)


def _env_prefix(stack: DevStack) -> str:
    """The variables another terminal needs to reach this stack, if not the defaults."""
    defaults = Settings.model_fields
    wanted = {
        "DONDOC_DATABASE_URL": stack.settings.database_url,
        "DONDOC_TEMPORAL_ADDRESS": stack.settings.temporal_address,
        "DONDOC_PUBLIC_URL": stack.settings.public_url,
    }
    parts = [
        f"{name}={shlex.quote(value)}"
        for name, value in wanted.items()
        if value != defaults[name.removeprefix("DONDOC_").lower()].default
    ]
    return " ".join(parts) + " " if parts else ""


def banner_lines(stack: DevStack) -> list[str]:
    """What a person reads once the stack runs: where everything is, how to use it."""
    out: list[str] = []
    _say = out.append
    s = stack.settings
    web = f"http://127.0.0.1:{stack.port}"
    rows = [("Trang web", f"{web}/"), ("Bảng theo dõi", f"{web}/admin/")]
    if s.public_url.rstrip("/") != web:
        rows.append(("Liên kết trong thư", s.public_url))
    rows += [
        ("Temporal UI", f"http://127.0.0.1:{stack.temporal_port + UI_PORT_OFFSET}"),
        ("Temporal", s.temporal_address),
    ]
    if stack.uses_sink:
        rows.append(
            (
                "Thư gửi đi",
                f"lưu tại {shown(stack.mail_dir)}/ (mỗi thư một tệp .eml; "
                f"hộp thư thử nghiệm 127.0.0.1:{s.smtp_port})",
            )
        )
    else:
        rows.append(("Thư gửi đi", f"chuyển tới máy chủ thư {s.smtp_host}:{s.smtp_port}"))
    rows.append(("Cơ sở dữ liệu", _database_text(stack)))
    rows.append(("Nhật ký Temporal", shown(stack.temporal_log)))
    width = max(len(label) for label, _ in rows) + 1
    _say("Đôn đốc đang chạy.")
    for label, value in rows:
        _say(f"  {label + ':':<{width}} {value}")
    _say("")
    if stack._demo is not None:
        d = stack._demo
        if d.started:
            _say(
                f"Dữ liệu mẫu: danh bạ {d.agencies} cơ quan; thông báo {d.number} ngày "
                f"{d.notice_date:%d/%m/%Y} — đã ban hành {d.started} nhiệm vụ."
            )
        else:
            _say(
                f"Dữ liệu mẫu: thông báo {d.number} đã được ban hành trước đó "
                f"({d.already} nhiệm vụ đang được theo dõi)."
            )
        if d.quick_tasks:
            _say(
                f"  Nhiệm vụ {', '.join(d.quick_tasks)} theo chính sách «demo»: "
                "thư nhắc, quá hạn, báo cáo vượt cấp đến trong vài phút."
            )
    elif stack._demo_problem is not None:
        _say(f"Không nạp được dữ liệu mẫu: {stack._demo_problem}")
    elif stack.demo and stack.marker.exists():
        _say(f"Dữ liệu mẫu đã nạp ở lần chạy trước (xóa {shown(stack.marker)} để nạp lại).")
    if stack._admin_password:
        _say(
            f"Tài khoản quản trị đầu tiên: admin / {stack._admin_password} "
            "(chỉ hiện một lần; đổi bằng `dondoc users passwd admin`)."
        )
    _say(f"Xem các nhiệm vụ: {_env_prefix(stack)}{_dondoc_command()} tasks list")
    _say("Nhấn Ctrl-C để dừng.")
    return out
