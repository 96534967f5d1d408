"""agencies.link_generation and link_revocations: the office revokes one agency's links

Revision ID: 0012
Revises: 0011

Every agency starts at generation 0, which is what the links signed before this revision
read as (they carry no generation), so every link already mailed keeps opening until the
office revokes that agency's links.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("agencies") as batch:
        batch.add_column(
            sa.Column("link_generation", sa.Integer(), nullable=False, server_default="0")
        )
    op.create_table(
        "link_revocations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("agency", sa.String(length=64), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("revoked_by", sa.String(length=200), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_link_revocations_agency", "link_revocations", ["agency"])


def downgrade() -> None:
    op.drop_index("ix_link_revocations_agency", table_name="link_revocations")
    op.drop_table("link_revocations")
    with op.batch_alter_table("agencies") as batch:
        batch.drop_column("link_generation")
