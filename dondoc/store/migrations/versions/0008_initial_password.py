"""users.initial_password: the account still has the password `dondoc dev` printed

Revision ID: 0008
Revises: 0007

`dondoc web` and `dondoc worker` refuse to start outside `dondoc dev` while an active
account is marked. Accounts made before this revision carry no mark; the one account that
`ensure_first_admin` made and nobody touched since (name ``admin``, its display name, never
updated after creation) is marked here, so an existing development database is caught too.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("initial_password", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    users = sa.table(
        "users",
        sa.column("username", sa.String),
        sa.column("display_name", sa.String),
        sa.column("created_at", sa.DateTime),
        sa.column("updated_at", sa.DateTime),
        sa.column("initial_password", sa.Boolean),
    )
    op.execute(
        users.update()
        .where(
            users.c.username == "admin",
            users.c.display_name == "Quản trị hệ thống",
            users.c.created_at == users.c.updated_at,
        )
        .values(initial_password=True)
    )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("initial_password")
