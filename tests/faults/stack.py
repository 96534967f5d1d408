"""One deployment of Đôn đốc as an operator runs it, for the fault runs: the Temporal dev
server on its file, a database (SQLite or a throwaway PostgreSQL cluster), the relay, and
``dondoc worker`` and ``dondoc web`` as separate processes that read only ``DONDOC_*``
variables. The schema is upgraded and the directory loaded with the CLI, and notices are
issued with ``dondoc notice issue``, as the operations guide says.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
from datetime import date
from pathlib import Path

import yaml
from psycopg import sql
from temporalio.client import Client

from dondoc.devstack.net import free_port
from dondoc.store.db import dispose_engine
from faults.burst import MAIL_FROM, Burst, directory
from faults.processes import DONDOC, TemporalServer, Web, Worker
from faults.relay import FaultRelay
from support.postgres import SETTINGS, PostgresCluster

CLI_TIMEOUT = 120.0


class CommandFailed(AssertionError):
    pass


class FaultStack:
    def __init__(
        self, backend: str, folder: Path, database_url: str, pg: PostgresCluster | None
    ) -> None:
        self.backend = backend
        self.folder = folder
        self.database_url = database_url
        self.pg = pg
        self.relay = FaultRelay()
        self.temporal = TemporalServer(folder, free_port())
        self.web_port = free_port()
        self.env = self._env()
        self.worker = Worker(self.env, folder)
        self.web = Web(self.env, folder, self.web_port)
        self._client: Client | None = None
        self._numbers = 1000

    def _env(self) -> dict[str, str]:
        settings = {
            "DATABASE_URL": self.database_url,
            "TEMPORAL_ADDRESS": self.temporal.address,
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(self.relay.port),
            "SMTP_TIMEOUT": "10",
            "MAIL_FROM": MAIL_FROM,
            "PUBLIC_URL": f"http://127.0.0.1:{self.web_port}",
            # 40 random bytes: production refuses the development key and short ones.
            "SECRET_KEY": secrets.token_hex(40),
            "DATA_DIR": str(self.folder),
            "LOG_FORMAT": "json",
            "WORKER_METRICS_PORT": "0",
        }
        env = {k: v for k, v in os.environ.items() if not k.startswith("DONDOC_")}
        env.update({f"DONDOC_{k}": v for k, v in settings.items()})
        return env

    async def open(self) -> None:
        self.relay.start()
        await self.temporal.start()
        await self.cli("db", "upgrade")
        book = self.folder / "directory.yaml"
        book.write_text(yaml.safe_dump(directory(), allow_unicode=True), "utf-8")
        await self.cli("directory", "load", str(book))
        await self.worker.start()
        await self.web.start()

    async def close(self) -> None:
        for child in (self.web, self.worker, self.temporal):
            child.stop()
        self.relay.stop()
        dispose_engine(self.database_url)

    async def client(self) -> Client:
        """A client of this deployment's Temporal, made again after the server was killed."""
        if self._client is None:
            self._client = await self.temporal.client()
        return self._client

    def forget_client(self) -> None:
        self._client = None

    async def cli(self, *args: str) -> str:
        """``dondoc ARGS`` with the deployment's variables; its output, or a failure."""
        proc = await asyncio.create_subprocess_exec(
            str(DONDOC), *args, env=self.env, cwd=self.folder,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(proc.communicate(), CLI_TIMEOUT)
        if proc.returncode != 0:
            raise CommandFailed(
                f"dondoc {' '.join(args)} exited {proc.returncode}:\n{out.decode()}{err.decode()}"
            )
        return out.decode()

    def burst(self, name: str, size: int) -> Burst:
        """A new burst, with notice numbers no earlier burst of this deployment used."""
        burst = Burst(name, size, self._numbers, date.today())
        self._numbers += len(burst.notices)
        return burst

    async def issue(self, burst: Burst) -> None:
        for path in burst.write(self.folder):
            said = await self.cli("notice", "issue", str(path))
            assert "Đã ban hành" in said, said

    async def ensure_running(self) -> None:
        """Bring back whatever an earlier scenario left down, so each starts whole."""
        self.relay.accept_all()
        self.relay.answer_after(0)
        self.relay.start()
        if self.pg is not None and not (self.pg.data / "postmaster.pid").exists():
            await start_postgres(self.pg)
        if not self.temporal.alive:
            await self.temporal.start()
            self.forget_client()
        if not self.worker.alive:
            await self.worker.start()
        if not self.web.alive:
            await self.web.start()


def durable_database(cluster: PostgresCluster, name: str) -> str:
    """A new database whose commits are on disk before they are acknowledged.

    The suite's cluster acknowledges commits before writing them (``synchronous_commit``
    off: a test database a crash loses costs nothing); stopped in ``immediate`` mode it
    then forgets the last moment's commits, which no production server does. The setting
    of the database wins over the server's for every session opened on it.
    """
    url = cluster.create_database(name)
    with cluster.admin() as conn:
        conn.execute(
            sql.SQL("ALTER DATABASE {} SET synchronous_commit = on").format(sql.Identifier(name))
        )
    return url


def _pg_ctl(cluster: PostgresCluster, *args: str) -> list[str]:
    return [*cluster.as_user, str(cluster.bin / "pg_ctl"), "--pgdata", str(cluster.data), *args]


async def stop_postgres(cluster: PostgresCluster) -> None:
    """Stop the server at once (no checkpoint, every connection cut): unreachable."""
    await _run(_pg_ctl(cluster, "--mode", "immediate", "--wait", "--silent", "stop"))


async def start_postgres(cluster: PostgresCluster) -> None:
    """Start it again on the same port, with the same settings it was started with."""
    options = {
        **SETTINGS,
        "port": str(cluster.port),
        "listen_addresses": "127.0.0.1",
        "unix_socket_directories": str(cluster.root),
    }
    flags = " ".join(f"-c {k}={v}" for k, v in options.items())
    log = str(cluster.root / "server.log")
    start = ["--log", log, "--options", flags, "--wait", "--timeout", "60", "--silent", "start"]
    await _run(_pg_ctl(cluster, *start))


async def _run(command: list[str]) -> None:
    proc = await asyncio.create_subprocess_exec(
        *command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    out, _ = await asyncio.wait_for(proc.communicate(), CLI_TIMEOUT)
    if proc.returncode != 0:
        raise CommandFailed(f"{command[-1]} failed: {out.decode()}")
