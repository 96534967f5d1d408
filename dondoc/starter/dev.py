"""``dondoc dev``: the whole stack on one machine, in the foreground.

One command gives a person everything the product needs to be tried or developed: the
Temporal dev server (a child process, its state kept in ``{data_dir}/temporal.db``), SQLite
in ``{data_dir}/dondoc.db``, an SMTP sink that files every message under
``{data_dir}/mail/``, the worker and the web, all stopped together by Ctrl-C. The first
start also loads a demo directory and issues a demo notice, through the same code paths as
``dondoc directory load`` and ``dondoc notice issue``, so the demo exercises the real thing.

Explicit ``DONDOC_*`` variables always win over the launcher's defaults: that is how the
end-to-end test sends mail to its own SMTP server, and how a developer points the stack
at a real relay.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import unicodedata
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email import message_from_bytes
from email import policy as email_policy
from importlib.resources import files
from pathlib import Path
from typing import IO, Any, TypeVar
from zoneinfo import ZoneInfo

import structlog
import uvicorn
import yaml
from aiosmtpd.controller import Controller
from sqlalchemy.engine import make_url
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.client import Client
from temporalio.worker import Worker

from dondoc.client import SEARCH_ATTRIBUTES, connect
from dondoc.settings import DEFAULT_DATA_DIR, Settings, get_settings
from dondoc.starter.binaries import installed_binary

log = structlog.get_logger(__name__)
T = TypeVar("T")

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DEFAULT_PORT = 8000
DEFAULT_TEMPORAL_PORT = 7233
UI_PORT_OFFSET = 1000
TEMPORAL_START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
DEMO_MARKER = ".demo-loaded"
RUN_HEADER = "--- dondoc dev"


class DevError(Exception):
    """Why the stack cannot start or keep running, worded for the person at the terminal."""


class _Stopped(Exception):
    """A stop was requested while the stack was still starting."""


# ------------------------------------------------------------------------- settings


def dev_settings(*, port: int, temporal_port: int, data_dir: Path) -> Settings:
    """Settings for the embedded stack; variables set by the user are left alone.

    The values go into the environment as well as into the returned object, so any code
    in this process that calls ``get_settings()`` sees the same stack. The default data
    directory stays relative (``var/``), which is exactly the CLI's own default, so the
    other ``dondoc`` commands run from the same folder need no variables at all.
    """
    base = data_dir if data_dir == DEFAULT_DATA_DIR else data_dir.resolve()
    defaults = {
        "DONDOC_DATABASE_URL": f"sqlite:///{base / 'dondoc.db'}",
        "DONDOC_TEMPORAL_ADDRESS": f"127.0.0.1:{temporal_port}",
        "DONDOC_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "DONDOC_DATA_DIR": str(base),
    }
    for name, value in defaults.items():
        os.environ.setdefault(name, value)
    # This is the development stack: its defaults (the published secret key, the printed
    # admin password) are fine here, and `dondoc web`/`worker` started from it know so.
    os.environ["DONDOC_DEV_STACK"] = "1"
    get_settings.cache_clear()
    settings = get_settings()
    if not settings.smtp_host:
        # The sink listens on loopback at smtp_port (1025 unless DONDOC_SMTP_PORT says).
        settings = settings.model_copy(update={"smtp_host": "127.0.0.1"})
    return settings


def _port_is_free(port: int) -> bool:
    with socket.socket() as s:
        # The servers themselves set SO_REUSEADDR, so a port in TIME_WAIT is not "taken".
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def check_ports(wanted: list[tuple[int, str, str]]) -> None:
    """Refuse to start half a stack: every port must be free before any child starts."""
    for port, what, option in wanted:
        if not 0 < port < 65536:
            raise DevError(f"cổng {port} ({what}) không hợp lệ.")
        if not _port_is_free(port):
            raise DevError(
                f"cổng {port} ({what}) đang được một chương trình khác sử dụng. "
                f"Hãy dừng chương trình đó hoặc chọn cổng khác với {option}."
            )


# ------------------------------------------------------------------------- temporal


def _search_attribute_flags() -> list[str]:
    flags: list[str] = []
    for name, kind in SEARCH_ATTRIBUTES.items():
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
    """The dev server's command line; the workflow upserts SEARCH_ATTRIBUTES, so they are
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


