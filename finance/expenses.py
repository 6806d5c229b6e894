"""Money the cooperative spends (listrik, sewa, honor…): recorded by the bendahara, posted to the ledger."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import local_today
from app.forms import parse_date, parse_rupiah, parse_text, raise_errors
from app.i18n import _
from app.models import Cooperative
from finance.chart import EXPENSE_CATEGORIES, MONEY_ACCOUNTS
from finance.models import Expense
from finance.schemas import ExpenseForm

MAX_NOTE = 300


async def record(session: AsyncSession, cooperative: Cooperative, form: ExpenseForm, recorder_id: int) -> Expense:
    errors: dict[str, str] = {}
    day = parse_date(form.date, "date", _("Tanggal"), errors) or local_today(cooperative)
    if form.category not in EXPENSE_CATEGORIES:
        errors["category"] = _("Pilih jenis biaya dari daftar.")
    if form.paid_from not in MONEY_ACCOUNTS:
        errors["paid_from"] = _("Pilih dibayar dari kas atau bank.")
    amount = parse_rupiah(form.amount, "amount", _("Jumlah"), errors)
    note = parse_text(form.note, "note", _("Catatan"), errors, required=False, max_length=MAX_NOTE)
    if day > local_today(cooperative):
        errors["date"] = _("Tanggal biaya tidak boleh di masa depan.")
    raise_errors(errors)
    assert amount is not None
    expense = Expense(
        cooperative_id=cooperative.id,
        occurred_on=day,
        category=form.category,
        amount=amount,
        paid_from=form.paid_from,
        note=note,
        recorded_by=recorder_id,
    )
    session.add(expense)
    await session.flush()
    return expense


async def recent(session: AsyncSession, cooperative_id: int, limit: int = 30) -> Sequence[Expense]:
    query = (
        select(Expense)
        .where(Expense.cooperative_id == cooperative_id)
        .order_by(Expense.occurred_on.desc(), Expense.id.desc())
        .limit(limit)
    )
    return (await session.scalars(query)).all()
