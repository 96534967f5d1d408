"""The long-running processes: ``dondoc dev`` (everything), ``dondoc worker``, ``dondoc web``."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from dondoc.cli.database import require_current_schema
from dondoc.cli.errors import (
    BAD_INPUT,
    FAILURE,
    fail,
    fail_unreachable,
    validation_text,
)
from dondoc.cli.stopping import SIGNALS, GracefulStop
from dondoc.client import TemporalUnreachable
from dondoc.settings import LogSettings, Settings, get_settings

SERVICES = frozenset({"worker", "web"})


def configure_logs(command: str | None, *, verbose: bool) -> None:
    """The log level and format for ``command``; ``DONDOC_LOG_LEVEL`` and
    ``DONDOC_LOG_FORMAT`` win over these defaults, ``-v`` over both for the level.

    The two services log at INFO (what they did is the operator's record); other commands
    stay quiet below WARNING. ``dondoc dev`` is read by a person: console rendering.
    """
    from dondoc.logs import configure_logging

    try:
        chosen = LogSettings()
    except ValidationError as err:
        fail(f"cấu hình nhật ký không hợp lệ: {validation_text(err)}")
    level = chosen.log_level or ("INFO" if command in SERVICES else "WARNING")
    if verbose and logging.getLevelName(level) > logging.INFO:
        level = "INFO"
    fmt = chosen.log_format or ("console" if command == "dev" else None)
    configure_logging(level, fmt)


def _settings() -> Settings:
    try:
        return get_settings()
    except ValidationError as err:
        fail(f"cấu hình không hợp lệ: {validation_text(err)}")


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


def _safe_to_start(command: str) -> Settings:
    """The settings of a deployment's service, or exit 2 naming what to set first."""
    from dondoc.commands.production import refusals

    settings = _settings()
    # The keys need no database: a wrong one is named even before the first `db upgrade`.
    # The accounts are read only from a schema that is current.
    found = refusals(settings, accounts=False)
    if not found or _schema_is_newest(settings.database_url):
        require_current_schema()
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


def _schema_is_newest(url: str) -> bool:
    from sqlalchemy.exc import SQLAlchemyError

    from dondoc.store.schema import schema_state

    try:
        return schema_state(url).newest
    except SQLAlchemyError:
        return False


async def _serve_worker(settings: Settings) -> None:
    from dondoc.worker import run_worker

    stop = asyncio.Event()
    stopping = GracefulStop("worker", settings.shutdown_timeout, stop.set)
    loop = asyncio.get_running_loop()
    for signum in SIGNALS:
        loop.add_signal_handler(signum, stopping.on_signal, signum)
    try:
        await run_worker(settings, stop)
    finally:
        stopping.disarm()


def worker() -> None:
    """Chạy worker Temporal (triển khai thật)."""
    from dondoc.worker.metrics import MetricsPortUnavailable

    settings = _safe_to_start("worker")
    try:
        asyncio.run(_serve_worker(settings))
    except TemporalUnreachable as err:
        fail_unreachable(err)
    except MetricsPortUnavailable as err:
        fail(
            f"không mở được cổng số liệu giám sát {settings.worker_metrics_host}:"
            f"{settings.worker_metrics_port} (DONDOC_WORKER_METRICS_PORT): {err.strerror}",
            FAILURE,
        )


def web(
    host: Annotated[str, typer.Option(help="Địa chỉ lắng nghe")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Cổng")] = 8000,
) -> None:
    """Chạy máy chủ web (triển khai thật)."""
    from dondoc.cli.web_server import WebServer, web_config
    from dondoc.web.app import create_app

    settings = _safe_to_start("web")
    config = web_config(create_app(settings), settings, host=host, port=port)
    WebServer(config, settings.shutdown_timeout).run()
