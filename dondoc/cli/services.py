"""The long-running processes: ``dondoc dev`` (everything), ``dondoc worker``, ``dondoc web``."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated

import typer

from dondoc.cli.database import require_current_schema
from dondoc.settings import get_settings


def dev(
    port: Annotated[int, typer.Option(help="Cổng web")] = 8000,
    temporal_port: Annotated[
        int, typer.Option(help="Cổng Temporal (giao diện web ở cổng +1000)")
    ] = 7233,
    data_dir: Annotated[Path, typer.Option(help="Thư mục dữ liệu")] = Path("var"),
    no_demo: Annotated[bool, typer.Option("--no-demo", help="Không nạp dữ liệu mẫu")] = False,
) -> None:
    """Chạy toàn bộ hệ thống trên máy này: Temporal, cơ sở dữ liệu, hộp thư, worker, web."""
    from dondoc.devstack.stack import run_dev

    sys.exit(run_dev(port=port, temporal_port=temporal_port, data_dir=data_dir, demo=not no_demo))


def worker() -> None:
    """Chạy worker Temporal (triển khai thật)."""
    from dondoc.worker import run_worker

    require_current_schema()
    asyncio.run(run_worker(get_settings()))


def web(
    host: Annotated[str, typer.Option(help="Địa chỉ lắng nghe")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Cổng")] = 8000,
) -> None:
    """Chạy máy chủ web (triển khai thật)."""
    import uvicorn

    from dondoc.web.app import create_app

    require_current_schema()
    uvicorn.run(create_app(get_settings()), host=host, port=port, proxy_headers=True)
