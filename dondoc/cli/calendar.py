"""``dondoc calendar``: the working calendar in force, and loading a year of it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer

from dondoc.cli.errors import FAILURE, fail, fail_unreachable, prepared_database
from dondoc.client import TemporalUnreachable
from dondoc.deployment import DeploymentFileError, read_year_replacement
from dondoc.domain.calendar import WorkingCalendar
from dondoc.domain.formatting import format_standing
from dondoc.settings import get_settings

calendar_app = typer.Typer(help="Lịch ngày nghỉ, ngày làm việc.", no_args_is_help=True)


@calendar_app.command("show")
def calendar_show(
    year: Annotated[int | None, typer.Option(help="Năm (mặc định: năm nay và năm sau)")] = None,
) -> None:
    """Các ngày khác tuần làm việc thường trong lịch đang áp dụng, với căn cứ của từng ngày."""
    from dondoc.store.calendars import calendar_in_force, loaded_rows
    from dondoc.store.db import session_scope

    settings = get_settings()
    years = [year] if year else [datetime.now(UTC).year, datetime.now(UTC).year + 1]
    with session_scope(prepared_database()) as session:
        loaded = {r.year: r for r in loaded_rows(session)}
        calendars = {y: calendar_in_force(session, settings, date(y, 1, 1)) for y in years}
    for y in years:
        row = loaded.get(y)
        origin = (
            f"nạp {row.loaded_at:%d/%m/%Y} bởi {row.loaded_by}"
            + (f" — {row.source}" if row.source else "")
            if row
            else "theo tệp lịch của hệ thống"
        )
        typer.echo(f"Năm {y} ({origin}):")
        cal = calendars[y]
        days = [cal.standing_of(d) for d in _differing_days(cal, y)]
        for day in days:
            if day is not None:
                typer.echo(f"  {format_standing(day)}")
        provisional = cal.provisional_days(date(y, 1, 1), date(y, 12, 31))
        if provisional:
            typer.echo(
                f"  → {len(provisional)} ngày chưa chính thức; thời hạn tính qua các ngày này có thể thay đổi."
            )


def _differing_days(cal: WorkingCalendar, year: int) -> Iterator[date]:
    for day in sorted(cal.days_off | cal.extra_working_days):
        if day.year == year:
            yield day


@calendar_app.command("load")
def calendar_load(
    file: Annotated[Path, typer.Argument(help="Tệp lịch .yaml của một hoặc nhiều năm trọn vẹn")],
    source: Annotated[
        str, typer.Option(help="Căn cứ, để ghi vào diễn biến nhiệm vụ (vd. số văn bản)")
    ] = "",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Chỉ cho biết điều gì sẽ thay đổi")
    ] = False,
) -> None:
    """Nạp lịch của một năm: áp dụng cho nhiệm vụ mới và mọi nhiệm vụ đang theo dõi."""
    from dondoc.commands.calendar import load_calendar, preview_calendar
    from dondoc.commands.temporal import TemporalClients

    settings = get_settings()
    try:
        replacement = read_year_replacement(file)
    except DeploymentFileError as err:
        fail(str(err))
    prepared_database()
    preview = asyncio.run(preview_calendar(settings, replacement))
    typer.echo(f"Lịch năm {', '.join(str(y) for y in sorted(replacement.years))}:")
    for day in preview.days:
        typer.echo(f"  {day.describe()}")
    if not preview.days:
        typer.echo("  (không ngày nào thay đổi)")
    typer.echo(
        f"{len(preview.affected)}/{preview.open_tasks} nhiệm vụ đang theo dõi có thời hạn sẽ khác theo lịch mới"
        + (" (Văn phòng sẽ quyết định điều chỉnh hay giữ):" if preview.affected else ".")
    )
    for item in preview.affected:
        typer.echo(f"  {item.task_id} ({item.owner}): {item.change.describe()}")
    if dry_run:
        typer.echo("(--dry-run: chưa nạp)")
        return

    async def go():  # type: ignore[no-untyped-def]
        return await load_calendar(
            settings, TemporalClients(settings), replacement, actor="cli", source=source
        )

    try:
        loaded = asyncio.run(go())
    except TemporalUnreachable as err:
        fail_unreachable(err)
    typer.echo(
        f"Đã nạp lịch năm {', '.join(map(str, loaded.years))}: {loaded.sent} nhiệm vụ đã áp dụng, "
        f"{loaded.deferred} sẽ áp dụng khi kết nối lại được Temporal, {len(loaded.proposed)} chờ "
        "Văn phòng quyết định thời hạn."
    )
    if loaded.deferred:
        typer.echo(
            "Các nhiệm vụ chưa áp dụng được đã được ghi nhận; `dondoc web` sẽ gửi lại tự động.",
            err=True,
        )
        raise typer.Exit(FAILURE if loaded.sent == 0 else 0)
