"""Engines, sessions and schema migration, and the rule that keeps the event loop free.

The store is synchronous SQLAlchemy. Async code (the web, the commands, the activities)
reaches it only through ``in_session``: the unit of work runs in a database thread and
its session is closed before the await returns, so a session is never held across an
await of Temporal or SMTP, and a slow database never stalls the event loop.
Inside the services' own work (a web request, an activity, the relay: see
``guard_event_loop``) ``session_scope`` refuses to open on a thread that runs an event
loop, so a slip is an error in the tests rather than a deadlock on a busy morning.

A saturated database answers ``DatabaseBusy`` within seconds (the pool's wait is short,
and so is the wait for a database thread); the web turns it into a 503 page. The same
pool settings serve SQLite and PostgreSQL; ``postgresql://`` URLs are read as psycopg 3's.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from psycopg.abc import Buffer
from psycopg.types.string import StrBinaryDumper, StrDumperUnknown
from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

T = TypeVar("T")

POOL_SIZE = 8
POOL_OVERFLOW = 8
POOL_WAIT = 5.0
"""Seconds a unit of work waits for a connection before the database counts as busy."""
THREAD_WAIT = 10.0
"""Seconds ``in_session`` waits for a database thread and its work, then gives up."""
SQLITE_BUSY_MS = 5000
CONNECT_TIMEOUT = 5
"""Seconds to reach a PostgreSQL server before the attempt fails (libpq's default is to
wait as long as the operating system's TCP connect does, minutes for a dropped route)."""
POSTGRES_DRIVER = "postgresql+psycopg"
NUL_STAND_IN = "\ufffd"
"""What a NUL character in a string becomes on its way to PostgreSQL (U+FFFD)."""


class DatabaseBusy(RuntimeError):
    """No connection or thread came free in time: answer 503, try again later."""


class SessionOnEventLoop(RuntimeError):
    """A database session was opened on an event loop's thread (use ``in_session``)."""


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # WAL lets the web read while the worker writes; busy_timeout waits out short locks
    # instead of failing an activity that would only be retried anyway.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class _NulFreeText(StrDumperUnknown):
    """Strings to PostgreSQL with NUL as U+FFFD (text format): see ``_postgres_strings``."""

    def dump(self, obj: str) -> Buffer | None:
        return super().dump(obj.replace("\x00", NUL_STAND_IN))


class _NulFreeBinary(StrBinaryDumper):
    """Strings to PostgreSQL with NUL as U+FFFD (binary format)."""

    def dump(self, obj: str) -> Buffer | None:
        return super().dump(obj.replace("\x00", NUL_STAND_IN))


def _postgres_strings(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # PostgreSQL's text cannot hold NUL and psycopg refuses such a string outright, so
    # one stray NUL in a filter or a notice would be a 500 page, or a recording activity
    # retried for ever. As U+FFFD a filter matches nothing (as on SQLite) and a text is
    # stored with the standard mark for a character that cannot be shown.
    dbapi_connection.adapters.register_dumper(str, _NulFreeText)
    dbapi_connection.adapters.register_dumper(str, _NulFreeBinary)


def sqlalchemy_url(url: str) -> str:
    """The URL with PostgreSQL's plain schemes (``postgresql://``, ``postgres://``) mapped
    to psycopg 3, the driver this package installs; every other URL as given."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        return parsed.set(drivername=POSTGRES_DRIVER).render_as_string(hide_password=False)
    return url


def _create_engine(url: str) -> Engine:
    url = sqlalchemy_url(url)
    pool = {"pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW, "pool_timeout": POOL_WAIT}
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if str(path) == ":memory:":
            pool = {}
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_MS / 1000},
            **pool,  # type: ignore[arg-type]
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    connect_args: dict[str, Any] = {}
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        # Defaults only: what the URL's query says (?connect_timeout=…) wins.
        defaults = {"connect_timeout": CONNECT_TIMEOUT, "application_name": "dondoc"}
        connect_args = {k: v for k, v in defaults.items() if k not in parsed.query}
    engine = create_engine(url, pool_pre_ping=True, connect_args=connect_args, **pool)  # type: ignore[arg-type]
    if engine.dialect.driver == "psycopg":
        event.listen(engine, "connect", _postgres_strings)
    return engine


_engines: dict[str, tuple[Engine, sessionmaker[Session]]] = {}
_engines_lock = threading.Lock()


def _entry(url: str) -> tuple[Engine, sessionmaker[Session]]:
    with _engines_lock:
        entry = _engines.get(url)
        if entry is None:
            engine = _create_engine(url)
            entry = _engines[url] = (engine, sessionmaker(engine, expire_on_commit=False))
        return entry


def engine_for(url: str) -> Engine:
    """The process's one engine (and connection pool) for ``url``."""
    return _entry(url)[0]


def _sessions(url: str) -> sessionmaker[Session]:
    return _entry(url)[1]


def dispose_engine(url: str) -> None:
    """Close the pool of ``url`` and forget its engine, e.g. before the database is dropped."""
    with _engines_lock:
        entry = _engines.pop(url, None)
    if entry is not None:
        entry[0].dispose()


_guarded: contextvars.ContextVar[bool] = contextvars.ContextVar("dondoc_db_guard", default=False)


@contextmanager
def guard_event_loop() -> Iterator[None]:
    """Within this block (and the tasks and threads it starts), a session opened on the
    event loop's thread is an error. The web sets it per request, the worker per activity."""
    token = _guarded.set(True)
    try:
        yield
    finally:
        _guarded.reset(token)


def _on_event_loop() -> bool:
    if not _guarded.get():
        return False
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """One unit of work: committed if the block returns, rolled back if it raises."""
    if _on_event_loop():
        raise SessionOnEventLoop(
            "a database session on the event loop's thread would block it; use in_session()"
        )
    session = _sessions(url)()
    try:
        yield session
        session.commit()
    except PoolTimeout as err:
        session.rollback()
        raise DatabaseBusy("no database connection came free in time") from err
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


_threads = concurrent.futures.ThreadPoolExecutor(
    max_workers=POOL_SIZE + POOL_OVERFLOW, thread_name_prefix="dondoc-db"
)


def _unit(url: str, work: Callable[..., T], args: tuple[Any, ...]) -> T:
    with session_scope(url) as session:
        return work(session, *args)


async def in_session(
    url: str, work: Callable[..., T], *args: Any, timeout: float = THREAD_WAIT
) -> T:
    """Run ``work(session, *args)`` in a database thread, in its own committed unit of work.

    At most as many units run at once as the pool has connections, so none waits for a
    connection inside a thread; the rest wait here, on the event loop, for ``timeout``.
    """
    future = _threads.submit(_unit, url, work, args)
    try:
        return await asyncio.wait_for(asyncio.wrap_future(future), timeout)
    except TimeoutError as err:
        future.cancel()  # never starts if it was still waiting for a thread
        raise DatabaseBusy(f"the database did not answer within {timeout:.0f} s") from err


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(files("dondoc.store") / "migrations"))
    cfg.set_main_option("sqlalchemy.url", sqlalchemy_url(url).replace("%", "%%"))
    return cfg


Steps = list[tuple[tuple[str, ...], tuple[str, ...]]]
"""What a migration run did: (from revisions, to revisions) per step, in order."""


def migrate(url: str, revision: str = "head") -> Steps:
    """Bring the schema to ``revision`` (the newest by default); safe to run on every start.

    One transaction: on PostgreSQL a failed migration leaves the schema as it was, and
    concurrent runs wait for each other (``migrations/env.py`` takes an advisory lock).
    Returns the steps this run applied (none when the schema was there already).
    """
    return _run(url, command.upgrade, revision)


def unmigrate(url: str, revision: str) -> Steps:
    """Take the schema back to ``revision`` (``"base"``: nothing of ours left); the steps."""
    return _run(url, command.downgrade, revision)


def _run(url: str, step: Callable[[Config, str], None], revision: str) -> Steps:
    with engine_for(url).begin() as connection:
        cfg = alembic_config(url)
        cfg.attributes["connection"] = connection
        step(cfg, revision)
        return list(cfg.attributes.get("steps", []))
