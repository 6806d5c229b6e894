"""loans and other income: loans the cooperative took, the instalments it paid, and income outside sales

Revision ID: 0024_loans
Revises: 0023_user_language
Create Date: 2026-12-01 13:45:00

Three new tables; nothing to backfill.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from advanced_alchemy.types import DateTimeUTC
from alembic import op

revision: str = "0024_loans"
down_revision: str | Sequence[str] | None = "0023_user_language"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _base() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("id", ID, sa.Identity(always=False, start=1, increment=1), primary_key=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("cooperative_id", ID, sa.ForeignKey("cooperative.id", ondelete="CASCADE"), nullable=False),
        sa.Column("recorded_by", ID, sa.ForeignKey("user_account.id", ondelete="SET NULL")),
    ]


def upgrade() -> None:
    op.create_table(
        "other_income",
        *_base(),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("received_into", sa.String(8), nullable=False),
        sa.Column("note", sa.Text()),
        sa.CheckConstraint("amount > 0", name="ck_other_income_amount_positive"),
    )
    op.create_index("ix_other_income_cooperative_date", "other_income", ["cooperative_id", "occurred_on"])
    op.create_table(
        "loan",
        *_base(),
        sa.Column("lender", sa.String(120), nullable=False),
        sa.Column("principal", sa.BigInteger(), nullable=False),
        sa.Column("drawn_on", sa.Date(), nullable=False),
        sa.Column("instalments", sa.Integer(), nullable=False),
        sa.Column("interest_per_instalment", sa.BigInteger(), nullable=False),
        sa.Column("received_into", sa.String(8), nullable=False),
        sa.Column("note", sa.Text()),
        sa.CheckConstraint("principal > 0 AND instalments > 0 AND interest_per_instalment >= 0", name="ck_loan_terms"),
    )
    op.create_index("ix_loan_cooperative", "loan", ["cooperative_id"])
    op.create_table(
        "loan_payment",
        *_base(),
        sa.Column("loan_id", ID, sa.ForeignKey("loan.id", ondelete="CASCADE"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("principal", sa.BigInteger(), nullable=False),
        sa.Column("interest", sa.BigInteger(), nullable=False),
        sa.Column("paid_from", sa.String(8), nullable=False),
        sa.UniqueConstraint("loan_id", "number", name="uq_loan_payment_loan_number"),
    )
    op.create_index("ix_loan_payment_loan_id", "loan_payment", ["loan_id"])


def downgrade() -> None:
    op.drop_index("ix_loan_payment_loan_id", table_name="loan_payment")
    op.drop_table("loan_payment")
    op.drop_index("ix_loan_cooperative", table_name="loan")
    op.drop_table("loan")
    op.drop_index("ix_other_income_cooperative_date", table_name="other_income")
    op.drop_table("other_income")
