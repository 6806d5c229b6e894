"""rate limit counts shared by every worker (login attempts per client address, later sign-up and orders)

Revision ID: 0008_rate_limits
Revises: 0006_merge_features
Create Date: 2026-12-01 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_rate_limits"
down_revision: str | Sequence[str] | None = "0007_outbox_claims"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_limit",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_limit")),
    )
    op.create_index(op.f("ix_rate_limit_expires_at"), "rate_limit", ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_rate_limit_expires_at"), table_name="rate_limit")
    op.drop_table("rate_limit")
