"""year close: the SHU of a closed year and each member's share of it, with its payout

Revision ID: 0021_year_close
Revises: 0020_savings_schedule
Create Date: 2026-12-01 11:45:00

Two new tables; nothing to backfill (no year has been closed before).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from advanced_alchemy.types import DateTimeUTC
from alembic import op

revision: str = "0021_year_close"
down_revision: str | Sequence[str] | None = "0020_savings_schedule"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _base() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("id", ID, sa.Identity(always=False, start=1, increment=1), primary_key=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("cooperative_id", ID, sa.ForeignKey("cooperative.id", ondelete="CASCADE"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "shu_year_close",
        *_base(),
        sa.Column("surplus", sa.BigInteger(), nullable=False),
        sa.Column("allocation", sa.String(300), nullable=False),
        sa.Column("closed_by", ID, sa.ForeignKey("user_account.id", ondelete="SET NULL")),
        sa.Column("closed_label", sa.String(120), nullable=False),
        sa.Column("entry_id", ID, sa.ForeignKey("journal_entry.id", ondelete="SET NULL")),
        sa.UniqueConstraint("cooperative_id", "year", name="uq_shu_year_close_cooperative_year"),
    )
    op.create_table(
        "shu_member_share",
        *_base(),
        sa.Column("member_user_id", ID, sa.ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False),
        sa.Column("jasa_anggota", sa.BigInteger(), nullable=False),
        sa.Column("jasa_modal", sa.BigInteger(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("paid_at", DateTimeUTC(timezone=True)),
        sa.Column("paid_to", sa.String(10)),
        sa.Column("paid_label", sa.String(120)),
        sa.Column("transaction_id", ID, sa.ForeignKey("savings_transaction.id", ondelete="SET NULL")),
        sa.UniqueConstraint("cooperative_id", "year", "member_user_id", name="uq_shu_member_share_member_year"),
        sa.CheckConstraint("total = jasa_anggota + jasa_modal", name="ck_shu_member_share_total"),
    )
    op.create_index("ix_shu_member_share_member_user_id", "shu_member_share", ["member_user_id"])


def downgrade() -> None:
    op.drop_index("ix_shu_member_share_member_user_id", table_name="shu_member_share")
    op.drop_table("shu_member_share")
    op.drop_table("shu_year_close")
