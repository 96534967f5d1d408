"""Alembic migrations forward and back, on SQLite and PostgreSQL, against the tables' metadata."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from dondoc.store.db import alembic_config, dispose_engine, engine_for, migrate, unmigrate
from dondoc.store.schema import MIGRATION_LOCK, include_name, revisions, schema_state
from dondoc.store.tables import Base
from support.postgres import PostgresCluster

DONDOC = str(Path(sys.executable).parent / "dondoc")


def _differences(url: str) -> list[object]:
    """What autogenerate would change to make the database match ``store.tables``."""
    with engine_for(url).connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"include_name": include_name, "compare_type": True,
                  "compare_server_default": True},
        )  # fmt: skip
        return list(compare_metadata(context, Base.metadata))


def _ours(url: str, backend: str) -> set[str]:
    """Tables, and on PostgreSQL our functions, present in the database."""
    with engine_for(url).connect() as connection:
        found = set(inspect(connection).get_table_names())
        if backend == "postgresql":
            found |= set(
                connection.scalars(text("SELECT proname FROM pg_proc WHERE proname LIKE 'dondoc%'"))
            )
    return found


def test_upgrade_downgrade_upgrade_gives_the_schema_of_the_tables(
    empty_database: str, backend: str
) -> None:
    url = empty_database
    migrate(url)
    state = schema_state(url)
    assert state.newest and state.current == state.heads
    assert _differences(url) == []
    made = _ours(url, backend)
    assert set(Base.metadata.tables) <= made
    search = {"tasks_fts"} if backend == "sqlite" else {"dondoc_fold", "dondoc_task_words"}
    assert search <= made

    unmigrate(url, "base")
    assert _ours(url, backend) == {"alembic_version"}
    assert schema_state(url).current == ()

    migrate(url)
    assert schema_state(url).newest
    assert _differences(url) == []
    assert _ours(url, backend) == made


def test_every_revision_steps_down_and_up_again(empty_database: str) -> None:
    """One revision at a time, so each downgrade is run against the schema it expects."""
    url = empty_database
    shipped = [revision for revision, _ in revisions(url)]
    migrate(url)
    for older in reversed(["base", *shipped[:-1]]):
        unmigrate(url, older)
        assert schema_state(url).current == (() if older == "base" else (older,))
    for newer in shipped:
        migrate(url, newer)
        assert schema_state(url).current == (newer,)
    assert _differences(url) == []


def test_two_upgrades_at_once_on_postgres_run_one_after_the_other(
    postgres: PostgresCluster,
) -> None:
    """Two jobs (or an operator and a job) upgrading a fresh database together: the
    advisory lock of ``migrations/env.py`` makes one wait and then find nothing to do.

    The test holds the lock first (advisory locks belong to one database, so it holds it
    in that database), sees both ``dondoc db upgrade`` processes wait, then lets them go."""
    url = postgres.create_database("concurrent_upgrades")
    env = {**os.environ, "DONDOC_DATABASE_URL": url}
    try:
        with postgres.admin("concurrent_upgrades") as holder:
            holder.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
            runs = [_upgrade_process(env) for _ in range(2)]
            deadline = time.monotonic() + 120
            while _waiting_for_lock(holder) < 2:
                assert all(run.poll() is None for run in runs), [r.communicate() for r in runs]
                assert time.monotonic() < deadline, "the upgrades never waited for the lock"
                time.sleep(0.2)
            holder.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))
        outputs = [run.communicate(timeout=120) for run in runs]
        assert [run.returncode for run in runs] == [0, 0], outputs
        said = sorted(out.splitlines()[1].split(".")[0] for out, _ in outputs)
        assert said[0].startswith("Không có gì để nâng cấp"), outputs
        assert said[1].startswith("Đã nâng cấp lược đồ"), outputs
        assert schema_state(url).newest
        assert _differences(url) == []
    finally:
        dispose_engine(url)
        postgres.drop_database("concurrent_upgrades")


def _upgrade_process(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [DONDOC, "db", "upgrade"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _waiting_for_lock(connection: psycopg.Connection) -> int:
    row = connection.execute(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
    ).fetchone()
    return int(row[0]) if row else 0


def test_the_migrations_form_one_line() -> None:
    """One head and no branch: a second revision on the same parent (two branches merged
    side by side) is renumbered before it lands, or ``dondoc db upgrade`` refuses."""
    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(scripts.get_heads()) == 1
    for revision in scripts.walk_revisions():
        assert not isinstance(revision.down_revision, tuple | list), revision.revision
        assert not revision.is_branch_point, revision.revision
