"""``dondoc simulate``: what a notice's ladder will send, before anyone issues it."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from dondoc.cli.errors import fail, fail_invalid, validation_text
from dondoc.commands.documents import BadInput, load_document
from dondoc.domain.directory import Directory
from dondoc.domain.formatting import format_deadline, format_moment, format_provisional_days
from dondoc.domain.notice import NoticeInvalid
from dondoc.settings import get_settings


def simulate_cmd(
    notice_file: Annotated[
        Path, typer.Argument(metavar="NOTICE", help="Tệp thông báo .yaml hoặc .json")
    ],
    directory_file: Annotated[Path, typer.Option("--directory", help="Tệp danh bạ .yaml")],
    days: Annotated[int, typer.Option(min=1, max=3660, help="Số ngày mô phỏng")] = 60,
    as_json: Annotated[bool, typer.Option("--json", help="In dạng JSON")] = False,
) -> None:
    """Mô phỏng các thư nhắc, báo cáo vượt cấp của một thông báo khi đơn vị không phản hồi."""
    from dondoc.devstack.simulate import simulate

    try:
        raw = load_document(notice_file)
        directory = Directory.model_validate(load_document(directory_file))
    except BadInput as err:
        fail(str(err))
    except ValidationError as err:
        fail(f"{directory_file}: danh bạ không hợp lệ — {validation_text(err)}")
    try:
        result = asyncio.run(simulate(raw, directory, days, get_settings()))
    except NoticeInvalid as err:
        fail_invalid(err)
    if as_json:
        typer.echo(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
        return
    notice = result.notice
    typer.echo(
        f"Mô phỏng {days} ngày, thông báo {notice.number} ngày {notice.date:%d/%m/%Y}, đơn vị không phản hồi."
    )
    if result.started_at.date() > notice.date:
        typer.echo(
            f"(Ngày thông báo đã qua; mô phỏng bắt đầu từ {format_moment(result.started_at)}.)"
        )
    for spec in notice.tasks:
        typer.echo(f"  {spec.id}: {spec.owner}, thời hạn {format_deadline(spec.deadline)}")
    warning = format_provisional_days(result.provisional)
    if warning:
        typer.echo(f"! {warning}")
    typer.echo(f"\n{len(result.mails)} thư:")
    for mail in result.mails:
        cc = f" cc {', '.join(mail.cc)}" if mail.cc else ""
        typer.echo(
            f"  {format_moment(mail.at)}  {mail.task}  {mail.kind:<22} → {', '.join(mail.to)}{cc}"
        )
