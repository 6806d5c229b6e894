"""member numbers: the number a cooperative gives each member (from its member list), unique within it

Revision ID: 0013_member_numbers
Revises: 0012_cooperative_onboarding
Create Date: 2026-12-03 09:00:00

Existing memberships have no number (NULL); several NULLs do not collide in the unique index on either
database. A plain column and index, so SQLite adds them without rebuilding the membership table.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_member_numbers"
down_revision: str | Sequence[str] | None = "0012_cooperative_onboarding"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("membership", sa.Column("member_number", sa.String(length=40), nullable=True))
    op.create_index(
        "uq_membership_cooperative_number", "membership", ["cooperative_id", "member_number"], unique=True
    )


def downgrade() -> None:
    op.drop_index("uq_membership_cooperative_number", table_name="membership")
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.drop_column("member_number")
