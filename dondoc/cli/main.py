"""The ``dondoc`` command. Exit codes: 0 success, 2 bad input, 1 anything else."""

from __future__ import annotations

import sys
from typing import Annotated, NoReturn

import typer

from dondoc.cli.calendar import calendar_app
from dondoc.cli.database import db_app
from dondoc.cli.directory import directory_app
from dondoc.cli.errors import BAD_INPUT, FAILURE
from dondoc.cli.notices import notice_app
from dondoc.cli.report import report
from dondoc.cli.services import dev, web, worker
from dondoc.cli.simulate import simulate_cmd
from dondoc.cli.tasks import tasks_app
from dondoc.cli.users import api_token_app, users_app
from dondoc.deployment import DeploymentFileError
from dondoc.settings import BadSettings

app = typer.Typer(
    help="Đôn đốc — theo dõi, đôn đốc nhiệm vụ trong thông báo kết luận.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(notice_app, name="notice")
app.add_typer(tasks_app, name="tasks")
app.add_typer(directory_app, name="directory")
app.add_typer(calendar_app, name="calendar")
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(api_token_app, name="api-token")
app.command("report")(report)
app.command("simulate")(simulate_cmd)
app.command("dev")(dev)
app.command("worker")(worker)
app.command("web")(web)


@app.callback()
def _setup(
    ctx: typer.Context,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="In nhật ký chi tiết")] = False,
) -> None:
    from dondoc.cli.services import configure_logs

    configure_logs(ctx.invoked_subcommand, verbose=verbose)


def main() -> None:
    try:
        app()
    except DeploymentFileError as err:
        typer.echo(f"Lỗi cấu hình: {err}", err=True)
        _exit(FAILURE)
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
        code = FAILURE
    client = sys.modules.get("dondoc.client")
    if not getattr(client, "connected", False):
        sys.exit(code)
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)


if __name__ == "__main__":
    main()
