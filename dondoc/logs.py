"""One log format for the whole process: structlog's, on stderr (stdout stays for what a
command prints).

Production (``dondoc worker``, ``dondoc web``, anything not on a terminal) writes one JSON
object per line, for a log shipper; a person at a terminal, and ``dondoc dev``, reads
structlog's console rendering. Our own loggers and the standard-library loggers of uvicorn
and temporalio (and the SDK core's Rust log, forwarded into Python) all pass through the
same processors, so every line has the same keys: ``timestamp``, ``level``, ``logger``,
``event``, and the ``task_id`` / ``workflow_id`` / ``run_id`` bound where there is one
(``bind_task`` and the worker's activity interceptor bind them with structlog's
contextvars; the SDK's own activity and workflow lines carry them in their ``extra``).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any

import structlog
from structlog.typing import EventDict, Processor

from dondoc.settings import LogFormat

TASK_WORKFLOW = "TaskWorkflow"
"""The workflow type whose id is the task's id (``domain.ids.task_id``)."""

# uvicorn configures these itself unless told not to; ours must own them.
_FRAMEWORK_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "temporalio")


def default_format() -> LogFormat:
    return "console" if sys.stderr.isatty() else "json"


def _temporal_ids(_: Any, __: str, event: EventDict) -> EventDict:
    """Lift the ids out of the ``extra`` the SDK puts on its own records (an activity's
    ``temporal_activity``, a workflow's ``temporal_workflow``) into the line's keys."""
    record = event.get("_record")
    if record is None:
        return event
    details: MutableMapping[str, Any] | None = getattr(
        record, "temporal_activity", None
    ) or getattr(record, "temporal_workflow", None)
    if not details:
        return event
    workflow_id = details.get("workflow_id")
    event.setdefault("workflow_id", workflow_id)
    event.setdefault("run_id", details.get("workflow_run_id") or details.get("run_id"))
    if details.get("workflow_type") == TASK_WORKFLOW and workflow_id:
        event.setdefault("task_id", workflow_id)
    return event


def _shared() -> list[Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def _renderer(fmt: LogFormat) -> list[Processor]:
    if fmt == "json":
        return [
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(ensure_ascii=False),
        ]
    return [structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())]


def _alembic_preamble(record: logging.LogRecord) -> bool:
    """False for the two lines Alembic logs whenever it opens a migration context."""
    return not str(record.msg).startswith(("Context impl ", "Will assume "))


def configure_logging(level: str = "WARNING", fmt: LogFormat | None = None) -> None:
    """Route structlog and the standard library through one handler on stderr.

    Safe to call again (the CLI sets a default first, a service its own after): the root
    handler is replaced, and loggers are not cached, so the new level holds at once.
    """
    fmt = fmt or default_format()
    numeric = logging.getLevelName(level.upper())
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*_shared(), _temporal_ids],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *_renderer(fmt)],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(numeric)
    for name in _FRAMEWORK_LOGGERS:
        framework = logging.getLogger(name)
        framework.handlers = []
        framework.propagate = True
        framework.setLevel(logging.NOTSET)
    # Alembic names every plugin it loads at INFO, and its dialect each time a schema is only
    # read (every service start); its migrations stay in the log.
    logging.getLogger("alembic.runtime.plugins").setLevel(max(numeric, logging.WARNING))
    logging.getLogger("alembic.runtime.migration").addFilter(_alembic_preamble)
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_shared(),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    from temporalio.runtime import Runtime, TelemetryConfig

    Runtime.set_default(
        Runtime(telemetry=TelemetryConfig(logging=temporal_core_logging())),
        error_if_already_set=False,
    )


def temporal_core_logging() -> Any:
    """The SDK core's log (Rust) forwarded into Python's ``temporalio.core`` logger, so it
    is formatted like every other line instead of printed raw on stdout; warnings and up
    when this process logs at INFO or finer, errors only otherwise."""
    from temporalio.runtime import LogForwardingConfig, LoggingConfig, TelemetryFilter

    chatty = logging.getLogger().getEffectiveLevel() <= logging.INFO
    return LoggingConfig(
        filter=TelemetryFilter(core_level="WARN" if chatty else "ERROR", other_level="ERROR"),
        forwarding=LogForwardingConfig(logger=logging.getLogger("temporalio.core")),
    )


@contextmanager
def bind_task(task_id: str, **more: Any) -> Iterator[None]:
    """Every line logged inside carries the task's id, which is also its workflow id."""
    with structlog.contextvars.bound_contextvars(task_id=task_id, workflow_id=task_id, **more):
        yield
