"""How a command says what is wrong: a Vietnamese message on stderr and its exit code.

Exit codes are part of the public contract: 0 success, 2 bad input (the message names
the field and the reason), 1 anything else.
"""

from __future__ import annotations

from typing import NoReturn

import typer
from pydantic import ValidationError

from dondoc.client import TemporalUnreachable
from dondoc.domain.notice import NoticeInvalid

BAD_INPUT = 2
FAILURE = 1


def fail(message: str, code: int = BAD_INPUT) -> NoReturn:
    typer.echo(f"Lỗi: {message}", err=True)
    raise typer.Exit(code)


def fail_unreachable(err: TemporalUnreachable) -> NoReturn:
    typer.echo(f"Lỗi: {err}", err=True)
    typer.echo(f"  Chi tiết: {err.detail}", err=True)
    raise typer.Exit(FAILURE)


def fail_invalid(err: NoticeInvalid) -> NoReturn:
    typer.echo("Lỗi: thông báo không hợp lệ, không nhiệm vụ nào được ban hành:", err=True)
    for problem in err.problems:
        typer.echo(f"  - {problem.location}: {problem.message}", err=True)
    raise typer.Exit(BAD_INPUT)


def validation_text(err: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in err.errors())


def prepared_database() -> str:
    """The database URL, its schema brought up to date first."""
    from dondoc.settings import get_settings
    from dondoc.store.db import migrate

    url = get_settings().database_url
    migrate(url)
    return url
