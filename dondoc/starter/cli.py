"""The ``dondoc`` command. Exit codes: 0 success, 2 bad input, 1 anything else."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
import yaml
from pydantic import ValidationError

from dondoc.deployment import DeploymentFileError
from dondoc.domain.directory import Directory
from dondoc.domain.formatting import format_deadline
from dondoc.domain.notice import Notice, NoticeInvalid
from dondoc.settings import BadSettings, Settings, get_settings
from dondoc.starter.files import BadInput, load_document
from dondoc.starter.report_cli import report
from dondoc.starter.users_cli import api_token_app, users_app

if TYPE_CHECKING:
    from dondoc.client import TemporalUnreachable

app = typer.Typer(
    help="Đôn đốc — theo dõi, đôn đốc nhiệm vụ trong thông báo kết luận.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
notice_app = typer.Typer(help="Ban hành và đọc thông báo kết luận.", no_args_is_help=True)
tasks_app = typer.Typer(help="Xem các nhiệm vụ.", no_args_is_help=True)
directory_app = typer.Typer(help="Danh bạ cơ quan, lãnh đạo, Văn phòng.", no_args_is_help=True)
app.add_typer(notice_app, name="notice")
app.add_typer(tasks_app, name="tasks")
app.add_typer(directory_app, name="directory")
app.add_typer(users_app, name="users")
app.add_typer(api_token_app, name="api-token")
app.command("report")(report)

BAD_INPUT = 2


def fail(message: str, code: int = BAD_INPUT) -> NoReturn:
    typer.echo(f"Lỗi: {message}", err=True)
    raise typer.Exit(code)


def fail_unreachable(err: TemporalUnreachable) -> NoReturn:
    typer.echo(f"Lỗi: {err}", err=True)
    typer.echo(f"  Chi tiết: {err.detail}", err=True)
    raise typer.Exit(1)


def fail_invalid(err: NoticeInvalid) -> NoReturn:
    typer.echo("Lỗi: thông báo không hợp lệ, không nhiệm vụ nào được ban hành:", err=True)
    for problem in err.problems:
        typer.echo(f"  - {problem.location}: {problem.message}", err=True)
    raise typer.Exit(BAD_INPUT)


def _prepare_database() -> None:
    from dondoc.store.db import migrate

    migrate(get_settings().database_url)


# ---------------------------------------------------------------------- notice


def _print_plan(notice: Notice) -> None:
    from datetime import UTC, datetime

    from dondoc.deployment import calendar_for, policies
    from dondoc.domain.formatting import format_moment
    from dondoc.domain.policy import FollowUpState, plan
    from dondoc.domain.task import TaskStatus

    settings = get_settings()
    now = datetime.now(UTC)
    typer.echo(
        f"Thông báo {notice.number} ngày {notice.date:%d/%m/%Y} — {len(notice.tasks)} nhiệm vụ"
    )
    for spec in notice.tasks:
        typer.echo(
            f"\n{spec.id}  chủ trì {spec.owner}"
            + (f", phối hợp {', '.join(spec.coordinators)}" if spec.coordinators else "")
        )
        typer.echo(f"  {spec.work}")
        typer.echo(f"  Thời hạn: {format_deadline(spec.deadline)}  [chính sách {spec.policy}]")
        status = TaskStatus(
            task_id=spec.id,
            owner=spec.owner,
            deadline=spec.deadline,
            original_deadline=spec.deadline,
            assigned_at=max(
                now, datetime.combine(spec.notice_date, datetime.min.time(), tzinfo=UTC)
            ),
        )
        steps = plan(
            policies(settings)[spec.policy],
            spec,
            status,
            FollowUpState(deadline_set_at=status.assigned_at),
            calendar_for(settings, spec.notice_date),
            status.assigned_at,
            limit=8,
        )
        for occ in steps:
            cc = f" (cc {', '.join(occ.cc)})" if occ.cc else ""
            typer.echo(f"    {format_moment(occ.at)}  {occ.mail.value} → {', '.join(occ.to)}{cc}")


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
    from dondoc.starter.notice_files import draft_from_file, name_book, render_draft

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
    from dondoc.starter.notice_files import draft_from_file, issuable, name_book, render_draft

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
    from dondoc.starter.issuing import check_notice, issue_notice
    from dondoc.starter.notice_files import SUFFIXES, issuable

    settings = get_settings()
    try:
        if file.suffix.lower() in SUFFIXES:
            raw = _reviewed_draft(file, settings, yes)
        else:
            raw = issuable(load_document(file))
        _prepare_database()
        notice = check_notice(raw, settings)
    except BadInput as err:
        fail(str(err))
    except NoticeInvalid as err:
        fail_invalid(err)
    except DeploymentFileError as err:
        fail(str(err), 1)
    if dry_run:
        _print_plan(notice)
        typer.echo("\n(--dry-run: chưa ban hành, không gửi thư nào)")
        return

    async def _go():  # type: ignore[no-untyped-def]
        from dondoc.client import connect

        client = await connect(settings)
        return await issue_notice(notice, settings, client)

    from dondoc.client import TemporalUnreachable

    try:
        result = asyncio.run(_go())
    except NoticeInvalid as err:
        fail_invalid(err)
    except TemporalUnreachable as err:
        fail_unreachable(err)
    except RuntimeError as err:
        fail(f"không kết nối được Temporal tại {settings.temporal_address}: {err}", 1)
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


# ---------------------------------------------------------------------- tasks


@tasks_app.command("list")
def tasks_list(
    as_json: Annotated[bool, typer.Option("--json", help="In dạng JSON")] = False,
    owner: Annotated[str | None, typer.Option(help="Lọc theo mã đơn vị chủ trì")] = None,
    notice: Annotated[
        str | None, typer.Option(help="Lọc theo mã thông báo (vd. 2026-245-TB-UBND)")
    ] = None,
    state: Annotated[str | None, typer.Option(help="Lọc theo trạng thái")] = None,
) -> None:
    """Danh sách nhiệm vụ."""
    from dondoc.domain.task import STATE_LABELS, TaskState
    from dondoc.starter.views import task_summary
    from dondoc.store.db import session_scope
    from dondoc.store.tasks import list_tasks

    if state is not None and state not in {s.value for s in TaskState}:
        fail(
            f"trạng thái «{state}» không hợp lệ; chọn một trong: {', '.join(s.value for s in TaskState)}"
        )
    _prepare_database()
    with session_scope(get_settings().database_url) as session:
        rows = [
            task_summary(r)
            for r in list_tasks(session, owner=owner, notice_key=notice, state=state)
        ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        typer.echo("Chưa có nhiệm vụ nào.")
        return
    for r in rows:
        deadline = r["deadline"][:10] if r["deadline"] else "thường xuyên"
        typer.echo(
            f"{r['id']:<28} {r['notice']:<16} {r['owner']:<10} {deadline:<11} {STATE_LABELS[TaskState(r['state'])]}"
        )


@tasks_app.command("show")
def tasks_show(
    task_id: Annotated[str, typer.Argument(metavar="ID", help="Mã nhiệm vụ")],
    as_json: Annotated[bool, typer.Option("--json", help="In dạng JSON")] = False,
) -> None:
    """Chi tiết một nhiệm vụ và diễn biến của nó."""
    from dondoc.starter.views import render_detail, task_detail
    from dondoc.store.db import session_scope
    from dondoc.store.tasks import get_task

    _prepare_database()
    with session_scope(get_settings().database_url) as session:
        row = get_task(session, task_id)
        if row is None:
            fail(f"không có nhiệm vụ «{task_id}»")
        detail = task_detail(session, row)
        text = None if as_json else render_detail(detail, row)
    typer.echo(json.dumps(detail, ensure_ascii=False, indent=2) if as_json else text)


# ---------------------------------------------------------------------- directory


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
        fail(f"{file}: danh bạ không hợp lệ — {_validation_text(err)}")
    _prepare_database()
    with session_scope(get_settings().database_url) as session:
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

    _prepare_database()
    with session_scope(get_settings().database_url) as session:
        data = export_directory(session).model_dump(mode="json")
    typer.echo(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


# ---------------------------------------------------------------------- simulate


@app.command("simulate")
def simulate_cmd(
    notice_file: Annotated[
        Path, typer.Argument(metavar="NOTICE", help="Tệp thông báo .yaml hoặc .json")
    ],
    directory_file: Annotated[Path, typer.Option("--directory", help="Tệp danh bạ .yaml")],
    days: Annotated[int, typer.Option(min=1, max=3660, help="Số ngày mô phỏng")] = 60,
    as_json: Annotated[bool, typer.Option("--json", help="In dạng JSON")] = False,
) -> None:
    """Mô phỏng các thư nhắc, báo cáo vượt cấp của một thông báo khi đơn vị không phản hồi."""
    from dondoc.domain.formatting import format_moment
    from dondoc.starter.simulate import simulate

    try:
        raw = load_document(notice_file)
        directory = Directory.model_validate(load_document(directory_file))
    except BadInput as err:
        fail(str(err))
    except ValidationError as err:
        fail(f"{directory_file}: danh bạ không hợp lệ — {_validation_text(err)}")
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
    typer.echo(f"\n{len(result.mails)} thư:")
    for mail in result.mails:
        cc = f" cc {', '.join(mail.cc)}" if mail.cc else ""
        typer.echo(
            f"  {format_moment(mail.at)}  {mail.task}  {mail.kind:<22} → {', '.join(mail.to)}{cc}"
        )


def _validation_text(err: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in err.errors())


# ---------------------------------------------------------------------- processes


@app.command("dev")
def dev(
    port: Annotated[int, typer.Option(help="Cổng web")] = 8000,
    temporal_port: Annotated[
        int, typer.Option(help="Cổng Temporal (giao diện web ở cổng +1000)")
    ] = 7233,
    data_dir: Annotated[Path, typer.Option(help="Thư mục dữ liệu")] = Path("var"),
    no_demo: Annotated[bool, typer.Option("--no-demo", help="Không nạp dữ liệu mẫu")] = False,
) -> None:
    """Chạy toàn bộ hệ thống trên máy này: Temporal, cơ sở dữ liệu, hộp thư, worker, web."""
    from dondoc.starter.dev import run_dev

    sys.exit(run_dev(port=port, temporal_port=temporal_port, data_dir=data_dir, demo=not no_demo))


def _safe_to_start(command: str) -> Settings:
    """The settings of a deployment's service, or exit 2 naming what to set first."""
    from dondoc.production import refusals

    settings = get_settings()
    _prepare_database()
    found = refusals(settings)
    if found:
        typer.echo(
            f"Lỗi: `dondoc {command}` không khởi động khi cấu hình chưa an toàn "
            "(giá trị mặc định chỉ dành cho `dondoc dev`):",
            err=True,
        )
        for line in found:
            typer.echo(f"  - {line}", err=True)
        raise typer.Exit(BAD_INPUT)
    return settings


