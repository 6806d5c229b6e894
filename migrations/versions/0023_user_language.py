"""user language: the language an account chose (Indonesian or English), brought to every browser it signs in on

Revision ID: 0023_user_language
Revises: 0021_year_close
Create Date: 2026-12-01 14:10:00

One nullable column; empty means "as the browser asks".
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023_user_language"
down_revision: str | Sequence[str] | None = "0021_year_close"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("language", sa.String(5), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("language")