def _log_tail(path: Path, lines: int = 8) -> str:
    try:
        text = path.read_text("utf-8", errors="replace")
    except OSError:
        return ""
    # Only this run's part: the log is appended to, one "--- dondoc dev" header per start.
    text = text.rpartition(RUN_HEADER)[2]
    tail = [line for line in text.splitlines() if line.strip()][-lines:]
    return "\n".join(f"    {line}" for line in tail)


_INDEXED_TYPES = {
    "Text": IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
    "Keyword": IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    "Int": IndexedValueType.INDEXED_VALUE_TYPE_INT,
    "Double": IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
    "Bool": IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
    "Datetime": IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
    "KeywordList": IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
}


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
        name: _INDEXED_TYPES[kind]
        for name, kind in SEARCH_ATTRIBUTES.items()
        if name not in listed.custom_attributes
    }
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=namespace, search_attributes=missing)
        )
    return sorted(missing)


# ------------------------------------------------------------------------- mail sink


def _slug(text: str, limit: int = 48) -> str:
    """ASCII words of a subject, for a file name a shell and any file system accept."""
    text = text.replace("Đ", "D").replace("đ", "d")
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    slug = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return slug[:limit].rstrip("-") or "thu"


class MailFolder:
    """An aiosmtpd handler that files each message as ``{stamp}-{slug}.eml``.

    The stamp (local time to the microsecond, then a counter) makes ``ls`` list messages
    in arrival order; a message is written under a temporary name and renamed, so a reader
    never sees half a message.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    def name_for(self, subject: str, recipients: list[str]) -> str:
        """Arrival stamp, then who it was for (each recipient gets a personal copy)."""
        with self._lock:
            n = next(self._counter)
        stamp = datetime.now(LOCAL_TZ).strftime("%Y%m%d-%H%M%S-%f")
        who = _slug(recipients[0].split("@")[0], 24) if recipients else "thu"
        return f"{stamp}-{n:04d}-{who}-{_slug(subject)}.eml"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content: bytes = envelope.original_content or envelope.content
        try:
            subject = str(message_from_bytes(content, policy=email_policy.default)["Subject"] or "")
        except Exception:  # a sink keeps whatever arrives, even a malformed message
            subject = ""
        name = self.name_for(subject, list(envelope.rcpt_tos))
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = self.folder / f".{name}.part"
        partial.write_bytes(content)
        partial.replace(self.folder / name)
        return f"250 OK saved as {name}"


class MailSink:
    """The dev SMTP server on loopback, filing messages under ``{data_dir}/mail/``."""

    def __init__(self, folder: Path, port: int) -> None:
        self.folder = folder
        self.port = port
        self._controller = Controller(
            MailFolder(folder), hostname="127.0.0.1", port=port, enable_SMTPUTF8=True
        )
        self._running = False

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            self._controller.start()
        except Exception as err:
            raise DevError(f"không mở được hộp thư thử nghiệm ở cổng {self.port}: {err}") from err
        self._running = True

    def stop(self) -> None:
        if self._running:
            self._running = False
            with contextlib.suppress(Exception):
                self._controller.stop()


# ------------------------------------------------------------------------- demo


@dataclass(frozen=True, slots=True)
class DemoResult:
    number: str
    notice_date: date
    agencies: int
    started: int
    already: int
    quick_tasks: list[str]


_PLACEHOLDER = re.compile(r"\{(today|month|now)(?:\+(\d+))?\}")


def _add_months(day: date, months: int) -> tuple[int, int]:
    index = day.year * 12 + day.month - 1 + months
    return index // 12, index % 12 + 1


def fill_dates(text: str, now: datetime) -> str:
    """Replace the demo placeholders (see ``demo/notice.yaml``) relative to ``now``."""
    now = now.astimezone(LOCAL_TZ)
    today = now.date()

    def one(match: re.Match[str]) -> str:
        what, n = match[1], int(match[2] or 0)
        if what == "today":
            day = today + timedelta(days=n)
            return f"{day.day}/{day.month}/{day.year}"
        if what == "month":
            year, month = _add_months(today, n)
            return f"{month}/{year}"
        at = (now + timedelta(minutes=n)).replace(second=0, microsecond=0) + timedelta(minutes=1)
        return at.isoformat(timespec="minutes")

    return _PLACEHOLDER.sub(one, text)


def demo_notice(now: datetime) -> dict[str, Any]:
    """The packaged demo notice, dated today, its relative deadlines made absolute."""
    text = (files("dondoc.starter.demo") / "notice.yaml").read_text("utf-8")
    raw: dict[str, Any] = yaml.safe_load(text)
    tasks = raw.get("tasks", [])
    for task in tasks:
        if isinstance(task.get("deadline"), str):
            task["deadline"] = fill_dates(task["deadline"], now)
    raw["date"] = now.astimezone(LOCAL_TZ).date()
    return raw


def demo_directory() -> dict[str, Any]:
    return yaml.safe_load((files("dondoc.starter.demo") / "directory.yaml").read_text("utf-8"))


async def load_demo(settings: Settings, client: Client) -> DemoResult:
    """Load the demo directory and issue the demo notice like the CLI would.

    Raises ``NoticeInvalid`` or pydantic's ``ValidationError`` if the packaged files are
    wrong, which the caller reports without stopping the stack.
    """
    from dondoc.domain.directory import Directory
    from dondoc.starter.issuing import check_notice, issue_notice
    from dondoc.store.db import session_scope
    from dondoc.store.directory import load_directory

    directory = Directory.model_validate(demo_directory())
    with session_scope(settings.database_url) as session:
        load_directory(session, directory)
    notice = check_notice(demo_notice(datetime.now(LOCAL_TZ)), settings)
    result = await issue_notice(notice, settings, client)
    return DemoResult(
        number=notice.number,
        notice_date=notice.date,
        agencies=len(directory.agencies),
        started=len(result.started),
        already=len(result.already),
        quick_tasks=[spec.id for spec in notice.tasks if spec.policy == "demo"],
    )


# ------------------------------------------------------------------------- the stack


class _Web(uvicorn.Server):
    """uvicorn without its own signal handling: the launcher decides when the web stops."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    def install_signal_handlers(self) -> None:  # uvicorn < 0.29
        return None


