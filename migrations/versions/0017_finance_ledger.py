"""finance ledger: chart of accounts, journal entries and lines, members' savings, expenses, the SHU split

Revision ID: 0017_finance_ledger
Revises: 0015_nik_protected
Create Date: 2026-12-01 05:45:00

New tables only. Existing history is posted by `pasardesa rebuild-ledger`, which replays the recorded
money events through the same code that posts new ones.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from advanced_alchemy.types import DateTimeUTC
from alembic import op

revision: str = "0017_finance_ledger"
down_revision: str | Sequence[str] | None = "0015_nik_protected"
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
        "ledger_account",
        *_base(),
        _cooperative(),
        sa.Column("code", sa.String(10), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.UniqueConstraint("cooperative_id", "code", name="uq_ledger_account_cooperative_code"),
    )
    op.create_index("ix_ledger_account_cooperative_id", "ledger_account", ["cooperative_id"])
    op.create_table(
        "journal_entry",
        *_base(),
        _cooperative(),
        sa.Column("entry_date", sa.Date(), nullable=False),
        sa.Column("memo", sa.String(200), nullable=False),
        sa.Column("source_type", sa.String(20), nullable=False),
        sa.Column("source_id", sa.BigInteger(), nullable=True),
        sa.Column("reverses_id", ID, sa.ForeignKey("journal_entry.id", ondelete="SET NULL")),
        sa.UniqueConstraint("cooperative_id", "source_type", "source_id", name="uq_journal_entry_source"),
    )
    op.create_index("ix_journal_entry_cooperative_date", "journal_entry", ["cooperative_id", "entry_date"])
    op.create_table(
        "journal_line",
        *_base(),
        sa.Column("entry_id", ID, sa.ForeignKey("journal_entry.id", ondelete="CASCADE"), nullable=False),
        _cooperative(),
        sa.Column("account_code", sa.String(10), nullable=False),
        sa.Column("debit", sa.BigInteger(), nullable=False),
        sa.Column("credit", sa.BigInteger(), nullable=False),
        _user("member_user_id"),
        sa.Column("producer_id", ID, sa.ForeignKey("producer.id", ondelete="SET NULL")),
        sa.CheckConstraint("debit >= 0 AND credit >= 0", name="ck_journal_line_nonnegative"),
    )
    op.create_index("ix_journal_line_entry_id", "journal_line", ["entry_id"])
    op.create_index("ix_journal_line_member_user_id", "journal_line", ["member_user_id"])
    op.create_index("ix_journal_line_cooperative_account", "journal_line", ["cooperative_id", "account_code"])
    op.create_table(
        "savings_transaction",
        *_base(),
        _cooperative(),
        _user("member_user_id", nullable=False, ondelete="CASCADE"),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("direction", sa.String(10), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("receipt_number", sa.String(40), nullable=False),
        sa.Column("note", sa.Text()),
        _user("recorded_by"),
        sa.Column("recorded_label", sa.String(120), nullable=False),
        sa.CheckConstraint("amount > 0", name="ck_savings_amount_positive"),
    )
    op.create_index("ix_savings_cooperative_member", "savings_transaction", ["cooperative_id", "member_user_id"])
    op.create_table(
        "expense",
        *_base(),
        _cooperative(),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("paid_from", sa.String(8), nullable=False),
        sa.Column("note", sa.Text()),
        _user("recorded_by"),
        sa.CheckConstraint("amount > 0", name="ck_expense_amount_positive"),
    )
    op.create_index("ix_expense_cooperative_date", "expense", ["cooperative_id", "occurred_on"])
    op.create_table(
        "shu_split",
        *_base(),
        _cooperative(),
        *[
            sa.Column(name, sa.Integer(), nullable=False)
            for name in ("cadangan", "jasa_anggota", "jasa_modal", "pengurus", "karyawan", "pendidikan", "sosial")
        ],
        sa.UniqueConstraint("cooperative_id", name="uq_shu_split_cooperative_id"),
    )


def downgrade() -> None:
    for table in ("shu_split", "expense", "savings_transaction", "journal_line", "journal_entry", "ledger_account"):
        op.drop_table(table)
