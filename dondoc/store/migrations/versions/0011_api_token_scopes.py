"""api_tokens.scopes: what each integration's token may do

Revision ID: 0011
Revises: 0010

A token made from now on gets ``read`` unless other scopes are chosen when it is created
(least privilege). A token made before this revision could read, issue notices and take
office actions; it keeps all three, so the integrations that use it go on working after
the upgrade. An administrator who wants less revokes it and creates a new one with the
scopes it needs (``dondoc api-token create NAME --scope ...``). The column's default is
then set to ``read``, so a row inserted without scopes can do no more than read.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE_SCOPES = "read notices:issue tasks:act"
"""Everything a token could do before scopes existed."""


def upgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(
            sa.Column("scopes", sa.String(length=200), nullable=False, server_default=BEFORE_SCOPES)
        )
    with op.batch_alter_table("api_tokens") as batch:
        batch.alter_column(
            "scopes",
            existing_type=sa.String(length=200),
            existing_nullable=False,
            server_default="read",
        )


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("scopes")