def _say(text: str = "") -> None:
    print(text, flush=True)


def _error(text: str) -> None:
    print(f"Lỗi: {text}", file=sys.stderr, flush=True)


def _shown(path: Path) -> str:
    """A path as a person would type it from here: relative when inside this folder."""
    with contextlib.suppress(ValueError):
        return str(path.resolve().relative_to(Path.cwd().resolve())) or "."
    return str(path)


def _dondoc_command() -> str:
    beside = Path(sys.executable).parent / "dondoc"
    on_path = shutil.which("dondoc")
    if on_path and beside.exists() and Path(on_path).resolve() == beside.resolve():
        return "dondoc"
    return _shown(beside) if beside.exists() else "dondoc"


class DevStack:
    """Starts the pieces in order, watches them, and stops them in reverse order."""

    def __init__(
        self, settings: Settings, *, port: int, temporal_port: int, data_dir: Path, demo: bool
    ) -> None:
        self.settings = settings
        self.port = port
        self.temporal_port = temporal_port
        self.data_dir = data_dir
        self.demo = demo
        self.mail_dir = data_dir / "mail"
        self.temporal_db = data_dir / "temporal.db"
        self.temporal_log = data_dir / "temporal.log"
        self.marker = data_dir / DEMO_MARKER
        # Decided on the environment, not on settings, which point at the sink already.
        self.uses_sink = not os.environ.get("DONDOC_SMTP_HOST")
        self._stop = asyncio.Event()
        self._signals = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_file: IO[bytes] | None = None
        self._sink: MailSink | None = None
        self._client: Client | None = None
        self._worker: Worker | None = None
        self._admin_password: str | None = None
        self._worker_task: asyncio.Task[None] | None = None
        self._web: _Web | None = None
        self._web_task: asyncio.Task[None] | None = None
        self._demo: DemoResult | None = None
        self._demo_problem: str | None = None

    # -------------------------------------------------------------- signals

    def _on_signal(self, signum: int) -> None:
        self._signals += 1
        if self._signals == 1:
            print("\nĐang dừng Đôn đốc…", file=sys.stderr, flush=True)
            self._stop.set()
            return
        # A second Ctrl-C: stop waiting for anything graceful.
        print("Dừng ngay.", file=sys.stderr, flush=True)
        if self._web is not None:
            self._web.force_exit = True
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()

    async def _unless_stopped(self, aw: Awaitable[T]) -> T:
        """Await ``aw`` unless a stop is requested first; then cancel it and raise."""
        work = asyncio.ensure_future(aw)
        stopper = asyncio.ensure_future(self._stop.wait())
        await asyncio.wait({work, stopper}, return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()
        if work.done():
            return work.result()
        work.cancel()
        with contextlib.suppress(BaseException):
            await work
        raise _Stopped

    # -------------------------------------------------------------- run

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, self._on_signal, signum)
        try:
            try:
                await self._start()
            except _Stopped:
                return 0
            except DevError as err:
                _error(str(err))
                return 1
            self._banner()
            return await self._watch()
        finally:
            await self._shutdown()
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(signum)

    async def _start(self) -> None:
        from dondoc.store.db import migrate
        from dondoc.web.app import create_app
        from dondoc.worker import build_worker

        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._log_file = self.temporal_log.open("ab")
        stamp = datetime.now(LOCAL_TZ).isoformat(timespec="seconds")
        self._log_file.write(f"\n{RUN_HEADER} {stamp} ---\n".encode())
        self._log_file.flush()
        command = temporal_command(
            self.temporal_port, self.temporal_db, self.settings.temporal_namespace
        )
        self._proc = start_temporal(command, self._log_file)
        log.info("temporal_started", pid=self._proc.pid, port=self.temporal_port)

        try:
            migrate(self.settings.database_url)
            from dondoc.store.users import ensure_first_admin

            self._admin_password = ensure_first_admin(self.settings)
        except Exception as err:
            raise DevError(f"không chuẩn bị được cơ sở dữ liệu: {err}") from err

        if self.uses_sink:
            self._sink = MailSink(self.mail_dir, self.settings.smtp_port)
            self._sink.start()

        self._client = await self._wait_for_temporal()
        added = await self._unless_stopped(
            ensure_search_attributes(self._client, self.settings.temporal_namespace)
        )
        if added:
            log.info("search_attributes_added", names=added)

        from dondoc.starter.schedules import ensure_digest_schedule

        await self._unless_stopped(ensure_digest_schedule(self._client, self.settings))
        self._worker = build_worker(self._client, self.settings)
        self._worker_task = asyncio.create_task(self._worker.run(), name="worker")
        self._web = _Web(
            uvicorn.Config(
                create_app(self.settings),
                host="127.0.0.1",
                port=self.port,
                log_level="warning",
                timeout_graceful_shutdown=5,
            )
        )
        self._web_task = asyncio.create_task(self._serve_web(), name="web")
        await self._unless_stopped(self._web_started())

        if self.demo and not self.marker.exists():
            await self._unless_stopped(self._load_demo())

    async def _wait_for_temporal(self) -> Client:
        """Until the port answers and a client connects; the child must stay alive."""
        assert self._proc is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + TEMPORAL_START_TIMEOUT
        last_error = ""
        while True:
            if self._stop.is_set():
                raise _Stopped
            code = self._proc.poll()
            if code is not None:
                raise DevError(
                    f"máy chủ Temporal dừng ngay khi khởi động (mã thoát {code}). "
                    f"Nhật ký ({_shown(self.temporal_log)}):\n{_log_tail(self.temporal_log)}"
                )
            if loop.time() > deadline:
                raise DevError(
                    f"máy chủ Temporal không sẵn sàng sau {TEMPORAL_START_TIMEOUT:.0f} giây "
                    f"tại {self.settings.temporal_address} ({last_error}). "
                    f"Xem nhật ký {_shown(self.temporal_log)}."
                )
            try:
                host, _, port = self.settings.temporal_address.rpartition(":")
                _, writer = await asyncio.wait_for(
                    asyncio.open_connection(host or "127.0.0.1", int(port)), timeout=2
                )
                writer.close()
                with contextlib.suppress(OSError):
                    await writer.wait_closed()
                return await self._unless_stopped(
                    asyncio.wait_for(connect(self.settings), timeout=5)
                )
            except (OSError, TimeoutError, RuntimeError, ValueError) as err:
                last_error = str(err) or type(err).__name__
            await asyncio.sleep(0.25)

    async def _serve_web(self) -> None:
        assert self._web is not None
        try:
            await self._web.serve()
        except SystemExit as err:  # uvicorn exits the process when it cannot bind
            raise DevError(f"máy chủ web không khởi động được ở cổng {self.port}") from err

    async def _web_started(self) -> None:
        assert self._web is not None and self._web_task is not None
        while not self._web.started:
            if self._web_task.done():
                exc = self._web_task.exception()
                if isinstance(exc, DevError):
                    raise exc
                raise DevError(f"máy chủ web không khởi động được ở cổng {self.port}: {exc}")
            await asyncio.sleep(0.05)

    async def _load_demo(self) -> None:
        from pydantic import ValidationError

        from dondoc.domain.notice import NoticeInvalid

        assert self._client is not None
        try:
            self._demo = await load_demo(self.settings, self._client)
        except NoticeInvalid as err:
            self._demo_problem = "; ".join(str(p) for p in err.problems)
            return
        except ValidationError as err:
            self._demo_problem = str(err)
            return
        self.marker.write_text(
            f"{self._demo.number} {self._demo.notice_date.isoformat()}\n", "utf-8"
        )

    async def _watch(self) -> int:
        """Run until asked to stop (0) or until a piece dies on its own (1)."""
        assert self._worker_task is not None and self._web_task is not None
        stopper = asyncio.create_task(self._stop.wait())
        child = asyncio.create_task(self._child_exit())
        pieces = {stopper, child, self._worker_task, self._web_task}
        done, _ = await asyncio.wait(pieces, return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()
        child.cancel()
        if stopper in done:
            return 0
        if child in done:
            _error(
                f"máy chủ Temporal đã dừng bất ngờ (mã thoát {child.result()}). "
                f"Nhật ký ({_shown(self.temporal_log)}):\n{_log_tail(self.temporal_log)}"
            )
        elif self._worker_task in done:
            _error(f"worker đã dừng bất ngờ: {self._worker_task.exception()!r}")
        else:
            _error(f"máy chủ web đã dừng bất ngờ: {self._web_task.exception()!r}")
        return 1

    async def _child_exit(self) -> int:
        assert self._proc is not None
        while (code := self._proc.poll()) is None:
            await asyncio.sleep(0.5)
        return code

    # -------------------------------------------------------------- stop

    async def _shutdown(self) -> None:
        """Web first (no new updates), then the worker, the sink, and Temporal last."""
        if self._web is not None and self._web_task is not None:
            self._web.should_exit = True
            await self._settle(self._web_task, STOP_TIMEOUT)
        if self._worker is not None and self._worker_task is not None:
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(self._worker.shutdown(), timeout=STOP_TIMEOUT)
            await self._settle(self._worker_task, 1.0)
        if self._sink is not None:
            await asyncio.to_thread(self._sink.stop)
        await self._stop_temporal()

    @staticmethod
    async def _settle(task: asyncio.Task[None], timeout: float) -> None:
        done, _ = await asyncio.wait({task}, timeout=timeout)
        if not done:
            task.cancel()
            done, _ = await asyncio.wait({task}, timeout=timeout)
        if done and not task.cancelled():
            task.exception()  # retrieved, so asyncio does not warn about it

    async def _stop_temporal(self) -> None:
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.terminate()
            for _ in range(int(STOP_TIMEOUT / 0.1)):
                if proc.poll() is not None:
                    break
                await asyncio.sleep(0.1)
            else:
                proc.kill()
            await asyncio.to_thread(proc.wait)
        self.close()

    def close(self) -> None:
        """Last resort, safe to call twice: nothing this launcher started outlives it."""
        if self._sink is not None:
            self._sink.stop()
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        if self._log_file is not None and not self._log_file.closed:
            self._log_file.close()

    # -------------------------------------------------------------- banner

    def _database_text(self) -> str:
        url = make_url(self.settings.database_url)
        if url.get_backend_name() == "sqlite" and url.database:
            return _shown(Path(url.database))
        return url.render_as_string(hide_password=True)

    def _env_prefix(self) -> str:
        """The variables another terminal needs to reach this stack, if not the defaults."""
        defaults = Settings.model_fields
        wanted = {
            "DONDOC_DATABASE_URL": self.settings.database_url,
            "DONDOC_TEMPORAL_ADDRESS": self.settings.temporal_address,
            "DONDOC_PUBLIC_URL": self.settings.public_url,
        }
        parts = [
            f"{name}={shlex.quote(value)}"
            for name, value in wanted.items()
            if value != defaults[name.removeprefix("DONDOC_").lower()].default
        ]
        return " ".join(parts) + " " if parts else ""

    def _banner(self) -> None:
        s = self.settings
        web = f"http://127.0.0.1:{self.port}"
        rows = [("Trang web", f"{web}/"), ("Bảng theo dõi", f"{web}/admin/")]
        if s.public_url.rstrip("/") != web:
            rows.append(("Liên kết trong thư", s.public_url))
        rows += [
            ("Temporal UI", f"http://127.0.0.1:{self.temporal_port + UI_PORT_OFFSET}"),
            ("Temporal", s.temporal_address),
        ]
        if self.uses_sink:
            rows.append(
                (
                    "Thư gửi đi",
                    f"lưu tại {_shown(self.mail_dir)}/ (mỗi thư một tệp .eml; "
                    f"hộp thư thử nghiệm 127.0.0.1:{s.smtp_port})",
                )
            )
        else:
            rows.append(("Thư gửi đi", f"chuyển tới máy chủ thư {s.smtp_host}:{s.smtp_port}"))
        rows.append(("Cơ sở dữ liệu", self._database_text()))
        rows.append(("Nhật ký Temporal", _shown(self.temporal_log)))
        width = max(len(label) for label, _ in rows) + 1
        _say("Đôn đốc đang chạy.")
        for label, value in rows:
            _say(f"  {label + ':':<{width}} {value}")
        _say()
        if self._demo is not None:
            d = self._demo
            if d.started:
                _say(
                    f"Dữ liệu mẫu: danh bạ {d.agencies} cơ quan; thông báo {d.number} ngày "
                    f"{d.notice_date:%d/%m/%Y} — đã ban hành {d.started} nhiệm vụ."
                )
            else:
                _say(
                    f"Dữ liệu mẫu: thông báo {d.number} đã được ban hành trước đó "
                    f"({d.already} nhiệm vụ đang được theo dõi)."
                )
            if d.quick_tasks:
                _say(
                    f"  Nhiệm vụ {', '.join(d.quick_tasks)} theo chính sách «demo»: "
                    "thư nhắc, quá hạn, báo cáo vượt cấp đến trong vài phút."
                )
        elif self._demo_problem is not None:
            _say(f"Không nạp được dữ liệu mẫu: {self._demo_problem}")
        elif self.demo and self.marker.exists():
            _say(f"Dữ liệu mẫu đã nạp ở lần chạy trước (xóa {_shown(self.marker)} để nạp lại).")
        if self._admin_password:
            _say(
                f"Tài khoản quản trị đầu tiên: admin / {self._admin_password} "
                "(chỉ hiện một lần; đổi bằng `dondoc users passwd admin`)."
            )
        _say(f"Xem các nhiệm vụ: {self._env_prefix()}{_dondoc_command()} tasks list")
        _say("Nhấn Ctrl-C để dừng.")


def run_dev(*, port: int, temporal_port: int, data_dir: Path, demo: bool) -> int:
    """Run the embedded stack until Ctrl-C or SIGTERM; 0 on a clean stop, 1 otherwise."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        _error(f"không tạo được thư mục dữ liệu {data_dir}: {err.strerror}")
        return 1
    settings = dev_settings(port=port, temporal_port=temporal_port, data_dir=data_dir)
    stack = DevStack(settings, port=port, temporal_port=temporal_port, data_dir=data_dir, demo=demo)
    wanted = [
        (port, "web", "--port"),
        (temporal_port, "Temporal", "--temporal-port"),
        (temporal_port + UI_PORT_OFFSET, "giao diện Temporal", "--temporal-port"),
    ]
    if stack.uses_sink:
        wanted.append((settings.smtp_port, "hộp thư thử nghiệm", "DONDOC_SMTP_PORT"))
    try:
        check_ports(wanted)
        installed_binary("temporal")
    except (DevError, RuntimeError) as err:
        _error(str(err))
        return 1
    try:
        return asyncio.run(stack.run())
    except KeyboardInterrupt:  # Ctrl-C before the loop's own handlers were in place
        return 0
    finally:
        stack.close()
