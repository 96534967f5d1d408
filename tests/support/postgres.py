"""A throwaway PostgreSQL cluster for the tests, from Debian's ``postgresql`` package.

``PostgresCluster.start()`` runs ``initdb`` in a new temporary directory and starts the
server with ``pg_ctl`` on a free loopback port, its unix socket in that directory too, with
the durability switched off (``fsync``, ``synchronous_commit``, ``full_page_writes``): a
test database that a crash would lose costs nothing. ``stop()`` stops it (immediate
shutdown) and deletes the directory. Nothing listens anywhere else and nothing outlives
the test session; if the session itself is killed, the next one stops and deletes what
it left (``reap_abandoned``).

PostgreSQL refuses to run as root. When the tests run as root (CI, this machine), the
cluster's commands run as the unprivileged ``postgres`` user that the Debian package
creates, through ``runuser -u postgres --``, and the directory is handed to that user.
Run as anyone else, they run as that user.

The server authenticates TCP clients with SCRAM and a random password, as a real
deployment does, so URLs carry a password; the server's time zone is Asia/Ho_Chi_Minh,
so nothing can pass by assuming the database's sessions are in UTC.

Databases: ``create_database(name, template=...)`` copies a template (a migrated schema
with the test directory loaded costs a file copy instead of a migration per test), and
``drop_database`` drops one even if a pool still holds connections to it.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg import sql

from dondoc.devstack.net import free_port

SERVER_USER = "postgres"
"""The unprivileged account that runs the cluster when the tests run as root."""
START_TIMEOUT = 60
SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "300",
    "shared_buffers": "64MB",
    "timezone": "Asia/Ho_Chi_Minh",
    "log_min_messages": "warning",
}


PREFIX = "dondoc-pg-"


class PostgresMissing(RuntimeError):
    """No PostgreSQL server binaries; ``make test`` installs Debian's ``postgresql``."""


def server_binaries() -> Path:
    """The newest installed PostgreSQL's ``bin`` directory (15 or later)."""
    found = sorted(
        (int(p.parent.name), p)
        for p in Path("/usr/lib/postgresql").glob("*/bin")
        if p.parent.name.isdigit() and (p / "initdb").exists()
    )
    if not found or found[-1][0] < 15:
        initdb = shutil.which("initdb")
        if initdb is None:
            raise PostgresMissing(
                "PostgreSQL 15+ is not installed: run `make test` (it installs Debian's "
                "postgresql) or `apt-get install postgresql`"
            )
        return Path(initdb).resolve().parent
    return found[-1][1]


