"""``dondoc tasks``: the tasks as the read model has them, with each one's timeline."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from dondoc.cli.errors import fail, prepared_database
from dondoc.domain.task import STATE_LABELS, TaskState

tasks_app = typer.Typer(help="Xem các nhiệm vụ.", no_args_is_help=True)


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
    from dondoc.cli.output import task_summary
    from dondoc.store.db import session_scope
    from dondoc.store.tasks import list_tasks

    if state is not None and state not in {s.value for s in TaskState}:
        fail(
            f"trạng thái «{state}» không hợp lệ; chọn một trong: {', '.join(s.value for s in TaskState)}"
        )
    with session_scope(prepared_database()) as session:
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
    from dondoc.cli.output import render_detail, task_detail
    from dondoc.store.db import session_scope
    from dondoc.store.tasks import get_task

    with session_scope(prepared_database()) as session:
        row = get_task(session, task_id)
        if row is None:
            fail(f"không có nhiệm vụ «{task_id}»")
        detail = task_detail(session, row)
        text = None if as_json else render_detail(detail, row)
    typer.echo(json.dumps(detail, ensure_ascii=False, indent=2) if as_json else text)
