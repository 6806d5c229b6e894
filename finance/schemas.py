"""Request and response shapes of the finance API and forms (amounts accept JSON numbers or typed text)."""

from __future__ import annotations

import msgspec


class SavingsForm(msgspec.Struct):
    member_phone: str = ""
    kind: str = ""
    direction: str = ""
    amount: str | int = ""
    method: str = "cash"
    date: str = ""
    note: str = ""


class ScheduleForm(msgspec.Struct):
    wajib_amount: str | int = ""
    starts_on: str = ""


class ExpenseForm(msgspec.Struct):
    date: str = ""
    category: str = ""
    amount: str | int = ""
    paid_from: str = ""
    note: str = ""


class OtherIncomeForm(msgspec.Struct):
    date: str = ""
    category: str = ""
    amount: str | int = ""
    received_into: str = ""
    note: str = ""


class LoanForm(msgspec.Struct):
    lender: str = ""
    principal: str | int = ""
    date: str = ""
    instalments: str | int = ""
    interest_per_instalment: str | int = ""
    received_into: str = ""
    note: str = ""


class LoanPaymentForm(msgspec.Struct):
    date: str = ""
    paid_from: str = "cash"


class OtherIncomeRecorded(msgspec.Struct):
    id: int
    date: str
    category: str
    amount: int
    received_into: str
    note: str | None


class InstalmentOut(msgspec.Struct):
    number: int
    due_date: str
    principal: int
    interest: int
    total: int
    paid: bool
    paid_on: str | None
    paid_from: str | None


class LoanOut(msgspec.Struct):
    id: int
    lender: str
    principal: int
    date: str
    instalments: int
    interest_per_instalment: int
    received_into: str
    note: str | None
    outstanding: int
    schedule: list[InstalmentOut]


class SavingsRecorded(msgspec.Struct):
    id: int
    receipt_number: str
    member_phone: str
    kind: str
    direction: str
    amount: int
    method: str
    date: str
    balance: int


class WithdrawalPendingOut(msgspec.Struct):
    id: int
    status: str
    member_phone: str
    kind: str
    direction: str
    amount: int
    method: str
    requested_by: str


class SavingsEntryOut(msgspec.Struct):
    date: str
    kind: str
    direction: str
    amount: int
    method: str
    receipt_number: str
    receipt_url: str = ""


class MySavingsOut(msgspec.Struct):
    pokok: int
    wajib: int
    sukarela: int
    arrears: int
    entries: list[SavingsEntryOut]


class ExpenseRecorded(msgspec.Struct):
    id: int
    date: str
    category: str
    amount: int
    paid_from: str
    note: str | None


class TrialBalanceRow(msgspec.Struct):
    code: str
    name: str
    debit: int
    credit: int


class TrialBalanceOut(msgspec.Struct):
    date: str
    accounts: list[TrialBalanceRow]
    total_debit: int
    total_credit: int


class StatementLine(msgspec.Struct):
    code: str
    name: str
    amount: int


class IncomeOut(msgspec.Struct):
    period: str
    revenue: int
    cost_of_goods: int
    expenses: int
    other_income: int
    surplus: int
    lines: list[StatementLine]


class BalanceOut(msgspec.Struct):
    date: str
    assets: int
    liabilities: int
    equity: int
    lines: list[StatementLine]


class ShuOut(msgspec.Struct):
    year: int
    estimate: bool
    pool_jasa_anggota: int
    pool_jasa_modal: int
    my_purchases: int
    total_member_purchases: int
    my_capital: int
    total_capital: int
    jasa_anggota: int
    jasa_modal: int
    total: int
    closed: bool = False
    paid_to: str | None = None
    paid_at: str | None = None


class ShareOut(msgspec.Struct):
    id: int
    member_phone: str
    member_name: str
    jasa_anggota: int
    jasa_modal: int
    total: int
    paid_to: str | None = None
    paid_at: str | None = None


class YearCloseOut(msgspec.Struct):
    year: int
    surplus: int
    allocation: dict[str, int]
    entry_id: int | None
    shares: list[ShareOut]


class PayShareForm(msgspec.Struct):
    to: str = ""
