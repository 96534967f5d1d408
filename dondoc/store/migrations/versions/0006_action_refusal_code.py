"""agency_actions.code: why a kept action was refused, as a code

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("agency_actions") as batch:
        batch.add_column(sa.Column("code", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("agency_actions") as batch:
        batch.drop_column("code")
