"""savings schedule: the monthly simpanan wajib, sukarela withdrawals awaiting a second approval, and a
producer's consent to show its own figures to members

Revision ID: 0020_savings_schedule
Revises: 0019_daily_rollups
Create Date: 2026-12-01 11:00:00

Two new tables and two nullable or defaulted columns; nothing to backfill. A cooperative without a schedule
row owes the default amount from each member's joining month.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from advanced_alchemy.types import DateTimeUTC
from alembic import op

revision: str = "0020_savings_schedule"
down_revision: str | Sequence[str] | None = "0019_daily_rollups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _base() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("id", ID, sa.Identity(always=False, start=1, increment=1), primary_key=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
    ]


def _cooperative() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column("cooperative_id", ID, sa.ForeignKey("cooperative.id", ondelete="CASCADE"), nullable=False)


def _user(name: str, *, nullable: bool = True, ondelete: str = "SET NULL") -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, ID, sa.ForeignKey("user_account.id", ondelete=ondelete), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "savings_schedule",
        *_base(),
        _cooperative(),
        sa.Column("wajib_amount", sa.BigInteger(), nullable=False),
        sa.Column("starts_on", sa.Date()),
        sa.UniqueConstraint("cooperative_id", name="uq_savings_schedule_cooperative_id"),
    )
    op.create_table(
        "savings_withdrawal_request",
        *_base(),
        _cooperative(),
        _user("member_user_id", nullable=False, ondelete="CASCADE"),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("note", sa.Text()),
        sa.Column("status", sa.String(10), nullable=False),
        _user("requested_by"),
        sa.Column("requested_label", sa.String(120), nullable=False),
        _user("decided_by"),
        sa.Column("decided_at", DateTimeUTC(timezone=True)),
        sa.Column("transaction_id", ID, sa.ForeignKey("savings_transaction.id", ondelete="SET NULL")),
        sa.CheckConstraint("amount > 0", name="ck_withdrawal_request_amount_positive"),
    )
    op.create_index(
        "ix_withdrawal_request_cooperative_status", "savings_withdrawal_request", ["cooperative_id", "status"]
    )
    with op.batch_alter_table("savings_transaction") as batch:
        batch.add_column(sa.Column("approved_label", sa.String(120)))
    with op.batch_alter_table("producer") as batch:
        batch.add_column(sa.Column("shares_figures", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("producer") as batch:
        batch.drop_column("shares_figures")
    with op.batch_alter_table("savings_transaction") as batch:
        batch.drop_column("approved_label")
    op.drop_index("ix_withdrawal_request_cooperative_status", table_name="savings_withdrawal_request")
    op.drop_table("savings_withdrawal_request")
    op.drop_table("savings_schedule")
