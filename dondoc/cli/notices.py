"""``dondoc notice``: read a notice's text into a draft, and issue a notice."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from dondoc.cli.errors import FAILURE, fail, fail_invalid, fail_unreachable, prepared_database
from dondoc.client import TemporalUnreachable
from dondoc.commands.documents import BadInput, load_document
from dondoc.deployment import DeploymentFileError
from dondoc.domain.formatting import (
    deadline_notes,
    format_deadline,
    format_moment,
    format_provisional_days,
)
from dondoc.domain.notice import Notice, NoticeInvalid
from dondoc.settings import Settings, get_settings

notice_app = typer.Typer(help="Ban hành và đọc thông báo kết luận.", no_args_is_help=True)


def _print_plan(notice: Notice, settings: Settings) -> None:
    from dondoc.commands.issue import dry_run_plans

    typer.echo(
        f"Thông báo {notice.number} ngày {notice.date:%d/%m/%Y} — {len(notice.tasks)} nhiệm vụ"
    )
    for planned in dry_run_plans(notice, settings):
        spec, steps = planned.spec, planned.steps
        typer.echo(
            f"\n{spec.id}  chủ trì {spec.owner}"
            + (f", phối hợp {', '.join(spec.coordinators)}" if spec.coordinators else "")
        )
        typer.echo(f"  {spec.work}")
        typer.echo(f"  Thời hạn: {format_deadline(spec.deadline)}  [chính sách {spec.policy}]")
        for note in deadline_notes(spec.deadline):
            typer.echo(f"  {note}")
        for occ in steps:
            cc = f" (cc {', '.join(occ.cc)})" if occ.cc else ""
            typer.echo(f"    {format_moment(occ.at)}  {occ.mail.value} → {', '.join(occ.to)}{cc}")
        warning = format_provisional_days(planned.provisional)
        if warning:
            typer.echo(f"  ! {warning}")


@notice_app.command("parse")
def notice_parse(
    file: Annotated[Path, typer.Argument(help="Văn bản thông báo .txt, .docx hoặc .pdf")],
    directory: Annotated[
        Path | None,
        typer.Option("--directory", help="Tệp danh bạ .yaml (mặc định: danh bạ trong CSDL)"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="In dạng JSON")] = False,
) -> None:
    """Đọc văn bản thông báo thành bản nháp (YAML) để rà soát trước khi ban hành."""
    from dondoc.commands.notice_text import draft_from_file, name_book, render_draft

    settings = get_settings()
    try:
        draft = draft_from_file(file, settings, name_book(settings, directory))
    except BadInput as err:
        fail(str(err))
    typer.echo(render_draft(draft, as_json=as_json), nl=False)
    missing = draft.unresolved()
    if missing:
        typer.echo(f"Còn {len(missing)} trường chưa xác định:", err=True)
        for item in missing:
            typer.echo(f"  - {item}", err=True)


def _reviewed_draft(file: Path, settings: Settings, yes: bool) -> object:
    """Parse a notice's text, show the draft, refuse it if incomplete, ask before going on."""
    from dondoc.commands.notice_text import draft_from_file, issuable, name_book, render_draft

    draft = draft_from_file(file, settings, name_book(settings))
    typer.echo(render_draft(draft))
    raw = issuable(draft.as_document())
    if not yes and not typer.confirm("Ban hành thông báo theo bản nháp trên?", default=False):
        typer.echo("Chưa ban hành.")
        raise typer.Exit(0)
    return raw


@notice_app.command("issue")
def notice_issue(
    file: Annotated[
        Path, typer.Argument(help="Tệp thông báo .yaml, .json hoặc văn bản .txt, .docx, .pdf")
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Chỉ kiểm tra và in kế hoạch, không ban hành")
    ] = False,
    yes: Annotated[
        bool,
        typer.Option("--yes", "-y", help="Không hỏi lại trước khi dùng bản nháp đọc từ văn bản"),
    ] = False,
) -> None:
    """Ban hành thông báo: mỗi nhiệm vụ một quy trình đôn đốc."""
    from dondoc.commands.issue import SearchAttributesMissing, check_notice, issue_notice
    from dondoc.commands.notice_text import SUFFIXES, issuable

    settings = get_settings()
    try:
        if file.suffix.lower() in SUFFIXES:
            raw = _reviewed_draft(file, settings, yes)
        else:
            raw = issuable(load_document(file))
        prepared_database()
        notice = check_notice(raw, settings)
    except BadInput as err:
        fail(str(err))
    except NoticeInvalid as err:
        fail_invalid(err)
    except DeploymentFileError as err:
        fail(str(err), FAILURE)
    if dry_run:
        _print_plan(notice, settings)
        typer.echo("\n(--dry-run: chưa ban hành, không gửi thư nào)")
        return

    async def _go():  # type: ignore[no-untyped-def]
        from dondoc.client import connect

        client = await connect(settings)
        return await issue_notice(notice, settings, client)

    try:
        result = asyncio.run(_go())
    except NoticeInvalid as err:
        fail_invalid(err)
    except TemporalUnreachable as err:
        fail_unreachable(err)
    except SearchAttributesMissing as err:
        fail(str(err), FAILURE)
    except RuntimeError as err:
        fail(f"không kết nối được Temporal tại {settings.temporal_address}: {err}", FAILURE)
    if result.was_already_issued:
        typer.echo(
            f"Thông báo {notice.number} đã được ban hành trước đó; không khởi tạo thêm nhiệm vụ nào "
            f"({len(result.already)} nhiệm vụ đang được theo dõi)."
        )
        return
    typer.echo(f"Đã ban hành thông báo {notice.number}: {len(result.started)} nhiệm vụ.")
    for task_id in result.started:
        typer.echo(f"  {task_id}")
    if result.already:
        typer.echo(f"({len(result.already)} nhiệm vụ đã có từ lần ban hành trước.)")
