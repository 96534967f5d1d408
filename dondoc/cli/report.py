"""``dondoc report``: the console's period report per agency, as an .xlsx or CSV file."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from dondoc.cli.errors import fail, prepared_database


class Format(StrEnum):
    XLSX = "xlsx"
    CSV = "csv"


def _day(value: str, option: str) -> date:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    fail(f"{option}: ngày «{value}» không hợp lệ (dạng YYYY-MM-DD hoặc dd/mm/yyyy)")


def report(
    start: Annotated[str, typer.Option("--from", help="Thông báo từ ngày (YYYY-MM-DD)")],
    end: Annotated[str, typer.Option("--to", help="đến ngày (YYYY-MM-DD)")],
    out: Annotated[Path, typer.Option("--out", help="Tệp kết quả")],
    fmt: Annotated[Format, typer.Option("--format", help="xlsx hoặc csv")] = Format.XLSX,
    leader: Annotated[str | None, typer.Option(help="Chỉ nhiệm vụ của lãnh đạo có mã này")] = None,
) -> None:
    """Báo cáo tình hình thực hiện nhiệm vụ theo đơn vị trong một kỳ (.xlsx hoặc CSV)."""
    from dondoc.store.db import session_scope
    from dondoc.store.reports import period_report, title, to_csv, to_xlsx

    first, last = _day(start, "--from"), _day(end, "--to")
    if last < first:
        fail("--to: ngày kết thúc phải sau ngày bắt đầu")
    with session_scope(prepared_database()) as session:
        result = period_report(session, first, last, datetime.now(UTC), leader=leader)
    data = to_xlsx(result) if fmt == Format.XLSX else to_csv(result)
    try:
        out.write_bytes(data)
    except OSError as err:
        fail(f"--out: không ghi được {out}: {err.strerror}")
    typer.echo(
        f"{title(result)}: {len(result.lines)} đơn vị, {result.total.assigned} nhiệm vụ → {out}"
    )
