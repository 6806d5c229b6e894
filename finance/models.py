"""Ledger tables: accounts, journal entries and their lines, members' savings and their schedule, withdrawals
awaiting approval, expenses, other income, loans and their instalments paid, the SHU split, closed years and
each member's share of a closed year's SHU."""

from __future__ import annotations

import datetime

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class Account(Base):
    """One account of a cooperative's chart; the name may be changed, the code and kind stay."""

    __tablename__ = "ledger_account"
    __table_args__ = (UniqueConstraint("cooperative_id", "code", name="uq_ledger_account_cooperative_code"),)

    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(12))


class JournalEntry(Base):
    """A balanced posting; never edited. A correction is another entry that reverses it (`reverses_id`)."""

    __tablename__ = "journal_entry"
    __table_args__ = (
        # One entry per money event: a replay (rebuild-ledger) cannot post the same event twice.
        UniqueConstraint("cooperative_id", "source_type", "source_id", name="uq_journal_entry_source"),
        Index("ix_journal_entry_cooperative_date", "cooperative_id", "entry_date"),
    )

    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"))
    entry_date: Mapped[datetime.date] = mapped_column(Date)
    memo: Mapped[str] = mapped_column(String(200))
    source_type: Mapped[str] = mapped_column(String(20))
    source_id: Mapped[int | None] = mapped_column(BigInteger)
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entry.id", ondelete="SET NULL"))


class JournalLine(Base):
    """One side of an entry, in whole rupiah; a member's or producer's share of an account is tagged."""

    __tablename__ = "journal_line"
    __table_args__ = (
        CheckConstraint("debit >= 0 AND credit >= 0", name="ck_journal_line_nonnegative"),
        Index("ix_journal_line_cooperative_account", "cooperative_id", "account_code"),
    )

    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entry.id", ondelete="CASCADE"), index=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"))
    account_code: Mapped[str] = mapped_column(String(10))
    debit: Mapped[int] = mapped_column(BigInteger, default=0)
    credit: Mapped[int] = mapped_column(BigInteger, default=0)
    member_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    producer_id: Mapped[int | None] = mapped_column(ForeignKey("producer.id", ondelete="SET NULL"))


class SavingsTransaction(Base):
    """A member's deposit into or withdrawal from simpanan pokok, wajib or sukarela; its id is the receipt."""

    __tablename__ = "savings_transaction"
    __table_args__ = (
        CheckConstraint("amount > 0", name="ck_savings_amount_positive"),
        Index("ix_savings_cooperative_member", "cooperative_id", "member_user_id"),
    )

    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"))
    member_user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    direction: Mapped[str] = mapped_column(String(10))
    amount: Mapped[int] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(String(16))
    occurred_on: Mapped[datetime.date] = mapped_column(Date)
    receipt_number: Mapped[str] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    recorded_label: Mapped[str] = mapped_column(String(120))
    # A sukarela withdrawal leaves only when a second board member approves it; who that was.
    approved_label: Mapped[str | None] = mapped_column(String(120))


class SavingsSchedule(Base):
    """The simpanan wajib a cooperative asks of every member each month, and from which month it is owed."""

    __tablename__ = "savings_schedule"

    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"), unique=True)
    wajib_amount: Mapped[int] = mapped_column(BigInteger)
    starts_on: Mapped[datetime.date | None] = mapped_column(Date)


class WithdrawalRequest(Base):
    """A sukarela withdrawal recorded by one board member, waiting for another's approval; no money has moved."""

    __tablename__ = "savings_withdrawal_request"
    __table_args__ = (
        CheckConstraint("amount > 0", name="ck_withdrawal_request_amount_positive"),
        Index("ix_withdrawal_request_cooperative_status", "cooperative_id", "status"),
    )

    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"))
    member_user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    amount: Mapped[int] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    requested_label: Mapped[str] = mapped_column(String(120))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    transaction_id: Mapped[int | None] = mapped_column(ForeignKey("savings_transaction.id", ondelete="SET NULL"))


class Expense(Base):
    """Money the cooperative spent: category, amount, paid from cash or bank."""

    __tablename__ = "expense"
    __table_args__ = (
        CheckConstraint("amount > 0", name="ck_expense_amount_positive"),
        Index("ix_expense_cooperative_date", "cooperative_id", "occurred_on"),
    )

    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"))
    occurred_on: Mapped[datetime.date] = mapped_column(Date)
    category: Mapped[str] = mapped_column(String(20))
    amount: Mapped[int] = mapped_column(BigInteger)
    paid_from: Mapped[str] = mapped_column(String(8))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