def reap_abandoned(binaries: Path) -> None:
    """Stop and delete the clusters of earlier test runs that were killed before their
    clean-up ran (each cluster's folder records the test process that made it)."""
    for root in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):
        try:
            owner = int((root / "owner.pid").read_text())
        except (OSError, ValueError):
            continue
        if owner == os.getpid() or Path(f"/proc/{owner}").exists():
            continue
        if (root / "data" / "postmaster.pid").exists():
            as_user = ["runuser", "-u", SERVER_USER, "--"] if os.geteuid() == 0 else []
            subprocess.run(
                [*as_user, str(binaries / "pg_ctl"), "--pgdata", str(root / "data"),
                 "--mode", "immediate", "--wait", "--silent", "stop"],
                capture_output=True, timeout=START_TIMEOUT,
            )  # fmt: skip
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class PostgresCluster:
    root: Path
    bin: Path
    port: int
    password: str
    as_user: list[str]

    @property
    def data(self) -> Path:
        return self.root / "data"

    @classmethod
    def start(cls) -> PostgresCluster:
        binaries = server_binaries()
        reap_abandoned(binaries)
        root = Path(tempfile.mkdtemp(prefix=PREFIX))
        (root / "owner.pid").write_text(str(os.getpid()))
        as_user: list[str] = []
        if os.geteuid() == 0:
            try:
                account = pwd.getpwnam(SERVER_USER)
            except KeyError:
                shutil.rmtree(root)
                raise PostgresMissing(
                    f"running as root, the cluster runs as «{SERVER_USER}», and there is no "
                    "such user: install Debian's postgresql (it creates it)"
                ) from None
            os.chown(root, account.pw_uid, account.pw_gid)
            as_user = ["runuser", "-u", SERVER_USER, "--"]
        cluster = cls(root, binaries, 0, secrets.token_urlsafe(18), as_user)
        try:
            cluster._init()
            cluster._start()
        except BaseException:
            cluster.stop()
            raise
        return cluster

    def _run(self, *args: str) -> None:
        done = subprocess.run(
            [*self.as_user, *args], capture_output=True, text=True, timeout=START_TIMEOUT
        )
        if done.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            raise RuntimeError(f"{args[0]} failed:\n{done.stdout}{done.stderr}{tail}")

    def _init(self) -> None:
        pwfile = self.root / "password"
        pwfile.write_text(self.password)
        if self.as_user:
            account = pwd.getpwnam(SERVER_USER)
            os.chown(pwfile, account.pw_uid, account.pw_gid)
        pwfile.chmod(0o600)
        self._run(
            str(self.bin / "initdb"),
            "--pgdata", str(self.data),
            "--username", SERVER_USER,
            "--pwfile", str(pwfile),
            "--auth-local", "trust",
            "--auth-host", "scram-sha-256",
            "--encoding", "UTF8",
            "--locale", "C.UTF-8",
            "--no-sync",
            "--no-instructions",
        )  # fmt: skip
        pwfile.unlink()

    def _start(self) -> None:
        for _ in range(5):  # a free port can be taken before the server binds it
            self.port = free_port()
            options = {
                **SETTINGS,
                "port": str(self.port),
                "listen_addresses": "127.0.0.1",
                "unix_socket_directories": str(self.root),
            }
            flags = " ".join(f"-c {k}={v}" for k, v in options.items())
            try:
                self._run(
                    str(self.bin / "pg_ctl"), "--pgdata", str(self.data), "--log",
                    str(self.root / "server.log"), "--options", flags, "--wait",
                    "--timeout", str(START_TIMEOUT), "--silent", "start",
                )  # fmt: skip
                return
            except RuntimeError:
                if "could not bind" not in (self.root / "server.log").read_text(errors="replace"):
                    raise
        raise RuntimeError("no free port for PostgreSQL after five tries")

    def stop(self) -> None:
        """Stop the server at once and delete its files; safe to call twice."""
        if (self.data / "postmaster.pid").exists():
            subprocess.run(
                [*self.as_user, str(self.bin / "pg_ctl"), "--pgdata", str(self.data),
                 "--mode", "immediate", "--wait", "--silent", "stop"],
                capture_output=True,
                timeout=START_TIMEOUT,
            )  # fmt: skip
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str, *, scheme: str = "postgresql+psycopg") -> str:
        """A SQLAlchemy URL of ``database`` over TCP, with the password."""
        return (
            f"{scheme}://{SERVER_USER}:{quote(self.password, safe='')}"
            f"@127.0.0.1:{self.port}/{database}"
        )

    def admin(self, database: str = "postgres") -> psycopg.Connection:
        """A superuser's connection (to the maintenance database unless told), autocommit."""
        return psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user=SERVER_USER,
            password=self.password,
            dbname=database,
            autocommit=True,
            connect_timeout=10,
        )

    def create_database(self, name: str, *, template: str | None = None) -> str:
        """A new database (a copy of ``template`` if given); its URL."""
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            statement += sql.SQL(" TEMPLATE {} STRATEGY FILE_COPY").format(sql.Identifier(template))
        with self.admin() as conn:
            conn.execute(statement)
        return self.url(name)

    def drop_database(self, name: str) -> None:
        with self.admin() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
