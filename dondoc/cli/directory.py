"""``dondoc directory``: the office, the leaders and the agencies, loaded and exported."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
import yaml
from pydantic import ValidationError

from dondoc.cli.errors import fail, prepared_database, validation_text
from dondoc.commands.documents import BadInput, load_document
from dondoc.domain.directory import Directory

directory_app = typer.Typer(help="Danh bạ cơ quan, lãnh đạo, Văn phòng.", no_args_is_help=True)


@directory_app.command("load")
def directory_load(
    file: Annotated[Path, typer.Argument(help="Tệp danh bạ .yaml hoặc .json")],
) -> None:
    """Nạp danh bạ: thêm mới hoặc cập nhật theo mã."""
    from dondoc.domain.directory import unknown_group_members
    from dondoc.store.db import session_scope
    from dondoc.store.directory import agency_codes, load_directory

    try:
        directory = Directory.model_validate(load_document(file))
    except BadInput as err:
        fail(str(err))
    except ValidationError as err:
        fail(f"{file}: danh bạ không hợp lệ — {validation_text(err)}")
    with session_scope(prepared_database()) as session:
        unknown = unknown_group_members(directory, agency_codes(session))
        if unknown:
            fail(f"{file}: nhóm đơn vị có mã không có trong danh bạ: {', '.join(unknown)}")
        counts = load_directory(session, directory)
    typer.echo(f"Đã nạp danh bạ: {counts.added} mục mới, {counts.updated} mục cập nhật.")


@directory_app.command("export")
def directory_export() -> None:
    """In danh bạ hiện tại dạng YAML (cùng định dạng với `directory load`)."""
    from dondoc.store.db import session_scope
    from dondoc.store.directory import export_directory

    with session_scope(prepared_database()) as session:
        data = export_directory(session).model_dump(mode="json")
    typer.echo(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
