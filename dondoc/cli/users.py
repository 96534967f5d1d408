"""``dondoc users`` and ``dondoc api-token``: console accounts and integration tokens.

A password or token that the command makes is printed once and never stored in clear.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from dondoc.cli.errors import fail, prepared_database

users_app = typer.Typer(help="Tài khoản đăng nhập bảng điều khiển.", no_args_is_help=True)
api_token_app = typer.Typer(help="Mã truy cập API cho hệ thống tích hợp.", no_args_is_help=True)


def _password(given: bool) -> tuple[str, bool]:
    """A typed password (--password: asked twice, hidden), or a generated one to print."""
    from dondoc.store.users import generate_password

    if not given:
        return generate_password(), True
    if not sys.stdin.isatty():
        line = sys.stdin.readline().rstrip("\n")
        return line, False
    return typer.prompt("Mật khẩu", hide_input=True, confirmation_prompt="Nhập lại mật khẩu"), False


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="Tên đăng nhập (chữ thường không dấu)")],
    role: Annotated[str, typer.Option(help="admin | office | leader")] = "office",
    name: Annotated[str, typer.Option("--name", help="Họ tên hiển thị")] = "",
    leader: Annotated[
        str | None, typer.Option(help="Mã lãnh đạo trong danh bạ (bắt buộc với vai trò leader)")
    ] = None,
    password: Annotated[
        bool, typer.Option("--password", help="Tự nhập mật khẩu thay vì tạo ngẫu nhiên")
    ] = False,
) -> None:
    """Thêm tài khoản; in mật khẩu được tạo (một lần)."""
    from dondoc.store.db import session_scope
    from dondoc.store.users import UserError, add_user

    secret, generated = _password(password)
    try:
        with session_scope(prepared_database()) as session:
            row = add_user(
                session, username, role=role, password=secret, display_name=name, leader_code=leader
            )
            created = row.username
    except UserError as err:
        fail(f"{err.field}: {err}")
    typer.echo(f"Đã thêm tài khoản «{created}» ({role}).")
    if generated:
        typer.echo(f"Mật khẩu (chỉ hiển thị một lần): {secret}")


@users_app.command("passwd")
def users_passwd(
    username: Annotated[str, typer.Argument(help="Tên đăng nhập")],
    password: Annotated[
        bool, typer.Option("--password", help="Tự nhập mật khẩu thay vì tạo ngẫu nhiên")
    ] = False,
) -> None:
    """Đặt mật khẩu mới; mọi phiên đăng nhập cũ của tài khoản kết thúc."""
    from dondoc.store.db import session_scope
    from dondoc.store.users import UserError, set_password

    secret, generated = _password(password)
    try:
        with session_scope(prepared_database()) as session:
            set_password(session, username, secret)
    except UserError as err:
        fail(f"{err.field}: {err}")
    typer.echo(f"Đã đặt mật khẩu mới cho «{username}».")
    if generated:
        typer.echo(f"Mật khẩu (chỉ hiển thị một lần): {secret}")


@users_app.command("disable")
def users_disable(username: Annotated[str, typer.Argument(help="Tên đăng nhập")]) -> None:
    """Khóa tài khoản; các phiên đăng nhập của tài khoản kết thúc ngay."""
    from dondoc.store.db import session_scope
    from dondoc.store.users import UserError, disable_user

    try:
        with session_scope(prepared_database()) as session:
            disable_user(session, username)
    except UserError as err:
        fail(f"{err.field}: {err}")
    typer.echo(f"Đã khóa tài khoản «{username}».")


@users_app.command("list")
def users_list() -> None:
    """Danh sách tài khoản."""
    from dondoc.store.db import session_scope
    from dondoc.store.users import list_users

    with session_scope(prepared_database()) as session:
        rows = [
            (u.username, u.role, u.leader_code or "", u.active, u.display_name)
            for u in list_users(session)
        ]
    for username, role, leader, active, name in rows:
        state = "" if active else "  (đã khóa)"
        typer.echo(f"{username:<20} {role:<8} {leader:<10} {name}{state}")


SCOPE_HELP = (
    "Phạm vi được phép (lặp lại hoặc cách nhau dấu phẩy): read (đọc), notices:issue (ban hành "
    "thông báo), tasks:act (thao tác của Văn phòng và gửi lại thư). Không chọn: chỉ read."
)


@api_token_app.command("create")
def api_token_create(
    name: Annotated[str, typer.Argument(help="Tên hệ thống tích hợp, ví dụ qlvb")],
    scope: Annotated[list[str] | None, typer.Option("--scope", help=SCOPE_HELP)] = None,
) -> None:
    """Tạo mã truy cập API với phạm vi đã chọn; in mã (một lần)."""
    from dondoc.store.db import session_scope
    from dondoc.store.users import UserError, create_api_token, parse_scopes, scopes_text

    try:
        scopes = parse_scopes(scope or [])
        with session_scope(prepared_database()) as session:
            token = create_api_token(session, name, scopes)
    except UserError as err:
        fail(f"{err.field}: {err}")
    typer.echo(
        f"Mã truy cập API của «{name.strip().lower()}», phạm vi {scopes_text(scopes)} "
        "(chỉ hiển thị một lần):"
    )
    typer.echo(token)


@api_token_app.command("list")
def api_token_list() -> None:
    """Danh sách mã truy cập API: tên, phạm vi, tình trạng."""
    from dondoc.store.db import session_scope
    from dondoc.store.users import list_api_tokens, scopes_of, scopes_text

    with session_scope(prepared_database()) as session:
        rows = [
            (t.name, t.prefix, scopes_text(scopes_of(t)), t.revoked_at is not None)
            for t in list_api_tokens(session)
        ]
    for token_name, prefix, granted, revoked in rows:
        state = "  (đã thu hồi)" if revoked else ""
        typer.echo(f"{token_name:<20} {prefix}…  {granted}{state}")


@api_token_app.command("revoke")
def api_token_revoke(name: Annotated[str, typer.Argument(help="Tên hệ thống tích hợp")]) -> None:
    """Thu hồi mã truy cập API."""
    from dondoc.store.db import session_scope
    from dondoc.store.users import revoke_api_token

    with session_scope(prepared_database()) as session:
        done = revoke_api_token(session, name)
    if not done:
        fail(f"«{name}» không có mã truy cập đang dùng.")
    typer.echo(f"Đã thu hồi mã truy cập của «{name}».")
