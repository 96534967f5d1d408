"""Alembic environment: runs on the connection handed over by ``store.db.migrate``.

On PostgreSQL the whole run holds a transaction-level advisory lock, so two processes
that upgrade at once (two pods, a job and an operator) run one after the other and the
second finds nothing left to do, instead of both creating the same table.
"""

from __future__ import annotations

from alembic import context
from alembic.runtime.migration import MigrationInfo
from sqlalchemy import Connection, create_engine, text

from dondoc.store.schema import MIGRATION_LOCK, include_name
from dondoc.store.tables import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
        with engine.begin() as conn:
            _configure_and_run(conn)
    else:
        _configure_and_run(connection)


def _note_step(*, step: MigrationInfo, **_: object) -> None:
    """Keep what each step did, for the caller (``store.db.migrate``) to report: with the
    lock taken here, only this list says whether this run or another one migrated."""
    steps = config.attributes.setdefault("steps", [])
    steps.append((tuple(step.source_revision_ids), tuple(step.destination_revision_ids)))


def _configure_and_run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        include_name=include_name,
        compare_server_default=True,
        on_version_apply=_note_step,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        context.run_migrations()


run()
