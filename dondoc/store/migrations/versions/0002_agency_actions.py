"""agency actions kept until applied

Revision ID: 0002a
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dondoc.store.tables

revision: str = "0002a"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agency_actions",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("task_id", sa.String(length=160), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", dondoc.store.tables.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", dondoc.store.tables.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("agency_actions", schema=None) as batch_op:
        batch_op.create_index("ix_agency_actions_task_id", ["task_id"], unique=False)
        batch_op.create_index("ix_agency_actions_status", ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("agency_actions", schema=None) as batch_op:
        batch_op.drop_index("ix_agency_actions_status")
        batch_op.drop_index("ix_agency_actions_task_id")
    op.drop_table("agency_actions")
