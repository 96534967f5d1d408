"""``dondoc db``: the database's schema — where it stands, upgraded, taken back.

A deployment upgrades the schema first (``dondoc db upgrade``), then starts or restarts
``dondoc web`` and ``dondoc worker``, which refuse to start on an older schema
(``require_current_schema``, exit code 1: nothing the command line said was wrong, the
database is not ready).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer
from sqlalchemy import make_url
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError

from dondoc.cli.errors import FAILURE, fail
from dondoc.settings import get_settings

if TYPE_CHECKING:
    from dondoc.store.schema import Moved

db_app = typer.Typer(help="Lược đồ cơ sở dữ liệu: xem, nâng cấp, hạ cấp.", no_args_is_help=True)


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _database_error(url: str, err: SQLAlchemyError) -> str:
    """The database's own words (first line), after what went wrong in ours."""
    reason = str(getattr(err, "orig", None) or err).strip().splitlines()[0]
    what = (
        "không kết nối được cơ sở dữ liệu"
        if isinstance(err, OperationalError | InterfaceError)
        else "cơ sở dữ liệu báo lỗi"
    )
    return f"{what} {_shown(url)}: {reason}"


def require_current_schema() -> str:
    """The database URL, if its schema is the newest this installation ships; otherwise
    a message saying what to run, and exit code 1. ``dondoc web`` and ``dondoc worker``
    call this before anything else."""
    from dondoc.store.schema import SchemaNotCurrent, require_current

    url = get_settings().database_url
    try:
        require_current(url)
    except SchemaNotCurrent as err:
        fail(f"{err} Dịch vụ không khởi động.", FAILURE)
    except SQLAlchemyError as err:
        fail(_database_error(url, err), FAILURE)
    return url


def schema_is_current(url: str) -> bool:
    """Whether the schema is the newest, False when the database cannot be read at all."""
    from dondoc.store.schema import schema_state

    try:
        return schema_state(url).newest
    except SQLAlchemyError:
        return False


@db_app.command("current")
def db_current(
    check: Annotated[
        bool, typer.Option("--check", help="Mã thoát 1 nếu lược đồ chưa ở phiên bản mới nhất")
    ] = False,
) -> None:
    """In phiên bản lược đồ của cơ sở dữ liệu và cho biết đó có phải bản mới nhất."""
    from dondoc.store.schema import schema_state

    url = get_settings().database_url
    try:
        state = schema_state(url)
    except SQLAlchemyError as err:
        fail(_database_error(url, err), FAILURE)
    typer.echo(f"Cơ sở dữ liệu: {_shown(url)}")
    typer.echo(state.describe())
    if check and not state.newest:
        raise typer.Exit(FAILURE)


def _move(step: Callable[[str, str], Moved], revision: str) -> Moved:
    """Upgrade or downgrade, each failure in the operator's words: a revision that does not
    exist is their input (exit 2); a database that is not ready or answers with an error is
    not (exit 1)."""
    from dondoc.store.schema import RevisionRefused, SchemaNotCurrent

    url = get_settings().database_url
    try:
        moved = step(url, revision)
    except RevisionRefused as err:
        fail(str(err))
    except SchemaNotCurrent as err:
        fail(str(err), FAILURE)
    except SQLAlchemyError as err:
        fail(_database_error(url, err), FAILURE)
    typer.echo(f"Cơ sở dữ liệu: {_shown(url)}")
    return moved


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Phiên bản đích (mặc định: mới nhất)")] = "head",
) -> None:
    """Nâng cấp lược đồ cơ sở dữ liệu (chạy trước khi khởi động lại web và worker)."""
    from dondoc.store.schema import upgrade

    moved = _move(upgrade, revision)
    if not moved.steps:
        typer.echo(f"Không có gì để nâng cấp. {moved.after.describe()}")
    else:
        was = ", ".join(moved.before) or "(chưa có)"
        now = ", ".join(moved.after.current)
        typer.echo(f"Đã nâng cấp lược đồ từ phiên bản {was} lên {now}.")
        typer.echo(moved.after.describe())


@db_app.command("downgrade")
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="Phiên bản đích, hoặc «base» (xóa hết)")],
    yes: Annotated[
        bool, typer.Option("--yes", help="Xác nhận: dữ liệu của các phiên bản gỡ bỏ bị xóa")
    ] = False,
) -> None:
    """Hạ lược đồ về một phiên bản cũ hơn (khi quay lại bản cài đặt trước)."""
    from dondoc.store.schema import downgrade

    if not yes:
        fail(
            "hạ lược đồ xóa các bảng, cột của những phiên bản bị gỡ cùng dữ liệu trong đó; "
            "sao lưu trước, rồi chạy lại với --yes"
        )
    moved = _move(downgrade, revision)
    if not moved.steps:
        typer.echo(f"Không có gì để hạ. {moved.after.describe()}")
        return
    was = ", ".join(moved.before) or "(chưa có)"
    now = ", ".join(moved.after.current) or "(chưa có)"
    typer.echo(f"Đã hạ lược đồ từ phiên bản {was} về {now}.")
    typer.echo(moved.after.describe())


@db_app.command("history")
def db_history() -> None:
    """Liệt kê các phiên bản lược đồ, đánh dấu phiên bản hiện tại."""
    from dondoc.store.schema import revisions, schema_state

    url = get_settings().database_url
    try:
        current = set(schema_state(url).current)
    except SQLAlchemyError as err:
        fail(_database_error(url, err), FAILURE)
    for revision, message in revisions(url):
        mark = "*" if revision in current else " "
        typer.echo(f"{mark} {revision:<8} {message}")
