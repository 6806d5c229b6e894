"""Demo money: the demo resident's simpanan at Lok Baintan, each demo cooperative's monthly expenses and other
income, a capital loan with its instalments paid so far, and last year closed with its SHU paid
(app.demo.last_year) — recorded through the finance services so every entry is posted and balanced."""

from __future__ import annotations

import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import last_months, local_midnight, local_today
from app.demo.history import FULL_MONTHS
from app.demo.last_year import load_last_year
from app.models import Cooperative, Membership, Role, User
from app.text import normalise_phone
from finance import expenses, loans, other_income, savings
from finance.schemas import ExpenseForm, LoanForm, LoanPaymentForm, OtherIncomeForm, SavingsForm

RESIDENT_COOPERATIVE = "lok-baintan"
POKOK = 100_000
WAJIB = 10_000
# Day of the month, category, amount, paid from: small costs a village shop has every month.
MONTHLY_COSTS = (
    (3, "listrik", 120_000, "cash"),
    (10, "transportasi", 80_000, "cash"),
    (20, "perlengkapan", 45_000, "cash"),
)
# Day of the month, category, amount, received into, note: money that is not from sales.
MONTHLY_INCOME = (
    (15, "sewa", 150_000, "cash", "Sewa lapak depan toko"),
    (28, "bunga", 9_500, "bank", "Bunga rekening koperasi"),
)
LOAN_LENDER = "LPDB-KUMKM (dana bergulir)"


async def load_demo_money(session: AsyncSession, resident_phone: str, now: datetime.datetime | None = None) -> None:
    """The caller commits. Dates follow the demo history: its first month up to today."""
    now = now or datetime.datetime.now(datetime.UTC)
    cooperatives = (await session.scalars(select(Cooperative).where(Cooperative.is_demo.is_(True)))).all()
    for index, cooperative in enumerate(sorted(cooperatives, key=lambda c: c.slug)):
        pengurus = await session.scalar(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.cooperative_id == cooperative.id, Membership.role == Role.PENGURUS)
        )
        if pengurus is None:
            continue
        today = local_today(cooperative, now)
        months = last_months(today, FULL_MONTHS + 1)
        for month in months[:-1]:
            for day, category, amount, paid_from in MONTHLY_COSTS:
                form = ExpenseForm(month.start.replace(day=day).isoformat(), category, amount, paid_from)
                await expenses.record(session, cooperative, form, pengurus.id)
            for day, category, amount, into, note in MONTHLY_INCOME:
                got = OtherIncomeForm(month.start.replace(day=day).isoformat(), category, amount, into, note)
                await other_income.record(session, cooperative, got, pengurus.id)
        await _loan(session, cooperative, index, pengurus, months[0].start, today)
        await load_last_year(session, cooperative, index, pengurus, now)
        if cooperative.slug == RESIDENT_COOPERATIVE:
            await _resident_savings(session, cooperative, resident_phone, pengurus, [m.start for m in months])


async def _loan(
    session: AsyncSession,
    cooperative: Cooperative,
    index: int,
    pengurus: User,
    start: datetime.date,
    today: datetime.date,
) -> None:
    """A capital loan drawn at the start of the demo history, its instalments paid when due up to today."""
    principal = 30_000_000 + 10_000_000 * index
    form = LoanForm(LOAN_LENDER, principal, start.replace(day=2).isoformat(), 24, principal // 200, "bank")
    loan = await loans.record(session, cooperative, form, pengurus.id)
    view = await loans.loan_of(session, cooperative.id, loan.id)
    for due in view.instalments:
        if due.due_on >= today:
            break
        await loans.pay(
            session, cooperative, loan.id, due.number, LoanPaymentForm(due.due_on.isoformat(), "bank"), pengurus.id
        )


async def _resident_savings(
    session: AsyncSession, cooperative: Cooperative, phone: str, pengurus: User, firsts: list[datetime.date]
) -> None:
    """Joined at the start of the demo history: pokok once, wajib for all but the last two months (so the
    arrears show), and a little sukarela."""
    resident = await session.scalar(select(User).where(User.phone == normalise_phone(phone)))
    if resident is None:
        return
    await session.execute(
        update(Membership)
        .where(Membership.user_id == resident.id, Membership.cooperative_id == cooperative.id)
        .values(created_at=local_midnight(cooperative, firsts[0]))
    )
    deposits = [("pokok", POKOK, firsts[0]), ("sukarela", 50_000, firsts[0].replace(day=15))]
    deposits += [("wajib", WAJIB, first.replace(day=5)) for first in firsts[:-2]]
    deposits.append(("sukarela", 25_000, firsts[-2].replace(day=12)))
    for kind, amount, day in deposits:
        form = SavingsForm(phone, kind, "deposit", amount, "cash", day.isoformat())
        await savings.record(session, cooperative, form, pengurus.id, pengurus.name)
