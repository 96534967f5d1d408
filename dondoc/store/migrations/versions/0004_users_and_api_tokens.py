"""console users, sessions, API tokens; indexes and text search for the console's lists

Revision ID: 0004u
Revises: 0003

The task list filters and sorts 100,000 rows; the indexes below are the ones its queries
use (measured with ``bench/console_pages.py``). On SQLite the free-text search is an FTS5
table kept in step with ``tasks`` by triggers, folding case, diacritics and «đ» so that
"ngoai vu" finds "Sở Ngoại vụ"; PostgreSQL falls back to ILIKE.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dondoc.store.tables

revision: str = "0004u"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FOLDED = (
    "replace(replace({p}.notice_number || ' ' || {p}.id || ' ' || {p}.work || ' ' || "
    "{p}.result, 'đ', 'd'), 'Đ', 'D')"
)
LIST_COLUMNS = [
    "deadline_at", "id", "state", "status_class", "owner", "leader", "escalation_step",
]  # fmt: skip
OWNER_COLUMNS = [
    "owner", "state", "status_class", "deadline_at", "leader", "escalation_step",
]  # fmt: skip
# A leader's account filters every query by leader: his pages read this index only.
LEADER_COLUMNS = [
    "leader", "deadline_at", "id", "state", "status_class", "owner", "escalation_step",
]  # fmt: skip
FTS_STATEMENTS = [
    "CREATE VIRTUAL TABLE tasks_fts USING fts5("
    "task_id UNINDEXED, body, tokenize = 'unicode61 remove_diacritics 2')",
    f"INSERT INTO tasks_fts(task_id, body) SELECT t.id, {_FOLDED.format(p='t')} FROM tasks t",
    "CREATE TRIGGER tasks_fts_insert AFTER INSERT ON tasks BEGIN "
    f"INSERT INTO tasks_fts(task_id, body) VALUES (new.id, {_FOLDED.format(p='new')}); END",
    "CREATE TRIGGER tasks_fts_update AFTER UPDATE OF work, result, notice_number ON tasks BEGIN "
    "DELETE FROM tasks_fts WHERE task_id = old.id; "
    f"INSERT INTO tasks_fts(task_id, body) VALUES (new.id, {_FOLDED.format(p='new')}); END",
    "CREATE TRIGGER tasks_fts_delete AFTER DELETE ON tasks BEGIN "
    "DELETE FROM tasks_fts WHERE task_id = old.id; END",
]


def _time() -> dondoc.store.tables.UtcDateTime:
    return dondoc.store.tables.UtcDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=300), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("leader_code", sa.String(length=64), nullable=True),
        sa.Column("password_hash", sa.String(length=300), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("updated_at", _time(), nullable=False),
        sa.Column("last_login_at", _time(), nullable=True),
        sa.PrimaryKeyConstraint("username"),
    )
    op.create_table(
        "console_sessions",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("last_seen_at", _time(), nullable=False),
        sa.Column("expires_at", _time(), nullable=False),
        sa.ForeignKeyConstraint(["username"], ["users.username"]),
        sa.PrimaryKeyConstraint("id_hash"),
    )
    with op.batch_alter_table("console_sessions", schema=None) as batch_op:
        batch_op.create_index("ix_console_sessions_username", ["username"], unique=False)
    op.create_table(
        "api_tokens",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("last_used_at", _time(), nullable=True),
        sa.Column("revoked_at", _time(), nullable=True),
        sa.PrimaryKeyConstraint("name"),
        sa.UniqueConstraint("token_hash"),
    )
    # The console's lists and dashboard. The three wide indexes cover every filter column,
    # so pages, counts and the per-agency bars are read from an index without touching
    # the rows (whose JSON makes a table scan of 100,000 tasks cost hundreds of ms).
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_index("ix_tasks_list", LIST_COLUMNS, unique=False)
        batch_op.create_index("ix_tasks_by_owner", OWNER_COLUMNS, unique=False)
        batch_op.create_index("ix_tasks_state_deadline", ["state", "deadline_at"], unique=False)
        batch_op.create_index("ix_tasks_by_leader", LEADER_COLUMNS, unique=False)
        batch_op.create_index("ix_tasks_updated", ["updated_at", "id"], unique=False)
    # Finds the few tasks that ever asked for an extension without reading every status.
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index("ix_events_kind", ["kind", "task_id"], unique=False)
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_status_created", ["status", "created_at"], unique=False)
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.create_index("ix_notices_date", ["date"], unique=False)
    if op.get_bind().dialect.name == "sqlite":
        for statement in FTS_STATEMENTS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("tasks_fts_delete", "tasks_fts_update", "tasks_fts_insert"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS tasks_fts")
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.drop_index("ix_notices_date")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_status_created")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_kind")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        for name in (
            "ix_tasks_updated",
            "ix_tasks_by_leader",
            "ix_tasks_state_deadline",
            "ix_tasks_by_owner",
            "ix_tasks_list",
        ):
            batch_op.drop_index(name)
    op.drop_table("api_tokens")
    with op.batch_alter_table("console_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_console_sessions_username")
    op.drop_table("console_sessions")
    op.drop_table("users")
