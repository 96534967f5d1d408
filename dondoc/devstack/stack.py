"""``dondoc dev``: the whole stack on one machine, in the foreground.

One command gives a person everything the product needs to be tried or developed: the
Temporal dev server (a child process, its state kept in ``{data_dir}/temporal.db``), SQLite
in ``{data_dir}/dondoc.db``, an SMTP sink that files every message under
``{data_dir}/mail/``, the worker and the web, all stopped together by Ctrl-C. The first
start also loads a demo directory and issues a demo notice (``devstack/demo.py``).

Explicit ``DONDOC_*`` variables always win over the launcher's defaults: that is how the
end-to-end test sends mail to its own SMTP server, and how a developer points the stack
at a real relay.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Awaitable, Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, TypeVar

import structlog
import uvicorn
from temporalio.client import Client
from temporalio.worker import Worker

from dondoc.client import connect
from dondoc.devstack.banner import banner_lines, shown
from dondoc.devstack.binaries import installed_binary
from dondoc.devstack.demo import DEMO_MARKER, DemoResult, load_demo
from dondoc.devstack.environment import check_ports, dev_settings
from dondoc.devstack.errors import DevError
from dondoc.devstack.mail_sink import MailSink
from dondoc.devstack.temporal import (
    RUN_HEADER,
    UI_PORT_OFFSET,
    ensure_search_attributes,
    log_tail,
    start_temporal,
    temporal_command,
)
from dondoc.domain.formatting import LOCAL_TZ
from dondoc.settings import Settings

log = structlog.get_logger(__name__)
T = TypeVar("T")

TEMPORAL_START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0


class _Stopped(Exception):
    """A stop was requested while the stack was still starting."""


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
            for line in banner_lines(self):
                _say(line)
            return await self._watch()
        finally:
            await self._shutdown()
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(signum)

    async def _start(self) -> None:
        from dondoc.store.db import migrate
        from dondoc.web.app import create_app
        from dondoc.web.load import KEEP_ALIVE_SECONDS
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
            await asyncio.to_thread(migrate, self.settings.database_url)
            from dondoc.store.users import ensure_first_admin

            self._admin_password = await asyncio.to_thread(ensure_first_admin, self.settings)
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

        from dondoc.worker.schedules import ensure_digest_schedule

        await self._unless_stopped(ensure_digest_schedule(self._client, self.settings))
        self._worker = build_worker(self._client, self.settings)
        self._worker_task = asyncio.create_task(self._worker.run(), name="worker")
        self._web = _Web(
            uvicorn.Config(
                create_app(self.settings),
                host="127.0.0.1",
                port=self.port,
                log_level="warning",
                log_config=None,  # uvicorn through our formatter (dondoc.logs)
                proxy_headers=False,  # the app trusts DONDOC_TRUSTED_PROXIES only
                timeout_graceful_shutdown=5,
                timeout_keep_alive=KEEP_ALIVE_SECONDS,
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
                    f"Nhật ký ({shown(self.temporal_log)}):\n{log_tail(self.temporal_log)}"
                )
            if loop.time() > deadline:
                raise DevError(
                    f"máy chủ Temporal không sẵn sàng sau {TEMPORAL_START_TIMEOUT:.0f} giây "
                    f"tại {self.settings.temporal_address} ({last_error}). "
                    f"Xem nhật ký {shown(self.temporal_log)}."
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
                f"Nhật ký ({shown(self.temporal_log)}):\n{log_tail(self.temporal_log)}"
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