class OtherIncome(Base):
    """Money the cooperative received outside its sales (rent of a stall, bank interest, a grant…)."""

    __tablename__ = "other_income"
    __table_args__ = (
        CheckConstraint("amount > 0", name="ck_other_income_amount_positive"),
        Index("ix_other_income_cooperative_date", "cooperative_id", "occurred_on"),
    )

    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"))
    occurred_on: Mapped[datetime.date] = mapped_column(Date)
    category: Mapped[str] = mapped_column(String(20))
    amount: Mapped[int] = mapped_column(BigInteger)
    received_into: Mapped[str] = mapped_column(String(8))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


class Loan(Base):
    """A loan the cooperative took: drawn down once, repaid in equal monthly instalments with a flat interest
    in rupiah per instalment; the schedule is computed from these figures (finance.loans.schedule)."""

    __tablename__ = "loan"
    __table_args__ = (
        CheckConstraint("principal > 0 AND instalments > 0 AND interest_per_instalment >= 0", name="ck_loan_terms"),
        Index("ix_loan_cooperative", "cooperative_id"),
    )

    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"))
    lender: Mapped[str] = mapped_column(String(120))
    principal: Mapped[int] = mapped_column(BigInteger)
    drawn_on: Mapped[datetime.date] = mapped_column(Date)
    instalments: Mapped[int] = mapped_column(Integer)
    interest_per_instalment: Mapped[int] = mapped_column(BigInteger)
    received_into: Mapped[str] = mapped_column(String(8))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


class LoanPayment(Base):
    """One instalment of a loan paid: its principal and interest parts as scheduled, once per instalment."""

    __tablename__ = "loan_payment"
    __table_args__ = (UniqueConstraint("loan_id", "number", name="uq_loan_payment_loan_number"),)

    loan_id: Mapped[int] = mapped_column(ForeignKey("loan.id", ondelete="CASCADE"), index=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    paid_on: Mapped[datetime.date] = mapped_column(Date)
    principal: Mapped[int] = mapped_column(BigInteger)
    interest: Mapped[int] = mapped_column(BigInteger)
    paid_from: Mapped[str] = mapped_column(String(8))
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


class ShuSplit(Base):
    """The AD/ART split of the year's surplus, in basis points (10000 = 100%)."""

    __tablename__ = "shu_split"

    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"), unique=True)
    cadangan: Mapped[int] = mapped_column(Integer)
    jasa_anggota: Mapped[int] = mapped_column(Integer)
    jasa_modal: Mapped[int] = mapped_column(Integer)
    pengurus: Mapped[int] = mapped_column(Integer)
    karyawan: Mapped[int] = mapped_column(Integer)
    pendidikan: Mapped[int] = mapped_column(Integer)
    sosial: Mapped[int] = mapped_column(Integer)


class YearClose(Base):
    """A year closed after the RAT: its SHU and how it was allocated, fixed; the books up to its end are locked."""

    __tablename__ = "shu_year_close"
    __table_args__ = (UniqueConstraint("cooperative_id", "year", name="uq_shu_year_close_cooperative_year"),)

    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer)
    surplus: Mapped[int] = mapped_column(BigInteger)
    # Rupiah per part of the split, as "name=amount;…" in the split's order (seven fixed names).
    allocation: Mapped[str] = mapped_column(String(300))
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    closed_label: Mapped[str] = mapped_column(String(120))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entry.id", ondelete="SET NULL"))


class ShuShare(Base):
    """One member's fixed SHU of a closed year, and when and how it was paid (cash or into simpanan sukarela)."""

    __tablename__ = "shu_member_share"
    __table_args__ = (
        UniqueConstraint("cooperative_id", "year", "member_user_id", name="uq_shu_member_share_member_year"),
        CheckConstraint("total = jasa_anggota + jasa_modal", name="ck_shu_member_share_total"),
    )

    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer)
    member_user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    jasa_anggota: Mapped[int] = mapped_column(BigInteger)
    jasa_modal: Mapped[int] = mapped_column(BigInteger)
    total: Mapped[int] = mapped_column(BigInteger)
    paid_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    paid_to: Mapped[str | None] = mapped_column(String(10))
    paid_label: Mapped[str | None] = mapped_column(String(120))
    transaction_id: Mapped[int | None] = mapped_column(ForeignKey("savings_transaction.id", ondelete="SET NULL"))
