"""Loans the cooperative took (a capital loan up to Rp3 miliar): recording the drawdown, the monthly instalment
schedule, and paying an instalment. The ledger entries are posted by finance.events."""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import local_today
from app.db import flush_or_raise
from app.errors import Conflict, NotFound
from app.forms import parse_date, parse_int, parse_rupiah, parse_text, raise_errors
from app.i18n import _
from app.models import Cooperative
from finance.chart import MONEY_ACCOUNTS
from finance.models import Loan, LoanPayment
from finance.schemas import LoanForm, LoanPaymentForm

MAX_PRINCIPAL = 3_000_000_000
MAX_INSTALMENTS = 120
MAX_LENDER = 120
MAX_NOTE = 300


@dataclass(frozen=True)
class Instalment:
    number: int
    due_on: datetime.date
    principal: int
    interest: int
    paid_on: datetime.date | None = None
    paid_from: str | None = None

    @property
    def total(self) -> int:
        return self.principal + self.interest


@dataclass(frozen=True)
class LoanView:
    loan: Loan
    instalments: list[Instalment]

    @property
    def paid_principal(self) -> int:
        return sum(i.principal for i in self.instalments if i.paid_on)

    @property
    def outstanding(self) -> int:
        return self.loan.principal - self.paid_principal

    @property
    def paid_count(self) -> int:
        return sum(1 for i in self.instalments if i.paid_on)

    @property
    def next_due(self) -> Instalment | None:
        return next((i for i in self.instalments if i.paid_on is None), None)


def month_after(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, or the month's last day when it is shorter (31 Jan + 1 → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def schedule(loan: Loan, paid: Sequence[LoanPayment] = ()) -> list[Instalment]:
    """Equal principal each month, the rupiah left over by dividing on the last instalment; a flat interest."""
    by_number = {p.number: p for p in paid}
    part, rest = divmod(loan.principal, loan.instalments)
    rows = []
    for n in range(1, loan.instalments + 1):
        p = by_number.get(n)
        principal = part + (rest if n == loan.instalments else 0)
        rows.append(
            Instalment(
                n,
                month_after(loan.drawn_on, n),
                principal,
                loan.interest_per_instalment,
                p.paid_on if p else None,
                p.paid_from if p else None,
            )
        )
    return rows


async def record(session: AsyncSession, cooperative: Cooperative, form: LoanForm, recorder_id: int) -> Loan:
    errors: dict[str, str] = {}
    today = local_today(cooperative)
    lender = parse_text(form.lender, "lender", _("Pemberi pinjaman"), errors, required=True, max_length=MAX_LENDER)
    principal = parse_rupiah(form.principal, "principal", _("Pokok pinjaman"), errors, high=MAX_PRINCIPAL)
    day = parse_date(form.date, "date", _("Tanggal pencairan"), errors) or today
    count = parse_int(form.instalments, "instalments", _("Jumlah angsuran"), errors, low=1, high=MAX_INSTALMENTS)
    interest = parse_rupiah(
        form.interest_per_instalment, "interest_per_instalment", _("Bunga per angsuran"), errors, low=0, blank=0
    )
    if form.received_into not in MONEY_ACCOUNTS:
        errors["received_into"] = _("Pilih uang masuk ke kas atau bank.")
    note = parse_text(form.note, "note", _("Catatan"), errors, required=False, max_length=MAX_NOTE)
    if day > today:
        errors["date"] = _("Tanggal pencairan tidak boleh di masa depan.")
    if principal and count and principal < count:
        errors["instalments"] = _("Jumlah angsuran lebih banyak dari rupiah pokoknya.")
    if principal and interest and count and interest * count > principal:
        errors["interest_per_instalment"] = _("Bunga seluruh angsuran melebihi pokok pinjaman; periksa lagi angkanya.")
    raise_errors(errors)
    assert lender is not None and principal is not None and count is not None and interest is not None
    loan = Loan(
        cooperative_id=cooperative.id,
        lender=lender,
        principal=principal,
        drawn_on=day,
        instalments=count,
        interest_per_instalment=interest,
        received_into=form.received_into,
        note=note,
        recorded_by=recorder_id,
    )
    session.add(loan)
    await session.flush()
    return loan


async def loan_of(session: AsyncSession, cooperative_id: int, loan_id: int) -> LoanView:
    loan = await session.scalar(select(Loan).where(Loan.id == loan_id, Loan.cooperative_id == cooperative_id))
    if loan is None:
        raise NotFound(_("Pinjaman tidak ditemukan."))
    paid = (await session.scalars(select(LoanPayment).where(LoanPayment.loan_id == loan.id))).all()
    return LoanView(loan, schedule(loan, paid))


async def all_loans(session: AsyncSession, cooperative_id: int) -> list[LoanView]:
    loans = (
        await session.scalars(
            select(Loan).where(Loan.cooperative_id == cooperative_id).order_by(Loan.drawn_on.desc(), Loan.id.desc())
        )
    ).all()
    if not loans:
        return []
    payments = (
        await session.scalars(select(LoanPayment).where(LoanPayment.loan_id.in_([loan.id for loan in loans])))
    ).all()
    return [LoanView(loan, schedule(loan, [p for p in payments if p.loan_id == loan.id])) for loan in loans]


async def pay(
    session: AsyncSession,
    cooperative: Cooperative,
    loan_id: int,
    number: int,
    form: LoanPaymentForm,
    recorder_id: int,
) -> tuple[LoanView, Instalment]:
    """Pay instalment `number` (in order: the earlier ones first); 409 if it was paid already."""
    view = await loan_of(session, cooperative.id, loan_id)
    if not 1 <= number <= len(view.instalments):
        raise NotFound(_("Angsuran tidak ada."))
    due = view.instalments[number - 1]
    if due.paid_on is not None:
        raise Conflict(
            _("Angsuran ke-%(n)s sudah dibayar pada %(day)s.", n=number, day=due.paid_on.strftime("%d/%m/%Y"))
        )
    first_unpaid = view.next_due
    if first_unpaid is not None and first_unpaid.number < number:
        raise Conflict(_("Bayar angsuran ke-%(n)s lebih dulu.", n=first_unpaid.number))
    errors: dict[str, str] = {}
    today = local_today(cooperative)
    day = parse_date(form.date, "date", _("Tanggal bayar"), errors) or today
    if form.paid_from not in MONEY_ACCOUNTS:
        errors["paid_from"] = _("Pilih dibayar dari kas atau bank.")
    if day > today:
        errors["date"] = _("Tanggal bayar tidak boleh di masa depan.")
    elif day < view.loan.drawn_on:
        errors["date"] = _("Tanggal bayar sebelum pinjaman dicairkan.")
    raise_errors(errors)
    payment = LoanPayment(
        loan_id=view.loan.id,
        cooperative_id=cooperative.id,
        number=number,
        paid_on=day,
        principal=due.principal,
        interest=due.interest,
        paid_from=form.paid_from,
        recorded_by=recorder_id,
    )
    await flush_or_raise(session, Conflict(_("Angsuran ke-%(n)s sudah dibayar.", n=number)), payment)
    view = await loan_of(session, cooperative.id, loan_id)
    return view, view.instalments[number - 1]