@app.command("worker")
def worker() -> None:
    """Chạy worker Temporal (triển khai thật)."""
    from dondoc.client import TemporalUnreachable
    from dondoc.worker import run_worker

    settings = _safe_to_start("worker")
    try:
        asyncio.run(run_worker(settings))
    except TemporalUnreachable as err:
        fail_unreachable(err)


@app.command("web")
def web(
    host: Annotated[str, typer.Option(help="Địa chỉ lắng nghe")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Cổng")] = 8000,
) -> None:
    """Chạy máy chủ web (triển khai thật)."""
    import uvicorn

    from dondoc.web.app import create_app

    settings = _safe_to_start("web")
    uvicorn.run(create_app(settings), host=host, port=port, proxy_headers=True)


@app.callback()
def _setup(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="In nhật ký chi tiết")] = False,
) -> None:
    from dondoc.logs import configure_logging

    configure_logging("INFO" if verbose else "WARNING")


def main() -> None:
    try:
        app()
    except DeploymentFileError as err:
        typer.echo(f"Lỗi cấu hình: {err}", err=True)
        _exit(1)
    except BadSettings as err:
        typer.echo("Lỗi cấu hình:", err=True)
        for problem in err.problems:
            typer.echo(f"  - {problem}", err=True)
        _exit(BAD_INPUT)
    except SystemExit as done:
        _exit(done.code)
    _exit(0)


def _exit(code: int | str | None) -> NoReturn:
    """Exit with ``code``; after a Temporal client, without interpreter teardown.

    A short-lived process that made a Temporal client can abort while Python finalises
    (``PyGILState_Release``, temporalio/sdk-python#300), which turns a successful command
    into exit status 134. Everything is flushed first; nothing else runs at exit here.
    """
    import logging
    import os

    if isinstance(code, str):
        print(code, file=sys.stderr)
        code = 1
    client = sys.modules.get("dondoc.client")
    if not getattr(client, "connected", False):
        sys.exit(code)
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)


if __name__ == "__main__":
    main()
